// SPDX-License-Identifier: MIT
/*
 * Go .gopclntab decoding (see sym_gopclntab.h). The layouts are those of Go's
 * runtime/symtab.go and runtime2.go (_func, pcHeader, moduledata, inlinedCall) for each version.
 *
 * Every number read from the file is treated as hostile: all reads go through bounds-checked
 * helpers over the copies this table owns, varints are capped at 5 bytes, loops are bounded by
 * the bytes they consume or by explicit limits. The ELF is parsed by hand (not libelf) so that
 * every offset is checked here, against the image length we were given.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sym_gopclntab.h"

#define PCLN_GO116 0xfffffffau /* Go 1.16-1.17 */
#define PCLN_GO118 0xfffffff0u /* Go 1.18-1.19 */
#define PCLN_GO120 0xfffffff1u /* Go 1.20+ */
#define PCLN_GO12 0xfffffffbu  /* Go 1.2-1.15: recognised, not handled */

/* Indices the compiler assigns in every version we handle (runtime/symtab.go). */
#define PCDATA_INLTREEINDEX 2
#define FUNCDATA_INLTREE 3

/* A deeper inline chain than this means a cycle in a corrupt tree. */
#define MAX_INLINE_DEPTH 256
/* The moduledata fields we read end before this many pointer-sized words. */
#define MODULEDATA_WORDS 44

/* Copies of runtime.firstmoduledata worth checking: a real binary has one. */
#define MAX_MODULEDATA_CANDIDATES 8

/*
 * ELF fields are read at their <elf.h> offsets with the byte-order helpers below, never by
 * casting the image: it may be unaligned, and it holds little-endian data.
 */
#define EH(field) offsetof(Elf64_Ehdr, field)
#define PH(field) offsetof(Elf64_Phdr, field)
#define SH(field) offsetof(Elf64_Shdr, field)

/* A piece of the file that is mapped at a virtual address. */
struct region {
	uint64_t addr;
	uint64_t off;
	uint64_t size;
	const char *name; /* section name, "" for segments */
	uint64_t flags;	  /* SHF_* for sections, PF_* for segments */
	bool segment;
};

struct elf {
	const uint8_t *img;
	size_t len;
	struct region *regions;
	size_t nregions;
	bool has_sections;
};

struct gopclntab {
	uint8_t *data; /* copy of the pclntab, plus a NUL so every in-bounds string ends */
	size_t len;    /* without that NUL */
	uint64_t addr; /* vaddr of the pcHeader */
	uint32_t magic;
	uint32_t quantum;
	uint64_t nfunc;
	uint64_t text_start; /* 0 before Go 1.18: functab entries are absolute */
	uint64_t funcname_off, cu_off, filetab_off, pctab_off, functab_off;
	size_t ftab_entsize;
	/*
	 * Inline trees: the area they live in (go.func.* in .rodata). Points into the image
	 * while candidates are checked, then to inl_copy, which the table owns.
	 */
	const uint8_t *inl;
	uint8_t *inl_copy;
	size_t inl_len;
	uint64_t inl_addr; /* vaddr of inl[0] */
	uint64_t gofunc;   /* base of the u32 funcdata offsets (Go 1.18+) */
};

/* One function's metadata, decoded from its _func. */
struct func {
	uint64_t entry, end;
	uint32_t nameoff, pcsp, pcfile, pcln, cu_off;
	uint32_t inl_pcdata; /* pctab offset of _PCDATA_InlTreeIndex, 0 if none */
	uint64_t inl_tree;   /* vaddr of the inline tree, 0 if none */
};

/* ---- bounds-checked little-endian reads ---- */

