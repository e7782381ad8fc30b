// SPDX-License-Identifier: MIT
#include "test.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sym_elf.h"

#include "sym_fixtures.h"

static struct elf_file *open_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct elf_file *f;

	assert_true(fd >= 0);
	f = elf_file__open_fd(fd);
	close(fd);
	assert_non_null(f);
	return f;
}

static uint64_t nm_size(const char *bin, const char *sym)
{
	char cmd[1024], line[256];

	snprintf(cmd, sizeof(cmd), "nm -S '%s' | awk '$4 == \"%s\" { print $2 }'", bin, sym);
	first_line(cmd, line, sizeof(line));
	assert_true(line[0]);
	return strtoull(line, NULL, 16);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void test_build_id_is_lowercase_hex_like_readelf(void **state)
{
	struct elf_file *f = open_file(fx("fixture"));
	char cmd[1024], want[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' | sed -n 's/.*Build ID: *//p'", fx("fixture"));
	first_line(cmd, want, sizeof(want));
	assert_true(strlen(want) >= 16);
	assert_string_equal(elf_file__build_id(f), want);
	assert_true(elf_file__caps(f) & ELF_CAP_SYMBOLS);
	assert_true(elf_file__caps(f) & ELF_CAP_DWARF);
	elf_file__free(f);
}

static void test_symbols_match_nm(void **state)
{
	static const char *const names[] = {"fixture_leaf", "fixture_caller", "main"};
	struct elf_file *f = open_file(fx("fixture"));
	struct sym_frame frames[SYM_MAX_FRAMES];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t want = nm_addr(fx("fixture"), names[i]), got = 0;
		int n;

		assert_int_equal(elf_file__find_symbol(f, names[i], &got), 0);
		assert_int_equal(got, want);
		/* names only, no inlines: the symbol table's answer */
		n = elf_file__lookup(f, want + 1, SYM_NO_INLINES | SYM_NO_LINES, frames,
				     SYM_MAX_FRAMES);
		assert_int_equal(n, 1);
		assert_string_equal(frames[0].function, names[i]);
		assert_null(frames[0].file);
	}
	assert_true(elf_file__symbol_count(f) >= 3);
	elf_file__free(f);
}

struct a2l_frame {
	char function[128];
	char file[128];
	int line;
};

struct a2l_result {
	uint64_t addr;
	int nframes;
	struct a2l_frame frames[8];
};

/* Run addr2line -a -f -i on n addresses and parse its answer for each. */
static void addr2line(const char *bin, const uint64_t *addrs, size_t n, struct a2l_result *out)
{
	char *cmd = malloc(256 + n * 20), line[1024];
	size_t len, cur = (size_t)-1;
	FILE *p;
	size_t i;

	assert_non_null(cmd);
	len = (size_t)sprintf(cmd, "addr2line -a -f -i -e '%s'", bin);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(cmd + len, " 0x%llx", (unsigned long long)addrs[i]);
	p = popen(cmd, "r");
	assert_non_null(p);
	memset(out, 0, n * sizeof(*out));
	while (fgets(line, sizeof(line), p)) {
		struct a2l_frame *fr;
		char *colon;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0x", 2) && strlen(line) == 18) {
			cur++;
			assert_true(cur < n);
			out[cur].addr = strtoull(line, NULL, 16);
			continue;
		}
		assert_true(cur < n);
		assert_true(out[cur].nframes < 8);
		fr = &out[cur].frames[out[cur].nframes++];
		snprintf(fr->function, sizeof(fr->function), "%s", line);
		assert_non_null(fgets(line, sizeof(line), p));
		line[strcspn(line, "\n")] = '\0';
		line[strcspn(line, " ")] = '\0'; /* " (discriminator N)" */
		colon = strrchr(line, ':');
		assert_non_null(colon);
		*colon = '\0';
		snprintf(fr->file, sizeof(fr->file), "%s", base_name(line));
		fr->line = atoi(colon + 1);
	}
	pclose(p);
	free(cmd);
	assert_int_equal(cur + 1, n);
}

