/* SPDX-License-Identifier: MIT */
/*
 * The symbolization fixtures of tests/data/sym (a PIE, a shared library, debug-link and
 * build-id variants), built once per test group by tests/data/sym/build.sh into a temporary
 * directory. Shared by test_sym_elf.c and test_symbolize.c; include after "test.h".
 */
#ifndef SINGE_TESTS_SYM_FIXTURES_H
#define SINGE_TESTS_SYM_FIXTURES_H

#include <unistd.h>

static char fx_dir[256];

/* The path of fixture name; the last eight results stay valid. */
static const char *fx(const char *name)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", fx_dir, name);
	return p;
}

/* A cmocka group setup: build the fixtures (from tests/ or from the repository root). */
static int build_fixtures(void **state)
{
	static const char *const scripts[] = {"data/sym/build.sh", "tests/data/sym/build.sh"};
	char cmd[1024];
	size_t i;

	(void)state;
	snprintf(fx_dir, sizeof(fx_dir), "/tmp/singe-test-sym-XXXXXX");
	if (!mkdtemp(fx_dir))
		return -1;
	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		if (access(scripts[i], R_OK))
			continue;
		snprintf(cmd, sizeof(cmd), "sh %s %s", scripts[i], fx_dir);
		return system(cmd) ? -1 : 0;
	}
	return -1;
}

/* The matching group teardown. */
static int remove_fixtures(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_dir);
	return system(cmd) ? -1 : 0;
}

#endif /* SINGE_TESTS_SYM_FIXTURES_H */
