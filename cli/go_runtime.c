// SPDX-License-Identifier: MIT
/*
 * Go runtime facts of a binary: version, runtime.g/runtime.m layouts, runtime.allgs, wait
 * reasons. See go_runtime.h for the sources and their order.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go_runtime.h"
#include "sym_gopclntab.h"

/* "\xff Go buildinf:": the build info's magic (debug/buildinfo) */
static const char buildinfo_magic[14] = "\xff Go buildinf:";
#define BUILDINFO_HEADER 32
#define BUILDINFO_FLAG_INLINE 0x2 /* Go 1.18+: strings follow the header, varint-prefixed */

/* runtime.allgadd is larger than this in no Go we know (about 400 bytes in 1.23) */
#define MAX_SCANNED_CODE 65536

/* ---- wait reasons: the constant's name in runtime2.go and the string Go prints ---- */

struct reason_name {
	const char *constant; /* without the "runtime." prefix */
	const char *text;
};

static const struct reason_name reason_names[] = {
	{"waitReasonZero", ""},
	{"waitReasonGCAssistMarking", "GC assist marking"},
	{"waitReasonIOWait", "IO wait"},
	{"waitReasonChanReceiveNilChan", "chan receive (nil chan)"},
	{"waitReasonChanSendNilChan", "chan send (nil chan)"},
	{"waitReasonDumpingHeap", "dumping heap"},
	{"waitReasonGarbageCollection", "garbage collection"},
	{"waitReasonGarbageCollectionScan", "garbage collection scan"},
	{"waitReasonPanicWait", "panicwait"},
	{"waitReasonSelect", "select"},
	{"waitReasonSelectNoCases", "select (no cases)"},
	{"waitReasonGCAssistWait", "GC assist wait"},
	{"waitReasonGCSweepWait", "GC sweep wait"},
	{"waitReasonGCScavengeWait", "GC scavenge wait"},
	{"waitReasonChanReceive", "chan receive"},
	{"waitReasonChanSend", "chan send"},
	{"waitReasonFinalizerWait", "finalizer wait"},
	{"waitReasonForceGCIdle", "force gc (idle)"},
	{"waitReasonSemacquire", "semacquire"},
	{"waitReasonSleep", "sleep"},
	{"waitReasonSyncCondWait", "sync.Cond.Wait"},
	{"waitReasonSyncMutexLock", "sync.Mutex.Lock"},
	{"waitReasonSyncRWMutexRLock", "sync.RWMutex.RLock"},
	{"waitReasonSyncRWMutexLock", "sync.RWMutex.Lock"},
	{"waitReasonTimerGoroutineIdle", "timer goroutine (idle)"},
	{"waitReasonTraceReaderBlocked", "trace reader (blocked)"},
	{"waitReasonWaitForGCCycle", "wait for GC cycle"},
	{"waitReasonGCWorkerIdle", "GC worker (idle)"},
	{"waitReasonGCWorkerActive", "GC worker (active)"},
	{"waitReasonPreempted", "preempted"},
	{"waitReasonDebugCall", "debug call"},
	{"waitReasonGCMarkTermination", "GC mark termination"},
	{"waitReasonStoppingTheWorld", "stopping the world"},
	{"waitReasonFlushProcCaches", "flushing proc caches"},
	{"waitReasonTraceGoroutineStatus", "trace goroutine status"},
	{"waitReasonTraceProcStatus", "trace proc status"},
	{"waitReasonPageTraceFlush", "page trace flush"},
	{"waitReasonCoroutine", "coroutine"},
	{"waitReasonGCWeakToStrongWait", "GC weak to strong wait"},
};

/*
 * The order of the waitReason constants per release (runtime2.go at go1.19, go1.21, go1.22,
 * go1.23). Each list names constants, so the strings above are written once. Go 1.20 is
 * taken as 1.21's layout, unchecked (singe's tests have no 1.20 toolchain): a 1.20 binary
 * read through the table is flagged unchecked_table, and the command says so.
 */