/* Every address of fn must give addr2line's frames, names, files and lines, in order. */
static int compare_with_addr2line(const char *bin, struct elf_file *f, const char *fn)
{
	uint64_t start = nm_addr(bin, fn), size = nm_size(bin, fn), *addrs;
	struct a2l_result *want = calloc(size, sizeof(*want));
	struct sym_frame got[SYM_MAX_FRAMES];
	int inlined = 0;
	size_t i;
	int k;

	addrs = calloc(size, sizeof(*addrs));
	assert_non_null(want);
	assert_non_null(addrs);
	for (i = 0; i < size; i++)
		addrs[i] = start + i;
	addr2line(bin, addrs, size, want);
	for (i = 0; i < size; i++) {
		int n = elf_file__lookup(f, addrs[i], 0, got, SYM_MAX_FRAMES);

		if (n != want[i].nframes)
			fail_msg("%s+%zu: %d frames, addr2line has %d", fn, i, n, want[i].nframes);
		for (k = 0; k < n; k++) {
			const struct a2l_frame *w = &want[i].frames[k];

			if (strcmp(got[k].function, w->function) || !got[k].file ||
			    strcmp(base_name(got[k].file), w->file) || got[k].line != w->line)
				fail_msg("%s+%zu frame %d: %s %s:%d, addr2line says %s %s:%d", fn,
					 i, k, got[k].function, got[k].file ? got[k].file : "?",
					 got[k].line, w->function, w->file, w->line);
		}
		inlined += n > 1;
	}
	free(want);
	free(addrs);
	return inlined;
}

static void test_dwarf_lines_and_inlines_match_addr2line(void **state)
{
	struct elf_file *f = open_file(fx("fixture"));
	int inlined;

	(void)state;
	inlined = compare_with_addr2line(fx("fixture"), f, "fixture_leaf");
	assert_true(inlined > 0); /* fixture_inlined shows as its own frame */
	assert_int_equal(compare_with_addr2line(fx("fixture"), f, "fixture_caller"), 0);
	assert_int_equal(compare_with_addr2line(fx("fixture"), f, "main"), 0);
	elf_file__free(f);
}

static void test_no_inlines_gives_the_real_function_at_the_call_line(void **state)
{
	struct elf_file *f = open_file(fx("fixture"));
	struct sym_frame all[SYM_MAX_FRAMES], one[SYM_MAX_FRAMES];
	uint64_t start = nm_addr(fx("fixture"), "fixture_leaf"), a;
	int n = 0;

	(void)state;
	for (a = start; a < start + 64 && n < 2; a++)
		n = elf_file__lookup(f, a, 0, all, SYM_MAX_FRAMES);
	assert_int_equal(n, 2);
	a--;
	assert_string_equal(all[0].function, "fixture_inlined");
	assert_int_equal(elf_file__lookup(f, a, SYM_NO_INLINES, one, SYM_MAX_FRAMES), 1);
	assert_string_equal(one[0].function, "fixture_leaf");
	assert_int_equal(one[0].line, all[1].line);
	/* a one-frame budget keeps the real function too */
	assert_int_equal(elf_file__lookup(f, a, 0, one, 1), 1);
	assert_string_equal(one[0].function, "fixture_leaf");
	elf_file__free(f);
}

static void expect_leaf_with_lines(struct elf_file *f, uint64_t leaf)
{
	struct sym_frame frames[SYM_MAX_FRAMES];
	int n = elf_file__lookup(f, leaf, 0, frames, SYM_MAX_FRAMES);

	assert_true(n >= 1);
	assert_string_equal(frames[n - 1].function, "fixture_leaf");
	assert_non_null(frames[0].file);
	assert_string_equal(base_name(frames[0].file), "fixture.c");
	assert_true(frames[0].line > 0);
}

static void test_debuglink_finds_the_debug_file(void **state)
{
	struct elf_file *f = open_file(fx("fixture.linked"));
	uint64_t leaf = nm_addr(fx("fixture"), "fixture_leaf");
	uint32_t crc = 0;

	(void)state;
	assert_string_equal(elf_file__debuglink(f, &crc), "fixture.debug");
	assert_true(crc != 0);
	assert_false(elf_file__caps(f) & ELF_CAP_DWARF);
	/* no build-id dir holds it: only the debuglink next to the binary can find it */
	assert_int_equal(elf_file__find_debug(f, fx("fixture.linked"), "", fx("nothing")), 0);
	assert_true(elf_file__caps(f) & ELF_CAP_DWARF);
	expect_leaf_with_lines(f, leaf + 2);
	elf_file__free(f);
}

