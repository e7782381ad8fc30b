// SPDX-License-Identifier: MIT
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "hash.h"
#include "sym_elf.h"
#include "sym_gopclntab.h"

#define BUILD_ID_MAX 64	       /* bytes; GNU build-ids are 20, nothing legitimate exceeds this */
#define SYM_WALK_BACK 8	       /* aliases and nested symbols to look through on a miss */
#define UNSIZED_SYM_SPAN 4096  /* the last symbol has no successor to bound it */
#define MAX_DIE_DEPTH 128      /* DIE nesting we follow; real code stays far below */
#define MAX_CU_DIES (1u << 24) /* DIEs visited per CU: a bound for hostile DWARF */
#define MAX_RANGES (1u << 24)  /* address ranges kept per DWARF index */
#define DEMANGLE_MAX_LEN 65536 /* longer "names" are left as they are */
#define DEFAULT_DEBUG_DIR "/usr/lib/debug"

struct elf_sym {
	uint64_t addr;
	uint64_t end;
	const char *name;
};

/* A subprogram or inlined_subroutine DIE of one CU. */
struct fn_node {
	Dwarf_Die die;
	int32_t parent; /* enclosing node, -1 for a top-level function */
	bool inlined;
};

struct fn_range {
	uint64_t lo, hi;
	uint32_t node;
	uint32_t depth;
	int64_t enclosing; /* an earlier range that contains this one, -1 if none */
};

struct cu_info {
	Dwarf_Die die;
	bool indexed, files_tried;
	struct fn_node *nodes;
	size_t nnodes, nodes_cap;
	struct fn_range *ranges;
	size_t nranges, ranges_cap;
	Dwarf_Files *files;
	size_t nfiles;
};

struct cu_range {
	uint64_t lo, hi;
	uint32_t cu;
};

struct dwarf_index {
	Dwarf *dw;
	struct cu_info *cus;
	size_t ncus;
	struct cu_range *ranges;
	size_t nranges;
};

struct elf_image {
	char *data;
	size_t size;
	bool mmapped;
	Elf *elf;
	bool has_symtab, has_dynsym, has_debug_info, has_gopclntab;
};

struct elf_file {
	struct elf_image img;
	struct elf_file *debug;
	char build_id[2 * BUILD_ID_MAX + 1];
	const char *debuglink;
	uint32_t debuglink_crc;
	GElf_Phdr *loads;
	size_t nloads;

	bool syms_loaded;
	struct elf_sym *syms;
	size_t nsyms;

	bool dwarf_tried;
	struct dwarf_index dwarf;

	bool go_tried;
	struct gopclntab *go;
};

/* ------------------------------------------------------------------------------------ */
/* Opening images */

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;

static void elf_init(void)
{
	elf_version(EV_CURRENT);
}

static const char *section_name(Elf *elf, size_t shstrndx, const GElf_Shdr *shdr)
{
	const char *name = elf_strptr(elf, shstrndx, shdr->sh_name);

	return name ? name : "";
}

/* Note which tables an image carries, so that lookups and the debug search know. */
static void image_scan_sections(struct elf_image *img)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(img->elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(img->elf, scn))) {
		GElf_Shdr shdr;
		const char *name;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type == SHT_SYMTAB)
			img->has_symtab = true;
		else if (shdr.sh_type == SHT_DYNSYM)
			img->has_dynsym = true;
		if (shdr.sh_type == SHT_NOBITS || !shdr.sh_size)
			continue;
		name = section_name(img->elf, shstrndx, &shdr);
		if (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info"))
			img->has_debug_info = true;
		else if (!strcmp(name, ".gopclntab") || !strcmp(name, ".data.rel.ro.gopclntab"))
			img->has_gopclntab = true;
	}
}

static int image_begin(struct elf_image *img)
{
	pthread_once(&elf_once, elf_init);
	img->elf = elf_memory(img->data, img->size);
	if (!img->elf)
		return -ENOEXEC;
	if (elf_kind(img->elf) != ELF_K_ELF) {
		elf_end(img->elf);
		img->elf = NULL;
		return -ENOEXEC;
	}
	image_scan_sections(img);
	return 0;
}

static void image_release(struct elf_image *img)
{
	if (img->elf)
		elf_end(img->elf);
	if (img->mmapped)
		munmap(img->data, img->size);
	else
		free(img->data);
	memset(img, 0, sizeof(*img));
}

static int image_open_fd(struct elf_image *img, int fd)
{
	struct stat st;
	void *data;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < EI_NIDENT)
		return -ENOEXEC;
	/*
	 * A private writable mapping: libelf may convert data in place, and the copy-on-write
	 * keeps that away from the file. The mapping keeps a deleted file alive.
	 */
	data = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED)
		return -errno;
	img->data = data;
	img->size = (size_t)st.st_size;
	img->mmapped = true;
	return image_begin(img);
}

static void read_build_id(struct elf_file *f)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *id;
	const void *p;
	ssize_t n = dwelf_elf_gnu_build_id(f->img.elf, &p);
	ssize_t i;

	if (n <= 0 || n > BUILD_ID_MAX)
		return;
	id = p;
	for (i = 0; i < n; i++) {
		f->build_id[2 * i] = hex[id[i] >> 4];
		f->build_id[2 * i + 1] = hex[id[i] & 15];
	}
	f->build_id[2 * n] = '\0';
}

