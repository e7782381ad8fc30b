// SPDX-License-Identifier: MIT
/*
 * The --duty-cycle schedule and scale (cli/duty_cycle.c): transitions at the right times of
 * each cycle, measured attached time, and the scale factor it gives.
 */
#include "test.h"

#include "duty_cycle.h"

#define MS 1000000ULL
#define S 1000000000ULL

static void test_parse(void **state)
{
	static const char *const bad[] = {"0",	 "101", "-5",	"",  "abc",  "50.5", " 50",
					  "50 ", "+50", "1000", "%", "50%%", "0x10"};
	unsigned int pct = 0, i;

	(void)state;
	assert_int_equal(duty_cycle__parse("50", &pct), 0);
	assert_int_equal(pct, 50);
	assert_int_equal(duty_cycle__parse("1", &pct), 0);
	assert_int_equal(pct, 1);
	assert_int_equal(duty_cycle__parse("100", &pct), 0);
	assert_int_equal(pct, 100);
	assert_int_equal(duty_cycle__parse("10%", &pct), 0);
	assert_int_equal(pct, 10);
	assert_int_equal(duty_cycle__parse("007", &pct), 0);
	assert_int_equal(pct, 7);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pct = 99;
		assert_int_equal(duty_cycle__parse(bad[i], &pct), -EINVAL);
		assert_int_equal(pct, 99); /* left alone */
	}
}

static void test_init_rejects(void **state)
{
	struct duty_cycle d;

	(void)state;
	assert_int_equal(duty_cycle__init(&d, 0, S, 0), -EINVAL);
	assert_int_equal(duty_cycle__init(&d, 101, S, 0), -EINVAL);
	assert_int_equal(duty_cycle__init(&d, 50, 0, 0), -EINVAL);
	assert_int_equal(duty_cycle__init(&d, 37, S, 5), 0);
	assert_int_equal(d.on_ns, 370 * MS);
	assert_true(d.attached);
	assert_int_equal(d.windows, 1);
}

/* 20% of each second from t0: attached [t0, t0+200ms), detached [t0+200ms, t0+1s), and so on. */
static void test_schedule(void **state)
{
	const uint64_t t0 = 5 * S + 123;
	struct duty_cycle d;

	(void)state;
	assert_int_equal(duty_cycle__init(&d, 20, S, t0), 0);
	assert_true(duty_cycle__wants_attached(&d, t0));
	assert_true(duty_cycle__wants_attached(&d, t0 + 200 * MS - 1));
	assert_false(duty_cycle__wants_attached(&d, t0 + 200 * MS));
	assert_false(duty_cycle__wants_attached(&d, t0 + S - 1));
	assert_true(duty_cycle__wants_attached(&d, t0 + S));
	assert_true(duty_cycle__wants_attached(&d, t0 + 7 * S + 199 * MS));
	assert_false(duty_cycle__wants_attached(&d, t0 + 7 * S + 200 * MS));
	/* before the start (a clock read early): attached, the first switch at t0 + 200 ms */
	assert_true(duty_cycle__wants_attached(&d, t0 - 1));
	assert_int_equal(duty_cycle__next_ns(&d, t0 - 1), t0 + 200 * MS);

	assert_int_equal(duty_cycle__due(&d, t0 + 100 * MS), DUTY_STAY);
	assert_int_equal(duty_cycle__next_ns(&d, t0 + 100 * MS), t0 + 200 * MS);
	assert_int_equal(duty_cycle__due(&d, t0 + 200 * MS), DUTY_DETACH);
	duty_cycle__detached(&d, t0 + 201 * MS);
	assert_int_equal(duty_cycle__due(&d, t0 + 500 * MS), DUTY_STAY);
	assert_int_equal(duty_cycle__next_ns(&d, t0 + 500 * MS), t0 + S);
	assert_int_equal(duty_cycle__due(&d, t0 + S + 3 * MS), DUTY_ATTACH);
	duty_cycle__attached(&d, t0 + S + 4 * MS);
	assert_int_equal(d.windows, 2);
	assert_int_equal(duty_cycle__next_ns(&d, t0 + S + 4 * MS), t0 + S + 200 * MS);
	/* a loop late by a whole detached part: straight into the next cycle's attached part */
	assert_int_equal(duty_cycle__due(&d, t0 + 2 * S + 50 * MS), DUTY_STAY);
	assert_int_equal(duty_cycle__due(&d, t0 + 2 * S + 250 * MS), DUTY_DETACH);
}

/* 100%: never a transition. */
static void test_always(void **state)
{
	struct duty_cycle d;
	uint64_t t;

	(void)state;
	assert_int_equal(duty_cycle__init(&d, 100, S, 0), 0);
	for (t = 0; t < 5 * S; t += 7 * MS)
		assert_int_equal(duty_cycle__due(&d, t), DUTY_STAY);
	assert_int_equal(duty_cycle__next_ns(&d, 3 * S), UINT64_MAX);
	assert_int_equal(duty_cycle__attached_ns(&d, 4 * S), 4 * S);
}