static const char *const reasons_go119[] = {
	"Zero",
	"GCAssistMarking",
	"IOWait",
	"ChanReceiveNilChan",
	"ChanSendNilChan",
	"DumpingHeap",
	"GarbageCollection",
	"GarbageCollectionScan",
	"PanicWait",
	"Select",
	"SelectNoCases",
	"GCAssistWait",
	"GCSweepWait",
	"GCScavengeWait",
	"ChanReceive",
	"ChanSend",
	"FinalizerWait",
	"ForceGCIdle",
	"Semacquire",
	"Sleep",
	"SyncCondWait",
	"TimerGoroutineIdle",
	"TraceReaderBlocked",
	"WaitForGCCycle",
	"GCWorkerIdle",
	"Preempted",
	"DebugCall",
};

/* 1.21 replaced the timer goroutine with the three sync waits, appended GC and STW ones */
#define REASONS_GO121                                                                              \
	"Zero", "GCAssistMarking", "IOWait", "ChanReceiveNilChan", "ChanSendNilChan",              \
		"DumpingHeap", "GarbageCollection", "GarbageCollectionScan", "PanicWait",          \
		"Select", "SelectNoCases", "GCAssistWait", "GCSweepWait", "GCScavengeWait",        \
		"ChanReceive", "ChanSend", "FinalizerWait", "ForceGCIdle", "Semacquire", "Sleep",  \
		"SyncCondWait", "SyncMutexLock", "SyncRWMutexRLock", "SyncRWMutexLock",            \
		"TraceReaderBlocked", "WaitForGCCycle", "GCWorkerIdle", "GCWorkerActive",          \
		"Preempted", "DebugCall", "GCMarkTermination", "StoppingTheWorld"
#define REASONS_GO122                                                                              \
	REASONS_GO121, "FlushProcCaches", "TraceGoroutineStatus", "TraceProcStatus",               \
		"PageTraceFlush", "Coroutine"

static const char *const reasons_go121[] = {REASONS_GO121};
static const char *const reasons_go122[] = {REASONS_GO122};
static const char *const reasons_go123[] = {REASONS_GO122, "GCWeakToStrongWait"};

struct version_table {
	int minor;    /* the first Go 1.minor the row holds for */
	bool checked; /* compared with the DWARF of a binary built by that Go (test_go_runtime) */
	struct go_g_layout g;
	struct go_m_layout m;
	const char *const *reasons;
	unsigned int nreasons;
};

#define REASONS(a) a, sizeof(a) / sizeof((a)[0])

/*
 * runtime.g offsets: stack.lo, stack.hi, m, sched.sp, sched.pc, sched.bp, atomicstatus, goid,
 * waitsince, waitreason, gopc, startpc, bytes to read. Measured on the DWARF of examples built
 * with each toolchain; test_go_runtime.c checks each row against its DWARF again. 1.23 added
 * g.syscallbp after sched, moving what follows by 8.
 */
