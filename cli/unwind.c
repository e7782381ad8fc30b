// SPDX-License-Identifier: MIT
/*
 * Unwinding of copied user stacks, frame by frame. Frames whose code has CFI are stepped by
 * libdwfl (elfutils), as perf's unwind-libdw.c and ddprof do. libdwfl asks three things
 * through Dwfl_Thread_Callbacks: the thread to unwind (always the sample's), its initial
 * registers (the sample's, or those a frame-pointer walk ended with), and memory words (from
 * the sample's stack copy; outside it, from the read-only segments of the mapped files, where
 * constants and PLT data live). When a frame lands in code without CFI (Go's text, JIT code),
 * the walk leaves libdwfl and follows frame pointers over the copy itself -- not through
 * libdwfl's own fallback, which reads through to file contents and cannot say why it stopped
 * -- and hands back to libdwfl at the first frame whose code has CFI again.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <elfutils/libdwfl.h>

#include "clock.h"
#include "hash.h"
#include "profile.h"
#include "sym_gopclntab.h"
#include "sym_procmaps.h"
#include "unwind.h"

/* Re-read a process's maps at most this often when a pc falls outside its modules. */
#define UNWIND_REFRESH_NS 1000000000ULL
/* Largest /proc/PID/maps read (a JVM with thousands of mappings stays far below). */
#define MAPS_MAX (64 << 20)
/* Per process: how the frames at a return address are stepped, remembered (power of two). */
#define STEP_CACHE 1024
/* Functions looked at per file to decide whether it keeps frame pointers. */
#define FP_MAX_FUNCS 4000
#define FP_MIN_FUNCS 4
/* How far into a function its frame-pointer set-up is looked for. */
#define FP_PROLOGUE_BYTES 48

/* How a frame is stepped to its caller's. */
enum step_mode {
	STEP_UNKNOWN = 0,
	STEP_CFI,  /* libdwfl, from the CFI of the frame's module */
	STEP_FP,   /* the frame pointer: [bp] is the caller's, [bp + 8] the return address */
	STEP_NONE, /* a pc outside every executable mapping: nothing to step with */
	STEP_TOP,  /* Go's outermost frames (runtime.goexit, mstart...): the walk is complete */
};

struct step_slot {
	uint64_t lookup;
	bool first;
	enum step_mode mode;
};

/* Whether a libdwfl module is a Go binary (its .debug_frame is not trusted past frame 0). */
struct module_kind {
	Dwfl_Module *mod;
	bool go;
	bool pcln_tried;
	struct gopclntab *pcln; /* Go's function table, for its outermost frames */
};

struct uproc {
	pid_t pid;
	Dwfl *dwfl;	  /* NULL until the first sample, or when it could not open */
	bool dwfl_failed; /* opening failed with these maps: do not retry per sample */
	char *maps_text;  /* the snapshot the session is built from */
	size_t maps_len;
	struct procmaps *maps;	 /* parsed, for --unwind auto */
	uint32_t *fp;		 /* per mapping: index in fp_files + 1, 0 = not looked up yet */
	struct step_slot *steps; /* STEP_CACHE, allocated at the first unwind */
	VEC(struct module_kind) kinds; /* of the current session's modules */
	uint64_t refreshed_ns;
	bool refreshed;		/* the maps were read again since unwinder__take_refreshed */
	unsigned int refreshes; /* since the last add_pid or set_maps */
	unsigned int loads;	/* maps snapshots taken, ever */
};

/* What --unwind auto decided per file. */
struct fp_file {
	uint64_t dev, ino;
	enum unwind_fp fp;
	char *name;
};

struct unwinder {
	VEC(struct uproc *) procs;
	struct idset index;
	VEC(struct fp_file) fp_files;

	/* The sample being unwound, for the callbacks. */
	const struct unwind_sample *cur;
	pid_t cur_tid;
	/* libdwfl resumes from a frame-pointer walk: its registers instead of the sample's */
	bool resume;
	uint64_t resume_pc, resume_sp, resume_bp;
	bool read_failed;
	uint64_t failed_addr;
	int failed_at; /* frames produced when the read failed */
	const struct walk *walk;

	int (*refresher)(void *ctx, pid_t pid);
	void *refresher_ctx;

	struct unwinder_stats stats;
	char error[160];
	char name_buf[256];
};

static const char *const result_names[UNWIND_NR_RESULTS] = {
	[UNWIND_COMPLETE] = "complete",
	[UNWIND_TRUNCATED] = "truncated",
	[UNWIND_MAX_DEPTH] = "max-depth",
	[UNWIND_NO_PROCESS] = "no-process",
	[UNWIND_NO_MODULE] = "no-module",
	[UNWIND_NO_CFI] = "no-cfi",
	[UNWIND_OUTSIDE_COPY] = "outside-copy",
	[UNWIND_BAD_REGS] = "bad-registers",
	[UNWIND_OTHER] = "other",
	[UNWIND_OTHER_STACK] = "other-stack",
};

const char *unwind_result__name(enum unwind_result r)
{
	return r < UNWIND_NR_RESULTS ? result_names[r] : "?";
}