static bool range_ok(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool rd32(const uint8_t *buf, size_t len, uint64_t off, uint32_t *v)
{
	if (!range_ok(len, off, 4))
		return false;
	*v = le32(buf + off);
	return true;
}

static bool rd64(const uint8_t *buf, size_t len, uint64_t off, uint64_t *v)
{
	if (!range_ok(len, off, 8))
		return false;
	*v = le64(buf + off);
	return true;
}

/* ---- ELF ---- */

static bool elf__add_region(struct elf *e, const struct region *r, size_t *cap)
{
	struct region *n;

	if (e->nregions == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		n = realloc(e->regions, *cap * sizeof(*n));
		if (!n)
			return false;
		e->regions = n;
	}
	e->regions[e->nregions++] = *r;
	return true;
}

/* The file bytes of a region, clipped to the image: a truncated file keeps what it has. */
static void region__clip(struct region *r, size_t len)
{
	if (r->off > len) {
		r->off = len;
		r->size = 0;
	} else if (r->size > len - r->off) {
		r->size = len - r->off;
	}
}

static int elf__load_segments(struct elf *e, size_t *cap)
{
	uint64_t phoff = le64(e->img + EH(e_phoff));
	uint16_t phentsize = le16(e->img + EH(e_phentsize));
	uint16_t phnum = le16(e->img + EH(e_phnum));
	struct region r;
	const uint8_t *ph;
	uint16_t i;

	/* PN_XNUM (more program headers than fit e_phnum): Go never writes that many. */
	if (!phnum || phnum == PN_XNUM || phentsize < sizeof(Elf64_Phdr))
		return 0;
	if (!range_ok(e->len, phoff, (uint64_t)phnum * phentsize))
		return 0;
	for (i = 0; i < phnum; i++) {
		ph = e->img + phoff + (uint64_t)i * phentsize;
		if (le32(ph + PH(p_type)) != PT_LOAD)
			continue;
		memset(&r, 0, sizeof(r));
		r.addr = le64(ph + PH(p_vaddr));
		r.off = le64(ph + PH(p_offset));
		r.size = le64(ph + PH(p_filesz));
		r.name = "";
		r.flags = le32(ph + PH(p_flags));
		r.segment = true;
		region__clip(&r, e->len);
		if (r.size && !elf__add_region(e, &r, cap))
			return -ENOMEM;
	}
	return 0;
}

/* Section name at offset name in the section header string table, or NULL. */
static const char *elf__shstr(const struct elf *e, uint64_t stroff, uint64_t strsz, uint32_t name)
{
	const char *s;

	if (name >= strsz)
		return NULL;
	s = (const char *)e->img + stroff + name;
	if (!memchr(s, '\0', strsz - name))
		return NULL;
	return s;
}

static int elf__load_sections(struct elf *e, size_t *cap)
{
	uint64_t shoff = le64(e->img + EH(e_shoff)), shnum, shstrndx, stroff, strsz, i;
	uint16_t shentsize = le16(e->img + EH(e_shentsize));
	const uint8_t *sh, *str;
	struct region r;
	const char *name;

	shnum = le16(e->img + EH(e_shnum));
	shstrndx = le16(e->img + EH(e_shstrndx));
	if (!shoff || shentsize < sizeof(Elf64_Shdr) ||
	    !range_ok(e->len, shoff, sizeof(Elf64_Shdr)))
		return 0;
	/* With SHN_LORESERVE sections or more, the real counts are in section 0. */
	if (!shnum)
		shnum = le64(e->img + shoff + SH(sh_size));
	if (shstrndx == SHN_XINDEX)
		shstrndx = le32(e->img + shoff + SH(sh_link));
	if (!shnum || shnum > e->len / shentsize || shstrndx >= shnum ||
	    !range_ok(e->len, shoff, shnum * shentsize))
		return 0;
	str = e->img + shoff + shstrndx * shentsize;
	stroff = le64(str + SH(sh_offset));
	strsz = le64(str + SH(sh_size));
	if (le32(str + SH(sh_type)) == SHT_NOBITS || !range_ok(e->len, stroff, strsz))
		return 0;
	for (i = 1; i < shnum; i++) {
		sh = e->img + shoff + i * shentsize;
		if (le32(sh + SH(sh_type)) == SHT_NOBITS || !(le64(sh + SH(sh_flags)) & SHF_ALLOC))
			continue;
		name = elf__shstr(e, stroff, strsz, le32(sh + SH(sh_name)));
		memset(&r, 0, sizeof(r));
		r.addr = le64(sh + SH(sh_addr));
		r.off = le64(sh + SH(sh_offset));
		r.size = le64(sh + SH(sh_size));
		r.name = name ? name : "";
		r.flags = le64(sh + SH(sh_flags));
		/* Kept even when empty or cut off, so a truncated .gopclntab reads as malformed. */
		region__clip(&r, e->len);
		if (!elf__add_region(e, &r, cap))
			return -ENOMEM;
		e->has_sections = true;
	}
	return 0;
}

static int elf__open(struct elf *e, const void *img, size_t len)
{
	size_t cap = 0;
	int err;

	memset(e, 0, sizeof(*e));
	e->img = img;
	e->len = len;
	if (!img || len < sizeof(Elf64_Ehdr) || memcmp(img, ELFMAG, SELFMAG))
		return -ENOENT;
	/* Go's 32-bit and big-endian ports would need other header and table layouts. */
	if (e->img[EI_CLASS] != ELFCLASS64 || e->img[EI_DATA] != ELFDATA2LSB)
		return -ENOTSUP;
	err = elf__load_sections(e, &cap);
	if (!err)
		err = elf__load_segments(e, &cap);
	if (err) {
		free(e->regions);
		e->regions = NULL;
	}
	return err;
}

static const struct region *elf__section(const struct elf *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->nregions; i++)
		if (!e->regions[i].segment && !strcmp(e->regions[i].name, name))
			return &e->regions[i];
	return NULL;
}