static const struct version_table tables[] = {
	{19,
	 true,
	 {0, 8, 48, 56, 64, 104, 144, 152, 168, 176, 296, 312, 320},
	 {72, 192},
	 REASONS(reasons_go119)},
	{20,
	 false,
	 {0, 8, 48, 56, 64, 104, 144, 152, 168, 176, 280, 296, 304},
	 {72, 192},
	 REASONS(reasons_go121)},
	{22,
	 true,
	 {0, 8, 48, 56, 64, 104, 144, 152, 168, 176, 280, 296, 304},
	 {72, 192},
	 REASONS(reasons_go122)},
	{23,
	 true,
	 {0, 8, 48, 56, 64, 104, 152, 160, 176, 184, 288, 304, 312},
	 {72, 192},
	 REASONS(reasons_go123)},
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

int go_runtime__newest_table(void)
{
	return tables[NTABLES - 1].minor;
}

static const char *reason_text(const char *constant)
{
	size_t i;

	for (i = 0; i < sizeof(reason_names) / sizeof(reason_names[0]); i++)
		if (!strcmp(reason_names[i].constant, constant))
			return reason_names[i].text;
	return NULL;
}

const char *go_runtime__wait_reason(const struct go_runtime *rt, unsigned int reason)
{
	return reason < rt->nwait_reasons ? rt->wait_reasons[reason] : NULL;
}

const char *go_fact_source__name(enum go_fact_source s)
{
	switch (s) {
	case GO_SRC_DWARF:
		return "DWARF";
	case GO_SRC_SYMTAB:
		return ".symtab";
	case GO_SRC_CODE:
		return "code";
	case GO_SRC_TABLE:
		return "table";
	default:
		return "none";
	}
}

/* ---- version ---- */

int go_version__parse(const char *v, int *major, int *minor)
{
	const char *p = strstr(v, "go");
	char *end;
	long ma, mi;

	if (!p || p[2] < '0' || p[2] > '9')
		return -EINVAL;
	ma = strtol(p + 2, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	mi = strtol(end + 1, NULL, 10);
	if (ma < 1 || ma > 99 || mi < 0 || mi > 999)
		return -EINVAL;
	*major = (int)ma;
	*minor = (int)mi;
	return 0;
}

int go_buildinfo__version(const uint8_t *sec, size_t n, char *buf, size_t size)
{
	uint64_t len = 0;
	size_t pos = BUILDINFO_HEADER;
	int shift = 0;

	if (n < BUILDINFO_HEADER || memcmp(sec, buildinfo_magic, sizeof(buildinfo_magic)))
		return -EINVAL;
	if (!(sec[15] & BUILDINFO_FLAG_INLINE))
		return -ENOTSUP;
	for (;;) { /* uvarint */
		if (pos >= n || shift > 28)
			return -EINVAL;
		len |= (uint64_t)(sec[pos] & 0x7f) << shift;
		shift += 7;
		if (!(sec[pos++] & 0x80))
			break;
	}
	if (!len || len > n - pos || len >= size)
		return -EINVAL;
	memcpy(buf, sec + pos, len);
	buf[len] = '\0';
	return memchr(buf, '\0', len) ? -EINVAL : 0;
}

/* ---- ELF helpers (libelf on a private copy of the image) ---- */

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;

static void elf_init(void)
{
	elf_version(EV_CURRENT);
}

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, shdr))
			continue;
		n = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* The file bytes behind [addr, addr + n) through the PT_LOAD holding them, or NULL. */
static const uint8_t *image_at(Elf *elf, const uint8_t *img, size_t len, uint64_t addr, uint64_t n)
{
	size_t i, nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nph))
		return NULL;
	for (i = 0; i < nph; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr < ph.p_vaddr || addr - ph.p_vaddr > ph.p_filesz ||
		    n > ph.p_filesz - (addr - ph.p_vaddr))
			continue;
		if (ph.p_offset > len || addr - ph.p_vaddr + n > len - ph.p_offset)
			return NULL;
		return img + ph.p_offset + (addr - ph.p_vaddr);
	}
	return NULL;
}

/* Is addr in a writable PT_LOAD (where Go's global variables live, .bss included)? */
static bool writable_addr(Elf *elf, uint64_t addr)
{
	size_t i, nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nph))
		return false;
	for (i = 0; i < nph; i++)
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_W) &&
		    addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_memsz)
			return true;
	return false;
}

static int read_version(Elf *elf, struct go_runtime *rt)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = find_section(elf, ".go.buildinfo", &shdr);
	Elf_Data *d;

	if (!scn || shdr.sh_type == SHT_NOBITS)
		return -ENOENT;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf)
		return -EINVAL;
	if (go_buildinfo__version(d->d_buf, d->d_size, rt->version, sizeof(rt->version)))
		return -EINVAL;
	return go_version__parse(rt->version, &rt->major, &rt->minor);
}