/* --- libdwfl callbacks ---------------------------------------------------------------- */

struct walk {
	struct unwinder *u;
	struct uproc *p;
	Dwfl *dwfl;
	uint64_t *pcs;
	int max, n;
	bool full;
	bool skip_first;	/* libdwfl resumes at a frame already produced */
	enum step_mode handoff; /* libdwfl stopped at a frame to step without CFI */
	uint64_t pc, sp, bp;	/* that frame's registers */
	bool bp_known;
};

static char *debuginfo_path; /* NULL: libdwfl's default, ":.debug:/usr/lib/debug" */

/*
 * The vDSO: every process of one kernel maps the same image, so singe's own copy serves for
 * all of them (dwfl_linux_proc_maps_report skips "[vdso]" lines; reading it from each
 * process's memory would cost a read of /proc/PID/mem per process).
 */
static char *vdso_image;
static size_t vdso_size;

static void load_own_vdso(void)
{
	struct procmaps *maps = procmaps__load(getpid());
	size_t i;

	for (i = 0; maps && i < maps->len && !vdso_image; i++) {
		const struct procmap *m = &maps->maps[i];

		if (strcmp(m->path, "[vdso]"))
			continue;
		vdso_image = malloc(m->end - m->start);
		if (vdso_image) {
			memcpy(vdso_image, (const void *)(uintptr_t)m->start, m->end - m->start);
			vdso_size = m->end - m->start;
		}
	}
	procmaps__free(maps);
}

static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	if (strcmp(name, "[vdso]"))
		return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
	*elfp = vdso_image ? elf_memory(vdso_image, vdso_size) : NULL;
	return -1;
}

/*
 * No separate debug files for unwinding: the CFI of C and C++ code is in the binary's own
 * .eh_frame, and Go keeps .debug_frame in the binary itself. A separate debug file adds
 * nothing to step with but costs dearly: libdwfl asks for the DWARF of a module whenever
 * .eh_frame cannot step a frame (at every stack's outermost frame), and opening Debian's
 * libc6-dbg file inflates its compressed sections anew in each process's session -- about
 * three quarters of singe's CPU while recording a build of short-lived processes.
 */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc, (void)debuginfo_file_name;
	return -1;
}

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = no_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = u;
	return u->cur_tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)tid;
	*thread_argp = arg;
	return true;
}

/* A word of a read-only segment of the file mapped at addr (text, rodata, eh_frame...). */
static bool read_from_elf(Dwfl *dwfl, uint64_t addr, Dwarf_Word *out)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	Dwarf_Addr bias;
	size_t n, i, size;
	Elf *elf;
	char *raw;

	if (!mod || !(elf = dwfl_module_getelf(mod, &bias)) || elf_getphdrnum(elf, &n))
		return false;
	raw = elf_rawfile(elf, &size);
	if (!raw)
		return false;
	addr -= bias;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || (ph.p_flags & PF_W))
			continue;
		if (addr < ph.p_vaddr || ph.p_filesz < 8 || addr - ph.p_vaddr > ph.p_filesz - 8)
			continue;
		if (ph.p_offset + (addr - ph.p_vaddr) > size - 8 || size < 8)
			return false;
		memcpy(out, raw + ph.p_offset + (addr - ph.p_vaddr), sizeof(*out));
		return true;
	}
	return false;
}

/* A word of memory copied with the sample: its stack, or one of its other windows. */
static bool read_copied(const struct unwind_sample *s, uint64_t addr, uint64_t *out)
{
	uint64_t sp = s->regs[UNWIND_REG_SP];
	size_t i;

	if (addr >= sp && addr - sp <= s->stack_len && s->stack_len - (addr - sp) >= 8) {
		memcpy(out, s->stack + (addr - sp), sizeof(*out));
		return true;
	}
	for (i = 0; i < s->nwindows; i++) {
		const struct unwind_window *w = &s->windows[i];

		if (addr >= w->addr && addr - w->addr <= w->len && w->len - (addr - w->addr) >= 8) {
			memcpy(out, w->data + (addr - w->addr), sizeof(*out));
			return true;
		}
	}
	return false;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	const struct unwind_sample *s = u->cur;

	if (read_copied(s, addr, result))
		return true;
	if (read_from_elf(dwfl, addr, result)) {
		u->stats.elf_reads++;
		return true;
	}
	/* the last failure counts: an earlier one may have cost only a callee-saved register */
	u->read_failed = true;
	u->failed_addr = addr;
	u->failed_at = u->walk ? u->walk->n : 0;
	return false;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Word regs[UNWIND_NR_REGS];

	if (u->resume) {
		/*
		 * After a frame-pointer walk only bp and sp are known (CFI that needs another
		 * register fails there). The pc is the return address minus one: inside the call,
		 * where the CFI row is the caller's at the call, as for any return address.
		 */
		regs[0] = u->resume_bp;
		regs[1] = u->resume_sp;
		if (!dwfl_thread_state_registers(thread, UNWIND_REG_BP, 2, regs))
			return false;
		dwfl_thread_state_register_pc(thread, u->resume_pc - 1);
		return true;
	}
	memcpy(regs, u->cur->regs, sizeof(regs));
	if (!dwfl_thread_state_registers(thread, 0, UNWIND_NR_REGS, regs))
		return false;
	dwfl_thread_state_register_pc(thread, regs[UNWIND_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* --- processes ------------------------------------------------------------------------ */

struct unwinder *unwinder__new(void)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		errno = ENOMEM;
	elf_version(EV_CURRENT);
	if (!vdso_image)
		load_own_vdso();
	return u;
}

static void proc_reset(struct uproc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	p->dwfl = NULL;
	p->dwfl_failed = false;
	free(p->maps_text);
	p->maps_text = NULL;
	p->maps_len = 0;
	procmaps__free(p->maps);
	p->maps = NULL;
	free(p->fp);
	p->fp = NULL;
	free(p->steps);
	p->steps = NULL;
	for (size_t i = 0; i < p->kinds.len; i++)
		gopclntab__free(p->kinds.data[i].pcln);
	vec_free(&p->kinds);
	p->refreshes = 0;
}

void unwinder__free(struct unwinder *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->procs.len; i++) {
		proc_reset(u->procs.data[i]);
		free(u->procs.data[i]);
	}
	for (i = 0; i < u->fp_files.len; i++)
		free(u->fp_files.data[i].name);
	vec_free(&u->procs);
	vec_free(&u->fp_files);
	idset_release(&u->index);
	free(u);
}

static bool proc_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct unwinder *u = ctx;

	return u->procs.data[idx]->pid == *(const pid_t *)key;
}

