/* SPDX-License-Identifier: MIT */
/*
 * The symbolization fixtures of tests/data/sym (a PIE, a shared library, debug-link and
 * build-id variants), built once per test group by tests/data/sym/build.sh into a temporary
 * directory, and helpers that ask binutils about them. Shared by test_sym_elf.c and
 * test_symbolize.c; include after "test.h".
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

/* Run a command and return its first output line (trailing newline removed). */
static void first_line(const char *cmd, char *buf, size_t size)
{
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	buf[0] = '\0';
	if (!fgets(buf, (int)size, p))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pclose(p);
}

/* The address nm gives for sym in bin (fails the test when there is none). */
static uint64_t nm_addr(const char *bin, const char *sym)
{
	char cmd[1024], line[256];

	snprintf(cmd, sizeof(cmd), "nm '%s' | awk '$3 == \"%s\" { print $1 }'", bin, sym);
	first_line(cmd, line, sizeof(line));
	assert_true(line[0]);
	return strtoull(line, NULL, 16);
}

/* The matching group teardown. */
/* Find the file offset of a virtual address through the program headers (readelf). */
static uint64_t vaddr_to_offset(const char *bin, uint64_t vaddr)
{
	unsigned long long off, va, pa, filesz;
	char cmd[1024], line[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -lW '%s'", bin);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, " LOAD 0x%llx 0x%llx 0x%llx 0x%llx", &off, &va, &pa, &filesz) ==
			    4 &&
		    vaddr >= va && vaddr < va + filesz) {
			pclose(p);
			return vaddr - va + off;
		}
	}
	pclose(p);
	fail_msg("no PT_LOAD holds 0x%llx in %s", (unsigned long long)vaddr, bin);
	return 0;
}

static int remove_fixtures(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_dir);
	return system(cmd) ? -1 : 0;
}

#endif /* SINGE_TESTS_SYM_FIXTURES_H */