static int read_loads(struct elf_file *f)
{
	size_t n, i;

	if (elf_getphdrnum(f->img.elf, &n) || !n)
		return 0;
	if (n > 65535)
		return 0;
	f->loads = calloc(n, sizeof(*f->loads));
	if (!f->loads)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(f->img.elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			f->loads[f->nloads++] = ph;
	}
	return 0;
}

static struct elf_file *file_finish_open(struct elf_file *f, int err)
{
	if (!err)
		err = read_loads(f);
	if (err) {
		elf_file__free(f);
		errno = -err;
		return NULL;
	}
	read_build_id(f);
	f->debuglink = dwelf_elf_gnu_debuglink(f->img.elf, &f->debuglink_crc);
	return f;
}

struct elf_file *elf_file__open_fd(int fd)
{
	struct elf_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	return file_finish_open(f, image_open_fd(&f->img, fd));
}

struct elf_file *elf_file__open_memory(const void *image, size_t len)
{
	struct elf_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->img.data = malloc(len ? len : 1);
	if (!f->img.data) {
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(f->img.data, image, len);
	f->img.size = len;
	return file_finish_open(f, len < EI_NIDENT ? -ENOEXEC : image_begin(&f->img));
}

static void dwarf_index_release(struct dwarf_index *d)
{
	size_t i;

	for (i = 0; i < d->ncus; i++) {
		free(d->cus[i].nodes);
		free(d->cus[i].ranges);
	}
	free(d->cus);
	free(d->ranges);
	if (d->dw)
		dwarf_end(d->dw);
	memset(d, 0, sizeof(*d));
}

void elf_file__free(struct elf_file *f)
{
	if (!f)
		return;
	/* DWARF and pclntab tables point into the images: release them first */
	dwarf_index_release(&f->dwarf);
	gopclntab__free(f->go);
	free(f->syms);
	free(f->loads);
	elf_file__free(f->debug);
	image_release(&f->img);
	free(f);
}

const char *elf_file__build_id(const struct elf_file *f)
{
	return f->build_id;
}

const char *elf_file__debuglink(const struct elf_file *f, uint32_t *crc)
{
	if (crc)
		*crc = f->debuglink_crc;
	return f->debuglink;
}

static struct gopclntab *file_go(struct elf_file *f)
{
	if (!f->go_tried) {
		f->go_tried = true;
		if (f->img.has_gopclntab)
			f->go = gopclntab__load(f->img.data, f->img.size);
	}
	return f->go;
}

unsigned int elf_file__caps(struct elf_file *f)
{
	const struct elf_image *d = f->debug ? &f->debug->img : NULL;
	unsigned int caps = 0;

	if (f->img.has_symtab || f->img.has_dynsym || (d && d->has_symtab))
		caps |= ELF_CAP_SYMBOLS;
	if (f->img.has_debug_info || (d && d->has_debug_info))
		caps |= ELF_CAP_DWARF;
	if (file_go(f))
		caps |= ELF_CAP_GO;
	return caps;
}

int elf_file__offset_to_vaddr(const struct elf_file *f, uint64_t offset, uint64_t *vaddr)
{
	size_t i;

	for (i = 0; i < f->nloads; i++) {
		const GElf_Phdr *ph = &f->loads[i];

		if (offset >= ph->p_offset && offset - ph->p_offset < ph->p_filesz) {
			*vaddr = offset - ph->p_offset + ph->p_vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

/* ------------------------------------------------------------------------------------ */
/* Symbol tables */

struct sym_candidate {
	struct elf_sym sym;
	uint64_t size;
	int rank; /* lower is preferred among aliases */
};

/* Among symbols at one address, prefer a global, then the name with fewer leading
 * underscores (malloc over __libc_malloc), then the shorter one. */
static int sym_rank(const GElf_Sym *s, const char *name)
{
	int bind = GELF_ST_BIND(s->st_info), rank, u = 0;

	rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
	while (name[u] == '_' && u < 7)
		u++;
	return rank << 24 | u << 16 | (int)(strnlen(name, 0xffff));
}

static bool want_symbol(const GElf_Sym *s, Elf *elf)
{
	int type = GELF_ST_TYPE(s->st_info);
	GElf_Shdr shdr;
	Elf_Scn *scn;

	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE || !s->st_value)
		return false;
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		return true;
	/* hand-written assembly often leaves functions untyped: keep sized ones in code */
	if (type != STT_NOTYPE || !s->st_size)
		return false;
	scn = elf_getscn(elf, s->st_shndx);
	return scn && gelf_getshdr(scn, &shdr) && (shdr.sh_flags & SHF_EXECINSTR);
}

struct sym_vec {
	struct sym_candidate *data;
	size_t len, cap;
};

static int sym_vec_push(struct sym_vec *v, const struct sym_candidate *c)
{
	if (v->len == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 1024;
		struct sym_candidate *nd = realloc(v->data, ncap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		v->data = nd;
		v->cap = ncap;
	}
	v->data[v->len++] = *c;
	return 0;
}

static int collect_symbols(struct elf_image *img, Elf64_Word type, struct sym_vec *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(img->elf, scn))) {
		size_t entsize, n, i;
		Elf_Data *data;
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != type)
			continue;
		data = elf_getdata(scn, NULL);
		entsize = gelf_fsize(img->elf, ELF_T_SYM, 1, EV_CURRENT);
		if (!data || !entsize)
			continue;
		n = data->d_size / entsize;
		for (i = 1; i < n; i++) {
			struct sym_candidate c;
			const char *name;
			GElf_Sym s;

			if (!gelf_getsym(data, (int)i, &s) || !want_symbol(&s, img->elf))
				continue;
			name = elf_strptr(img->elf, shdr.sh_link, s.st_name);
			if (!name || !name[0])
				continue;
			c.sym.addr = s.st_value;
			c.sym.name = name;
			c.size = s.st_size;
			c.rank = sym_rank(&s, name);
			if (sym_vec_push(out, &c))
				return -ENOMEM;
		}
		if (n > INT32_MAX)
			break;
	}
	return 0;
}

static int cmp_candidate(const void *a, const void *b)
{
	const struct sym_candidate *x = a, *y = b;

	if (x->sym.addr != y->sym.addr)
		return x->sym.addr < y->sym.addr ? -1 : 1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Keep one symbol per address and give every symbol an end. */
static int finish_symbols(struct elf_file *f, struct sym_vec *v)
{
	size_t i, j, n = 0;

	if (v->len > 1)
		qsort(v->data, v->len, sizeof(*v->data), cmp_candidate);
	f->syms = malloc((v->len ? v->len : 1) * sizeof(*f->syms));
	if (!f->syms)
		return -ENOMEM;
	for (i = 0; i < v->len; i = j) {
		uint64_t size = v->data[i].size, addr = v->data[i].sym.addr, end;

		/* an alias may carry the size the preferred name lacks */
		for (j = i + 1; j < v->len && v->data[j].sym.addr == addr; j++)
			if (!size)
				size = v->data[j].size;
		if (size && size <= UINT64_MAX - addr)
			end = addr + size;
		else if (j < v->len)
			end = v->data[j].sym.addr; /* unsized: up to the next symbol */
		else
			end = addr <= UINT64_MAX - UNSIZED_SYM_SPAN ? addr + UNSIZED_SYM_SPAN
								    : UINT64_MAX;
		f->syms[n] = v->data[i].sym;
		f->syms[n++].end = end;
	}
	f->nsyms = n;
	return 0;
}

static int load_symbols(struct elf_file *f)
{
	struct sym_vec v = {0};
	int err = 0;

	f->syms_loaded = true;
	if (f->img.has_symtab)
		err = collect_symbols(&f->img, SHT_SYMTAB, &v);
	else if (f->debug && f->debug->img.has_symtab)
		err = collect_symbols(&f->debug->img, SHT_SYMTAB, &v);
	/* .dynsym too: a stripped file's debug file may predate an exported alias */
	if (!err && f->img.has_dynsym)
		err = collect_symbols(&f->img, SHT_DYNSYM, &v);
	if (!err)
		err = finish_symbols(f, &v);
	free(v.data);
	return err;
}

static const struct elf_sym *symbol_lookup(struct elf_file *f, uint64_t addr)
{
	size_t lo = 0, hi = f->nsyms, i, stop;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	stop = lo > SYM_WALK_BACK ? lo - SYM_WALK_BACK : 0;
	for (i = lo; i > stop; i--)
		if (addr < f->syms[i - 1].end)
			return &f->syms[i - 1];
	return NULL;
}

static int ensure_symbols(struct elf_file *f)
{
	return f->syms_loaded ? 0 : load_symbols(f);
}

size_t elf_file__symbol_count(struct elf_file *f)
{
	return ensure_symbols(f) ? 0 : f->nsyms;
}

int elf_file__symbol(struct elf_file *f, size_t i, uint64_t *addr, uint64_t *size,
		     const char **name)
{
	if (ensure_symbols(f) || i >= f->nsyms)
		return -ENOENT;
	if (addr)
		*addr = f->syms[i].addr;
	if (size)
		*size = f->syms[i].end - f->syms[i].addr;
	if (name)
		*name = f->syms[i].name;
	return 0;
}

int elf_file__find_symbol(struct elf_file *f, const char *name, uint64_t *addr)
{
	size_t i;

	if (ensure_symbols(f))
		return -ENOMEM;
	for (i = 0; i < f->nsyms; i++) {
		if (!strcmp(f->syms[i].name, name)) {
			*addr = f->syms[i].addr;
			return 0;
		}
	}
	return -ENOENT;
}

/* ------------------------------------------------------------------------------------ */
/* DWARF: a CU table by address, then per CU (built on first use) the functions and
 * inlined calls by address, so that a lookup is two binary searches and a short walk. */

static int cmp_cu_range(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int add_cu(struct dwarf_index *d, Dwarf_Die *cudie, size_t *cus_cap, size_t *ranges_cap)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	uint32_t idx;

	if (d->ncus == *cus_cap) {
		size_t ncap = *cus_cap ? *cus_cap * 2 : 64;
		struct cu_info *nc = realloc(d->cus, ncap * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		d->cus = nc;
		*cus_cap = ncap;
	}
	if (d->ncus >= UINT32_MAX)
		return -E2BIG;
	idx = (uint32_t)d->ncus;
	memset(&d->cus[idx], 0, sizeof(d->cus[idx]));
	d->cus[idx].die = *cudie;
	d->ncus++;
	while (d->nranges < MAX_RANGES && (off = dwarf_ranges(cudie, off, &base, &lo, &hi)) > 0) {
		if (lo >= hi)
			continue;
		if (d->nranges == *ranges_cap) {
			size_t ncap = *ranges_cap ? *ranges_cap * 2 : 256;
			struct cu_range *nr = realloc(d->ranges, ncap * sizeof(*nr));

			if (!nr)
				return -ENOMEM;
			d->ranges = nr;
			*ranges_cap = ncap;
		}
		d->ranges[d->nranges++] = (struct cu_range){lo, hi, idx};
	}
	return 0;
}

static int build_cu_table(struct dwarf_index *d)
{
	size_t cus_cap = 0, ranges_cap = 0;
	Dwarf_CU *cu = NULL, *next;
	Dwarf_Die cudie, subdie;
	Dwarf_Half version;
	uint8_t unit_type;
	int err;

	while (dwarf_get_units(d->dw, cu, &next, &version, &unit_type, &cudie, &subdie) == 0) {
		cu = next;
		/* split (skeleton) units would need their .dwo files: not supported */
		if (unit_type != DW_UT_compile || dwarf_tag(&cudie) != DW_TAG_compile_unit)
			continue;
		if ((err = add_cu(d, &cudie, &cus_cap, &ranges_cap)))
			return err;
	}
	if (d->nranges > 1)
		qsort(d->ranges, d->nranges, sizeof(*d->ranges), cmp_cu_range);
	return 0;
}

static struct dwarf_index *file_dwarf(struct elf_file *f)
{
	struct elf_image *img = NULL;

	if (f->dwarf_tried)
		return f->dwarf.dw ? &f->dwarf : NULL;
	f->dwarf_tried = true;
	if (f->img.has_debug_info)
		img = &f->img;
	else if (f->debug && f->debug->img.has_debug_info)
		img = &f->debug->img;
	if (!img)
		return NULL;
	f->dwarf.dw = dwarf_begin_elf(img->elf, DWARF_C_READ, NULL);
	if (!f->dwarf.dw)
		return NULL;
	if (build_cu_table(&f->dwarf)) {
		dwarf_index_release(&f->dwarf);
		return NULL;
	}
	return &f->dwarf;
}

static struct cu_info *cu_lookup(struct dwarf_index *d, uint64_t addr)
{
	size_t lo = 0, hi = d->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= d->ranges[lo - 1].hi)
		return NULL;
	return &d->cus[d->ranges[lo - 1].cu];
}

struct cu_walk {
	struct cu_info *cu;
	size_t visited;
};

static int add_node(struct cu_info *cu, Dwarf_Die *die, int32_t parent, bool inlined)
{
	if (cu->nnodes >= INT32_MAX)
		return -E2BIG;
	if (cu->nnodes == cu->nodes_cap) {
		size_t ncap = cu->nodes_cap ? cu->nodes_cap * 2 : 64;
		struct fn_node *nn = realloc(cu->nodes, ncap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		cu->nodes = nn;
		cu->nodes_cap = ncap;
	}
	cu->nodes[cu->nnodes] = (struct fn_node){*die, parent, inlined};
	return (int)cu->nnodes++;
}

static int add_fn_range(struct cu_info *cu, uint64_t lo, uint64_t hi, uint32_t node, uint32_t depth)
{
	if (cu->nranges >= MAX_RANGES)
		return -E2BIG;
	if (cu->nranges == cu->ranges_cap) {
		size_t ncap = cu->ranges_cap ? cu->ranges_cap * 2 : 64;
		struct fn_range *nr = realloc(cu->ranges, ncap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		cu->ranges = nr;
		cu->ranges_cap = ncap;
	}
	cu->ranges[cu->nranges++] = (struct fn_range){lo, hi, node, depth, -1};
	return 0;
}

/* Record die as a function node if code ranges belong to it; its index, -ENOENT if not. */
static int index_function(struct cu_info *cu, Dwarf_Die *die, int32_t parent, bool inlined,
			  uint32_t depth)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	int node = -ENOENT, err;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (lo >= hi)
			continue;
		if (node < 0 && (node = add_node(cu, die, parent, inlined)) < 0)
			return node;
		if ((err = add_fn_range(cu, lo, hi, (uint32_t)node, depth)))
			return err;
	}
	return node;
}

static int index_children(struct cu_walk *w, Dwarf_Die *parent_die, int32_t parent, uint32_t depth)
{
	Dwarf_Die child;
	int err;

	if (depth > MAX_DIE_DEPTH || dwarf_child(parent_die, &child) != 0)
		return 0;
	do {
		int32_t node = parent;

		if (++w->visited > MAX_CU_DIES)
			return -E2BIG;
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
			node = index_function(w->cu, &child, parent,
					      dwarf_tag(&child) == DW_TAG_inlined_subroutine,
					      depth);
			if (node == -ENOENT)
				continue; /* a declaration or abstract instance: no code */
			if (node < 0)
				return node;
			break;
		case DW_TAG_lexical_block:
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
			break; /* may hold functions or inlined calls */
		default:
			continue;
		}
		if ((err = index_children(w, &child, node, depth + 1)))
			return err;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static int cmp_fn_range(const void *a, const void *b)
{
	const struct fn_range *x = a, *y = b;

	/* by start; at equal starts the outer (longer, shallower) range first */
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi > y->hi ? -1 : 1;
	return (x->depth > y->depth) - (x->depth < y->depth);
}

/* Link every range to the nearest earlier range containing it (a nesting stack). */
static int link_enclosing(struct cu_info *cu)
{
	int64_t *stack;
	size_t i, top = 0;

	stack = malloc((cu->nranges ? cu->nranges : 1) * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	for (i = 0; i < cu->nranges; i++) {
		struct fn_range *r = &cu->ranges[i];

		while (top && cu->ranges[stack[top - 1]].hi <= r->lo)
			top--;
		r->enclosing = top ? stack[top - 1] : -1;
		stack[top++] = (int64_t)i;
	}
	free(stack);
	return 0;
}

static int index_cu(struct cu_info *cu)
{
	struct cu_walk w = {cu, 0};
	int err;

	cu->indexed = true;
	err = index_children(&w, &cu->die, -1, 0);
	if (!err && cu->nranges > 1)
		qsort(cu->ranges, cu->nranges, sizeof(*cu->ranges), cmp_fn_range);
	if (!err)
		err = link_enclosing(cu);
	if (err == -E2BIG)
		err = 0; /* keep what was indexed before the bound */
	return err;
}

/* The innermost function or inlined call covering addr, or -1. */
static int64_t innermost_node(const struct cu_info *cu, uint64_t addr)
{
	size_t lo = 0, hi = cu->nranges;
	int64_t i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cu->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = (int64_t)lo - 1; i >= 0 && cu->ranges[i].hi <= addr;)
		i = cu->ranges[i].enclosing;
	return i >= 0 ? (int64_t)cu->ranges[i].node : -1;
}

static const char *die_string(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

/* The raw name of a function DIE: its linkage (mangled) name if any, else its name. */
static const char *die_function_name(Dwarf_Die *die)
{
	const char *name = die_string(die, DW_AT_linkage_name);

	if (!name)
		name = die_string(die, DW_AT_MIPS_linkage_name);
	if (!name)
		name = dwarf_diename(die);
	return name;
}

static int die_udata(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute attr;
	Dwarf_Word v;

	if (dwarf_formudata(dwarf_attr(die, name, &attr), &v) || v > INT32_MAX)
		return 0;
	return (int)v;
}

static const char *cu_file(struct cu_info *cu, int idx)
{
	if (!cu->files_tried) {
		cu->files_tried = true;
		if (dwarf_getsrcfiles(&cu->die, &cu->files, &cu->nfiles))
			cu->files = NULL;
	}
	if (!cu->files || idx < 0 || (size_t)idx >= cu->nfiles)
		return NULL;
	return dwarf_filesrc(cu->files, (size_t)idx, NULL, NULL);
}

static void frame_from_die(struct sym_frame *fr, Dwarf_Die *die)
{
	int decl = 0;

	fr->function = die_function_name(die);
	if (!dwarf_decl_line(die, &decl) && decl > 0)
		fr->decl_line = decl;
}

/* Frame 0's file:line from the line table. */
static void frame_line(struct sym_frame *fr, struct cu_info *cu, uint64_t addr)
{
	Dwarf_Line *line = dwarf_getsrc_die(&cu->die, addr);
	int n;

	if (!line)
		return;
	fr->file = dwarf_linesrc(line, NULL, NULL);
	if (!dwarf_lineno(line, &n) && n > 0)
		fr->line = n;
	if (!dwarf_linecol(line, &n) && n > 0)
		fr->column = n;
}

/* An inlined call's site, which is where its caller's frame is. */
static void frame_call_site(struct sym_frame *fr, struct cu_info *cu, Dwarf_Die *inlined)
{
	Dwarf_Attribute attr;
	Dwarf_Word file;

	if (!dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &file) &&
	    file <= INT32_MAX)
		fr->file = cu_file(cu, (int)file);
	fr->line = die_udata(inlined, DW_AT_call_line);
	fr->column = die_udata(inlined, DW_AT_call_column);
}

static int dwarf_frames(struct cu_info *cu, uint64_t addr, unsigned int flags,
			struct sym_frame *frames, int max)
{
	int64_t node = innermost_node(cu, addr);
	int n = 0, k;

	if (node < 0) {
		/* code without a function DIE (assembly): its line is still worth having */
		if (flags & SYM_NO_LINES)
			return 0;
		frame_line(&frames[0], cu, addr);
		return frames[0].file ? 1 : 0;
	}
	frame_from_die(&frames[0], &cu->nodes[node].die);
	frame_line(&frames[0], cu, addr);
	n = 1;
	while (cu->nodes[node].inlined && cu->nodes[node].parent >= 0) {
		int64_t parent = cu->nodes[node].parent;

		if (n < max) {
			memset(&frames[n], 0, sizeof(frames[n]));
			frame_from_die(&frames[n], &cu->nodes[parent].die);
			frame_call_site(&frames[n], cu, &cu->nodes[node].die);
			n++;
		} else {
			/* keep the innermost frames but always end on the real function */
			memset(&frames[max - 1], 0, sizeof(frames[max - 1]));
			frame_from_die(&frames[max - 1], &cu->nodes[parent].die);
			frame_call_site(&frames[max - 1], cu, &cu->nodes[node].die);
		}
		node = parent;
	}
	if (flags & SYM_NO_INLINES) {
		frames[0] = frames[n - 1];
		n = 1;
	}
	if (flags & SYM_NO_LINES)
		for (k = 0; k < n; k++)
			frames[k].file = NULL, frames[k].line = frames[k].column = 0;
	return n;
}

/* ------------------------------------------------------------------------------------ */
/* Lookup */

int elf_file__go_sp_delta(struct elf_file *f, uint64_t vaddr)
{
	int32_t delta = gopclntab__sp_delta(file_go(f), vaddr);

	return delta < 0 ? -ENOENT : delta;
}

static int go_frames(struct elf_file *f, uint64_t vaddr, unsigned int flags,
		     struct sym_frame *frames, int max)
{
	struct go_frame gf[SYM_MAX_FRAMES];
	struct gopclntab *go = file_go(f);
	int n, i;

	if (!go)
		return 0;
	n = gopclntab__lookup(go, vaddr, gf, max < SYM_MAX_FRAMES ? max : SYM_MAX_FRAMES);
	if (n <= 0)
		return 0;
	if (flags & SYM_NO_INLINES) {
		gf[0] = gf[n - 1];
		n = 1;
	}
	for (i = 0; i < n; i++) {
		frames[i].function = gf[i].function;
		if (!(flags & SYM_NO_LINES)) {
			frames[i].file = gf[i].file && gf[i].file[0] ? gf[i].file : NULL;
			frames[i].line = gf[i].line > 0 ? gf[i].line : 0;
		}
	}
	return n;
}

int elf_file__lookup(struct elf_file *f, uint64_t vaddr, unsigned int flags,
		     struct sym_frame *frames, int max)
{
	const struct elf_sym *sym;
	struct dwarf_index *d;
	struct cu_info *cu;
	int n = 0, err;

	if (max <= 0)
		return -EINVAL;
	memset(frames, 0, sizeof(*frames) * (size_t)max);
	n = go_frames(f, vaddr, flags, frames, max);
	if (n > 0)
		return n;
	if ((err = ensure_symbols(f)))
		return err;
	sym = symbol_lookup(f, vaddr);
	/* names only and no inlines: the symbol table says all there is to say */
	if ((flags & (SYM_NO_INLINES | SYM_NO_LINES)) != (SYM_NO_INLINES | SYM_NO_LINES) &&
	    (d = file_dwarf(f)) && (cu = cu_lookup(d, vaddr))) {
		if (!cu->indexed && (err = index_cu(cu)))
			return err;
		n = dwarf_frames(cu, vaddr, flags, frames, max);
	}
	if (!n && !sym)
		return 0;
	if (!n) {
		memset(&frames[0], 0, sizeof(frames[0]));
		n = 1;
	}
	if (!frames[n - 1].function && sym)
		frames[n - 1].function = sym->name;
	return n;
}

/* ------------------------------------------------------------------------------------ */
/* Separate debug files */

static uint32_t image_crc32(const struct elf_image *img)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	size_t off = 0;

	while (off < img->size) {
		size_t chunk = img->size - off > (1u << 30) ? (1u << 30) : img->size - off;

		crc = crc32(crc, (const Bytef *)img->data + off, (uInt)chunk);
		off += chunk;
	}
	return (uint32_t)crc;
}

/* Is candidate the debug file of f? Matching build-ids decide; without them the CRC. */
static bool debug_matches(const struct elf_file *f, const struct elf_file *cand, bool check_crc)
{
	if (!cand->img.has_debug_info && !(cand->img.has_symtab && !f->img.has_symtab))
		return false;
	if (f->build_id[0] && cand->build_id[0])
		return !strcmp(f->build_id, cand->build_id);
	if (check_crc)
		return image_crc32(&cand->img) == f->debuglink_crc;
	return false;
}

/* Make debug f's debug file; tables built without it are dropped (and point into the old). */
static void attach_debug(struct elf_file *f, struct elf_file *debug)
{
	dwarf_index_release(&f->dwarf);
	f->dwarf_tried = false;
	free(f->syms);
	f->syms = NULL;
	f->nsyms = 0;
	f->syms_loaded = false;
	elf_file__free(f->debug);
	f->debug = debug;
}

static bool try_debug_file(struct elf_file *f, const char *path, bool check_crc)
{
	struct elf_file *cand;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	cand = elf_file__open_fd(fd);
	close(fd);
	if (!cand)
		return false;
	if (!debug_matches(f, cand, check_crc)) {
		elf_file__free(cand);
		return false;
	}
	attach_debug(f, cand);
	return true;
}

/*
 * Call fn on each directory of a colon-separated list, then on the system's debug directory,
 * until it returns true.
 */
static bool for_each_dir(const char *dirs, bool (*fn)(const char *dir, size_t len, void *arg),
			 void *arg)
{
	const char *p = dirs ? dirs : "";

	for (;;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);

		if (len && fn(p, len, arg))
			return true;
		if (!colon)
			break;
		p = colon + 1;
	}
	return fn(DEFAULT_DEBUG_DIR, strlen(DEFAULT_DEBUG_DIR), arg);
}

struct debug_search {
	struct elf_file *f;
	const char *dir_of_path; /* the binary's directory, "" for a relative path */
	size_t dir_len;
};

static bool try_build_id_dir(const char *dir, size_t len, void *arg)
{
	struct debug_search *s = arg;
	char path[4096];
	int n;

	n = snprintf(path, sizeof(path), "%.*s/.build-id/%.2s/%s.debug", (int)len, dir,
		     s->f->build_id, s->f->build_id + 2);
	return n > 0 && (size_t)n < sizeof(path) && try_debug_file(s->f, path, false);
}

static bool try_debuglink_dir(const char *dir, size_t len, void *arg)
{
	struct debug_search *s = arg;
	char path[4096];
	int n;

	n = snprintf(path, sizeof(path), "%.*s%.*s/%s", (int)len, dir, (int)s->dir_len,
		     s->dir_of_path, s->f->debuglink);
	return n > 0 && (size_t)n < sizeof(path) && try_debug_file(s->f, path, true);
}

static bool find_by_debuglink(struct elf_file *f, struct debug_search *s, const char *root,
			      const char *debug_dirs)
{
	static const char *const subdirs[] = {"/", "/.debug/"};
	char path[4096];
	size_t i;
	int n;

	/* a debuglink is a plain file name; anything else is not to be followed */
	if (!f->debuglink || !f->debuglink[0] || strchr(f->debuglink, '/'))
		return false;
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		n = snprintf(path, sizeof(path), "%s%.*s%s%s", root, (int)s->dir_len,
			     s->dir_of_path, subdirs[i], f->debuglink);
		if (n > 0 && (size_t)n < sizeof(path) && try_debug_file(f, path, true))
			return true;
	}
	return for_each_dir(debug_dirs, try_debuglink_dir, s);
}