static struct uproc *proc_find(struct unwinder *u, pid_t pid)
{
	int64_t idx = idset__find(&u->index, hash_mix(0, pid), &pid, proc_eq, u);

	return idx >= 0 ? u->procs.data[idx] : NULL;
}

static struct uproc *proc_get(struct unwinder *u, pid_t pid)
{
	struct uproc *p = proc_find(u, pid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	if (vec_push(&u->procs, p) ||
	    idset__insert(&u->index, hash_mix(0, pid), u->procs.len - 1)) {
		free(p);
		return NULL;
	}
	return p;
}

/* Keep a copy of the maps text and its parse; the libdwfl session opens on first use. */
static int proc_set_maps(struct uproc *p, const char *maps, size_t len)
{
	char *copy = malloc(len + 1);
	struct procmaps *parsed;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, maps, len);
	copy[len] = '\0';
	parsed = procmaps__parse(copy, len);
	if (!parsed) {
		free(copy);
		return -ENOMEM;
	}
	proc_reset(p);
	p->maps_text = copy;
	p->maps_len = len;
	p->maps = parsed;
	p->fp = calloc(parsed->len ? parsed->len : 1, sizeof(*p->fp));
	p->refreshed_ns = mono_ns();
	p->loads++;
	return p->fp ? 0 : -ENOMEM;
}

void unwinder__set_refresher(struct unwinder *u, int (*fn)(void *ctx, pid_t pid), void *ctx)
{
	u->refresher = fn;
	u->refresher_ctx = ctx;
}

int unwinder__set_maps(struct unwinder *u, pid_t pid, const char *maps, size_t len)
{
	struct uproc *p = proc_get(u, pid);

	if (!p)
		return -ENOMEM;
	/* the same maps again (a refresh that found nothing new): keep the libdwfl session */
	if (p->maps_text && p->maps_len == len && !memcmp(p->maps_text, maps, len)) {
		p->refreshed_ns = mono_ns();
		return 0;
	}
	return proc_set_maps(p, maps, len);
}

static int proc_load_maps(struct uproc *p)
{
	char path[64];
	size_t len;
	char *text;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	text = procfs__read_file(path, MAPS_MAX, &len);
	if (!text)
		return errno == ENOENT ? -ESRCH : -errno;
	ret = proc_set_maps(p, text, len);
	free(text);
	return ret;
}

int unwinder__add_pid(struct unwinder *u, pid_t pid)
{
	struct uproc *p = proc_get(u, pid);

	if (!p)
		return -ENOMEM;
	return p->maps_text ? 0 : proc_load_maps(p);
}

int unwinder__refresh_pid(struct unwinder *u, pid_t pid)
{
	struct uproc *p = proc_get(u, pid);

	/* proc_load_maps() replaces the snapshot only once the new one is read */
	return p ? proc_load_maps(p) : -ENOMEM;
}

int unwinder__inherit_pid(struct unwinder *u, pid_t pid, pid_t parent)
{
	struct uproc *from = proc_find(u, parent), *p;

	if (!from || !from->maps_text)
		return -ESRCH;
	p = proc_get(u, pid);
	if (!p)
		return -ENOMEM;
	return p->maps_text ? 0 : proc_set_maps(p, from->maps_text, from->maps_len);
}

void unwinder__forget_pid(struct unwinder *u, pid_t pid)
{
	struct uproc *p = proc_find(u, pid);

	if (p)
		proc_reset(p);
}

