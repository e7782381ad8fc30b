// SPDX-License-Identifier: MIT
/*
 * The --duty-cycle schedule and its scale (duty_cycle.h): pure arithmetic on times the caller
 * passes in.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "duty_cycle.h"

int duty_cycle__parse(const char *arg, unsigned int *pct)
{
	unsigned int v = 0;
	const char *p = arg;

	/* digits only: no sign, no spaces, no fraction, at most three of them */
	for (; *p >= '0' && *p <= '9' && p - arg < 4; p++)
		v = v * 10 + (unsigned int)(*p - '0');
	if (p == arg || p - arg > 3)
		return -EINVAL;
	if (*p == '%')
		p++;
	if (*p || v < 1 || v > 100)
		return -EINVAL;
	*pct = v;
	return 0;
}

int duty_cycle__init(struct duty_cycle *d, unsigned int pct, uint64_t period_ns, uint64_t start_ns)
{
	if (!pct || pct > 100 || !period_ns)
		return -EINVAL;
	*d = (struct duty_cycle){
		.period_ns = period_ns,
		.on_ns = period_ns / 100 * pct + period_ns % 100 * pct / 100,
		.start_ns = start_ns,
		.attached = true,
		.since_ns = start_ns,
		.windows = 1,
	};
	return 0;
}

/* How far into its cycle now is (0 before the start). */
static uint64_t phase(const struct duty_cycle *d, uint64_t now)
{
	return now > d->start_ns ? (now - d->start_ns) % d->period_ns : 0;
}

bool duty_cycle__wants_attached(const struct duty_cycle *d, uint64_t now)
{
	return phase(d, now) < d->on_ns;
}

enum duty_action duty_cycle__due(const struct duty_cycle *d, uint64_t now)
{
	bool want = duty_cycle__wants_attached(d, now);

	if (want == d->attached)
		return DUTY_STAY;
	return want ? DUTY_ATTACH : DUTY_DETACH;
}

uint64_t duty_cycle__next_ns(const struct duty_cycle *d, uint64_t now)
{
	uint64_t in = phase(d, now), cycle_start;

	if (d->on_ns >= d->period_ns)
		return UINT64_MAX;
	if (now < d->start_ns)
		return d->start_ns + d->on_ns;
	cycle_start = now - in;
	return in < d->on_ns ? cycle_start + d->on_ns : cycle_start + d->period_ns;
}

void duty_cycle__attached(struct duty_cycle *d, uint64_t at)
{
	if (d->attached)
		return;
	d->attached = true;
	d->since_ns = at;
	d->windows++;
}

void duty_cycle__detached(struct duty_cycle *d, uint64_t at)
{
	if (!d->attached)
		return;
	d->attached = false;
	d->attached_ns += at > d->since_ns ? at - d->since_ns : 0;
}

uint64_t duty_cycle__attached_ns(const struct duty_cycle *d, uint64_t now)
{
	if (!d->attached || now <= d->since_ns)
		return d->attached_ns;
	return d->attached_ns + (now - d->since_ns);
}

double duty_cycle__scale(uint64_t elapsed_ns, uint64_t attached_ns)
{
	if (!attached_ns || attached_ns >= elapsed_ns)
		return 1.0;
	return (double)elapsed_ns / (double)attached_ns;
}

int64_t duty_cycle__scale_value(int64_t v, double factor)
{
	double scaled = (double)v * factor;

	if (scaled >= 9.2e18)
		return INT64_MAX;
	if (scaled <= -9.2e18)
		return -INT64_MAX;
	return llround(scaled);
}