static void test_build_id_dir_finds_the_debug_file(void **state)
{
	struct elf_file *f = open_file(fx("fixture.stripped"));
	uint64_t leaf = nm_addr(fx("fixture"), "fixture_leaf");
	struct sym_frame frames[SYM_MAX_FRAMES];
	char dirs[1024];

	(void)state;
	assert_null(elf_file__debuglink(f, NULL));
	/* stripped of .symtab: fixture_leaf is nowhere in it */
	assert_int_equal(elf_file__lookup(f, leaf, 0, frames, SYM_MAX_FRAMES), 0);
	assert_int_equal(elf_file__find_debug(f, fx("fixture.stripped"), "", fx("nothing")),
			 -ENOENT);
	snprintf(dirs, sizeof(dirs), "/nonexistent:%s", fx("buildid"));
	assert_int_equal(elf_file__find_debug(f, fx("fixture.stripped"), "", dirs), 0);
	expect_leaf_with_lines(f, leaf);
	elf_file__free(f);
}

static void test_set_debug_refuses_another_build_id(void **state)
{
	struct elf_file *f = open_file(fx("fixture.stripped"));
	struct elf_file *other = open_file(fx("libfixture.so"));
	struct elf_file *good = open_file(fx("fixture.debug"));

	(void)state;
	assert_int_equal(elf_file__set_debug(f, other), -EINVAL);
	assert_int_equal(elf_file__set_debug(f, good), 0);
	expect_leaf_with_lines(f, nm_addr(fx("fixture"), "fixture_leaf"));
	elf_file__free(f);
}

static void test_offset_to_vaddr_with_displaced_segments(void **state)
{
	static const char *const libs[] = {"libfixture.so", "libfixture_lld.so"};
	struct sym_frame frames[SYM_MAX_FRAMES];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct elf_file *f = open_file(fx(libs[i]));
		uint64_t vaddr = nm_addr(fx(libs[i]), "fixture_lib_mul"), got = 0;
		uint64_t off = vaddr_to_offset(fx(libs[i]), vaddr);

		assert_int_equal(elf_file__offset_to_vaddr(f, off + 3, &got), 0);
		assert_int_equal(got, vaddr + 3);
		assert_true(elf_file__lookup(f, got, 0, frames, SYM_MAX_FRAMES) >= 1);
		assert_string_equal(frames[0].function, "fixture_lib_mul");
		assert_int_equal(elf_file__offset_to_vaddr(f, 1ULL << 40, &got), -ENOENT);
		elf_file__free(f);
	}
}

static void test_cache_shares_by_inode_and_build_id(void **state)
{
	struct elf_cache *c = elf_cache__new(NULL);
	struct elf_file *a, *b;
	int fd;

	(void)state;
	assert_non_null(c);
	assert_null(elf_cache__find_inode(c, 1, 2));
	fd = open(fx("libfixture.so"), O_RDONLY);
	a = elf_cache__add(c, fd, 1, 2, fx("libfixture.so"), "");
	close(fd);
	assert_non_null(a);
	assert_ptr_equal(elf_cache__find_inode(c, 1, 2), a);
	/* another path to the same bytes (a bind mount, a container layer): one file */
	fd = open(fx("libfixture.so"), O_RDONLY);
	b = elf_cache__add(c, fd, 3, 4, "/elsewhere/libfixture.so", "");
	close(fd);
	assert_ptr_equal(a, b);
	assert_ptr_equal(elf_cache__find_inode(c, 3, 4), a);
	assert_int_equal(elf_cache__count(c), 1);
	elf_cache__free(c);
}