/* Open the libdwfl session of a process: its file mappings as modules, then attach. */
static Dwfl *open_session(struct unwinder *u, struct uproc *p)
{
	Dwfl *dwfl;
	size_t i;
	FILE *f;
	int ret;

	if (!p->maps_text || !p->maps_len)
		return NULL;
	dwfl = dwfl_begin(&proc_callbacks);
	if (!dwfl)
		return NULL;
	f = fmemopen(p->maps_text, p->maps_len, "r");
	if (!f) {
		dwfl_end(dwfl);
		return NULL;
	}
	dwfl_report_begin(dwfl);
	ret = dwfl_linux_proc_maps_report(dwfl, f);
	fclose(f);
	for (i = 0; !ret && p->maps && i < p->maps->len; i++)
		if (!strcmp(p->maps->maps[i].path, "[vdso]"))
			dwfl_report_module(dwfl, "[vdso]", p->maps->maps[i].start,
					   p->maps->maps[i].end);
	if (ret || dwfl_report_end(dwfl, NULL, NULL) ||
	    !dwfl_attach_state(dwfl, NULL, p->pid, &thread_callbacks, u)) {
		snprintf(u->error, sizeof(u->error), "pid %d: %s", (int)p->pid, dwfl_errmsg(-1));
		dwfl_end(dwfl);
		return NULL;
	}
	u->stats.sessions++;
	return dwfl;
}

static Dwfl *proc_session(struct unwinder *u, struct uproc *p)
{
	if (!p->dwfl && !p->dwfl_failed) {
		p->dwfl = open_session(u, p);
		p->dwfl_failed = !p->dwfl;
	}
	return p->dwfl;
}

/* A pc outside every module: a library loaded since the snapshot? Read the maps again. */
static Dwfl *refresh_session(struct unwinder *u, struct uproc *p)
{
	uint64_t now = mono_ns();

	/* the first refresh at once: a snapshot taken just after exec lacks the libraries */
	if (p->refreshes && now - p->refreshed_ns < UNWIND_REFRESH_NS)
		return p->dwfl;
	/* through the caller's process table when it has one: it also knows gone processes */
	if (u->refresher ? u->refresher(u->refresher_ctx, p->pid) || p->refreshed_ns < now
			 : proc_load_maps(p)) {
		p->refreshed_ns = now; /* gone, or nothing new: do not try again at once */
		return p->dwfl;
	}
	p->refreshed = true;
	p->refreshes++;
	return proc_session(u, p);
}

/* --- unwinding ------------------------------------------------------------------------ */

static bool has_section(Elf *elf, size_t shstrndx, const char *want);

/* Is there CFI for pc in this CFI table of its module? */
static bool cfi_covers(Dwarf_CFI *cfi, Dwarf_Addr bias, uint64_t pc)
{
	Dwarf_Frame *frame;

	if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame))
		return false;
	free(frame);
	return true;
}

/* Is there CFI (.eh_frame or .debug_frame) for pc in its module? */
static bool has_cfi(Dwfl_Module *mod, uint64_t pc)
{
	Dwarf_Addr bias;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(mod, &bias);

	if (cfi_covers(cfi, bias, pc))
		return true;
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	return cfi_covers(cfi, bias, pc);
}

/* Is the module a Go binary? Remembered per module of the session (NULL without memory). */
static struct module_kind *module_kind(struct uproc *p, Dwfl_Module *mod)
{
	struct module_kind k = {.mod = mod};
	size_t i, shstrndx;
	Dwarf_Addr bias;
	Elf *elf;

	for (i = 0; i < p->kinds.len; i++)
		if (p->kinds.data[i].mod == mod)
			return &p->kinds.data[i];
	elf = dwfl_module_getelf(mod, &bias);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx))
		k.go = has_section(elf, shstrndx, ".gopclntab") ||
		       has_section(elf, shstrndx, ".go.buildinfo");
	if (vec_push(&p->kinds, k))
		return NULL;
	return &p->kinds.data[p->kinds.len - 1];
}

/*
 * Is lookup in one of the functions where Go's own traceback stops: a goroutine's
 * (runtime.goexit) or a thread's (mstart, rt0_go) outermost frame, or a switch to the
 * thread's stack (mcall, morestack)? Their callers' frame pointers are not meant to be
 * followed (a goroutine reused from the free list may have kept a stale one).
 */
static bool go_top_frame(struct module_kind *k, uint64_t lookup)
{
	static const char *const tops[] = {
		"runtime.goexit", "runtime.mstart",    "runtime.rt0_go",
		"runtime.mcall",  "runtime.morestack",
	};
	struct go_frame frames[8];
	Dwarf_Addr bias;
	size_t size, i;
	char *raw;
	Elf *elf;
	int n;

	elf = dwfl_module_getelf(k->mod, &bias);
	if (!elf)
		return false;
	if (!k->pcln_tried) {
		k->pcln_tried = true;
		raw = elf_rawfile(elf, &size);
		k->pcln = raw ? gopclntab__load(raw, size) : NULL;
	}
	n = k->pcln ? gopclntab__lookup(k->pcln, lookup - bias, frames, 8) : 0;
	for (i = 0; n > 0 && i < sizeof(tops) / sizeof(tops[0]); i++)
		if (!strcmp(frames[n - 1].function, tops[i]))
			return true;
	return false;
}

