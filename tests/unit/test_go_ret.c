// SPDX-License-Identifier: MIT
/*
 * RETs of Go functions found from the pcsp table: the same instructions objdump decodes as
 * ret, in the runtime functions -t pause probes, in a normal and a stripped build; and
 * hostile ranges are refused.
 */
#include "test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "go_ret.h"
#include "sym_gopclntab.h"
#include "uprobe.h"

struct image {
	void *data;
	size_t len;
	struct gopclntab *t;
};

static void map_image(const char *path, struct image *img)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	img->len = st.st_size;
	img->data = mmap(NULL, img->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	assert_true(img->data != MAP_FAILED);
	img->t = gopclntab__load(img->data, img->len);
	assert_non_null(img->t);
}

static void unmap_image(struct image *img)
{
	gopclntab__free(img->t);
	munmap(img->data, img->len);
}

static void build_go_example(char *dir, size_t size)
{
	char cmd[600];

	snprintf(dir, size, "%s/singe-goret.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "NOPIE=1 ../examples/go/build.sh '%s' cpu >/dev/null 2>&1", dir);
	if (system(cmd))
		fail_msg("cannot build examples/go/cpu: is go installed (make deps)?");
}

/* The addresses of the ret instructions objdump decodes in [start, end). */
static int objdump_rets(const char *path, uint64_t start, uint64_t end, uint64_t *out, int max)
{
	char cmd[700], line[512];
	unsigned long long addr;
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd),
		 "objdump -d --no-show-raw-insn --start-address=0x%llx --stop-address=0x%llx '%s'",
		 (unsigned long long)start, (unsigned long long)end, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, " %llx:", &addr) == 1 && strstr(line, "\tret") && n < max)
			out[n++] = addr;
	assert_int_equal(pclose(p), 0);
	return n;
}

/* Check fn's RETs in the binary at path against objdump of the same (unstripped) bytes. */
static void check_function(const char *path, const char *truth, const char *fn)
{
	uint64_t rets[16], want[16], vaddr_of;
	struct uprobe_func f;
	struct image img;
	int n, nwant, i;

	assert_int_equal(uprobe__find(path, fn, &f), 0);
	map_image(path, &img);
	n = go_ret__find(img.data, img.len, img.t, f.vaddr, f.size, rets, 16);
	nwant = objdump_rets(truth, f.vaddr, f.vaddr + f.size, want, 16);
	assert_true(nwant >= 1);
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++) {
		/* file offset -> link-time address, in the function's segment */
		vaddr_of = f.vaddr + (rets[i] - f.offset);
		assert_int_equal(vaddr_of, want[i]);
		assert_int_equal(((const uint8_t *)img.data)[rets[i]], 0xc3);
	}
	unmap_image(&img);
}

static void test_runtime_functions(void **state)
{
	static const char *const fns[] = {
		"runtime.startTheWorldWithSema",
		"runtime.stopTheWorldWithSema",
		"runtime.gcStart",
		"runtime.gopark",
		"main.main",
	};
	char dir[256], normal[300], stripped[300], cmd[300];
	size_t i;

	(void)state;
	build_go_example(dir, sizeof(dir));
	snprintf(normal, sizeof(normal), "%s/cpu", dir);
	snprintf(stripped, sizeof(stripped), "%s/cpu-stripped", dir);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		check_function(normal, normal, fns[i]);
		/* the stripped build has the same code: objdump of the normal one is the truth */
		check_function(stripped, normal, fns[i]);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A frameless function has no epilogue to find; out-of-image ranges are refused. */
static void test_bad_ranges(void **state)
{
	char dir[256], normal[300], cmd[300];
	struct uprobe_func f;
	struct image img;
	uint64_t rets[4];

	(void)state;
	build_go_example(dir, sizeof(dir));
	snprintf(normal, sizeof(normal), "%s/cpu", dir);
	assert_int_equal(uprobe__find(normal, "runtime.startTheWorldWithSema", &f), 0);
	map_image(normal, &img);
	assert_int_equal(go_ret__find(img.data, img.len, img.t, f.vaddr, 0, rets, 4), -EINVAL);
	assert_int_equal(go_ret__find(img.data, img.len, img.t, 0x10, 64, rets, 4), -ENOENT);
	assert_int_equal(go_ret__find(img.data, img.len, img.t, f.vaddr, 1ULL << 40, rets, 4),
			 -EINVAL);
	/* max 0: counted, nothing written */
	assert_true(go_ret__find(img.data, img.len, img.t, f.vaddr, f.size, rets, 0) >= 1);
	/* runtime.procyield is assembly without a frame: no epilogue, no RET found */
	assert_int_equal(uprobe__find(normal, "runtime.procyield", &f), 0);
	assert_int_equal(go_ret__find(img.data, img.len, img.t, f.vaddr, f.size, rets, 4), 0);
	unmap_image(&img);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_functions),
		cmocka_unit_test(test_bad_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
