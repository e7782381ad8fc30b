// SPDX-License-Identifier: MIT
/*
 * Functions of a binary as uprobe targets (uprobe.h): libelf over an image in memory, the
 * symbol tables first, Go's .gopclntab for stripped Go binaries.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sym_gopclntab.h"
#include "uprobe.h"

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;

static void elf_init(void)
{
	elf_version(EV_CURRENT);
}

static int vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *offset)
{
	size_t i, nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nph))
		return -ENOENT;
	for (i = 0; i < nph; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

/* A defined symbol of type (STT_FUNC, STT_OBJECT) named name in the section's table. */
static int find_in_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *name, int type,
			  struct uprobe_func *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;
	GElf_Sym sym;

	if (!data || !sh->sh_entsize)
		return -ENOENT;
	n = data->d_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		const char *s;

		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != type ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		s = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!s || strcmp(s, name))
			continue;
		out->vaddr = sym.st_value;
		out->size = sym.st_size;
		out->source = UPROBE_SYMTAB;
		return 0;
	}
	return -ENOENT;
}

static int find_symbol(Elf *elf, const char *name, int type, struct uprobe_func *out)
{
	static const Elf64_Word types[] = {SHT_SYMTAB, SHT_DYNSYM};
	Elf_Scn *scn;
	GElf_Shdr sh;
	size_t t;

	for (t = 0; t < 2; t++)
		for (scn = NULL; (scn = elf_nextscn(elf, scn));)
			if (gelf_getshdr(scn, &sh) && sh.sh_type == types[t] &&
			    !find_in_symtab(elf, scn, &sh, name, type, out))
				return 0;
	return -ENOENT;
}

static int find_go_function(const void *image, size_t len, const char *name,
			    struct uprobe_func *out)
{
	struct gopclntab *t = gopclntab__load(image, len);
	uint64_t entry, end;
	int err;

	if (!t)
		return errno == ENOMEM ? -ENOMEM : -ENOENT;
	err = gopclntab__find_function(t, name, &entry, &end);
	gopclntab__free(t);
	if (err)
		return -ENOENT;
	out->vaddr = entry;
	out->size = end > entry ? end - entry : 0;
	out->source = UPROBE_GOPCLNTAB;
	return 0;
}

static Elf *open_image(const void *image, size_t len)
{
	Elf *elf;

	pthread_once(&elf_once, elf_init);
	if (len < EI_NIDENT || memcmp(image, ELFMAG, SELFMAG) ||
	    ((const unsigned char *)image)[EI_CLASS] != ELFCLASS64)
		return NULL;
	/* libelf only reads: ELF_C_READ_MMAP would copy, elf_memory does not write here */
	elf = elf_memory((char *)(uintptr_t)image, len);
	if (elf && elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		elf = NULL;
	}
	return elf;
}

/*
 * A symbol of type (STT_FUNC: also a stripped Go binary's .gopclntab) in the image, with its
 * file offset; 0, -ENOEXEC or -ENOENT.
 */
static int find_typed(const void *image, size_t len, const char *name, int type,
		      struct uprobe_func *out)
{
	Elf *elf = open_image(image, len);
	int err;

	if (!elf)
		return -ENOEXEC;
	memset(out, 0, sizeof(*out));
	err = find_symbol(elf, name, type, out);
	if (err && type == STT_FUNC)
		err = find_go_function(image, len, name, out);
	if (!err)
		err = vaddr_to_offset(elf, out->vaddr, &out->offset);
	elf_end(elf);
	return err;
}

int uprobe__find_in(const void *image, size_t len, const char *name, struct uprobe_func *out)
{
	return find_typed(image, len, name, STT_FUNC, out);
}

int uprobe__find_object_in(const void *image, size_t len, const char *name, struct uprobe_func *out)
{
	return find_typed(image, len, name, STT_OBJECT, out);
}

int uprobe__vaddr_to_offset(const void *image, size_t len, uint64_t vaddr, uint64_t *offset)
{
	Elf *elf = open_image(image, len);
	int err;

	if (!elf)
		return -ENOEXEC;
	err = vaddr_to_offset(elf, vaddr, offset);
	elf_end(elf);
	return err;
}

int uprobe__find(const char *path, const char *name, struct uprobe_func *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	struct stat st = {0};
	void *img;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !st.st_size) {
		err = st.st_size ? -errno : -ENOEXEC;
		close(fd);
		return err;
	}
	/* private and writable: libelf may convert data in place, never in the file */
	img = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return -errno;
	err = uprobe__find_in(img, (size_t)st.st_size, name, out);
	munmap(img, (size_t)st.st_size);
	return err;
}