/*
 * The region holding vaddr addr, preferring sections (they end where the data ends; a segment
 * spans several sections). NULL if addr is not backed by file bytes.
 */
static const struct region *elf__region_at(const struct elf *e, uint64_t addr)
{
	const struct region *best = NULL;
	size_t i;

	for (i = 0; i < e->nregions; i++) {
		const struct region *r = &e->regions[i];

		if (addr < r->addr || addr - r->addr >= r->size)
			continue;
		if (!best || (best->segment && !r->segment))
			best = r;
	}
	return best;
}

/* ---- pclntab header ---- */

static size_t pcln__header_size(uint32_t magic)
{
	return magic == PCLN_GO116 ? 8 + 7 * 8 : 8 + 8 * 8;
}

/*
 * Check the header at buf (len bytes available) and fill t's header fields. 0, -ENOTSUP for
 * versions we do not decode, -EINVAL for anything inconsistent.
 */
static int pcln__parse_header(struct gopclntab *t, const uint8_t *buf, size_t len)
{
	uint64_t w[8], nfiles;
	size_t hdr, i;

	if (len < 8)
		return -EINVAL;
	t->magic = le32(buf);
	if (t->magic == PCLN_GO12)
		return -ENOTSUP;
	if (t->magic != PCLN_GO116 && t->magic != PCLN_GO118 && t->magic != PCLN_GO120)
		return -EINVAL;
	if (buf[4] || buf[5] || (buf[6] != 1 && buf[6] != 2 && buf[6] != 4) || buf[7] != 8)
		return -EINVAL;
	t->quantum = buf[6];
	hdr = pcln__header_size(t->magic);
	if (len < hdr)
		return -EINVAL;
	for (i = 0; i < (hdr - 8) / 8; i++)
		w[i] = le64(buf + 8 + 8 * i);
	t->nfunc = w[0];
	nfiles = w[1];
	if (t->magic == PCLN_GO116) {
		t->text_start = 0;
		memmove(w + 3, w + 2, 5 * sizeof(w[0]));
	} else {
		t->text_start = w[2];
	}
	t->funcname_off = w[3];
	t->cu_off = w[4];
	t->filetab_off = w[5];
	t->pctab_off = w[6];
	t->functab_off = w[7];
	t->ftab_entsize = t->magic == PCLN_GO116 ? 16 : 8;
	for (i = 3; i < 8; i++)
		if (w[i] < hdr || w[i] > len)
			return -EINVAL;
	/* nfunc+1 functab entries (the last one marks the end of the text) must fit. */
	if (t->nfunc >= len / t->ftab_entsize ||
	    !range_ok(len, t->functab_off, (t->nfunc + 1) * t->ftab_entsize))
		return -EINVAL;
	if (nfiles > len / 4)
		return -EINVAL;
	return 0;
}

