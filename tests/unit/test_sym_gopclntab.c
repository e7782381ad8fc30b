// SPDX-License-Identifier: MIT
/*
 * Go .gopclntab symbolization.
 *
 * Two kinds of inputs:
 *  - synthetic ELF images holding a small hand-built pclntab in each handled format (Go
 *    1.16, 1.18, 1.20 layouts) with a two-level inline tree, so every format is checked even
 *    though only one Go toolchain is installed;
 *  - the Go example (examples/go/cpu) built by examples/go/build.sh normally, stripped
 *    (-s -w), as PIE and as stripped PIE, compared instruction by instruction with
 *    `go tool addr2line` (function + innermost file:line) and with llvm-symbolizer on the DWARF
 *    of the unstripped builds (whole inline chains).
 * Malformed inputs (truncations, header fields, random corruption) must fail cleanly.
 *
 * With GOPCLNTAB_CORPUS_DIR set, the synthetic images are also written there: that is how
 * tests/fuzz/corpus/gopclntab/ was seeded.
 */
#include "test.h"

#include <elf.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>

#include "sym_gopclntab.h"

#define MAGIC_116 0xfffffffau
#define MAGIC_118 0xfffffff0u
#define MAGIC_120 0xfffffff1u

/* ------------------------------------------------------------------------------------ */
/* Growing byte buffer */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void buf_put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (d)
		memcpy(b->p + b->len, d, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void buf_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

static void buf_u16(struct buf *b, uint16_t v)
{
	buf_put(b, &v, 2); /* the tests run on little-endian hosts, like the data */
}

static void buf_u32(struct buf *b, uint32_t v)
{
	buf_put(b, &v, 4);
}

static void buf_u64(struct buf *b, uint64_t v)
{
	buf_put(b, &v, 8);
}

static void buf_align(struct buf *b, size_t a)
{
	while (b->len % a)
		buf_u8(b, 0);
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s) + 1);
}