/* ---- DWARF ---- */

struct dwarf_finds {
	Dwarf_Die g, m;
	bool have_g, have_m;
};

/* Go names its types through a typedef ("runtime.stack" -> the struct): follow a few. */
static int resolve_typedefs(Dwarf_Die *type)
{
	Dwarf_Attribute a;
	int hops;

	for (hops = 0; hops < 8; hops++) {
		if (dwarf_tag(type) == DW_TAG_structure_type)
			return 0;
		if (dwarf_tag(type) != DW_TAG_typedef || !dwarf_attr(type, DW_AT_type, &a) ||
		    !dwarf_formref_die(&a, type))
			return -EINVAL;
	}
	return -EINVAL;
}

/* Offset of a member of struct st, "sched.sp" following the member's struct type. */
static int member_offset(Dwarf_Die *st, const char *path, uint32_t *out)
{
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	Dwarf_Die child, type;
	Dwarf_Attribute a;
	Dwarf_Word off;
	uint32_t inner;

	if (dwarf_child(st, &child))
		return -ENOENT;
	do {
		const char *name = dwarf_diename(&child);

		if (dwarf_tag(&child) != DW_TAG_member || !name || strlen(name) != n ||
		    memcmp(name, path, n))
			continue;
		if (!dwarf_attr(&child, DW_AT_data_member_location, &a) ||
		    dwarf_formudata(&a, &off) || off > UINT16_MAX)
			return -EINVAL;
		if (!dot) {
			*out = (uint32_t)off;
			return 0;
		}
		if (!dwarf_attr(&child, DW_AT_type, &a) || !dwarf_formref_die(&a, &type) ||
		    resolve_typedefs(&type) || member_offset(&type, dot + 1, &inner))
			return -EINVAL;
		*out = (uint32_t)off + inner;
		return 0;
	} while (dwarf_siblingof(&child, &child) == 0);
	return -ENOENT;
}

static int dwarf_g_layout(Dwarf_Die *g, Dwarf_Die *m, struct go_runtime *rt)
{
	static const struct {
		const char *path;
		size_t at;
	} gfields[] = {
		{"stack.lo", offsetof(struct go_g_layout, stack_lo)},
		{"stack.hi", offsetof(struct go_g_layout, stack_hi)},
		{"m", offsetof(struct go_g_layout, m)},
		{"sched.sp", offsetof(struct go_g_layout, sched_sp)},
		{"sched.pc", offsetof(struct go_g_layout, sched_pc)},
		{"sched.bp", offsetof(struct go_g_layout, sched_bp)},
		{"atomicstatus", offsetof(struct go_g_layout, atomicstatus)},
		{"goid", offsetof(struct go_g_layout, goid)},
		{"waitsince", offsetof(struct go_g_layout, waitsince)},
		{"waitreason", offsetof(struct go_g_layout, waitreason)},
		{"gopc", offsetof(struct go_g_layout, gopc)},
		{"startpc", offsetof(struct go_g_layout, startpc)},
	};
	struct go_g_layout layout = {0};
	uint32_t v, end = 0;
	size_t i;

	for (i = 0; i < sizeof(gfields) / sizeof(gfields[0]); i++) {
		if (member_offset(g, gfields[i].path, &v))
			return -ENOENT;
		memcpy((char *)&layout + gfields[i].at, &v, sizeof(v));
		if (v + 8 > end)
			end = v + 8;
	}
	layout.read_size = end;
	if (member_offset(m, "procid", &rt->m.procid) || member_offset(m, "curg", &rt->m.curg))
		return -ENOENT;
	rt->g = layout;
	return 0;
}