/*
 * How to step the frame at lookup (its pc, minus one for a return address): by CFI where its
 * module has some for it, else by frame pointer -- also in anonymous executable memory (JIT
 * code). Go code has CFI only in .debug_frame, which describes neither bp nor the stack
 * switches of cgo calls and systemstack, so past the first frame (where CFI finds the caller
 * of a function without a frame of its own) its frame pointers are followed. C in a Go
 * binary (cgo) has .eh_frame.
 */
static enum step_mode decide_step(struct uproc *p, Dwfl *dwfl, uint64_t lookup, bool first)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);
	const struct procmap *m;
	struct module_kind *k;
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;

	if (!mod) {
		m = p->maps ? procmaps__find(p->maps, lookup) : NULL;
		return m && m->executable ? STEP_FP : STEP_NONE;
	}
	cfi = dwfl_module_eh_cfi(mod, &bias);
	if (cfi_covers(cfi, bias, lookup))
		return STEP_CFI;
	if (!first && (k = module_kind(p, mod)) && k->go)
		return go_top_frame(k, lookup) ? STEP_TOP : STEP_FP;
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	return cfi_covers(cfi, bias, lookup) ? STEP_CFI : STEP_FP;
}

/* decide_step(), remembered per address: the same return addresses come back sample after sample */
static enum step_mode step_mode(struct uproc *p, Dwfl *dwfl, uint64_t lookup, bool first)
{
	struct step_slot *slot;

	if (!p->steps)
		p->steps = calloc(STEP_CACHE, sizeof(*p->steps));
	if (!p->steps)
		return decide_step(p, dwfl, lookup, first);
	slot = &p->steps[hash_mix(first, lookup) & (STEP_CACHE - 1)];
	if (slot->mode == STEP_UNKNOWN || slot->lookup != lookup || slot->first != first) {
		slot->lookup = lookup;
		slot->first = first;
		slot->mode = decide_step(p, dwfl, lookup, first);
	}
	return slot->mode;
}

static bool walk_push(struct walk *w, uint64_t pc)
{
	if (w->n == w->max) {
		w->full = true;
		return false;
	}
	w->pcs[w->n++] = pc;
	return true;
}

/* libdwfl's frame: keep its pc; stop libdwfl where the frame has no CFI to be stepped with. */
static int on_frame(Dwfl_Frame *frame, void *arg)
{
	struct walk *w = arg;
	enum step_mode mode;
	Dwarf_Word sp, bp;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (w->skip_first) {
		/* resumed at a return address the frame-pointer walk produced (and checked) */
		w->skip_first = false;
		return DWARF_CB_OK;
	}
	if (!walk_push(w, pc))
		return DWARF_CB_ABORT;
	mode = step_mode(w->p, w->dwfl, w->n > 1 ? pc - 1 : pc, w->n == 1);
	if (mode == STEP_CFI)
		return DWARF_CB_OK;
	if (dwfl_frame_reg(frame, UNWIND_REG_SP, &sp))
		return DWARF_CB_ABORT; /* no stack pointer: nothing to walk from */
	w->handoff = mode;
	w->pc = pc;
	w->sp = sp;
	w->bp_known = !dwfl_frame_reg(frame, UNWIND_REG_BP, &bp);
	w->bp = w->bp_known ? bp : 0;
	return DWARF_CB_ABORT;
}

/*
 * Why a walk needed memory that was not copied: the caller's frame is on another stack (an
 * anonymous writable mapping other than the one the copy is of), the copy was cut at its
 * size limit, or some other address is missing.
 */
static enum unwind_result outside_reason(const struct uproc *p, const struct unwind_sample *s,
					 uint64_t addr)
{
	uint64_t sp = s->regs[UNWIND_REG_SP];
	const struct procmap *at = p->maps ? procmaps__find(p->maps, addr) : NULL;
	const struct procmap *stack = p->maps ? procmaps__find(p->maps, sp) : NULL;

	/* stacks are anonymous (threads', goroutines') or [stack]; not [heap], not files */
	if (at && stack && at != stack && at->writable &&
	    (!at->path[0] || !strncmp(at->path, "[stack", 6)))
		return UNWIND_OTHER_STACK;
	if (s->copy_full && addr >= sp + s->stack_len)
		return UNWIND_TRUNCATED;
	return UNWIND_OUTSIDE_COPY;
}

/* Why a walk that libdwfl ended with an error stopped. */
static enum unwind_result failure_reason(struct unwinder *u, struct uproc *p, Dwfl *dwfl,
					 const struct unwind_sample *s, const struct walk *w)
{
	uint64_t last = w->pcs[w->n - 1], lookup = w->n > 1 ? last - 1 : last;
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);

	if (!last)
		return UNWIND_BAD_REGS;
	if (!mod)
		return UNWIND_NO_MODULE;
	if (!has_cfi(mod, lookup))
		return UNWIND_NO_CFI;
	if (u->read_failed)
		return outside_reason(p, s, u->failed_addr);
	snprintf(u->error, sizeof(u->error), "%s", dwfl_errmsg(-1));
	return UNWIND_OTHER;
}