static void buf_uvarint(struct buf *b, uint32_t v)
{
	while (v >= 0x80) {
		buf_u8(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	buf_u8(b, (uint8_t)v);
}

static void set_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void set_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* ------------------------------------------------------------------------------------ */
/* Minimal ELF writer: one PT_LOAD per section, optional section headers */

struct sec {
	const char *name;
	uint64_t addr;
	const uint8_t *data;
	size_t len;
	uint64_t shflags;
};

static uint8_t *elf_build(const struct sec *secs, int n, bool with_shdrs, size_t *len)
{
	struct buf b = {0}, names = {0};
	uint64_t offs[8], name_off[9], shstr_off, shoff;
	Elf64_Ehdr eh = {0};
	Elf64_Phdr ph;
	Elf64_Shdr sh;
	int i;

	assert_true(n <= 8);
	buf_put(&b, NULL, sizeof(eh) + (size_t)n * sizeof(ph));
	for (i = 0; i < n; i++) {
		buf_align(&b, 16);
		offs[i] = b.len;
		buf_put(&b, secs[i].data, secs[i].len);
	}
	buf_u8(&names, 0);
	for (i = 0; i < n; i++) {
		name_off[i] = names.len;
		buf_str(&names, secs[i].name);
	}
	name_off[n] = names.len;
	buf_str(&names, ".shstrtab");
	shstr_off = b.len;
	buf_put(&b, names.p, names.len);
	buf_align(&b, 8);
	shoff = b.len;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = (uint16_t)n;
	if (with_shdrs) {
		eh.e_shoff = shoff;
		eh.e_shentsize = sizeof(sh);
		eh.e_shnum = (uint16_t)(n + 2);
		eh.e_shstrndx = (uint16_t)(n + 1);
	}
	memcpy(b.p, &eh, sizeof(eh));
	for (i = 0; i < n; i++) {
		ph = (Elf64_Phdr){.p_type = PT_LOAD,
				  .p_flags = PF_R | (secs[i].shflags & SHF_WRITE ? PF_W : 0),
				  .p_offset = offs[i],
				  .p_vaddr = secs[i].addr,
				  .p_paddr = secs[i].addr,
				  .p_filesz = secs[i].len,
				  .p_memsz = secs[i].len,
				  .p_align = 16};
		memcpy(b.p + sizeof(eh) + (size_t)i * sizeof(ph), &ph, sizeof(ph));
	}
	if (with_shdrs) {
		buf_put(&b, NULL, sizeof(sh));
		for (i = 0; i < n; i++) {
			sh = (Elf64_Shdr){.sh_name = (uint32_t)name_off[i],
					  .sh_type = SHT_PROGBITS,
					  .sh_flags = SHF_ALLOC | secs[i].shflags,
					  .sh_addr = secs[i].addr,
					  .sh_offset = offs[i],
					  .sh_size = secs[i].len,
					  .sh_addralign = 16};
			buf_put(&b, &sh, sizeof(sh));
		}
		sh = (Elf64_Shdr){.sh_name = (uint32_t)name_off[n],
				  .sh_type = SHT_STRTAB,
				  .sh_offset = shstr_off,
				  .sh_size = names.len,
				  .sh_addralign = 1};
		buf_put(&b, &sh, sizeof(sh));
	}
	free(names.p);
	*len = b.len;
	return b.p;
}

/* ------------------------------------------------------------------------------------ */
/* Synthetic pclntab */

/*
 * Two functions at TEXT:
 *   main.outer [TEXT, TEXT+0x40), CU 0 (files a.go, b.go):
 *     [0x00,0x10) a.go:10   no inlining
 *     [0x10,0x18) b.go:100  main.inner2, inlined into main.inner1 at parentPc 0x1a
 *     [0x18,0x20) b.go:200  main.inner1, inlined into main.outer at parentPc 0x08
 *     [0x20,0x40) a.go:12
 *   main.leaf [TEXT+0x40, TEXT+0x60), CU 3 (c.go): c.go:5
 * The inline tree is in "go.func.*" (.rodata), found through a moduledata in .noptrdata
 * (Go 1.18+) or an absolute funcdata pointer (Go 1.16).
 */
#define TEXT 0x401000ull
#define RODATA 0x500000ull
#define PCLNTAB 0x510000ull
#define NOPTRDATA 0x520000ull
#define TREE_OFF 0x10 /* offset of the inline tree from go.func.* */

enum { SYNTH_NO_SHDRS = 1, SYNTH_NO_MODULEDATA = 2 };

struct pcv {
	int32_t val;
	uint32_t end; /* offset from entry where val stops */
};

/* A pc-value table, returned as its offset in the pctab being built. */
static uint32_t pctab_add(struct buf *pctab, const struct pcv *v, int n)
{
	uint32_t off = (uint32_t)pctab->len, prev_end = 0;
	int32_t prev = -1;
	int i;

	for (i = 0; i < n; i++) {
		int32_t d = v[i].val - prev;

		buf_uvarint(pctab, d < 0 ? ((uint32_t)(-d - 1) << 1) | 1 : (uint32_t)d << 1);
		buf_uvarint(pctab, v[i].end - prev_end);
		prev = v[i].val;
		prev_end = v[i].end;
	}
	buf_u8(pctab, 0);
	return off;
}

struct synth_func {
	uint32_t entryoff, nameoff, pcfile, pcln, cu, inl; /* inl: pctab offset or 0 */
};

/* Append a _func record to pcln (the functab area); returns its offset there. */
static uint32_t func_add(struct buf *pcln, uint32_t magic, const struct synth_func *f)
{
	uint32_t off, npcdata = f->inl ? 4 : 0, nfuncdata = f->inl ? 4 : 0, i;

	buf_align(pcln, 8);
	off = (uint32_t)pcln->len;
	if (magic == MAGIC_116)
		buf_u64(pcln, TEXT + f->entryoff);
	else
		buf_u32(pcln, f->entryoff);
	buf_u32(pcln, f->nameoff);
	buf_u32(pcln, 0); /* args */
	buf_u32(pcln, 0); /* deferreturn */
	buf_u32(pcln, 0); /* pcsp */
	buf_u32(pcln, f->pcfile);
	buf_u32(pcln, f->pcln);
	buf_u32(pcln, npcdata);
	buf_u32(pcln, f->cu);
	if (magic == MAGIC_120)
		buf_u32(pcln, 1); /* startLine */
	buf_u8(pcln, 0);	  /* funcID */
	buf_u8(pcln, 0);	  /* flag */
	buf_u8(pcln, 0);
	buf_u8(pcln, (uint8_t)nfuncdata);
	for (i = 0; i < npcdata; i++)
		buf_u32(pcln, i == 2 ? f->inl : 0);
	if (!nfuncdata)
		return off;
	if (magic == MAGIC_116) {
		buf_align(pcln, 8); /* PCLNTAB is 8-aligned, so this is the absolute alignment */
		for (i = 0; i < nfuncdata; i++)
			buf_u64(pcln, i == 3 ? RODATA + TREE_OFF : 0);
	} else {
		for (i = 0; i < nfuncdata; i++)
			buf_u32(pcln, i == 3 ? TREE_OFF : UINT32_MAX);
	}
	return off;
}

static void tree_add(struct buf *b, uint32_t magic, int16_t parent, uint32_t nameoff,
		     int32_t parent_pc)
{
	if (magic == MAGIC_120) {
		buf_u32(b, 0); /* funcID, pad */
		buf_u32(b, nameoff);
		buf_u32(b, (uint32_t)parent_pc);
		buf_u32(b, 1); /* startLine */
	} else {
		buf_u16(b, (uint16_t)parent);
		buf_u16(b, 0);	     /* funcID, pad */
		buf_u32(b, 0);	     /* file */
		buf_u32(b, 0);	     /* line */
		buf_u32(b, nameoff); /* func_ */
		buf_u32(b, (uint32_t)parent_pc);
	}
}

/* A whole ELF image around the synthetic pclntab. */
static uint8_t *synth_elf(uint32_t magic, int flags, size_t *len)
{
	static const struct pcv outer_file[] = {{0, 0x10}, {1, 0x20}, {0, 0x40}};
	static const struct pcv outer_line[] = {{10, 0x10}, {100, 0x18}, {200, 0x20}, {12, 0x40}};
	static const struct pcv outer_inl[] = {{-1, 0x10}, {1, 0x18}, {0, 0x20}, {-1, 0x40}};
	static const struct pcv leaf_file[] = {{0, 0x20}}, leaf_line[] = {{5, 0x20}};
	struct buf pt = {0}, names = {0}, files = {0}, pctab = {0}, pcln = {0};
	struct buf rodata = {0}, noptr = {0};
	uint32_t n_outer, n_leaf, n_inner1, n_inner2, f_a, f_b, f_c, cutab[5];
	uint64_t hdr = magic == MAGIC_116 ? 64 : 72, funcname, cu, filetab, pctab_at, functab;
	struct synth_func outer, leaf;
	uint32_t fo_outer, fo_leaf, ftsize = magic == MAGIC_116 ? 16 : 8;
	struct sec secs[3];
	uint8_t *img;
	int i;

	n_outer = (uint32_t)names.len, buf_str(&names, "main.outer");
	n_leaf = (uint32_t)names.len, buf_str(&names, "main.leaf");
	n_inner1 = (uint32_t)names.len, buf_str(&names, "main.inner1");
	n_inner2 = (uint32_t)names.len, buf_str(&names, "main.inner2");
	f_a = (uint32_t)files.len, buf_str(&files, "/src/a.go");
	f_b = (uint32_t)files.len, buf_str(&files, "/src/b.go");
	f_c = (uint32_t)files.len, buf_str(&files, "/src/c.go");
	cutab[0] = f_a, cutab[1] = f_b, cutab[2] = UINT32_MAX, cutab[3] = f_c, cutab[4] = f_a;

	buf_u8(&pctab, 0); /* offset 0 means "no table" */
	outer = (struct synth_func){.entryoff = 0,
				    .nameoff = n_outer,
				    .pcfile = pctab_add(&pctab, outer_file, 3),
				    .pcln = pctab_add(&pctab, outer_line, 4),
				    .cu = 0,
				    .inl = pctab_add(&pctab, outer_inl, 4)};
	leaf = (struct synth_func){.entryoff = 0x40,
				   .nameoff = n_leaf,
				   .pcfile = pctab_add(&pctab, leaf_file, 1),
				   .pcln = pctab_add(&pctab, leaf_line, 1),
				   .cu = 3};

	/* functab: {entry, funcoff} x (nfunc + 1), then the _func records */
	buf_put(&pcln, NULL, 3 * ftsize);
	fo_outer = func_add(&pcln, magic, &outer);
	fo_leaf = func_add(&pcln, magic, &leaf);
	{
		uint64_t entries[3] = {0, 0x40, 0x60}, offs[3] = {fo_outer, fo_leaf, 0};

		for (i = 0; i < 3; i++) {
			if (magic == MAGIC_116) {
				set_u64(pcln.p + 16 * i, TEXT + entries[i]);
				set_u64(pcln.p + 16 * i + 8, offs[i]);
			} else {
				set_u32(pcln.p + 8 * i, (uint32_t)entries[i]);
				set_u32(pcln.p + 8 * i + 4, (uint32_t)offs[i]);
			}
		}
	}

	/* The pclntab: header, funcnametab, cutab, filetab, pctab, functab. */
	buf_put(&pt, NULL, hdr);
	funcname = pt.len, buf_put(&pt, names.p, names.len);
	buf_align(&pt, 4);
	cu = pt.len, buf_put(&pt, cutab, sizeof(cutab));
	filetab = pt.len, buf_put(&pt, files.p, files.len);
	pctab_at = pt.len, buf_put(&pt, pctab.p, pctab.len);
	buf_align(&pt, 8);
	functab = pt.len, buf_put(&pt, pcln.p, pcln.len);
	set_u32(pt.p, magic);
	pt.p[6] = 1; /* quantum */
	pt.p[7] = 8; /* pointer size */
	{
		uint64_t w116[] = {2, 5, funcname, cu, filetab, pctab_at, functab};
		uint64_t w118[] = {2, 5, TEXT, funcname, cu, filetab, pctab_at, functab};
		const uint64_t *w = magic == MAGIC_116 ? w116 : w118;

		for (i = 0; i < (int)(hdr - 8) / 8; i++)
			set_u64(pt.p + 8 + 8 * i, w[i]);
	}

	/* go.func.*: some other funcdata first, then the tree (inner1 = 0, inner2 = 1). */
	buf_put(&rodata, NULL, TREE_OFF);
	tree_add(&rodata, magic, -1, n_inner1, 0x08);
	tree_add(&rodata, magic, 0, n_inner2, 0x1a);

	/* runtime.firstmoduledata, after some unrelated data */
	buf_put(&noptr, NULL, 24 + 44 * 8);
	if (!(flags & SYNTH_NO_MODULEDATA)) {
		uint8_t *m = noptr.p + 24;

		set_u64(m, PCLNTAB);
		set_u64(m + 8 * 1, PCLNTAB + funcname);
		set_u64(m + 8 * 4, PCLNTAB + cu);
		set_u64(m + 8 * 13, PCLNTAB + functab);
		set_u64(m + 8 * 22, TEXT);
		set_u64(m + 8 * (magic == MAGIC_120 ? 40 : 38), RODATA);
	}

	secs[0] = (struct sec){".rodata", RODATA, rodata.p, rodata.len, 0};
	secs[1] = (struct sec){".gopclntab", PCLNTAB, pt.p, pt.len, 0};
	secs[2] = (struct sec){".noptrdata", NOPTRDATA, noptr.p, noptr.len, SHF_WRITE};
	img = elf_build(secs, 3, !(flags & SYNTH_NO_SHDRS), len);
	free(pt.p), free(names.p), free(files.p), free(pctab.p), free(pcln.p);
	free(rodata.p), free(noptr.p);
	return img;
}

/* ------------------------------------------------------------------------------------ */
/* Checks */

struct want {
	const char *function, *file;
	int line;
};

static void check_frames(const struct gopclntab *t, uint64_t pc, const struct want *w, int n)
{
	struct go_frame f[8];
	int got, i;

	got = gopclntab__lookup(t, pc, f, 8);
	if (got != n)
		fail_msg("pc 0x%llx: %d frames, want %d", (unsigned long long)pc, got, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(f[i].function, w[i].function);
		assert_string_equal(f[i].file, w[i].file);
		assert_int_equal(f[i].line, w[i].line);
	}
}

/* Lookups at a spread of pcs must not crash whatever the table holds. */
static void poke(const struct gopclntab *t)
{
	static const uint64_t pcs[] = {0,	    TEXT - 1,	 TEXT,	      TEXT + 0x12,
				       TEXT + 0x19, TEXT + 0x1a, TEXT + 0x30, TEXT + 0x45,
				       TEXT + 0x60, UINT64_MAX};
	struct go_frame f[4];
	size_t i;
	int n, k;

	for (i = 0; i < sizeof(pcs) / sizeof(pcs[0]); i++) {
		n = gopclntab__lookup(t, pcs[i], f, 4);
		assert_true(n >= 0 && n <= 4);
		for (k = 0; k < n; k++) {
			assert_non_null(f[k].function);
			assert_non_null(f[k].file);
			(void)strlen(f[k].function), (void)strlen(f[k].file);
		}
		(void)gopclntab__func_entry(t, pcs[i]);
	}
}

static void expect_fail(const void *img, size_t len, int err)
{
	struct gopclntab *t;

	errno = 0;
	t = gopclntab__load(img, len);
	if (t)
		fail_msg("loaded, want errno %d", err);
	assert_int_equal(errno, err);
}

/* NULL with a documented errno, or a table that survives lookups. */
static void load_any(const void *img, size_t len)
{
	struct gopclntab *t;

	errno = 0;
	t = gopclntab__load(img, len);
	if (!t) {
		assert_true(errno == EINVAL || errno == ENOENT || errno == ENOTSUP);
		return;
	}
	poke(t);
	gopclntab__free(t);
}

static void write_corpus(const char *name, const void *img, size_t len)
{
	const char *dir = getenv("GOPCLNTAB_CORPUS_DIR");
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(img, 1, len, f), len);
	fclose(f);
}

/* ------------------------------------------------------------------------------------ */
/* Synthetic tests */

static const uint32_t magics[] = {MAGIC_116, MAGIC_118, MAGIC_120};

static void test_synthetic_formats(void **state)
{
	static const struct want inl2[] = {{"main.inner2", "/src/b.go", 100},
					   {"main.inner1", "/src/b.go", 200},
					   {"main.outer", "/src/a.go", 10}};
	static const struct want inl1[] = {{"main.inner1", "/src/b.go", 200},
					   {"main.outer", "/src/a.go", 10}};
	static const struct want flat[] = {{"main.outer", "/src/b.go", 100}};
	static const struct want outer[] = {{"main.outer", "/src/a.go", 12}};
	static const struct want outer0[] = {{"main.outer", "/src/a.go", 10}};
	static const struct want leaf[] = {{"main.leaf", "/src/c.go", 5}};
	struct gopclntab *t;
	struct go_frame f[3];
	size_t len, m;
	uint8_t *img;
	int flags;
	char name[64];

	(void)state;
	for (m = 0; m < 3; m++) {
		for (flags = 0; flags < 4; flags++) {
			bool inlines = magics[m] == MAGIC_116 || !(flags & SYNTH_NO_MODULEDATA);

			img = synth_elf(magics[m], flags, &len);
			snprintf(name, sizeof(name), "synth-%08x-%d", magics[m], flags);
			write_corpus(name, img, len);
			t = gopclntab__load(img, len);
			if (!t)
				fail_msg("%s: load: %s", name, strerror(errno));
			assert_int_equal(gopclntab__nfunc(t), 2);
			check_frames(t, TEXT, outer0, 1);
			check_frames(t, TEXT + 0x0f, outer0, 1);
			if (inlines) {
				check_frames(t, TEXT + 0x10, inl2, 3);
				check_frames(t, TEXT + 0x12, inl2, 3);
				check_frames(t, TEXT + 0x17, inl2, 3);
				check_frames(t, TEXT + 0x18, inl1, 2);
				check_frames(t, TEXT + 0x19, inl1, 2);
				check_frames(t, TEXT + 0x1f, inl1, 2);
				/* frames beyond max are dropped from the outer end */
				assert_int_equal(gopclntab__lookup(t, TEXT + 0x12, f, 1), 1);
				assert_string_equal(f[0].function, "main.inner2");
				assert_int_equal(gopclntab__lookup(t, TEXT + 0x12, f, 2), 2);
				assert_string_equal(f[1].function, "main.inner1");
			} else {
				/* no go.func.*: the physical function at the innermost position */
				check_frames(t, TEXT + 0x12, flat, 1);
			}
			check_frames(t, TEXT + 0x20, outer, 1);
			check_frames(t, TEXT + 0x3f, outer, 1);
			check_frames(t, TEXT + 0x40, leaf, 1);
			check_frames(t, TEXT + 0x5f, leaf, 1);
			check_frames(t, TEXT + 0x60, NULL, 0);
			check_frames(t, TEXT - 1, NULL, 0);
			assert_int_equal(gopclntab__lookup(t, TEXT, f, 0), 0);
			assert_int_equal(gopclntab__func_entry(t, TEXT + 0x12), TEXT);
			assert_int_equal(gopclntab__func_entry(t, TEXT + 0x45), TEXT + 0x40);
			assert_int_equal(gopclntab__func_entry(t, TEXT + 0x60), 0);
			gopclntab__free(t);
			free(img);
		}
	}
}

static void test_not_go(void **state)
{
	static const char text[] =
		"hello, this is not an ELF file at all, but long enough to be one";
	uint8_t elf32[64] = {0x7f, 'E', 'L', 'F', ELFCLASS32, ELFDATA2LSB, EV_CURRENT};
	size_t len;
	char *img;

	(void)state;
	img = test_read_file("/bin/true", &len);
	expect_fail(img, len, ENOENT);
	free(img);
	expect_fail(text, sizeof(text), ENOENT);
	expect_fail(NULL, 0, ENOENT);
	expect_fail(text, 0, ENOENT);
	expect_fail(elf32, sizeof(elf32), ENOTSUP);
	gopclntab__free(NULL);
	assert_int_equal(gopclntab__lookup(NULL, TEXT, NULL, 1), 0);
	assert_int_equal(gopclntab__func_entry(NULL, TEXT), 0);
}

/* The header of section name in a (valid) ELF image. */
static Elf64_Shdr *find_shdr(uint8_t *img, size_t len, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh, *str;
	int i;

	assert_true(len >= sizeof(*eh) && eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) <= len);
	sh = (Elf64_Shdr *)(img + eh->e_shoff);
	str = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++)
		if (!strcmp((char *)img + str->sh_offset + sh[i].sh_name, name))
			return &sh[i];
	fail_msg("no section %s", name);
	return NULL;
}