/* A DW_TAG_constant runtime.waitReasonX = v: the string Go prints for v. */
static void dwarf_wait_reason(Dwarf_Die *die, const char *name, struct go_runtime *rt)
{
	const char *constant = name + strlen("runtime.");
	Dwarf_Attribute a;
	Dwarf_Sword v;
	const char *text;

	if (!dwarf_attr(die, DW_AT_const_value, &a) || dwarf_formsdata(&a, &v) || v < 0 ||
	    v >= GO_MAX_WAIT_REASONS)
		return;
	text = reason_text(constant);
	if (!text) {
		/* a Go newer than singe: show the constant's name, which says what it is */
		snprintf(rt->unknown_names[v], GO_WAIT_REASON_NAME_MAX, "%s",
			 constant + strlen("waitReason"));
		text = rt->unknown_names[v];
	}
	rt->wait_reasons[v] = text;
	if ((unsigned int)v >= rt->nwait_reasons)
		rt->nwait_reasons = (unsigned int)v + 1;
}

static void dwarf_top_die(Dwarf_Die *die, struct dwarf_finds *f, struct go_runtime *rt)
{
	const char *name = dwarf_diename(die);
	int tag = dwarf_tag(die);

	if (!name)
		return;
	if (tag == DW_TAG_structure_type && !f->have_g && !strcmp(name, "runtime.g")) {
		f->g = *die;
		f->have_g = true;
	} else if (tag == DW_TAG_structure_type && !f->have_m && !strcmp(name, "runtime.m")) {
		f->m = *die;
		f->have_m = true;
	} else if (tag == DW_TAG_constant && !strncmp(name, "runtime.waitReason", 18) &&
		   strcmp(name, "runtime.waitReasonStrings")) {
		dwarf_wait_reason(die, name, rt);
	}
}

/*
 * Layout and wait reasons from DWARF. Only the top level of each unit is read: Go puts its
 * types and package constants there. Returns 0 when the layout was found.
 */
static int read_dwarf(Elf *elf, struct go_runtime *rt)
{
	struct dwarf_finds f = {0};
	Dwarf_Off off = 0, next;
	size_t hsize, i;
	Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	int err = -ENOENT;

	if (!dw)
		return -ENOENT;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, die;

		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &die) == 0) {
			do
				dwarf_top_die(&die, &f, rt);
			while (dwarf_siblingof(&die, &die) == 0);
		}
		off = next;
	}
	if (f.have_g && f.have_m && dwarf_g_layout(&f.g, &f.m, rt) == 0) {
		rt->layout_src = GO_SRC_DWARF;
		err = 0;
	}
	/* a table with holes is no table: fall back to the version's */
	for (i = 0; i < rt->nwait_reasons && rt->wait_reasons[i]; i++)
		;
	if (rt->nwait_reasons && i == rt->nwait_reasons)
		rt->reasons_src = GO_SRC_DWARF;
	else
		rt->nwait_reasons = 0;
	dwarf_end(dw);
	return err;
}

/* ---- runtime.allgs ---- */

static void read_symtab(Elf *elf, struct go_runtime *rt)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = NULL;
	Elf_Data *d;
	size_t i, n;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB)
			break;
	if (!scn || !shdr.sh_entsize || !(d = elf_getdata(scn, NULL)))
		return;
	n = d->d_size / shdr.sh_entsize;
	for (i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
			continue;
		name = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!name || strncmp(name, "runtime.", 8))
			continue;
		if (!strcmp(name, "runtime.MemProfileRate") && writable_addr(elf, sym.st_value)) {
			rt->mem_profile_rate = sym.st_value;
			rt->mem_profile_rate_src = GO_SRC_SYMTAB;
		} else if (!strcmp(name, "runtime.allgs") && writable_addr(elf, sym.st_value)) {
			rt->allgs = sym.st_value;
			rt->allgs_src = GO_SRC_SYMTAB;
		} else if (!strcmp(name, "runtime.allglen")) {
			rt->allglen = sym.st_value;
		}
	}
}

struct rip_target {
	uint64_t addr;
	unsigned int hits;
};

