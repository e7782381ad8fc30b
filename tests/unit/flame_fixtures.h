/* SPDX-License-Identifier: MIT */
/* Profiles for the unit tests, built from folded text ("a;b;c 10\n" lines). */
#ifndef SINGE_TESTS_FLAME_FIXTURES_H
#define SINGE_TESTS_FLAME_FIXTURES_H

#include "test.h"

#include "folded.h"
#include "profile.h"

/* A new profile holding the folded stacks of text; fails the test on any bad line. */
static inline struct profile *fixture_folded(const char *text)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();
	size_t bad = 0;

	assert_non_null(p);
	if (folded__parse(p, text, strlen(text), &bad, &err))
		fail_msg("folded: %s", err.msg);
	assert_int_equal(bad, 0);
	return p;
}

#endif /* SINGE_TESTS_FLAME_FIXTURES_H */