/*
 * Header corruption of the pclntab at img+off (size bytes, in section sh): each must be
 * refused with the right errno, never read past the section.
 */
static void check_header_corruption(uint8_t *img, size_t len, Elf64_Shdr *sh)
{
	uint8_t *h = img + sh->sh_offset, save[80];
	uint64_t size = sh->sh_size, hdr = h[0] == 0xfa ? 64 : 72, k;
	static const uint64_t boundaries[] = {0,  1,  3,  4,  5,  6,  7,  8, 15,
					      16, 24, 32, 40, 48, 56, 64, 71};
	size_t i;

	memcpy(save, h, sizeof(save));
	/* the section cut at every header field */
	for (i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++) {
		if (boundaries[i] >= hdr)
			continue;
		sh->sh_size = boundaries[i];
		expect_fail(img, len, EINVAL);
	}
	sh->sh_size = size;
	set_u32(h, 0x12345678);
	expect_fail(img, len, EINVAL);
	set_u32(h, 0xfffffffb); /* Go 1.2-1.15 */
	expect_fail(img, len, ENOTSUP);
	memcpy(h, save, sizeof(save));
	h[4] = 1; /* pad */
	expect_fail(img, len, EINVAL);
	memcpy(h, save, sizeof(save));
	h[6] = 3; /* quantum */
	expect_fail(img, len, EINVAL);
	memcpy(h, save, sizeof(save));
	h[7] = 4; /* pointer size */
	expect_fail(img, len, EINVAL);
	memcpy(h, save, sizeof(save));
	/* nfunc, then each table offset, past the end */
	for (k = 8; k < hdr; k += 8) {
		if (k == 16 || (hdr == 72 && k == 24))
			continue; /* nfiles, textStart: any value is acceptable */
		set_u64(h + k, size + 1);
		expect_fail(img, len, EINVAL);
		set_u64(h + k, UINT64_MAX);
		expect_fail(img, len, EINVAL);
		memcpy(h, save, sizeof(save));
	}
	/* the functab not fitting */
	set_u64(h + 8, size / 8);
	expect_fail(img, len, EINVAL);
	memcpy(h, save, sizeof(save));
	/* the section's data outside the file */
	sh->sh_offset = len + 1;
	expect_fail(img, len, EINVAL);
	sh->sh_offset = len - 8;
	expect_fail(img, len, EINVAL);
	sh->sh_offset = (uint64_t)(h - img);
}