static int cmp_target(const void *a, const void *b)
{
	const struct rip_target *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * The RIP-relative data operands of 64-bit moves, loads of addresses and compares in code
 * at vaddr: REX.W (0x48/0x4c) + opcode + ModRM with mod 00, r/m 101 + disp32. Not a
 * disassembler: a byte pattern inside another instruction may match too, which is why the
 * caller wants a pattern of several hits.
 */
static size_t rip_targets(const uint8_t *code, size_t n, uint64_t vaddr, struct rip_target *out,
			  size_t max)
{
	static const uint8_t opcodes[] = {0x8b, 0x89, 0x8d, 0x39, 0x3b, 0x83, 0x85};
	size_t i, k = 0;

	for (i = 0; i + 7 <= n && k < max; i++) {
		size_t insn_len = 7;
		int32_t disp;

		if ((code[i] != 0x48 && code[i] != 0x4c) || (code[i + 2] & 0xc7) != 0x05 ||
		    !memchr(opcodes, code[i + 1], sizeof(opcodes)))
			continue;
		if (code[i + 1] == 0x83) /* cmpq $imm8, mem */
			insn_len = 8;
		memcpy(&disp, code + i + 3, sizeof(disp));
		out[k].addr = vaddr + i + insn_len + (uint64_t)(int64_t)disp;
		out[k++].hits = 1;
	}
	return k;
}

/*
 * runtime.allgadd appends to allgs: its code loads and stores the slice's array, length and
 * capacity, three words in a row. The first address of such a run, in writable data, is
 * allgs.
 */
static uint64_t allgs_from_code(const uint8_t *code, size_t n, uint64_t vaddr, Elf *elf)
{
	struct rip_target t[512];
	size_t k = rip_targets(code, n, vaddr, t, sizeof(t) / sizeof(t[0])), i, j, u = 0;

	qsort(t, k, sizeof(t[0]), cmp_target);
	for (i = 0; i < k; i = j) { /* unique addresses */
		for (j = i; j < k && t[j].addr == t[i].addr; j++)
			;
		t[u].addr = t[i].addr;
		t[u++].hits = (unsigned int)(j - i);
	}
	for (i = 0; i + 2 < u; i++)
		if (t[i + 1].addr == t[i].addr + 8 && t[i + 2].addr == t[i].addr + 16 &&
		    writable_addr(elf, t[i].addr))
			return t[i].addr;
	return 0;
}

/*
 * runtime.profilealloc draws the next sample's distance (nextSample, inlined): it loads
 * runtime.mcache0, then runtime.MemProfileRate, then calls the random draw (fastexprand) -- so
 * in Go 1.19 to 1.23. The last RIP-relative load into writable data before the first call is
 * MemProfileRate.
 */
static uint64_t mem_profile_rate_from_code(const uint8_t *code, size_t n, uint64_t vaddr, Elf *elf)
{
	struct rip_target t[64];
	size_t first_call = n, k, i;
	uint64_t found = 0;

	for (i = 0; i + 5 <= n; i++)
		if (code[i] == 0xe8) { /* call rel32: the first one ends the search */
			first_call = i;
			break;
		}
	k = rip_targets(code, first_call, vaddr, t, sizeof(t) / sizeof(t[0]));
	for (i = 0; i < k; i++)
		if (writable_addr(elf, t[i].addr))
			found = t[i].addr;
	return found;
}

/*
 * The offset of the g pointer from the thread pointer: Go's assembly loads g from TLS as
 * "MOVQ %fs:disp32, reg" (64 REX.W 8B ModRM(mod 00, rm 100) SIB 25 disp32), -8 when the
 * binary is linked internally, and wherever the linker put runtime.tlsg otherwise (cgo).
 * Found in the code of runtime functions that switch stacks, which every Go has.
 */
static bool tls_g_from_code(const uint8_t *code, size_t n, int64_t *off)
{
	size_t i;
	int32_t disp;

	for (i = 0; i + 9 <= n; i++) {
		if (code[i] != 0x64 || (code[i + 1] & 0xf8) != 0x48 || code[i + 2] != 0x8b ||
		    (code[i + 3] & 0xc7) != 0x04 || code[i + 4] != 0x25)
			continue;
		memcpy(&disp, code + i + 5, sizeof(disp));
		if (disp >= 0 || disp < -4096)
			continue; /* the g slot is just below the thread pointer */
		*off = disp;
		return true;
	}
	return false;
}

static void find_in_code(Elf *elf, const uint8_t *img, size_t len, struct go_runtime *rt)
{
	static const char *const tls_users[] = {"runtime.systemstack", "runtime.asmcgocall",
						"runtime.mstart", "runtime.morestack"};
	struct gopclntab *t = gopclntab__load(img, len);
	uint64_t entry, end;
	const uint8_t *code;
	size_t i;

	if (!t)
		return;
	if (!rt->allgs && gopclntab__find_function(t, "runtime.allgadd", &entry, &end) == 0 &&
	    end - entry <= MAX_SCANNED_CODE &&
	    (code = image_at(elf, img, len, entry, end - entry))) {
		rt->allgs = allgs_from_code(code, end - entry, entry, elf);
		if (rt->allgs)
			rt->allgs_src = GO_SRC_CODE;
	}
	if (!rt->mem_profile_rate &&
	    gopclntab__find_function(t, "runtime.profilealloc", &entry, &end) == 0 &&
	    end - entry <= MAX_SCANNED_CODE &&
	    (code = image_at(elf, img, len, entry, end - entry))) {
		rt->mem_profile_rate = mem_profile_rate_from_code(code, end - entry, entry, elf);
		if (rt->mem_profile_rate)
			rt->mem_profile_rate_src = GO_SRC_CODE;
	}
	for (i = 0; i < sizeof(tls_users) / sizeof(tls_users[0]) && !rt->tls_known; i++)
		if (gopclntab__find_function(t, tls_users[i], &entry, &end) == 0 &&
		    end - entry <= MAX_SCANNED_CODE &&
		    (code = image_at(elf, img, len, entry, end - entry)))
			rt->tls_known = tls_g_from_code(code, end - entry, &rt->tls_g);
	gopclntab__free(t);
}

/* ---- the version table ---- */

static int apply_table(struct go_runtime *rt)
{
	const struct version_table *tab = NULL;
	size_t i;

	if (rt->major != 1 || rt->minor < tables[0].minor)
		return -ENOTSUP;
	for (i = 0; i < NTABLES; i++)
		if (tables[i].minor <= rt->minor)
			tab = &tables[i];
	rt->newer_than_tables = rt->minor > tables[NTABLES - 1].minor;
	/* the 1.20 row stands for 1.21 too, which was checked: only 1.20 itself was not */
	rt->unchecked_table = !tab->checked && rt->minor == tab->minor;
	if (rt->layout_src == GO_SRC_NONE) {
		rt->g = tab->g;
		rt->m = tab->m;
		rt->layout_src = GO_SRC_TABLE;
	}
	if (rt->reasons_src == GO_SRC_NONE) {
		for (i = 0; i < tab->nreasons; i++) {
			char constant[GO_WAIT_REASON_NAME_MAX];

			snprintf(constant, sizeof(constant), "waitReason%s", tab->reasons[i]);
			rt->wait_reasons[i] = reason_text(constant);
		}
		rt->nwait_reasons = tab->nreasons;
		rt->reasons_src = GO_SRC_TABLE;
	}
	return 0;
}

/* The vaddr file offset 0 is linked at: the first PT_LOAD's vaddr less its offset. */
static uint64_t base_vaddr(Elf *elf)
{
	size_t i, nph;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nph))
		return 0;
	for (i = 0; i < nph; i++)
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			return ph.p_vaddr >= ph.p_offset ? ph.p_vaddr - ph.p_offset : 0;
	return 0;
}

