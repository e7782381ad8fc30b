// SPDX-License-Identifier: MIT
/*
 * uprobe targets: the file offset found for a function is where the kernel maps it (checked
 * against this test's own mappings), and a stripped Go binary's functions are found through
 * .gopclntab at the offsets its unstripped twin's .symtab gives.
 */
#include "test.h"

#include <unistd.h>

#include "sym_procmaps.h"
#include "uprobe.h"

/* noinline and global: a function of this test's own .symtab */
__attribute__((noinline)) int uprobe_test_target(int x)
{
	return x * 3 + 1;
}

/* initialized data of this test's own: an object symbol, not a function */
int uprobe_test_object = 0x5eed;

/* The file offset the running code of addr comes from, through /proc/self/maps. */
static uint64_t mapped_offset(uint64_t addr)
{
	struct procmaps *maps = procmaps__load(getpid());
	const struct procmap *m;
	uint64_t off;

	assert_non_null(maps);
	m = procmaps__find(maps, addr);
	assert_non_null(m);
	off = addr - m->start + m->offset;
	procmaps__free(maps);
	return off;
}

static void test_own_function(void **state)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct uprobe_func f;

	(void)state;
	assert_true(n > 0);
	self[n] = '\0';
	assert_int_equal(uprobe__find(self, "uprobe_test_target", &f), 0);
	assert_int_equal(f.source, UPROBE_SYMTAB);
	assert_true(f.size > 0);
	assert_int_equal(f.offset, mapped_offset((uint64_t)(uintptr_t)uprobe_test_target));
	assert_int_equal(uprobe_test_target(1), 4);
	assert_int_equal(uprobe__find(self, "no_such_function_anywhere", &f), -ENOENT);
	assert_int_equal(uprobe__find("/nonexistent/binary", "main", &f), -ENOENT);
}

/* A data object (CPython's _PyRuntime, Py_Version): its file offset holds its initial value. */
static void test_own_object(void **state)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct uprobe_func f;
	FILE *file;
	int value = 0;
	void *img;
	long len;

	(void)state;
	assert_true(n > 0);
	self[n] = '\0';
	file = fopen(self, "rb");
	assert_non_null(file);
	assert_int_equal(fseek(file, 0, SEEK_END), 0);
	len = ftell(file);
	img = malloc((size_t)len);
	assert_non_null(img);
	rewind(file);
	assert_int_equal(fread(img, 1, (size_t)len, file), (size_t)len);
	fclose(file);
	assert_int_equal(uprobe__find_object_in(img, (size_t)len, "uprobe_test_object", &f), 0);
	assert_true(f.offset + sizeof(value) <= (uint64_t)len);
	memcpy(&value, (char *)img + f.offset, sizeof(value));
	assert_int_equal(value, 0x5eed);
	assert_int_equal(f.offset, mapped_offset((uint64_t)(uintptr_t)&uprobe_test_object));
	/* a function is no object, and an object no function */
	assert_int_equal(uprobe__find_object_in(img, (size_t)len, "uprobe_test_target", &f),
			 -ENOENT);
	assert_int_equal(uprobe__find_in(img, (size_t)len, "uprobe_test_object", &f), -ENOENT);
	free(img);
}

/* libc's malloc, from .dynsym (Debian strips .symtab). */
static void test_libc(void **state)
{
	struct uprobe_func f;

	(void)state;
	assert_int_equal(uprobe__find("/lib/x86_64-linux-gnu/libc.so.6", "malloc", &f), 0);
	assert_int_equal(f.source, UPROBE_SYMTAB);
	assert_true(f.offset > 0 && f.size > 0);
}

/* The Go cpu example, normal and stripped, built into a temporary directory. */
static void build_go_example(char *dir, size_t size)
{
	char cmd[600];

	snprintf(dir, size, "%s/singe-uprobe.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "NOPIE=1 ../examples/go/build.sh '%s' cpu >/dev/null 2>&1", dir);
	if (system(cmd))
		fail_msg("cannot build examples/go/cpu: is go installed (make deps)?");
}

static void test_go_stripped(void **state)
{
	char dir[256], normal[300], stripped[300], cmd[300];
	struct uprobe_func a, b;

	(void)state;
	build_go_example(dir, sizeof(dir));
	snprintf(normal, sizeof(normal), "%s/cpu", dir);
	snprintf(stripped, sizeof(stripped), "%s/cpu-stripped", dir);
	assert_int_equal(uprobe__find(normal, "runtime.gopark", &a), 0);
	assert_int_equal(a.source, UPROBE_SYMTAB);
	assert_int_equal(uprobe__find(stripped, "runtime.gopark", &b), 0);
	assert_int_equal(b.source, UPROBE_GOPCLNTAB);
	assert_int_equal(a.offset, b.offset);
	assert_int_equal(a.vaddr, b.vaddr);
	assert_true(b.size > 0);
	assert_int_equal(uprobe__find(stripped, "main.main", &b), 0);
	assert_int_equal(uprobe__find(normal, "main.main", &a), 0);
	assert_int_equal(a.offset, b.offset);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_not_elf(void **state)
{
	const char junk[] = "\x7f"
			    "ELF but not really, and far too short";
	struct uprobe_func f;
	uint64_t off;

	(void)state;
	assert_int_equal(uprobe__find_in(junk, sizeof(junk), "main", &f), -ENOEXEC);
	assert_int_equal(uprobe__find_in(junk, 3, "main", &f), -ENOEXEC);
	assert_int_equal(uprobe__vaddr_to_offset(junk, sizeof(junk), 0x1000, &off), -ENOEXEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_function),
		cmocka_unit_test(test_own_object),
		cmocka_unit_test(test_libc),
		cmocka_unit_test(test_go_stripped),
		cmocka_unit_test(test_not_elf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