static void test_synthetic_malformed(void **state)
{
	size_t len, cut, i;
	uint8_t *img, save;
	size_t m;
	static const uint8_t vals[] = {0x00, 0xff, 0x80, 0x7f};
	int flags, v;

	(void)state;
	for (m = 0; m < 3; m++) {
		img = synth_elf(magics[m], 0, &len);
		check_header_corruption(img, len, find_shdr(img, len, ".gopclntab"));
		load_any(img, len); /* restored */
		free(img);

		for (flags = 0; flags < 4; flags++) {
			img = synth_elf(magics[m], flags, &len);
			/* the whole file cut anywhere */
			for (cut = 0; cut < len; cut++)
				load_any(img, cut);
			/* every byte of the pclntab and of everything else overwritten */
			for (i = 0; i < len; i++) {
				save = img[i];
				for (v = 0; v < 4; v++) {
					img[i] = vals[v];
					load_any(img, len);
				}
				img[i] = save ^ 1;
				load_any(img, len);
				img[i] = save;
			}
			free(img);
		}
	}
}

/* ------------------------------------------------------------------------------------ */
/* The Go example, built for real */

static char go_dir[256];
static int go_state; /* 0 not tried, 1 built, -1 no Go toolchain */

/* Run a shell command, return its stdout (NULL if it failed). */
static char *run(const char *cmd)
{
	struct buf b = {0};
	char chunk[65536];
	size_t n;
	FILE *p = popen(cmd, "r");
	int st;

	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)))
		buf_put(&b, chunk, n);
	buf_u8(&b, 0);
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		free(b.p);
		return NULL;
	}
	return (char *)b.p;
}