static bool is_go(Elf *elf, const struct go_runtime *rt)
{
	GElf_Shdr shdr;

	return rt->version[0] || find_section(elf, ".gopclntab", &shdr) ||
	       find_section(elf, ".data.rel.ro.gopclntab", &shdr);
}

static int read_facts(Elf *elf, const uint8_t *img, size_t len, struct go_runtime *rt)
{
	GElf_Ehdr eh;
	int err;

	if (!gelf_getehdr(elf, &eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
		return -ENOEXEC;
	rt->pie = eh.e_type == ET_DYN;
	rt->base_vaddr = base_vaddr(elf);
	err = read_version(elf, rt);
	if (err == -EINVAL)
		return -EINVAL;
	if (!is_go(elf, rt))
		return -ENOENT;
	read_dwarf(elf, rt);
	read_symtab(elf, rt);
	find_in_code(elf, img, len, rt);
	if (rt->layout_src == GO_SRC_DWARF && rt->reasons_src == GO_SRC_DWARF)
		return 0;
	if (!rt->version[0])
		return -ENOTSUP; /* no version, no table to pick */
	return apply_table(rt);
}

static int allgs_only(Elf *elf, const uint8_t *img, size_t len, struct go_runtime *rt)
{
	find_in_code(elf, img, len, rt);
	return rt->allgs ? 0 : -ENOENT;
}

/* Run fn on a libelf view of a private copy of the image. */
static int with_elf(const void *image, size_t len, struct go_runtime *rt,
		    int (*fn)(Elf *, const uint8_t *, size_t, struct go_runtime *))
{
	uint8_t *copy;
	Elf *elf;
	int err;

	memset(rt, 0, sizeof(*rt));
	if (len < EI_NIDENT)
		return -ENOEXEC;
	pthread_once(&elf_once, elf_init);
	/* libelf may decompress sections in place: keep the caller's image untouched */
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, image, len);
	elf = elf_memory((char *)copy, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		err = -ENOEXEC;
	else
		err = fn(elf, copy, len, rt);
	if (elf)
		elf_end(elf);
	free(copy);
	return err;
}

bool go_runtime__is_go(const void *image, size_t len)
{
	GElf_Shdr shdr;
	bool go;
	Elf *elf;

	if (len < EI_NIDENT || memcmp(image, ELFMAG, SELFMAG))
		return false;
	pthread_once(&elf_once, elf_init);
	/* only the section headers are read: nothing is converted or decompressed in place */
	elf = elf_memory((char *)(uintptr_t)image, len);
	go = elf && elf_kind(elf) == ELF_K_ELF &&
	     (find_section(elf, ".go.buildinfo", &shdr) || find_section(elf, ".gopclntab", &shdr) ||
	      find_section(elf, ".data.rel.ro.gopclntab", &shdr));
	if (elf)
		elf_end(elf);
	return go;
}

int go_runtime__read(const void *image, size_t len, struct go_runtime *rt)
{
	return with_elf(image, len, rt, read_facts);
}

static int mem_profile_rate_only(Elf *elf, const uint8_t *img, size_t len, struct go_runtime *rt)
{
	find_in_code(elf, img, len, rt);
	return rt->mem_profile_rate ? 0 : -ENOENT;
}

int go_runtime__mem_profile_rate_from_code(const void *image, size_t len, uint64_t *addr)
{
	struct go_runtime rt;
	int err = with_elf(image, len, &rt, mem_profile_rate_only);

	*addr = rt.mem_profile_rate;
	return err;
}

int go_runtime__allgs_from_code(const void *image, size_t len, uint64_t *addr)
{
	struct go_runtime rt;
	int err = with_elf(image, len, &rt, allgs_only);

	*addr = rt.allgs;
	return err;
}