/* ---- locating the pclntab ---- */

/*
 * Look for a pcHeader in a non-executable segment: the magic, two zero bytes, quantum and
 * pointer size 8. Used when there is no pclntab section. 0 with *where and *at set, -ENOENT,
 * or -ENOTSUP if only a header of a version we do not decode was seen.
 */
static int pcln__scan(const struct elf *e, const struct region **where, uint64_t *at)
{
	int err = -ENOENT;
	size_t i;
	uint64_t o;

	for (i = 0; i < e->nregions; i++) {
		const struct region *r = &e->regions[i];
		const uint8_t *p = e->img + r->off;

		if (!r->segment || (r->flags & PF_X))
			continue;
		/* pcHeader is pointer-aligned in memory. */
		for (o = (8 - (r->addr & 7)) & 7; o + 72 <= r->size; o += 8) {
			struct gopclntab tmp;
			uint32_t magic;

			if (p[o + 4] || p[o + 5] || p[o + 7] != 8 || (p[o + 3] != 0xff))
				continue;
			magic = le32(p + o);
			if ((magic & 0xfffffff0) != 0xfffffff0)
				continue;
			memset(&tmp, 0, sizeof(tmp));
			switch (pcln__parse_header(&tmp, p + o, r->size - o)) {
			case 0:
				/* The linker writes the tables in this order. */
				if (tmp.funcname_off > tmp.cu_off || tmp.cu_off > tmp.filetab_off ||
				    tmp.filetab_off > tmp.pctab_off ||
				    tmp.pctab_off > tmp.functab_off)
					break;
				*where = r;
				*at = o;
				return 0;
			case -ENOTSUP:
				err = -ENOTSUP;
				break;
			}
		}
	}
	return err;
}

/* Sections only Go's linker writes: worth scanning for a pclntab that has no section. */
static bool elf__is_go(const struct elf *e)
{
	return elf__section(e, ".go.buildinfo") || elf__section(e, ".note.go.buildid") ||
	       elf__section(e, ".gosymtab") || elf__section(e, ".data.rel.ro.gosymtab");
}

/* Find the pclntab: the region it is in and its offset inside. */
static int pcln__find(const struct elf *e, const struct region **where, uint64_t *at)
{
	const struct region *r;

	/* .gopclntab for ordinary executables, .data.rel.ro.gopclntab for PIE. */
	r = elf__section(e, ".gopclntab");
	if (!r)
		r = elf__section(e, ".data.rel.ro.gopclntab");
	if (r) {
		*where = r;
		*at = 0;
		return 0;
	}
	/*
	 * External linkers merge .data.rel.ro.* (PIE), and some tools drop section headers:
	 * scan then, but not every ELF the symbolizer opens.
	 */
	if (e->has_sections && !elf__is_go(e))
		return -ENOENT;
	return pcln__scan(e, where, at);
}

/* ---- functab and _func ---- */

static uint64_t ftab__entry(const struct gopclntab *t, uint64_t i)
{
	const uint8_t *p = t->data + t->functab_off + i * t->ftab_entsize;

	if (t->magic == PCLN_GO116)
		return le64(p);
	return t->text_start + le32(p);
}

static uint64_t ftab__funcoff(const struct gopclntab *t, uint64_t i)
{
	const uint8_t *p = t->data + t->functab_off + i * t->ftab_entsize;

	if (t->magic == PCLN_GO116)
		return le64(p + 8);
	return le32(p + 4);
}