static void test_hostile_images_are_refused_or_survive(void **state)
{
	struct sym_frame frames[SYM_MAX_FRAMES];
	size_t len, cut;
	char *img = test_read_file(fx("fixture"), &len);
	struct elf_file *f;

	(void)state;
	errno = 0;
	assert_null(elf_file__open_memory("hello", 5));
	assert_int_equal(errno, ENOEXEC);
	assert_null(elf_file__open_memory("\x7f"
					  "ELF garbage garbage garbage garbage",
					  36));
	/* truncated anywhere: opening and looking up must stay in bounds */
	for (cut = 64; cut < len; cut += len / 37) {
		uint64_t a;

		f = elf_file__open_memory(img, cut);
		if (!f)
			continue;
		for (a = 0x1000; a < 0x1400; a += 0x31)
			assert_true(elf_file__lookup(f, a, 0, frames, SYM_MAX_FRAMES) >= 0);
		elf_file__free(f);
	}
	/* bytes flipped in the middle of the DWARF and symbol tables */
	for (cut = len / 2; cut + 64 < len; cut += len / 23) {
		size_t k;

		for (k = 0; k < 64; k++)
			img[cut + k] ^= (char)(0x5a + k);
		f = elf_file__open_memory(img, len);
		if (f) {
			assert_true(elf_file__lookup(f, 0x11f0, 0, frames, SYM_MAX_FRAMES) >= 0);
			elf_file__free(f);
		}
	}
	free(img);
}

static void expect_demangled(const char *raw, const char *want)
{
	char *got = symbol__demangle(raw);

	if (!got || strcmp(got, want))
		fail_msg("demangle(%s) = %s, want %s", raw, got ? got : "(null)", want);
	free(got);
}

static void test_demangle_cxx(void **state)
{
	char *s;

	(void)state;
	expect_demangled("_ZN3foo3barEv", "foo::bar()");
	expect_demangled("_Z3addii", "add(int, int)");
	expect_demangled("_ZNSt6vectorIiSaIiEE9push_backEOi",
			 "std::vector<int, std::allocator<int> >::push_back(int&&)");
	expect_demangled("_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv.isra.0",
			 "__gnu_cxx::new_allocator<char>::allocate(unsigned long, void const*) "
			 "[clone .isra.0]");
	errno = 0;
	assert_null(symbol__demangle("main"));
	assert_int_equal(errno, EINVAL);
	assert_null(symbol__demangle("_Z"));
	assert_null(symbol__demangle("_ZZZZ"));
	s = symbol__demangle("");
	assert_null(s);
}

static void test_demangle_rust(void **state)
{
	(void)state;
	expect_demangled("_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write");
	expect_demangled("_ZN3std2rt10lang_start17h9f4cfb0a8c2b1d3eE.llvm.123",
			 "std::rt::lang_start");
	expect_demangled("_ZN70_$LT$alloc..vec..Vec$LT$T$C$A$GT$$u20$as$u20$core..ops..drop.."
			 "Drop$GT$4drop17h1d2f3e4a5b6c7d8eE",
			 "<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop");
	expect_demangled("_ZN5hello4main28_$u7b$$u7b$closure$u7d$$u7d$17h0000000000000000E",
			 "hello::main::{{closure}}");
	/* v0 mangling is not decoded: callers keep the raw name */
	errno = 0;
	assert_null(symbol__demangle("_RNvCs1234_7mycrate4main"));
	assert_int_equal(errno, ENOTSUP);
	/* a Rust-looking name with a broken escape is not passed off as C++ either */
	assert_null(symbol__demangle("_ZN3foo5$XX$x17h0123456789abcdefE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_id_is_lowercase_hex_like_readelf),
		cmocka_unit_test(test_symbols_match_nm),
		cmocka_unit_test(test_dwarf_lines_and_inlines_match_addr2line),
		cmocka_unit_test(test_no_inlines_gives_the_real_function_at_the_call_line),
		cmocka_unit_test(test_debuglink_finds_the_debug_file),
		cmocka_unit_test(test_build_id_dir_finds_the_debug_file),
		cmocka_unit_test(test_set_debug_refuses_another_build_id),
		cmocka_unit_test(test_offset_to_vaddr_with_displaced_segments),
		cmocka_unit_test(test_cache_shares_by_inode_and_build_id),
		cmocka_unit_test(test_hostile_images_are_refused_or_survive),
		cmocka_unit_test(test_demangle_cxx),
		cmocka_unit_test(test_demangle_rust),
	};

	return cmocka_run_group_tests_name("sym_elf", tests, build_fixtures, remove_fixtures);
}
