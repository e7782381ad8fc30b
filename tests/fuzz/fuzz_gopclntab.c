// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the Go pclntab reader (cli/sym_gopclntab.c).
 *
 * An input starting with "\x7fELF" is loaded as it is. Anything else is wrapped into a small
 * ELF so that the fuzzer spends its time in the pclntab rather than in ELF headers:
 *   byte 0        flags: bit 0 = no section headers (forces the segment scans)
 *   bytes 1-2     n, little-endian
 *   n bytes       .gopclntab at 0x510000
 *   the rest      mapped twice: .rodata at 0x500000 (where go.func.* would be) and
 *                 .noptrdata at 0x520000 (where runtime.firstmoduledata would be)
 * When a table loads, pcs around the usual text start (0x401000) and the header's textStart
 * are looked up.
 *
 * Build with the Makefile (clang -fsanitize=fuzzer); the binary replays inputs given as
 * files: ./fuzz_gopclntab FILE...
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sym_gopclntab.h"

#define TEXT 0x401000ull

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void exercise(const uint8_t *img, size_t len, uint64_t text2)
{
	static const uint64_t offs[] = {0,    1,    0x10, 0x12, 0x17, 0x18, 0x19,  0x1a,
					0x20, 0x3f, 0x40, 0x45, 0x5f, 0x60, 0x100, 0x1000};
	struct gopclntab *t = gopclntab__load(img, len);
	struct go_frame f[16];
	size_t i, k;
	int n, j;

	if (!t)
		return;
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint64_t pcs[2] = {TEXT + offs[i], text2 + offs[i]};

		for (k = 0; k < 2; k++) {
			n = gopclntab__lookup(t, pcs[k], f, k ? 2 : 16);
			for (j = 0; j < n; j++) {
				/* every string must be readable and terminated */
				if (strlen(f[j].function) + strlen(f[j].file) == SIZE_MAX)
					abort();
			}
			(void)gopclntab__func_entry(t, pcs[k]);
		}
	}
	(void)gopclntab__lookup(t, 0, f, 16);
	(void)gopclntab__lookup(t, UINT64_MAX, f, 16);
	(void)gopclntab__nfunc(t);
	gopclntab__free(t);
}

/* ELF64 with one PT_LOAD and (optionally) one section header per piece. */
static uint8_t *wrap(const uint8_t *pcln, size_t npcln, const uint8_t *rest, size_t nrest,
		     bool shdrs, size_t *len)
{
	static const char names[] = "\0.rodata\0.gopclntab\0.noptrdata\0.shstrtab";
	static const uint32_t name_off[] = {1, 9, 20, 31};
	const uint8_t *data[3] = {rest, pcln, rest};
	size_t size[3] = {nrest, npcln, nrest}, off[3], str, sh, total, i;
	uint64_t addr[3] = {0x500000, 0x510000, 0x520000};
	uint8_t *b, *p;

	total = 64 + 3 * 56;
	for (i = 0; i < 3; i++) {
		total = (total + 15) & ~(size_t)15;
		off[i] = total;
		total += size[i];
	}
	str = total;
	total += sizeof(names);
	total = (total + 7) & ~(size_t)7;
	sh = total;
	total += 5 * 64;
	b = calloc(1, total);
	if (!b)
		return NULL;
	memcpy(b,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	wr16(b + 16, 2);  /* ET_EXEC */
	wr16(b + 18, 62); /* EM_X86_64 */
	wr32(b + 20, 1);  /* EV_CURRENT */
	wr64(b + 32, 64); /* e_phoff */
	wr16(b + 52, 64); /* e_ehsize */
	wr16(b + 54, 56); /* e_phentsize */
	wr16(b + 56, 3);  /* e_phnum */
	if (shdrs) {
		wr64(b + 40, sh); /* e_shoff */
		wr16(b + 58, 64); /* e_shentsize */
		wr16(b + 60, 5);  /* e_shnum */
		wr16(b + 62, 4);  /* e_shstrndx */
	}
	for (i = 0; i < 3; i++) {
		p = b + 64 + 56 * i;
		wr32(p, 1);		     /* PT_LOAD */
		wr32(p + 4, i == 2 ? 6 : 4); /* PF_R, | PF_W for .noptrdata */
		wr64(p + 8, off[i]);
		wr64(p + 16, addr[i]);
		wr64(p + 24, addr[i]);
		wr64(p + 32, size[i]);
		wr64(p + 40, size[i]);
		if (size[i])
			memcpy(b + off[i], data[i], size[i]);
	}
	memcpy(b + str, names, sizeof(names));
	for (i = 0; i < 4; i++) {
		p = b + sh + 64 * (i + 1);
		wr32(p, name_off[i]);
		wr32(p + 4, i == 3 ? 3 : 1); /* SHT_STRTAB : SHT_PROGBITS */
		if (i < 3) {
			wr64(p + 8, i == 2 ? 3 : 2); /* SHF_ALLOC, | SHF_WRITE */
			wr64(p + 16, addr[i]);
			wr64(p + 24, off[i]);
			wr64(p + 32, size[i]);
		} else {
			wr64(p + 24, str);
			wr64(p + 32, sizeof(names));
		}
	}
	*len = total;
	return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n, len;
	uint8_t *img;
	uint64_t text2 = TEXT;

	if (size >= 4 && !memcmp(data,
				 "\x7f"
				 "ELF",
				 4)) {
		exercise(data, size, TEXT);
		return 0;
	}
	if (size < 3)
		return 0;
	n = (size_t)data[1] | (size_t)data[2] << 8;
	if (n > size - 3)
		n = size - 3;
	/* the Go 1.18+ textStart, so that lookups also land in fuzzer-chosen text */
	if (n >= 32)
		text2 = rd64(data + 3 + 24);
	img = wrap(data + 3, n, data + 3 + n, size - 3 - n, !(data[0] & 1), &len);
	if (img) {
		exercise(img, len, text2);
		free(img);
	}
	return 0;
}