/* Build the example once (all four flavours) and skip the test if there is no Go. */
static void need_go(void)
{
	char cmd[1024];
	int st;

	if (go_state == 0) {
		go_state = -1;
		if (system("command -v go >/dev/null 2>&1") != 0)
			skip();
		snprintf(go_dir, sizeof(go_dir), "%s/singe-gopclntab.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		assert_non_null(mkdtemp(go_dir));
		snprintf(cmd, sizeof(cmd), "../examples/go/build.sh '%s' cpu", go_dir);
		st = system(cmd);
		if (st != 0)
			fail_msg("%s failed (%d)", cmd, st);
		go_state = 1;
	}
	if (go_state < 0)
		skip();
}

static char *go_path(const char *bin)
{
	static char paths[4][512];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", go_dir, bin);
	return p;
}

static struct gopclntab *go_load(const char *bin)
{
	struct gopclntab *t;
	size_t len;
	char *img = test_read_file(go_path(bin), &len);

	t = gopclntab__load(img, len);
	if (!t)
		fail_msg("%s: load: %s", bin, strerror(errno));
	free(img); /* the table must not need the image any more */
	return t;
}

/* Instruction addresses of the functions matching regexp re in bin, as a file of "0x..." lines. */
static char *go_insn_addrs(const char *bin, const char *re, size_t *n)
{
	static struct {
		char bin[64], re[64], file[512];
		size_t n;
	} cache[8];
	static int next;
	char cmd[2048], *out, *p, *f;
	FILE *fp;
	int i;

	for (i = 0; i < next; i++) {
		if (!strcmp(cache[i].bin, bin) && !strcmp(cache[i].re, re ? re : "")) {
			*n = cache[i].n;
			return cache[i].file;
		}
	}
	assert_true(next < 8);
	snprintf(cache[next].bin, sizeof(cache[0].bin), "%s", bin);
	snprintf(cache[next].re, sizeof(cache[0].re), "%s", re ? re : "");
	f = cache[next].file;
	snprintf(f, sizeof(cache[0].file), "%s/addrs-%d", go_dir, next);
	snprintf(cmd, sizeof(cmd),
		 "go tool objdump %s%s%s '%s' | awk '$1 !~ /^TEXT/ && $2 ~ /^0x/ { print $2 }'",
		 re ? "-s '" : "", re ? re : "", re ? "'" : "", go_path(bin));
	out = run(cmd);
	assert_non_null(out);
	fp = fopen(f, "w");
	assert_non_null(fp);
	fputs(out, fp);
	fclose(fp);
	for (*n = 0, p = out; *p; p++)
		*n += *p == '\n';
	free(out);
	cache[next++].n = *n;
	return f;
}

static char *next_line(char **s)
{
	char *l = *s, *e;

	if (!l || !*l)
		return NULL;
	e = strchr(l, '\n');
	if (e) {
		*e = '\0';
		*s = e + 1;
	} else {
		*s = l + strlen(l);
	}
	return l;
}

/*
 * Every instruction of the binary: the last frame is the function `go tool addr2line` names,
 * the first frame's file:line is the one it prints (Go 1.19's addr2line reports the physical
 * function but the innermost position). Returns how many addresses had inlined frames.
 */
static int compare_addr2line(struct gopclntab *t, const char *ref_bin, const char *addrs, size_t n)
{
	char cmd[2048], *out, *a, *cur, *fn, *fl, *ap;
	struct go_frame f[16];
	size_t i, bad = 0;
	int k, inlined = 0;
	char pos[4096];

	snprintf(cmd, sizeof(cmd), "go tool addr2line %s < %s", go_path(ref_bin), addrs);
	out = run(cmd);
	assert_non_null(out);
	a = test_read_file(addrs, NULL);
	cur = out, ap = a;
	for (i = 0; i < n; i++) {
		char *addr = next_line(&ap);
		uint64_t pc;

		fn = next_line(&cur);
		fl = next_line(&cur);
		assert_non_null(addr);
		assert_non_null(fl);
		pc = strtoull(addr, NULL, 16);
		k = gopclntab__lookup(t, pc, f, 16);
		if (!k) {
			pos[0] = '\0';
			if (strcmp(fn, "?"))
				snprintf(pos, sizeof(pos), "nothing");
		} else {
			snprintf(pos, sizeof(pos), "%s:%d", f[0].file, f[0].line);
			if (strcmp(f[k - 1].function, fn) || strcmp(pos, fl))
				snprintf(pos, sizeof(pos), "%s %s:%d", f[k - 1].function, f[0].file,
					 f[0].line);
			else
				pos[0] = '\0';
			inlined += k > 1;
		}
		if (pos[0] && bad++ < 5)
			print_message("0x%llx: addr2line says %s %s, we say %s\n",
				      (unsigned long long)pc, fn, fl, pos);
	}
	free(out);
	free(a);
	if (bad)
		fail_msg("%zu of %zu addresses differ from go tool addr2line", bad, n);
	return inlined;
}

static void test_go_matches_addr2line(void **state)
{
	static const char *bins[] = {"cpu", "cpu-stripped"};
	struct gopclntab *t;
	const char *addrs;
	size_t n, i;
	int inlined;

	(void)state;
	need_go();
	addrs = go_insn_addrs("cpu", NULL, &n);
	assert_true(n > 10000);
	for (i = 0; i < 2; i++) {
		t = go_load(bins[i]);
		inlined = compare_addr2line(t, "cpu", addrs, n);
		print_message("%s: %zu instructions match go tool addr2line, %d in inlined code\n",
			      bins[i], n, inlined);
		assert_true(inlined > 1000);
		gopclntab__free(t);
	}
}

/*
 * The whole inline chain at every instruction of main.*, against llvm-symbolizer reading the
 * DWARF of ref_bin ("function\nfile:line:column\n" per frame, a blank line per address).
 */
static void compare_dwarf(struct gopclntab *t, const char *ref_bin, const char *addrs, size_t n,
			  int *rotl_chains)
{
	char cmd[2048], *out, *a, *cur, *ap, *l, *c;
	struct go_frame f[16];
	char want[8192], got[8192];
	size_t i, bad = 0;
	int k;

	snprintf(cmd, sizeof(cmd), "llvm-symbolizer --obj=%s < %s", go_path(ref_bin), addrs);
	out = run(cmd);
	assert_non_null(out);
	a = test_read_file(addrs, NULL);
	cur = out, ap = a;
	for (i = 0; i < n; i++) {
		uint64_t pc = strtoull(next_line(&ap), NULL, 16);

		want[0] = got[0] = '\0';
		while ((l = next_line(&cur)) && *l) {
			size_t w = strlen(want);

			snprintf(want + w, sizeof(want) - w, "%s%s", w ? " | " : "", l);
			l = next_line(&cur);
			assert_non_null(l);
			c = strrchr(l, ':'); /* drop the column */
			if (c)
				*c = '\0';
			w = strlen(want);
			snprintf(want + w, sizeof(want) - w, " %s", l);
		}
		k = gopclntab__lookup(t, pc, f, 16);
		for (int j = 0; j < k; j++) {
			size_t w = strlen(got);

			snprintf(got + w, sizeof(got) - w, "%s%s %s:%d", j ? " | " : "",
				 f[j].function, f[j].file, f[j].line);
		}
		if (k == 3 && !strcmp(f[0].function, "main.rotl") &&
		    !strcmp(f[1].function, "main.mix") &&
		    !strncmp(f[2].function, "main.hotLoop", 12))
			++*rotl_chains;
		if (strcmp(want, got) && bad++ < 5)
			print_message("0x%llx:\n  dwarf: %s\n  ours:  %s\n", (unsigned long long)pc,
				      want, got);
	}
	free(out);
	free(a);
	if (bad)
		fail_msg("%zu of %zu inline chains differ from DWARF", bad, n);
}

static void test_go_inline_chains_match_dwarf(void **state)
{
	/* table from, DWARF from */
	static const char *pairs[][2] = {{"cpu", "cpu"},
					 {"cpu-stripped", "cpu"},
					 {"cpu-pie", "cpu-pie"},
					 {"cpu-pie-stripped", "cpu-pie"}};
	struct gopclntab *t;
	const char *addrs;
	size_t n, i;
	int rotl;

	(void)state;
	need_go();
	if (system("command -v llvm-symbolizer >/dev/null 2>&1") != 0)
		skip();
	for (i = 0; i < 4; i++) {
		addrs = go_insn_addrs(pairs[i][1], "^main\\.", &n);
		assert_true(n > 100);
		t = go_load(pairs[i][0]);
		rotl = 0;
		compare_dwarf(t, pairs[i][1], addrs, n, &rotl);
		/* rotl inlined into mix inlined into hotLoopA and hotLoopB */
		assert_true(rotl >= 2);
		gopclntab__free(t);
	}
}

/* Address of symbol name in the unstripped binary, from go tool nm (run once). */
static uint64_t go_sym(const char *name)
{
	static char *nm;
	char cmd[1024], *l, *p;
	size_t len = strlen(name);

	if (!nm) {
		snprintf(cmd, sizeof(cmd), "go tool nm %s", go_path("cpu"));
		nm = run(cmd);
		assert_non_null(nm);
	}
	/* lines: "  48ee00 T main.hotLoopA" */
	for (l = nm; *l; l = p + 1) {
		const char *sp;

		p = strchr(l, '\n');
		if (!p)
			break;
		sp = p - len;
		if (sp > l + 3 && !strncmp(sp, name, len) && sp[-1] == ' ' && sp[-2] != ' ' &&
		    sp[-3] == ' ')
			return strtoull(l, NULL, 16);
	}
	fail_msg("no symbol %s", name);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static void test_go_known_functions(void **state)
{
	static const struct {
		const char *name, *file;
	} fns[] = {{"main.hotLoopA", "/examples/go/cpu/main.go"},
		   {"main.hotLoopB", "/examples/go/cpu/main.go"},
		   {"main.worker", "/examples/go/cpu/main.go"},
		   {"main.main", "/examples/go/cpu/main.go"},
		   {"runtime.mallocgc", "/runtime/malloc.go"},
		   {"runtime.main", "/runtime/proc.go"}};
	static const char *bins[] = {"cpu", "cpu-stripped"};
	struct gopclntab *t;
	struct go_frame f[4];
	uint64_t a;
	size_t i, b;

	(void)state;
	need_go();
	for (b = 0; b < 2; b++) {
		t = go_load(bins[b]);
		assert_true(gopclntab__nfunc(t) > 1000);
		for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
			a = go_sym(fns[i].name);
			assert_int_equal(gopclntab__lookup(t, a, f, 4), 1);
			assert_string_equal(f[0].function, fns[i].name);
			if (!ends_with(f[0].file, fns[i].file))
				fail_msg("%s: file %s", fns[i].name, f[0].file);
			assert_true(f[0].line > 0);
			assert_int_equal(gopclntab__func_entry(t, a), a);
			assert_int_equal(gopclntab__func_entry(t, a + 1), a);
		}
		/* hotLoopA's first instruction is on its func line */
		a = go_sym("main.hotLoopA");
		assert_int_equal(gopclntab__lookup(t, a, f, 4), 1);
		assert_int_equal(f[0].line, 46);
		assert_int_equal(gopclntab__lookup(t, 0x1000, f, 4), 0);
		gopclntab__free(t);
	}
}

/*
 * Go's pcsp table: hotLoopA is a frameless leaf (the stack pointer never moves, so the return
 * address stays at [sp]); worker has a frame, set up after its entry.
 */
static void test_go_sp_delta(void **state)
{
	static const char *bins[] = {"cpu", "cpu-stripped"};
	struct gopclntab *t;
	uint64_t a, pc;
	int32_t most;
	size_t b;

	(void)state;
	need_go();
	for (b = 0; b < 2; b++) {
		t = go_load(bins[b]);
		/* the table ends with the code, before the padding up to the next function */
		a = go_sym("main.hotLoopA");
		for (pc = a; gopclntab__sp_delta(t, pc) >= 0; pc++)
			assert_int_equal(gopclntab__sp_delta(t, pc), 0);
		assert_true(pc > a + 16);
		assert_int_equal(gopclntab__func_entry(t, pc), a);
		a = go_sym("main.worker");
		assert_int_equal(gopclntab__sp_delta(t, a), 0);
		for (most = 0, pc = a; gopclntab__sp_delta(t, pc) >= 0; pc++)
			if (gopclntab__sp_delta(t, pc) > most)
				most = gopclntab__sp_delta(t, pc);
		/* at least the saved frame pointer and a local */
		assert_true(most >= 16);
		assert_int_equal(gopclntab__sp_delta(t, 0x1000), -1);
		gopclntab__free(t);
	}
}

/* Same frames from two tables at every address of a list. */
static void compare_tables(const struct gopclntab *x, const struct gopclntab *y, const char *addrs,
			   size_t n, bool y_flat)
{
	struct go_frame fx[16], fy[16];
	char *a = test_read_file(addrs, NULL), *ap = a;
	size_t i;
	int nx, ny;

	for (i = 0; i < n; i++) {
		uint64_t pc = strtoull(next_line(&ap), NULL, 16);

		nx = gopclntab__lookup(x, pc, fx, 16);
		ny = gopclntab__lookup(y, pc, fy, 16);
		assert_true(nx >= 1);
		if (y_flat) {
			/* no inline data: the physical function at the innermost position */
			assert_int_equal(ny, 1);
			assert_string_equal(fy[0].function, fx[nx - 1].function);
			assert_string_equal(fy[0].file, fx[0].file);
			assert_int_equal(fy[0].line, fx[0].line);
			continue;
		}
		assert_int_equal(nx, ny);
		for (int k = 0; k < nx; k++) {
			assert_string_equal(fx[k].function, fy[k].function);
			assert_string_equal(fx[k].file, fy[k].file);
			assert_int_equal(fx[k].line, fy[k].line);
		}
	}
	free(a);
}

/* Without section headers the pclntab and moduledata are found by scanning the segments. */
static void test_go_without_section_headers(void **state)
{
	static const char *bins[] = {"cpu-stripped", "cpu-pie-stripped"};
	struct gopclntab *ref, *t;
	const char *addrs;
	Elf64_Ehdr *eh;
	size_t len, n, b;
	char *img;

	(void)state;
	need_go();
	for (b = 0; b < 2; b++) {
		addrs = go_insn_addrs(b ? "cpu-pie" : "cpu", "^main\\.", &n);
		ref = go_load(bins[b]);
		img = test_read_file(go_path(bins[b]), &len);
		eh = (Elf64_Ehdr *)img;
		eh->e_shoff = 0;
		eh->e_shnum = 0;
		eh->e_shstrndx = 0;
		t = gopclntab__load(img, len);
		if (!t)
			fail_msg("%s without sections: %s", bins[b], strerror(errno));
		compare_tables(ref, t, addrs, n, false);
		gopclntab__free(t);
		gopclntab__free(ref);
		free(img);
	}
}

/* With the moduledata gone there are no inline trees: lookups degrade to one frame. */
static void test_go_without_moduledata(void **state)
{
	struct gopclntab *ref, *t;
	Elf64_Shdr *pcln, *data;
	const char *addrs;
	size_t len, n, hits = 0;
	uint64_t o;
	char *img;

	(void)state;
	need_go();
	addrs = go_insn_addrs("cpu", "^main\\.", &n);
	ref = go_load("cpu-stripped");
	img = test_read_file(go_path("cpu-stripped"), &len);
	pcln = find_shdr((uint8_t *)img, len, ".gopclntab");
	data = find_shdr((uint8_t *)img, len, ".noptrdata");
	for (o = 0; o + 8 <= data->sh_size; o += 8) {
		if (get_u64((uint8_t *)img + data->sh_offset + o) == pcln->sh_addr) {
			set_u64((uint8_t *)img + data->sh_offset + o, 0);
			hits++;
		}
	}
	assert_int_equal(hits, 1);
	t = gopclntab__load(img, len);
	assert_non_null(t);
	compare_tables(ref, t, addrs, n, true);
	gopclntab__free(t);
	gopclntab__free(ref);
	free(img);
}

/* xorshift: reproducible corruption */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_go_malformed(void **state)
{
	struct gopclntab *t;
	Elf64_Shdr *sh;
	uint8_t *img, *copy;
	size_t len, cut, i;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	const char *addrs;
	size_t n;
	int iter, k;

	(void)state;
	need_go();
	addrs = go_insn_addrs("cpu", "^main\\.", &n);
	img = (uint8_t *)test_read_file(go_path("cpu-stripped"), &len);
	sh = find_shdr(img, len, ".gopclntab");
	check_header_corruption(img, len, sh);
	t = gopclntab__load(img, len); /* restored */
	assert_non_null(t);
	gopclntab__free(t);

	/* the file cut short: in the headers, then at a spread of lengths */
	for (cut = 0; cut < 256; cut++)
		load_any(img, cut);
	for (cut = 256; cut < len; cut += len / 97)
		load_any(img, cut);
	load_any(img, sh->sh_offset + sh->sh_size - 1);

	/* random bytes of the pclntab (header kept) overwritten */
	copy = malloc(len);
	assert_non_null(copy);
	for (iter = 0; iter < 200; iter++) {
		memcpy(copy, img, len);
		for (k = 0; k < 64; k++) {
			i = sh->sh_offset + 72 + rng_next(&seed) % (sh->sh_size - 72);
			copy[i] = (uint8_t)rng_next(&seed);
		}
		t = gopclntab__load(copy, len);
		assert_non_null(t);
		{
			struct go_frame f[8];
			char *a = test_read_file(addrs, NULL), *ap = a;
			char *l;

			while ((l = next_line(&ap)))
				(void)gopclntab__lookup(t, strtoull(l, NULL, 16), f, 8);
			for (k = 0; k < 2000; k++)
				(void)gopclntab__lookup(t, 0x401000 + rng_next(&seed) % 0x90000, f,
							8);
			free(a);
		}
		gopclntab__free(t);
	}
	free(copy);
	free(img);
}

/* CPU time of this thread: the machines running the tests are shared and loaded. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A hot pc (the inlined rotl in hotLoopA) and pcs all over the text. */
static void test_go_lookup_speed(void **state)
{
	struct gopclntab *t;
	struct go_frame f[8];
	const char *addrs;
	uint64_t *pcs, hot = 0, a;
	size_t n, i, count;
	double t0, dt;
	char *s, *sp, *l;

	(void)state;
	need_go();
	t = go_load("cpu-stripped");
	addrs = go_insn_addrs("cpu", NULL, &n);
	pcs = calloc(n, sizeof(*pcs));
	assert_non_null(pcs);
	s = test_read_file(addrs, NULL);
	for (sp = s, i = 0; (l = next_line(&sp)) && i < n; i++)
		pcs[i] = strtoull(l, NULL, 16);
	free(s);
	a = go_sym("main.hotLoopA");
	for (i = 0; i < n && !hot; i++)
		if (pcs[i] >= a && gopclntab__lookup(t, pcs[i], f, 8) == 3)
			hot = pcs[i];
	assert_true(hot != 0);

	t0 = now();
	for (count = 0; (dt = now() - t0) < 0.3; count += 1000)
		for (i = 0; i < 1000; i++)
			assert_int_equal(gopclntab__lookup(t, hot, f, 8), 3);
	print_message("hot pc, 3 frames: %.0f lookups per CPU second (sanitized build)\n",
		      (double)count / dt);
	/* unsanitized -O2 does ~5M/s; ASan+UBSan about 4x less: only catch pathologies */
	assert_true((double)count / dt > 100000);

	t0 = now();
	for (count = 0; (dt = now() - t0) < 0.3; count += 1000)
		for (i = 0; i < 1000; i++)
			(void)gopclntab__lookup(t, pcs[(count + i) * 7919 % n], f, 8);
	print_message("every instruction: %.0f lookups per CPU second (sanitized build)\n",
		      (double)count / dt);
	free(pcs);
	gopclntab__free(t);
}

static int teardown_group(void **state)
{
	char cmd[512];

	(void)state;
	if (go_state == 1 && !getenv("GOPCLNTAB_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", go_dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_go),
		cmocka_unit_test(test_synthetic_formats),
		cmocka_unit_test(test_synthetic_malformed),
		cmocka_unit_test(test_go_known_functions),
		cmocka_unit_test(test_go_sp_delta),
		cmocka_unit_test(test_go_matches_addr2line),
		cmocka_unit_test(test_go_inline_chains_match_dwarf),
		cmocka_unit_test(test_go_without_section_headers),
		cmocka_unit_test(test_go_without_moduledata),
		cmocka_unit_test(test_go_malformed),
		cmocka_unit_test(test_go_lookup_speed),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_group);
}