/* Attached time is what was reported, not what was scheduled; the current interval counts. */
static void test_attached_time(void **state)
{
	struct duty_cycle d;

	(void)state;
	assert_int_equal(duty_cycle__init(&d, 50, S, 1000), 0);
	assert_int_equal(duty_cycle__attached_ns(&d, 1000 + 300 * MS), 300 * MS);
	duty_cycle__detached(&d, 1000 + 520 * MS); /* late by 20 ms */
	duty_cycle__detached(&d, 1000 + 600 * MS); /* reported twice: no change */
	assert_int_equal(duty_cycle__attached_ns(&d, 1000 + 900 * MS), 520 * MS);
	duty_cycle__attached(&d, 1000 + S + 10 * MS);
	duty_cycle__attached(&d, 1000 + S + 90 * MS); /* twice: the first time stands */
	assert_int_equal(duty_cycle__attached_ns(&d, 1000 + S + 410 * MS), 920 * MS);
	duty_cycle__detached(&d, 1000 + S + 500 * MS);
	assert_int_equal(duty_cycle__attached_ns(&d, 1000 + 3 * S), 1010 * MS);
	assert_int_equal(d.windows, 2);
	/* a detach reported before the attach it ends (clock skew): nothing negative */
	duty_cycle__attached(&d, 1000 + 4 * S);
	duty_cycle__detached(&d, 1000 + 4 * S - 5);
	assert_int_equal(duty_cycle__attached_ns(&d, 1000 + 5 * S), 1010 * MS);
}

/*
 * Replay a whole recording: 10% of each second over 10.05 s, each transition performed a few
 * ms late as a loaded loop would; the scale from the measured times is elapsed / attached and
 * turns a steady event rate seen while attached back into the whole run's total.
 */
static void test_replayed_recording(void **state)
{
	const uint64_t start = 42 * S, stop = start + 10 * S + 50 * MS, rate = 35000; /* per s */
	uint64_t now, attached, seen = 0, last = start;
	struct duty_cycle d;
	double factor;

	(void)state;
	assert_int_equal(duty_cycle__init(&d, 10, S, start), 0);
	for (now = start; now < stop; now += MS) {
		/* the events of the last ms, when attached */
		if (d.attached)
			seen += rate * (now - last) / S;
		last = now;
		switch (duty_cycle__due(&d, now)) {
		case DUTY_DETACH:
			duty_cycle__detached(&d, now + 3 * MS);
			break;
		case DUTY_ATTACH:
			duty_cycle__attached(&d, now + 3 * MS);
			break;
		case DUTY_STAY:
			break;
		}
	}
	if (d.attached)
		seen += rate * (stop - last) / S;
	duty_cycle__detached(&d, stop);
	attached = duty_cycle__attached_ns(&d, stop);
	/* 11 windows (the last one 50 ms), each 100 ms give or take the 3 ms delays */
	assert_int_equal(d.windows, 11);
	assert_in_range(attached, 1040 * MS, 1060 * MS);
	factor = duty_cycle__scale(stop - start, attached);
	assert_true(factor > 9.4 && factor < 9.8);
	/* the scaled count is the whole run's within 5% (the events here follow the reports) */
	assert_in_range(duty_cycle__scale_value((int64_t)seen, factor), rate * 10 * 95 / 100,
			rate * 10 * 105 / 100);
}

static void test_scale(void **state)
{
	(void)state;
	assert_true(duty_cycle__scale(10 * S, 5 * S) == 2.0);
	assert_true(duty_cycle__scale(10 * S, S) == 10.0);
	assert_true(duty_cycle__scale(10 * S, 10 * S) == 1.0);
	assert_true(duty_cycle__scale(10 * S, 11 * S) == 1.0); /* rounding, never below 1 */
	assert_true(duty_cycle__scale(10 * S, 0) == 1.0);      /* nothing attached, nothing seen */
	assert_int_equal(duty_cycle__scale_value(7, 2.0), 14);
	assert_int_equal(duty_cycle__scale_value(3, 1.5), 5); /* 4.5 rounds away from zero */
	assert_int_equal(duty_cycle__scale_value(1000000007, 3.3333), 3333300023);
	assert_int_equal(duty_cycle__scale_value(0, 9.5), 0);
	assert_int_equal(duty_cycle__scale_value(INT64_MAX / 2, 10.0), INT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),	      cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_schedule),      cmocka_unit_test(test_always),
		cmocka_unit_test(test_attached_time), cmocka_unit_test(test_replayed_recording),
		cmocka_unit_test(test_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