/* Where a frame-pointer walk found no frame pointer to follow. */
static enum unwind_result no_frame_pointer(const struct walk *w, uint64_t pc)
{
	return w->handoff == STEP_NONE || !dwfl_addrmodule(w->dwfl, pc) ? UNWIND_NO_MODULE
									: UNWIND_NO_CFI;
}

/*
 * Follow frame pointers from the frame libdwfl stopped at (w->pc, sp, bp) over the copy,
 * until a return address lands in code with CFI: then true, with w->pc, sp, bp the registers
 * of that frame for libdwfl to resume from. false when the walk ended, *result saying how:
 * bp 0 (or a return address 0) is the outermost frame (_start, Go's threads), and so is a
 * return address into Go's outermost functions (runtime.goexit...). Only the copy is read:
 * the process may be gone, and its memory may have changed since the sample.
 */
static bool walk_frame_pointers(struct unwinder *u, const struct unwind_sample *s, struct walk *w,
				enum unwind_result *result)
{
	uint64_t pc = w->pc, sp = w->sp, bp = w->bp, next_bp, ra;
	enum step_mode mode = w->handoff;

	u->stats.switches++;
	/*
	 * CFI without a rule for bp (Go's .debug_frame) leaves the callee's own frame pointer in
	 * bp, just below the return address: the caller's is saved where it points
	 */
	if (w->bp_known && bp + 16 == sp && !read_copied(s, bp, &bp))
		w->bp_known = false;
	for (;;) {
		if (mode == STEP_TOP) {
			*result = UNWIND_COMPLETE;
			return false;
		}
		if (mode == STEP_NONE || !w->bp_known || (bp & 7)) {
			*result = no_frame_pointer(w, pc);
			return false;
		}
		if (!bp) {
			*result = UNWIND_COMPLETE;
			return false;
		}
		/* a frame pointer off the copy: another stack's (cgo), or past a cut copy */
		if (!read_copied(s, bp, &next_bp) || !read_copied(s, bp + 8, &ra)) {
			*result = outside_reason(w->p, s, read_copied(s, bp, &ra) ? bp + 8 : bp);
			return false;
		}
		/* on the copy, a caller's frame is above its callee's */
		if (bp < sp) {
			*result = no_frame_pointer(w, pc);
			return false;
		}
		if (!ra) {
			*result = UNWIND_COMPLETE;
			return false;
		}
		if (!walk_push(w, ra)) {
			*result = UNWIND_MAX_DEPTH;
			return false;
		}
		u->stats.fp_frames++;
		pc = ra;
		sp = bp + 16;
		bp = next_bp;
		mode = step_mode(w->p, w->dwfl, ra - 1, false);
		if (mode == STEP_CFI) {
			u->stats.switches++;
			w->pc = pc;
			w->sp = sp;
			w->bp = bp;
			return true;
		}
		w->handoff = mode;
	}
}

/* Run libdwfl from the sample's registers, or from where a frame-pointer walk resumes. */
static int run_dwfl(struct unwinder *u, pid_t tid, const struct unwind_sample *s, struct walk *w)
{
	int ret;

	u->cur = s;
	u->cur_tid = tid;
	u->read_failed = false;
	u->walk = w;
	w->handoff = STEP_UNKNOWN;
	ret = dwfl_getthread_frames(w->dwfl, tid, on_frame, w);
	u->cur = NULL;
	u->walk = NULL;
	u->resume = false;
	return ret;
}

/* How libdwfl's part of a walk ended (it did not hand over to frame pointers). */
static enum unwind_result dwfl_result(struct unwinder *u, const struct unwind_sample *s,
				      const struct walk *w, int ret)
{
	if (w->full)
		return UNWIND_MAX_DEPTH;
	if (!ret && u->read_failed && u->failed_at + 1 >= w->n && w->n)
		/*
		 * libdwfl ends quietly when the return address cannot be read; it steps from a
		 * frame before reporting it, hence the read failing at n - 1
		 */
		return failure_reason(u, w->p, w->dwfl, s, w);
	if (!ret)
		return UNWIND_COMPLETE;
	if (!w->n)
		return UNWIND_OTHER;
	return failure_reason(u, w->p, w->dwfl, s, w);
}

/* One walk over the copy, libdwfl and frame pointers taking turns. */
static enum unwind_result walk_mixed(struct unwinder *u, pid_t tid, const struct unwind_sample *s,
				     struct walk *w)
{
	enum unwind_result result;
	int ret;

	w->n = 0;
	w->full = false;
	w->skip_first = false;
	for (;;) {
		ret = run_dwfl(u, tid, s, w);
		if (w->full || w->handoff == STEP_UNKNOWN)
			return dwfl_result(u, s, w, ret);
		if (!walk_frame_pointers(u, s, w, &result))
			return result;
		u->resume = true;
		u->resume_pc = w->pc;
		u->resume_sp = w->sp;
		u->resume_bp = w->bp;
		w->skip_first = true;
	}
}