/* Index of the function containing pc (entry <= pc < next entry), or -1. */
static int64_t ftab__find(const struct gopclntab *t, uint64_t pc)
{
	uint64_t lo = 0, hi = t->nfunc, mid;

	if (!t->nfunc || pc < ftab__entry(t, 0) || pc >= ftab__entry(t, t->nfunc))
		return -1;
	/* Largest i with entry(i) <= pc; on a corrupt (unsorted) table it is merely wrong. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (ftab__entry(t, mid) <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (pc >= ftab__entry(t, lo + 1))
		return -1;
	return (int64_t)lo;
}

/*
 * Decode function i's _func. Layout (u32 fields unless noted):
 *   1.16-1.17: entry (ptr), nameoff, args, deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset,
 *              funcID, flag, pad, nfuncdata (u8s); pcdata[npcdata]; funcdata[] pointers,
 *              8-aligned.
 *   1.18-1.19: entryoff, nameoff, ..., cuOffset, funcID, flag, pad, nfuncdata (u8s);
 *              pcdata[npcdata]; funcdata[] u32 offsets from moduledata.gofunc.
 *   1.20+:     as 1.18 with an i32 startLine after cuOffset.
 */
static bool func__decode(const struct gopclntab *t, uint64_t i, struct func *f)
{
	uint64_t off = t->functab_off + ftab__funcoff(t, i), fd;
	size_t base = t->magic == PCLN_GO116 ? 8 : 4; /* first field after entry */
	size_t fixed = t->magic == PCLN_GO118 ? 40 : 44;
	const uint8_t *p;
	uint32_t npcdata, nfuncdata, v;

	if (off < t->functab_off || !range_ok(t->len, off, fixed))
		return false;
	p = t->data + off;
	memset(f, 0, sizeof(*f));
	f->entry = ftab__entry(t, i);
	f->end = ftab__entry(t, i + 1);
	f->nameoff = le32(p + base);
	f->pcsp = le32(p + base + 12);
	f->pcfile = le32(p + base + 16);
	f->pcln = le32(p + base + 20);
	npcdata = le32(p + base + 24);
	f->cu_off = le32(p + base + 28);
	nfuncdata = p[fixed - 1];
	if (npcdata > t->len / 4 || !range_ok(t->len, off + fixed, (uint64_t)npcdata * 4))
		return false;
	if (npcdata > PCDATA_INLTREEINDEX)
		f->inl_pcdata = le32(p + fixed + 4 * PCDATA_INLTREEINDEX);
	if (nfuncdata <= FUNCDATA_INLTREE || !f->inl_pcdata)
		return true;
	fd = off + fixed + (uint64_t)npcdata * 4;
	if (t->magic == PCLN_GO116) {
		/* Pointer array, aligned in memory (t->addr is 8-aligned in sane files). */
		if ((t->addr + fd) & 7)
			fd += 4;
		if (!rd64(t->data, t->len, fd + 8 * FUNCDATA_INLTREE, &f->inl_tree))
			f->inl_tree = 0;
	} else if (t->inl && rd32(t->data, t->len, fd + 4 * FUNCDATA_INLTREE, &v) &&
		   v != UINT32_MAX) {
		f->inl_tree = t->gofunc + v;
	}
	return true;
}

/* ---- pc-value tables ---- */

/* Go's varint: 7 bits a byte, low first. More than 5 bytes cannot be a uint32. */
static bool uvarint(const uint8_t *buf, size_t len, size_t *pos, uint32_t *v)
{
	uint32_t x = 0;
	int shift;

	for (shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (*pos >= len)
			return false;
		b = buf[(*pos)++];
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/*
 * The value of the pc-value table at pctab offset tab for target (entry <= target < end):
 * a sequence of (zig-zag value delta, pc delta / quantum) pairs starting at (entry, -1), each
 * pair giving the value for [previous pc, new pc). -1 if the table has none.
 */
static int32_t pcvalue(const struct gopclntab *t, const struct func *f, uint32_t tab,
		       uint64_t target)
{
	uint64_t pc = f->entry;
	uint32_t val = UINT32_MAX, uv, pcd;
	size_t pos;
	bool first = true;

	if (!tab || t->pctab_off + tab > t->len)
		return -1;
	pos = t->pctab_off + tab;
	/* Each step consumes at least two bytes: the loop ends with the buffer. */
	while (uvarint(t->data, t->len, &pos, &uv)) {
		if (!uv && !first)
			return -1;
		first = false;
		/* Unsigned arithmetic: wraps like Go's int32 instead of overflowing. */
		val += uv & 1 ? ~(uv >> 1) : uv >> 1;
		if (!uvarint(t->data, t->len, &pos, &pcd))
			return -1;
		pc += (uint64_t)pcd * t->quantum;
		if (target < pc)
			return (int32_t)val;
		if (pc >= f->end)
			return -1;
	}
	return -1;
}

/* ---- strings ---- */

static const char *pcln__str(const struct gopclntab *t, uint64_t base, uint64_t off)
{
	/* data[len] is NUL, so any start inside the buffer is a terminated string. */
	if (base + off >= t->len || off > t->len)
		return NULL;
	return (const char *)t->data + base + off;
}

static const char *func__name(const struct gopclntab *t, uint32_t nameoff)
{
	const char *s = pcln__str(t, t->funcname_off, nameoff);

	return s && *s ? s : "?";
}

/* File and line at pc in function f: file index through the CU table, then filetab. */
static void func__file_line(const struct gopclntab *t, const struct func *f, uint64_t pc,
			    struct go_frame *fr)
{
	int32_t fno = pcvalue(t, f, f->pcfile, pc), line = pcvalue(t, f, f->pcln, pc);
	uint32_t name;
	const char *s = NULL;

	if (fno >= 0 &&
	    rd32(t->data, t->len, t->cu_off + 4 * ((uint64_t)f->cu_off + (uint32_t)fno), &name) &&
	    name != UINT32_MAX)
		s = pcln__str(t, t->filetab_off, name);
	fr->file = s ? s : "";
	fr->line = line > 0 ? line : 0;
}

/* ---- inline trees ---- */

struct inl_call {
	uint32_t nameoff;
	int32_t parent_pc;
};

/* Entry ix of the inline tree at vaddr tree: 20 bytes up to Go 1.19, 16 from 1.20. */
static bool inl__entry(const struct gopclntab *t, uint64_t tree, int32_t ix, struct inl_call *c)
{
	uint64_t size = t->magic == PCLN_GO120 ? 16 : 20, off;

	if (!t->inl || tree < t->inl_addr)
		return false;
	off = tree - t->inl_addr;
	if (off > t->inl_len || (uint64_t)ix > (t->inl_len - off) / size)
		return false;
	off += (uint64_t)ix * size;
	if (!range_ok(t->inl_len, off, size))
		return false;
	if (t->magic == PCLN_GO120) {
		c->nameoff = le32(t->inl + off + 4);
		c->parent_pc = (int32_t)le32(t->inl + off + 8);
	} else {
		c->nameoff = le32(t->inl + off + 12);
		c->parent_pc = (int32_t)le32(t->inl + off + 16);
	}
	return true;
}

/* ---- lookups ---- */

int gopclntab__lookup(const struct gopclntab *t, uint64_t pc, struct go_frame *frames, int max)
{
	struct inl_call c;
	struct func f;
	int64_t i;
	int32_t ix = -1;
	int n = 0, depth;

	if (!t || !frames || max <= 0)
		return 0;
	i = ftab__find(t, pc);
	if (i < 0 || !func__decode(t, (uint64_t)i, &f))
		return 0;
	if (f.inl_tree)
		ix = pcvalue(t, &f, f.inl_pcdata, pc);
	/*
	 * Inlined bodies first: the tree entry names the callee; its call site is the
	 * instruction at entry + parentPc, whose own tree index gives the caller's entry.
	 */
	for (depth = 0; ix >= 0 && n < max && depth < MAX_INLINE_DEPTH; depth++) {
		if (!inl__entry(t, f.inl_tree, ix, &c) || c.parent_pc < 0 ||
		    (uint64_t)c.parent_pc >= f.end - f.entry)
			break;
		frames[n].function = func__name(t, c.nameoff);
		func__file_line(t, &f, pc, &frames[n]);
		n++;
		pc = f.entry + (uint64_t)c.parent_pc;
		ix = pcvalue(t, &f, f.inl_pcdata, pc);
	}
	if (n < max) {
		frames[n].function = func__name(t, f.nameoff);
		func__file_line(t, &f, pc, &frames[n]);
		n++;
	}
	return n;
}

uint64_t gopclntab__func_entry(const struct gopclntab *t, uint64_t pc)
{
	int64_t i;

	if (!t)
		return 0;
	i = ftab__find(t, pc);
	return i < 0 ? 0 : ftab__entry(t, (uint64_t)i);
}

int32_t gopclntab__sp_delta(const struct gopclntab *t, uint64_t pc)
{
	struct func f;
	int64_t i;

	if (!t || (i = ftab__find(t, pc)) < 0 || !func__decode(t, (uint64_t)i, &f))
		return -1;
	return pcvalue(t, &f, f.pcsp, pc);
}

int gopclntab__find_function(const struct gopclntab *t, const char *name, uint64_t *entry,
			     uint64_t *end)
{
	struct func f;
	uint64_t i;

	for (i = 0; t && i < t->nfunc; i++) {
		if (!func__decode(t, i, &f) || strcmp(func__name(t, f.nameoff), name))
			continue;
		if (f.end <= f.entry)
			return -EINVAL;
		*entry = f.entry;
		*end = f.end;
		return 0;
	}
	return -ENOENT;
}

uint64_t gopclntab__nfunc(const struct gopclntab *t)
{
	return t ? t->nfunc : 0;
}

/* ---- loading the inline-tree area ---- */

/* Let t->inl view the file bytes from vaddr addr to the end of the region holding it. */
static bool pcln__view_inl(struct gopclntab *t, const struct elf *e, uint64_t addr)
{
	const struct region *r = elf__region_at(e, addr);
	uint64_t skip;

	if (!r)
		return false;
	skip = addr - r->addr;
	t->inl = e->img + r->off + skip;
	t->inl_len = r->size - skip;
	t->inl_addr = addr;
	return true;
}

static void pcln__drop_inl(struct gopclntab *t)
{
	t->inl = NULL;
	t->inl_len = 0;
	t->inl_addr = 0;
}

/* Copy the viewed area, so that the image can go away; without memory, no inlines. */
static void pcln__own_inl(struct gopclntab *t)
{
	t->inl_copy = malloc(t->inl_len ? t->inl_len : 1);
	if (!t->inl_copy) {
		pcln__drop_inl(t);
		return;
	}
	memcpy(t->inl_copy, t->inl, t->inl_len);
	t->inl = t->inl_copy;
}

/*
 * A plausible inline tree at tree for function f: its first entry names a function and calls
 * from inside f. Used to pick among moduledata.gofunc candidates.
 */
static bool pcln__tree_plausible(const struct gopclntab *t, const struct func *f, uint64_t tree)
{
	struct inl_call c;
	const char *name;

	if (!inl__entry(t, tree, 0, &c) || c.parent_pc < 0 ||
	    (uint64_t)c.parent_pc >= f->end - f->entry)
		return false;
	/* The name must be a whole non-empty string of funcnametab. */
	name = pcln__str(t, t->funcname_off, c.nameoff);
	return name && *name && (!c.nameoff || name[-1] == '\0');
}

/*
 * Try gofunc candidate g: check the inline trees of up to 16 functions against it. True (and
 * t->inl viewing g's area) if none contradicts it.
 */
static bool pcln__try_gofunc(struct gopclntab *t, const struct elf *e, uint64_t g)
{
	uint64_t i, checked = 0;
	struct func f;

	if (!pcln__view_inl(t, e, g))
		return false;
	t->gofunc = g;
	for (i = 0; i < t->nfunc && checked < 16; i++) {
		if (!func__decode(t, i, &f) || !f.inl_tree)
			continue;
		if (!pcln__tree_plausible(t, &f, f.inl_tree))
			break;
		checked++;
	}
	if (i >= t->nfunc || checked == 16)
		return true;
	pcln__drop_inl(t);
	t->gofunc = 0;
	return false;
}

/*
 * A moduledata starts with our pcHeader, then the funcnametab and cutab slices, ..., the
 * pclntable slice (word 13) and text (word 22): all must agree with this pclntab.
 */
static bool moduledata__matches(const struct gopclntab *t, const uint8_t *w)
{
	return le64(w) == t->addr && le64(w + 8 * 1) == t->addr + t->funcname_off &&
	       le64(w + 8 * 4) == t->addr + t->cu_off &&
	       le64(w + 8 * 13) == t->addr + t->functab_off && le64(w + 8 * 22) == t->text_start;
}

/*
 * gofunc is the word after types, etypes, rodata: word 38 in Go 1.18-1.19, 40 from 1.20
 * (covctrs/ecovctrs were added before end). Later words are tried too in case more fields
 * appear; each candidate is checked against real inline trees.
 */
static bool moduledata__gofunc(struct gopclntab *t, const struct elf *e, const uint8_t *w)
{
	static const int go118[] = {38, 40, 41, 42, 43}, go120[] = {40, 41, 42, 43, 38};
	const int *words = t->magic == PCLN_GO120 ? go120 : go118;
	size_t k;

	for (k = 0; k < sizeof(go118) / sizeof(go118[0]); k++)
		if (pcln__try_gofunc(t, e, le64(w + 8 * words[k])))
			return true;
	return false;
}

/* Scan writable data (moduledata is in .noptrdata) for runtime.firstmoduledata. */
static void pcln__find_gofunc(struct gopclntab *t, const struct elf *e)
{
	int candidates = 0;
	size_t i;
	uint64_t o;

	for (i = 0; i < e->nregions; i++) {
		const struct region *r = &e->regions[i];
		const uint8_t *p = e->img + r->off;

		/* Sections when there are any (they are tighter), else writable segments. */
		if (r->segment == e->has_sections || !(r->flags & (r->segment ? PF_W : SHF_WRITE)))
			continue;
		if (r->size < MODULEDATA_WORDS * 8)
			continue;
		for (o = (8 - (r->addr & 7)) & 7; o <= r->size - MODULEDATA_WORDS * 8; o += 8) {
			if (le64(p + o) != t->addr || !moduledata__matches(t, p + o))
				continue;
			if (moduledata__gofunc(t, e, p + o)) {
				pcln__own_inl(t);
				return;
			}
			/* Hostile files could hold many: each costs a pass over the functions. */
			if (++candidates == MAX_MODULEDATA_CANDIDATES)
				return;
		}
	}
}

/*
 * Go 1.16-1.17 funcdata are absolute pointers into go.func.* (in .rodata): keep the region of
 * the first inline tree found; the others are in the same place.
 */
static void pcln__find_inl_go116(struct gopclntab *t, const struct elf *e)
{
	const struct region *r;
	struct func f;
	uint64_t i;

	for (i = 0; i < t->nfunc; i++) {
		if (!func__decode(t, i, &f) || !f.inl_tree)
			continue;
		r = elf__region_at(e, f.inl_tree);
		if (r && pcln__view_inl(t, e, r->addr))
			pcln__own_inl(t);
		return;
	}
}

/* ---- load/free ---- */

static int pcln__load(struct gopclntab *t, const struct elf *e)
{
	const struct region *r;
	uint64_t at;
	int err;

	err = pcln__find(e, &r, &at);
	if (err)
		return err;
	err = pcln__parse_header(t, e->img + r->off + at, r->size - at);
	if (err)
		return err;
	t->addr = r->addr + at;
	t->len = r->size - at;
	t->data = malloc(t->len + 1);
	if (!t->data)
		return -ENOMEM;
	memcpy(t->data, e->img + r->off + at, t->len);
	t->data[t->len] = '\0';
	/* Without inline trees lookups still work, so a failure here is not an error. */
	if (t->magic == PCLN_GO116)
		pcln__find_inl_go116(t, e);
	else
		pcln__find_gofunc(t, e);
	return 0;
}

struct gopclntab *gopclntab__load(const void *elf_image, size_t len)
{
	struct gopclntab *t;
	struct elf e;
	int err;

	err = elf__open(&e, elf_image, len);
	if (err) {
		errno = -err;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	err = t ? pcln__load(t, &e) : -ENOMEM;
	free(e.regions);
	if (err) {
		gopclntab__free(t);
		errno = -err;
		return NULL;
	}
	return t;
}

void gopclntab__free(struct gopclntab *t)
{
	if (!t)
		return;
	free(t->data);
	free(t->inl_copy);
	free(t);
}