int elf_file__find_debug(struct elf_file *f, const char *path, const char *root,
			 const char *debug_dirs)
{
	struct debug_search s = {f, "", 0};
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (f->img.has_debug_info)
		return 0;
	if (slash) {
		s.dir_of_path = path;
		s.dir_len = (size_t)(slash - path);
	}
	if (strlen(f->build_id) > 2 && for_each_dir(debug_dirs, try_build_id_dir, &s))
		return 0;
	if (find_by_debuglink(f, &s, root ? root : "", debug_dirs))
		return 0;
	return -ENOENT;
}

int elf_file__set_debug(struct elf_file *f, struct elf_file *debug)
{
	if (f->build_id[0] && debug->build_id[0] && strcmp(f->build_id, debug->build_id)) {
		elf_file__free(debug);
		return -EINVAL;
	}
	attach_debug(f, debug);
	return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Demangling */

typedef char *(*cxa_demangle_fn)(const char *name, char *buf, size_t *len, int *status);

static cxa_demangle_fn cxa_demangle;
static pthread_once_t cxa_once = PTHREAD_ONCE_INIT;

/* libstdc++ is loaded at run time so that the C build does not link C++. */
static void cxa_init(void)
{
	void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

	if (h)
		cxa_demangle = (cxa_demangle_fn)dlsym(h, "__cxa_demangle");
}

static int hex_digit(char c)
{
	return c >= 'a' ? c - 'a' + 10 : c - '0';
}

/* Lowercase hex only: that is what rustc writes. */
static bool is_hex_string(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

struct strbuf {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->failed)
		return;
	if (sb->len + n + 1 > sb->cap) {
		size_t ncap = (sb->len + n + 1) * 2;
		char *nb = realloc(sb->buf, ncap);

		if (!nb) {
			sb->failed = true;
			return;
		}
		sb->buf = nb;
		sb->cap = ncap;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

/* Rust legacy escapes: $LT$ → <, $u20$ → ' ', .. → ::. False on an unknown escape. */
static bool rust_unescape(struct strbuf *sb, const char *s, size_t n)
{
	static const struct {
		const char *esc;
		char c;
	} table[] = {{"SP", '@'}, {"BP", '*'}, {"RF", '&'}, {"LT", '<'},
		     {"GT", '>'}, {"LP", '('}, {"RP", ')'}, {"C", ','}};
	size_t i = 0, k;

	/* rustc prefixes '_' to identifiers that would start with '$' */
	if (n >= 2 && s[0] == '_' && s[1] == '$')
		i = 1;
	while (i < n) {
		if (s[i] == '.') {
			bool two = i + 1 < n && s[i + 1] == '.';

			sb_add(sb, two ? "::" : ".", two ? 2 : 1);
			i += two ? 2 : 1;
		} else if (s[i] == '$') {
			const char *end = memchr(s + i + 1, '$', n - i - 1);
			size_t len;
			char c = 0;

			if (!end)
				return false;
			len = (size_t)(end - (s + i + 1));
			for (k = 0; k < sizeof(table) / sizeof(table[0]); k++)
				if (strlen(table[k].esc) == len &&
				    !memcmp(table[k].esc, s + i + 1, len))
					c = table[k].c;
			if (!c && len == 3 && s[i + 1] == 'u' && is_hex_string(s + i + 2, 2)) {
				int v = hex_digit(s[i + 2]) << 4 | hex_digit(s[i + 3]);

				if (v >= 0x20 && v < 0x7f)
					c = (char)v;
			}
			if (!c)
				return false;
			sb_add(sb, &c, 1);
			i += len + 2;
		} else {
			sb_add(sb, s + i, 1);
			i++;
		}
	}
	return true;
}

/*
 * _ZN <len><ident>… 17h<16 hex> E [.suffix]: the path joined with "::", without the hash.
 * NULL if name is not of that shape (then it is C++ or nothing).
 */
static char *rust_legacy_demangle(const char *name, bool *is_rust)
{
	const char *p = name + 3, *parts[256];
	size_t lens[256], n = 0, i;
	struct strbuf sb = {0};

	*is_rust = false;
	if (strncmp(name, "_ZN", 3))
		return NULL;
	while (*p && *p != 'E') {
		size_t len = 0;

		if (*p < '1' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9') {
			len = len * 10 + (size_t)(*p++ - '0');
			if (len > DEMANGLE_MAX_LEN)
				return NULL;
		}
		if (strnlen(p, len) < len || n == sizeof(parts) / sizeof(parts[0]))
			return NULL;
		parts[n] = p;
		lens[n++] = len;
		p += len;
	}
	if (*p != 'E' || (p[1] && p[1] != '.') || n < 2)
		return NULL;
	if (lens[n - 1] != 17 || parts[n - 1][0] != 'h' || !is_hex_string(parts[n - 1] + 1, 16))
		return NULL;
	*is_rust = true;
	for (i = 0; i + 1 < n; i++) {
		if (i)
			sb_add(&sb, "::", 2);
		if (!rust_unescape(&sb, parts[i], lens[i])) {
			free(sb.buf);
			return NULL;
		}
	}
	if (sb.failed) {
		free(sb.buf);
		errno = ENOMEM;
		return NULL;
	}
	return sb.buf;
}

char *symbol__demangle(const char *name)
{
	size_t len = strnlen(name, DEMANGLE_MAX_LEN + 1);
	bool is_rust;
	char *out;
	int status = -1;

	if (len > DEMANGLE_MAX_LEN || len < 3 || name[0] != '_') {
		errno = EINVAL;
		return NULL;
	}
	if (name[1] == 'R' && ((name[2] >= 'A' && name[2] <= 'Z') || name[2] == '_')) {
		errno = ENOTSUP; /* Rust v0: not decoded, shown as is */
		return NULL;
	}
	if (name[1] != 'Z') {
		errno = EINVAL;
		return NULL;
	}
	out = rust_legacy_demangle(name, &is_rust);
	if (out || is_rust) {
		if (!out)
			errno = EINVAL;
		return out;
	}
	pthread_once(&cxa_once, cxa_init);
	if (!cxa_demangle) {
		errno = ENOTSUP;
		return NULL;
	}
	out = cxa_demangle(name, NULL, NULL, &status);
	if (!out || status) {
		free(out);
		errno = status == -1 ? ENOMEM : EINVAL;
		return NULL;
	}
	return out;
}

/* ------------------------------------------------------------------------------------ */
/* The cache */

struct inode_alias {
	uint64_t dev, ino;
	struct elf_file *f;
};

struct elf_cache {
	char *debug_dirs;
	struct elf_file **files;
	size_t nfiles, files_cap;
	struct inode_alias *aliases;
	size_t naliases, aliases_cap;
	struct idset by_inode;	  /* over aliases */
	struct idset by_build_id; /* over files */
};

static uint64_t inode_hash(uint64_t dev, uint64_t ino)
{
	return hash_mix(hash_mix(0, dev), ino);
}

static bool inode_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct inode_alias *a = &((struct elf_cache *)ctx)->aliases[idx], *k = key;

	return a->dev == k->dev && a->ino == k->ino;
}

static bool build_id_eq(uint32_t idx, const void *key, void *ctx)
{
	return !strcmp(((struct elf_cache *)ctx)->files[idx]->build_id, key);
}

struct elf_cache *elf_cache__new(const char *debug_dirs)
{
	struct elf_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (debug_dirs && !(c->debug_dirs = strdup(debug_dirs))) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void elf_cache__free(struct elf_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nfiles; i++)
		elf_file__free(c->files[i]);
	free(c->files);
	free(c->aliases);
	idset_release(&c->by_inode);
	idset_release(&c->by_build_id);
	free(c->debug_dirs);
	free(c);
}

struct elf_file *elf_cache__find_inode(struct elf_cache *c, uint64_t dev, uint64_t ino)
{
	struct inode_alias key = {dev, ino, NULL};
	int64_t idx = idset__find(&c->by_inode, inode_hash(dev, ino), &key, inode_eq, c);

	return idx < 0 ? NULL : c->aliases[idx].f;
}

static int add_alias(struct elf_cache *c, uint64_t dev, uint64_t ino, struct elf_file *f)
{
	if (elf_cache__find_inode(c, dev, ino))
		return 0;
	if (c->naliases == c->aliases_cap) {
		size_t ncap = c->aliases_cap ? c->aliases_cap * 2 : 64;
		struct inode_alias *na = realloc(c->aliases, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		c->aliases = na;
		c->aliases_cap = ncap;
	}
	c->aliases[c->naliases] = (struct inode_alias){dev, ino, f};
	if (idset__insert(&c->by_inode, inode_hash(dev, ino), (uint32_t)c->naliases))
		return -ENOMEM;
	c->naliases++;
	return 0;
}

static int add_file(struct elf_cache *c, struct elf_file *f)
{
	if (c->nfiles == c->files_cap) {
		size_t ncap = c->files_cap ? c->files_cap * 2 : 64;
		struct elf_file **nf = realloc(c->files, ncap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		c->files = nf;
		c->files_cap = ncap;
	}
	if (f->build_id[0] &&
	    idset__insert(&c->by_build_id, hash_bytes(f->build_id, strlen(f->build_id), 0),
			  (uint32_t)c->nfiles))
		return -ENOMEM;
	c->files[c->nfiles++] = f;
	return 0;
}

struct elf_file *elf_cache__add(struct elf_cache *c, int fd, uint64_t dev, uint64_t ino,
				const char *path, const char *root)
{
	struct elf_file *f = elf_cache__find_inode(c, dev, ino);
	int64_t idx;

	if (f)
		return f;
	f = elf_file__open_fd(fd);
	if (!f)
		return NULL;
	idx = f->build_id[0] ? idset__find(&c->by_build_id,
					   hash_bytes(f->build_id, strlen(f->build_id), 0),
					   f->build_id, build_id_eq, c)
			     : -ENOENT;
	if (idx >= 0) {
		elf_file__free(f);
		f = c->files[idx];
	} else {
		elf_file__find_debug(f, path, root, c->debug_dirs);
		if (add_file(c, f)) {
			elf_file__free(f);
			errno = ENOMEM;
			return NULL;
		}
	}
	if (add_alias(c, dev, ino, f)) {
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

size_t elf_cache__count(const struct elf_cache *c)
{
	return c->nfiles;
}