static int walk_stack(struct unwinder *u, struct uproc *p, pid_t tid, const struct unwind_sample *s,
		      struct walk *w, enum unwind_result *result)
{
	uint64_t pc = s->regs[UNWIND_REG_IP];
	Dwfl *dwfl = proc_session(u, p);
	unsigned int before;
	bool retried = false;

	if (!dwfl) {
		*result = UNWIND_NO_PROCESS;
		return 0;
	}
	if (!dwfl_addrmodule(dwfl, pc) && !(dwfl = refresh_session(u, p))) {
		*result = UNWIND_NO_PROCESS;
		return 0;
	}
	if (!dwfl_addrmodule(dwfl, pc) && step_mode(p, dwfl, pc, true) != STEP_FP) {
		*result = UNWIND_NO_MODULE;
		return 0;
	}
	for (;;) {
		w->u = u;
		w->p = p;
		w->dwfl = dwfl;
		*result = walk_mixed(u, tid, s, w);
		/* a return address in a library mapped since the snapshot: read the maps again */
		if (*result != UNWIND_NO_MODULE || retried)
			return 0;
		retried = true;
		before = p->loads;
		dwfl = refresh_session(u, p);
		if (!dwfl || p->loads == before)
			return 0;
	}
}

int unwinder__unwind(struct unwinder *u, pid_t pid, pid_t tid, const struct unwind_sample *s,
		     uint64_t *pcs, int max, enum unwind_result *result)
{
	uint64_t t0 = thread_cpu_ns();
	struct walk w = {.pcs = pcs, .max = max};
	struct uproc *p;
	int ret = 0;

	u->stats.samples++;
	u->stats.stack_bytes += s->stack_len;
	if (max <= 0) {
		*result = UNWIND_MAX_DEPTH;
		goto out;
	}
	if (!s->regs[UNWIND_REG_IP] || !s->regs[UNWIND_REG_SP]) {
		*result = UNWIND_BAD_REGS;
		goto out;
	}
	p = proc_find(u, pid);
	if (!p && unwinder__add_pid(u, pid) == -ENOMEM)
		ret = -ENOMEM;
	p = proc_find(u, pid);
	if (!p) {
		*result = UNWIND_NO_PROCESS;
	} else {
		ret = walk_stack(u, p, tid, s, &w, result);
	}
out:
	/* whatever happened, the sampled pc itself is known */
	if (!w.n && max > 0 && s->regs[UNWIND_REG_IP])
		pcs[w.n++] = s->regs[UNWIND_REG_IP];
	if (*result == UNWIND_COMPLETE && w.n == 1 && w.pcs[0] != s->regs[UNWIND_REG_IP])
		*result = UNWIND_OTHER;
	u->stats.results[*result]++;
	u->stats.frames += w.n;
	u->stats.unwind_ns += thread_cpu_ns() - t0;
	return ret < 0 ? ret : w.n;
}

bool unwinder__take_refreshed(struct unwinder *u, pid_t pid)
{
	struct uproc *p = proc_find(u, pid);
	bool refreshed = p && p->refreshed;

	if (p)
		p->refreshed = false;
	return refreshed;
}

const char *unwinder__last_error(const struct unwinder *u)
{
	return u->error;
}

const char *unwinder__symbol(struct unwinder *u, pid_t pid, uint64_t pc)
{
	struct uproc *p = proc_find(u, pid);
	Dwfl *dwfl = p ? proc_session(u, p) : NULL;
	Dwfl_Module *mod = dwfl ? dwfl_addrmodule(dwfl, pc) : NULL;
	const char *name = mod ? dwfl_module_addrname(mod, pc) : NULL;

	if (!name)
		return NULL;
	snprintf(u->name_buf, sizeof(u->name_buf), "%s", name);
	return u->name_buf;
}

const struct unwinder_stats *unwinder__stats(const struct unwinder *u)
{
	return &u->stats;
}

/* --- does a binary keep frame pointers? ----------------------------------------------- */

static bool has_section(Elf *elf, size_t shstrndx, const char *want)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	const char *name;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, want))
			return true;
	}
	return false;
}

/*
 * Does the function set up a frame pointer: "mov %rsp,%rbp" (either encoding) among its first
 * bytes? Compilers schedule other instructions around "push %rbp", so the exact prologue
 * varies; code built without frame pointers almost never copies rsp to rbp.
 */
static bool has_fp_prologue(const uint8_t *code, size_t len)
{
	size_t i;

	for (i = 0; i + 3 <= len; i++)
		if (code[i] == 0x48 && ((code[i + 1] == 0x89 && code[i + 2] == 0xe5) ||
					(code[i + 1] == 0x8b && code[i + 2] == 0xec)))
			return true;
	return false;
}

