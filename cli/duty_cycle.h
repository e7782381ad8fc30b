/* SPDX-License-Identifier: MIT */
/*
 * --duty-cycle PCT: the schedule by which the uprobes of uprobe-based types (goroutine) are
 * attached for PCT% of each period (a second) and detached for the rest, so that a busy
 * program pays the traps only that share of the time; and the scale that makes up for the
 * rest: values x measured elapsed time / measured attached time.
 *
 * Pure and clock-free: the caller passes the time (CLOCK_MONOTONIC nanoseconds), performs the
 * transitions the schedule asks for, and reports when each really happened; the scale comes
 * from those measured times, so a late transition (a drain, a loaded machine) moves the share
 * of time attached but does not bias the scaled values.
 *
 *   duty_cycle__init(&d, 50, DUTY_CYCLE_PERIOD_NS, start);   attached from start
 *   loop: switch (duty_cycle__due(&d, now)) {
 *         case DUTY_DETACH: detach...; duty_cycle__detached(&d, when); break;
 *         case DUTY_ATTACH: attach...; duty_cycle__attached(&d, when); break;
 *         }
 *         sleep until duty_cycle__next_ns(&d, now) at the latest
 *   end:  duty_cycle__detached(&d, stop) if attached;
 *         factor = duty_cycle__scale(stop - start, duty_cycle__attached_ns(&d, stop));
 */
#ifndef SINGE_CLI_DUTY_CYCLE_H
#define SINGE_CLI_DUTY_CYCLE_H

#include <stdbool.h>
#include <stdint.h>

/* The cycle: attached for the first PCT% of each second, detached for the rest. */
#define DUTY_CYCLE_PERIOD_NS 1000000000ULL

struct duty_cycle {
	uint64_t period_ns;   /* one cycle */
	uint64_t on_ns;	      /* its attached part: period_ns x pct / 100 */
	uint64_t start_ns;    /* the first cycle's start */
	bool attached;	      /* the state the caller last reported */
	uint64_t since_ns;    /* when the current attached interval began */
	uint64_t attached_ns; /* attached time of the intervals that ended */
	uint64_t windows;     /* attached intervals begun, the first included */
};

enum duty_action {
	DUTY_STAY,   /* nothing to do now */
	DUTY_DETACH, /* attached, and the cycle's attached part is over */
	DUTY_ATTACH, /* detached, and a new cycle began */
};

/* Parse PCT, a whole number from 1 to 100 ("50" or "50%"): 0, or -EINVAL. */
int duty_cycle__parse(const char *arg, unsigned int *pct);
/*
 * Start the schedule at start_ns with the probes attached then. 0, or -EINVAL when pct is 0
 * or over 100 or period_ns is 0.
 */
int duty_cycle__init(struct duty_cycle *d, unsigned int pct, uint64_t period_ns, uint64_t start_ns);
/* Whether the schedule has the probes attached at now (the attached part of its cycle). */
bool duty_cycle__wants_attached(const struct duty_cycle *d, uint64_t now);
/* The transition due at now, from the state last reported. */
enum duty_action duty_cycle__due(const struct duty_cycle *d, uint64_t now);
/* When the schedule next changes state after now; UINT64_MAX at 100% (never). */
uint64_t duty_cycle__next_ns(const struct duty_cycle *d, uint64_t now);
/* The probes were attached at at (measured); nothing when already attached. */
void duty_cycle__attached(struct duty_cycle *d, uint64_t at);
/* The probes were detached at at (measured); nothing when already detached. */
void duty_cycle__detached(struct duty_cycle *d, uint64_t at);
/* Time attached from the start to now, the current interval up to now included. */
uint64_t duty_cycle__attached_ns(const struct duty_cycle *d, uint64_t now);
/*
 * What values seen while attached are multiplied by to stand for the whole recording:
 * elapsed / attached, at least 1 (attached time measured over elapsed is rounding); 1 when
 * nothing was attached (nothing was seen either).
 */
double duty_cycle__scale(uint64_t elapsed_ns, uint64_t attached_ns);
/* v x factor, rounded to the nearest whole value (saturated at INT64_MAX). */
int64_t duty_cycle__scale_value(int64_t v, double factor);

#endif /* SINGE_CLI_DUTY_CYCLE_H */
