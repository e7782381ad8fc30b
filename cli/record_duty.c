// SPDX-License-Identifier: MIT
/*
 * --duty-cycle PCT, the engine's side: the uprobes of the recording (every source's, which
 * all allow it: source_ops.duty_cycle, checked by the command) are detached when the
 * schedule (duty_cycle.c) says so and attached again at the next second, all at once. Each
 * transition's time is measured (see pause_sources()), and the values of the duty-cycled
 * sources are scaled by elapsed / attached time when the profile is built.
 *
 * What is in progress at a detach ends then (a parked goroutine's park: its wake would be
 * missed); what begins while detached is not seen.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "record_int.h"

int record_duty__start(struct record *r)
{
	if (!r->opts.duty_cycle)
		return 0;
	r->duty_on = true;
	return duty_cycle__init(&r->duty, r->opts.duty_cycle, DUTY_CYCLE_PERIOD_NS, r->start_ns);
}

/*
 * The sources stop taking events (their programs read a flag) just before the uprobes go out,
 * and start again once they are all back in: those are the times measured, and scaled by. The
 * breakpoints come back one by one over the attach, a few ms each, but leave only at the end
 * of the detach: the kernel first takes the programs off them and waits a grace period (0.2 to
 * 0.3 s here), in which the program still traps at each hit though nothing runs. That time is
 * measured too: the summary says how much of the time the program paid the traps.
 */
static int pause_sources(struct record *r)
{
	uint64_t at = mono_ns();
	size_t i;
	int ret = 0;

	for (i = 0; i < r->sources.len && !ret; i++) {
		struct source *s = r->sources.data[i];

		if (s->ops->pause)
			ret = s->ops->pause(s, at);
	}
	record__detach_uprobes(r);
	duty_cycle__detached(&r->duty, at);
	r->detach_ns += mono_ns() - at;
	r->detaches++;
	return ret;
}

static int resume_sources(struct record *r)
{
	uint64_t at;
	size_t i;
	int ret = 0;

	record__reattach_uprobes(r);
	at = mono_ns();
	duty_cycle__attached(&r->duty, at);
	for (i = 0; i < r->sources.len && !ret; i++) {
		struct source *s = r->sources.data[i];

		if (s->ops->resume)
			ret = s->ops->resume(s, at);
	}
	return ret;
}

int record_duty__step(struct record *r)
{
	if (!r->duty_on || r->finished)
		return 0;
	switch (duty_cycle__due(&r->duty, mono_ns())) {
	case DUTY_DETACH:
		return pause_sources(r);
	case DUTY_ATTACH:
		return resume_sources(r);
	default:
		return 0;
	}
}

uint64_t record__duty_next_ns(const struct record *r)
{
	if (!r->duty_on || r->finished)
		return UINT64_MAX;
	return duty_cycle__next_ns(&r->duty, mono_ns());
}

void record_duty__stop(struct record *r)
{
	if (r->duty_on)
		duty_cycle__detached(&r->duty, r->stop_ns);
}

static double scale_factor(const struct record *r)
{
	return duty_cycle__scale(record__elapsed_ns(r), record__attached_ns(r));
}

const int64_t *record_duty__scale_row(const struct record *r, const int64_t *in, int64_t *scaled)
{
	double factor;
	size_t i;
	unsigned int j;

	if (!r->duty_on || (factor = scale_factor(r)) == 1.0)
		return in;
	memcpy(scaled, in, r->nvalues * sizeof(*in));
	for (i = 0; i < r->sources.len; i++) {
		const struct source *s = r->sources.data[i];

		for (j = 0; s->ops->duty_cycle && j < s->ops->nvalues; j++)
			scaled[s->first_value + j] =
				duty_cycle__scale_value(in[s->first_value + j], factor);
	}
	return scaled;
}

const char *record__duty_note(const struct record *r, char *buf, size_t size)
{
	uint64_t elapsed = record__elapsed_ns(r), attached = record__attached_ns(r);

	if (!r->duty_on || !size)
		return NULL;
	snprintf(buf, size, "--duty-cycle %u: values scaled by %.2f (attached %.0f%% of the time)",
		 r->opts.duty_cycle, scale_factor(r), elapsed ? 100.0 * attached / elapsed : 0.0);
	return buf;
}

const char *record__duty_summary(const struct record *r, char *buf, size_t size)
{
	uint64_t elapsed = record__elapsed_ns(r), attached = record__attached_ns(r);
	size_t n;

	if (!r->duty_on || !size)
		return NULL;
	n = snprintf(buf, size,
		     "duty cycle %u%%: values scaled by %.2f (attached %.0f%% of the time: %.2f s "
		     "of %.2f s, in %llu windows); what began while the uprobes were detached is "
		     "not seen",
		     r->opts.duty_cycle, scale_factor(r),
		     elapsed ? 100.0 * attached / elapsed : 0.0, attached / 1e9, elapsed / 1e9,
		     (unsigned long long)r->duty.windows);
	if (n < size && r->detaches && elapsed)
		n += snprintf(buf + n, size - n,
			      "; a detach took %.0f ms on average (the kernel's grace period, the "
			      "program still trapping): traps about %.0f%% of the time",
			      r->detach_ns / 1e6 / r->detaches,
			      100.0 * (attached + r->detach_ns) / elapsed);
	if (n < size && r->reattach_gone)
		n += snprintf(buf + n, size - n,
			      "; %llu uprobes not attached again (their process or file went)",
			      (unsigned long long)r->reattach_gone);
	if (n < size && r->reattach_failed)
		snprintf(buf + n, size - n,
			 "; %llu attaches again failed and were tried at the next second (the "
			 "first: %s)",
			 (unsigned long long)r->reattach_failed, strerror(r->reattach_errno));
	return buf;
}

/* The profile says it is scaled, in the words of the summary. */
int record_duty__annotate(struct record *r)
{
	char text[512];

	if (!record__duty_summary(r, text, sizeof(text)))
		return 0;
	return profile__add_comment(r->profile, text);
}