/* Count functions of one symbol table and those with a frame-pointer prologue. */
static void count_prologues(Elf *elf, Elf_Scn *symscn, const char *raw, size_t size, size_t *funcs,
			    size_t *with_fp)
{
	GElf_Shdr sh, text;
	Elf_Data *data;
	size_t i, n, len;

	if (!gelf_getshdr(symscn, &sh) || !sh.sh_entsize || !(data = elf_getdata(symscn, NULL)))
		return;
	n = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < n && *funcs < FP_MAX_FUNCS; i++) {
		GElf_Sym sym;
		Elf_Scn *scn;
		uint64_t off;

		if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE || sym.st_size < 16)
			continue;
		scn = elf_getscn(elf, sym.st_shndx);
		if (!scn || !gelf_getshdr(scn, &text) || text.sh_type != SHT_PROGBITS ||
		    sym.st_value < text.sh_addr || sym.st_value - text.sh_addr >= text.sh_size)
			continue;
		off = text.sh_offset + (sym.st_value - text.sh_addr);
		len = sym.st_size < FP_PROLOGUE_BYTES ? sym.st_size : FP_PROLOGUE_BYTES;
		if (off >= size || size - off < len)
			continue;
		(*funcs)++;
		*with_fp += has_fp_prologue((const uint8_t *)raw + off, len);
	}
}

static enum unwind_fp classify_elf(Elf *elf)
{
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	size_t shstrndx, size, funcs = 0, with_fp = 0;
	GElf_Shdr sh;
	char *raw = elf_rawfile(elf, &size);

	if (!raw || elf_getshdrstrndx(elf, &shstrndx))
		return UNWIND_FP_UNKNOWN;
	/* Go keeps frame pointers on amd64 since 1.7; its binaries carry .gopclntab */
	if (has_section(elf, shstrndx, ".gopclntab") || has_section(elf, shstrndx, ".go.buildinfo"))
		return UNWIND_FP_KEPT;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM)
			dynsym = scn;
	}
	count_prologues(elf, symtab ? symtab : dynsym, raw, size, &funcs, &with_fp);
	if (funcs < FP_MIN_FUNCS && symtab && dynsym)
		count_prologues(elf, dynsym, raw, size, &funcs, &with_fp);
	if (funcs < FP_MIN_FUNCS)
		return UNWIND_FP_UNKNOWN;
	/* -fno-omit-frame-pointer gives every compiled function the prologue; allow for asm */
	return with_fp * 10 >= funcs * 6 ? UNWIND_FP_KEPT : UNWIND_FP_OMITTED;
}

static enum unwind_fp classify_fd(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	enum unwind_fp fp = UNWIND_FP_UNKNOWN;

	if (elf && elf_kind(elf) == ELF_K_ELF)
		fp = classify_elf(elf);
	elf_end(elf);
	return fp;
}

enum unwind_fp unwind__classify_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum unwind_fp fp;

	if (fd < 0)
		return UNWIND_FP_UNKNOWN;
	elf_version(EV_CURRENT);
	fp = classify_fd(fd);
	close(fd);
	return fp;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The decision for one mapping's file, cached per device and inode. */
static struct fp_file *fp_file_of(struct unwinder *u, pid_t pid, const struct procmap *m)
{
	uint64_t dev = (uint64_t)m->dev_major << 32 | m->dev_minor;
	struct fp_file f = {.dev = dev, .ino = m->inode};
	char path[96];
	size_t i;
	int fd;

	for (i = 0; i < u->fp_files.len; i++)
		if (u->fp_files.data[i].dev == dev && u->fp_files.data[i].ino == m->inode)
			return &u->fp_files.data[i];
	/* through map_files: the process's view of the file, even if deleted or replaced */
	fd = -1;
	if (!procmap__map_files_path(m, pid, path, sizeof(path)))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		f.fp = classify_fd(fd);
		close(fd);
	}
	f.name = strdup(base_name(m->path));
	if (!f.name || vec_push(&u->fp_files, f)) {
		free(f.name);
		return NULL;
	}
	return &u->fp_files.data[u->fp_files.len - 1];
}

enum unwind_fp unwinder__frame_pointers(struct unwinder *u, pid_t pid, uint64_t addr,
					const char **name)
{
	struct uproc *p = proc_find(u, pid);
	const struct procmap *m;
	struct fp_file *f;
	size_t idx;

	if (name)
		*name = NULL;
	if (!p || !p->maps)
		return UNWIND_FP_UNKNOWN;
	m = procmaps__find(p->maps, addr);
	if (!m)
		return UNWIND_FP_UNKNOWN;
	if (!strcmp(m->path, "[vdso]")) {
		/* a few leaf functions: not worth a stack copy for every sample that calls them */
		if (name)
			*name = "[vdso]";
		return UNWIND_FP_KEPT;
	}
	if (!procmap__is_file(m) || !m->executable)
		return UNWIND_FP_UNKNOWN;
	idx = m - p->maps->maps;
	if (!p->fp[idx]) {
		f = fp_file_of(u, pid, m);
		if (!f)
			return UNWIND_FP_UNKNOWN;
		p->fp[idx] = f - u->fp_files.data + 1;
	}
	f = &u->fp_files.data[p->fp[idx] - 1];
	if (name)
		*name = f->name; /* stable: the maps may be replaced, the file table is not */
	return f->fp;
}
