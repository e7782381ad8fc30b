// SPDX-License-Identifier: MIT
/*
 * The engine's stack copies (--unwind dwarf and auto), for every profile type: a record from
 * the 'samples' ring (common.h struct stack_sample) names the type that sent it, its values
 * and label; its user stack is unwound here frame by frame (cli/unwind.c), while the process
 * most likely still runs, and joins the stack table in that type's columns.
 *
 * Also --unwind auto's per-process decision: a process is watched at first (its samples carry
 * both a frame-pointer walk and a stack copy) and moved to frame pointers when its walks are
 * whole, or to DWARF when a walk goes through a binary without frame pointers; and the
 * frameless leaf's caller, which a frame-pointer walk skips.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "common.h"
#include "record_int.h"
#include "sym_procmaps.h"
#include "symbolize.h"

/* --unwind auto: tell the BPF programs how to take p's user stacks from now on. */
void record__decide_unwind(struct record *r, struct proc *p, __u8 method)
{
	bpf_map__update_elem(r->maps.unwind_pids, &p->tgid, sizeof(p->tgid), &method,
			     sizeof(method), BPF_ANY);
}

void record__use_dwarf(struct record *r, struct proc *p)
{
	if (!p || p->dwarf || r->opts.unwind != SINGE_UNWIND_AUTO)
		return;
	p->dwarf = true;
	record__decide_unwind(r, p, SINGE_PID_DWARF);
	r->stats.dwarf_processes++;
}

/* --unwind auto: p's frame-pointer walks were whole long enough; stop its stack copies. */
static void use_fp(struct record *r, struct proc *p)
{
	if (p->fp || p->dwarf)
		return;
	p->fp = true;
	record__decide_unwind(r, p, SINGE_PID_FP);
}

/* --unwind auto: a main executable without frame pointers needs DWARF from the start. */
static void check_main_binary(struct record *r, struct proc *p, const struct proc_image *img)
{
	size_t i;

	for (i = 0; img->exe[0] && i < img->maps->len; i++) {
		if (!img->maps->maps[i].executable || strcmp(img->maps->maps[i].path, img->exe))
			continue;
		if (unwinder__frame_pointers(r->unwinder, p->tgid, img->maps->maps[i].start,
					     NULL) == UNWIND_FP_OMITTED)
			record__use_dwarf(r, p);
		break;
	}
}

/*
 * A process's image was read. A new image is a new program, to be watched and decided for
 * again; with dwarf, a process whose maps are read need not wake singe any more.
 */
int record__unwind_image(struct record *r, struct proc *p, const struct proc_image *img,
			 enum snapshot_kind kind)
{
	if (!r->unwinder)
		return 0;
	if (kind == SNAPSHOT_NEW_IMAGE && r->opts.unwind == SINGE_UNWIND_AUTO) {
		p->dwarf = p->fp = false;
		bpf_map__delete_elem(r->maps.unwind_pids, &p->tgid, sizeof(p->tgid), 0);
	}
	if (img && r->opts.unwind == SINGE_UNWIND_AUTO && !p->dwarf)
		check_main_binary(r, p, img);
	if (r->opts.unwind == SINGE_UNWIND_DWARF && kind != SNAPSHOT_REFRESH)
		record__decide_unwind(r, p, SINGE_PID_DWARF);
	if (kind == SNAPSHOT_REFRESH)
		return record__python_image(r, p, img); /* libpython may come with dlopen */
	return record__go_image(r, p, img) ?: record__python_image(r, p, img);
}

/* Remember what a binary the samples go through needs, for the summary and the profile. */
static int note_choice(struct record *r, const char *name, enum unwind_fp fp)
{
	struct record_unwind_choice c = {.name = name, .fp = fp};
	size_t i;

	for (i = 0; i < r->choices.len; i++)
		if (!strcmp(r->choices.data[i].name, name))
			return 0;
	return vec_push(&r->choices, c);
}

/*
 * Is addr in one of the outermost functions of a thread or a process (libc's, or Go's
 * goroutine and thread roots)? A frame-pointer walk that reaches one has found every frame of
 * the program's own; all it misses beyond is clone3 or _start, not worth copying stacks for
 * (every thread starts in libc's start_thread, so without this --unwind auto would copy the
 * stacks of every program that has threads).
 */
bool record__is_stack_root(struct record *r, uint32_t tgid, uint64_t addr)
{
	static const char *const roots[] = {
		"start_thread",
		"__libc_start_call_main",
		"__libc_start_main",
		"clone3",
		"clone",
		"_start",
		"runtime.goexit",
		"runtime.mstart",
		"runtime.rt0_go",
	};
	int64_t id = symbolizer__user_location(r->sym, tgid, addr, false);
	const struct location *loc;
	const struct line *lines;
	const char *name;
	size_t i;

	if (id <= 0)
		return false;
	loc = profile__location(r->profile, (uint64_t)id);
	lines = profile__location_lines(r->profile, loc);
	if (!loc->nlines || !lines)
		return false;
	name = profile__str(
		r->profile,
		profile__function(r->profile, lines[loc->nlines - 1].function_id)->name);
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strcmp(name, roots[i]))
			return true;
	return false;
}

/*
 * The binaries a new stack goes through (dwarf, auto), noted for the report. For a
 * frame-pointer walk also whether it is broken (1): it went through a binary without frame
 * pointers, and that frame is not a thread's or the process's outermost function
 * (record__is_stack_root()). Only the frames up to that binary are trusted: the walk goes
 * astray after it.
 */
int record__check_stack_binaries(struct record *r, const struct stack_key *k, bool fp_walk)
{
	const uint64_t *user = k->addrs + k->nkern;
	bool omitted = false, root = false;
	const char *name;
	enum unwind_fp fp;
	uint16_t i;
	int ret;

	for (i = 0; i < k->nuser && !(fp_walk && omitted); i++) {
		fp = unwinder__frame_pointers(r->unwinder, k->tgid, frame_lookup_addr(user[i], !i),
					      &name);
		if (fp == UNWIND_FP_UNKNOWN || !name)
			continue;
		if ((ret = note_choice(r, name, fp)))
			return ret;
		if (fp == UNWIND_FP_OMITTED) {
			omitted = true;
			root = fp_walk && i && record__is_stack_root(r, k->tgid, user[i]);
		}
	}
	return fp_walk && omitted && !root;
}

/* Count count samples whose user stack (if any) was walked by frame pointer in the kernel. */
void record__count_walk(struct record *r, const struct stack_key *k, uint64_t count)
{
	if (k->nkern == r->opts.max_depth || k->nuser == r->opts.max_depth)
		r->stats.truncated += count;
	r->stats.drained += count;
	if (k->nuser)
		r->stats.fp_walks += count;
}

/*
 * A frameless leaf (Go's small leaf functions push no frame pointer) has its caller left out
 * of a frame-pointer walk, which starts from the caller's own frame pointer. Where Go's pcsp
 * table says the sampled pc has not moved the stack pointer, ret (the word at the stack
 * pointer) is that caller's return address: put it back as the second frame. k->addrs must
 * have room for one more frame. 0 or -ENOMEM.
 */
int record__keep_leaf_caller(struct record *r, struct stack_key *k, uint64_t ret)
{
	uint64_t *user = (uint64_t *)k->addrs + k->nkern;
	int delta;

	if (!ret || !k->nuser || k->nuser >= r->opts.max_depth || (k->nuser > 1 && user[1] == ret))
		return 0;
	if ((delta = record__see(r, k->tgid, k->exec_gen)))
		return delta;
	delta = symbolizer__go_sp_delta(r->sym, k->tgid, user[0]);
	if (delta)
		return delta == -ENOMEM ? delta : 0;
	memmove(user + 2, user + 1, (k->nuser - 1) * sizeof(*user));
	user[1] = ret;
	k->nuser++;
	r->stats.leaf_callers++;
	return 0;
}

/* The word at the stack pointer, where a sample's stack copy starts (0 without one). */
static uint64_t stack_top_word(const struct stack_sample *h, const void *data)
{
	uint64_t word = 0;

	if (h->stack_len >= sizeof(word))
		memcpy(&word, (const uint8_t *)data + sizeof(*h), sizeof(word));
	return word;
}

/*
 * SINGE_UNWIND_DUMP=DIR: save the first stack samples as received (DIR/sample-N.bin) with their
 * process's maps (DIR/maps-N.txt), the raw material of tests/data/unwind's snapshots. A
 * debugging aid: failures are ignored.
 */
#define UNWIND_DUMP_MAX 16

static void dump_sample(struct record *r, const void *data, size_t size, uint32_t tgid)
{
	char path[4096], maps[64];
	size_t len;
	char *text;
	FILE *f;

	if (!r->dump_dir || r->dumped >= UNWIND_DUMP_MAX)
		return;
	snprintf(maps, sizeof(maps), "/proc/%u/maps", tgid);
	text = procfs__read_file(maps, 64 << 20, &len);
	if (!text)
		return;
	snprintf(path, sizeof(path), "%s/maps-%u.txt", r->dump_dir, r->dumped);
	f = fopen(path, "we");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	free(text);
	snprintf(path, sizeof(path), "%s/sample-%u.bin", r->dump_dir, r->dumped);
	f = fopen(path, "we");
	if (f) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
	r->dumped++;
}

/* The word at addr of the goroutine stack window that follows a sample's stack bytes. */
static bool window_word(const struct stack_sample *h, const uint8_t *window, uint64_t addr,
			uint64_t *out)
{
	if (addr < h->other_sp || addr - h->other_sp > h->other_len ||
	    h->other_len - (addr - h->other_sp) < sizeof(*out))
		return false;
	memcpy(out, window + (addr - h->other_sp), sizeof(*out));
	return true;
}

/*
 * A Go thread on its system stack (cgo's C code, systemstack) stops unwinding where its
 * frames leave for the goroutine's stack: go on there, by frame pointer over the window of
 * that stack the BPF program copied (Go keeps frame pointers). The goroutine saved its stack
 * pointer (the return address into the caller of asmcgocall or systemstack is there) and its
 * frame pointer when it switched. Frames are appended to user[n..max); the new count, with
 * *res COMPLETE when the chain ends at the goroutine's first frame, TRUNCATED when it runs
 * out of the window.
 */
static int walk_goroutine(const struct stack_sample *h, const uint8_t *window, uint64_t *user,
			  int n, int max, enum unwind_result *res)
{
	uint64_t bp = h->other_bp, ret, next = 0;

	if (n >= max || !window_word(h, window, h->other_sp, &ret) || !ret)
		return n;
	user[n++] = ret;
	while (n < max && bp) {
		if (!window_word(h, window, bp, &next) || !window_word(h, window, bp + 8, &ret)) {
			*res = UNWIND_TRUNCATED; /* the chain goes on above the window */
			return n;
		}
		if (!ret)
			break;
		user[n++] = ret;
		if (next <= bp) /* 0 above the goroutine's first frame; never downwards */
			break;
		bp = next;
	}
	*res = n >= max && bp && next > bp ? UNWIND_MAX_DEPTH
	       : !bp || !next		   ? UNWIND_COMPLETE
					   : UNWIND_OTHER;
	return n;
}

/* Do the stack bytes, the other stack's and the Python frames h tells of fit in size bytes? */
static bool sample_fits(const struct stack_sample *h, size_t size)
{
	size_t rest = size - sizeof(*h);

	if (h->stack_len > rest)
		return false;
	rest -= h->stack_len;
	if (h->other_len > rest)
		return false;
	rest -= h->other_len;
	return h->py_nframes <= rest / sizeof(struct singe_py_frame);
}

/* Unwind a sample's stack copy into user; the number of addresses, or a negative errno. */
static int unwind_copy(struct record *r, const struct stack_sample *h, const void *data,
		       uint64_t *user, enum unwind_result *res)
{
	const uint8_t *stack = (const uint8_t *)data + sizeof(*h);
	struct unwind_sample us = {0};
	int n;

	/* the BPF programs' register layout is the unwinder's: DWARF x86-64 numbering */
	_Static_assert(sizeof(us.regs) == sizeof(h->regs), "register sets differ in size");
	_Static_assert(SINGE_REG_BP == UNWIND_REG_BP && SINGE_REG_SP == UNWIND_REG_SP &&
			       SINGE_REG_IP == UNWIND_REG_IP && SINGE_NR_REGS == UNWIND_NR_REGS,
		       "register numbers differ");
	memcpy(us.regs, h->regs, sizeof(us.regs));
	us.stack = stack;
	us.stack_len = h->stack_len;
	us.copy_full = h->flags & STACK_SAMPLE_COPY_FULL;
	/*
	 * a pc outside the snapshot (a library mapped since) has the process table read the
	 * process's image again, for the unwinder and the symbolizer both
	 */
	n = unwinder__unwind(r->unwinder, h->tgid, h->pid, &us, user, r->opts.max_depth, res);
	if (n > 0 && *res == UNWIND_OTHER_STACK && h->other_len) {
		n = walk_goroutine(h, stack + h->stack_len, user, n, r->opts.max_depth, res);
		r->stats.goroutine_walks++;
	}
	return record__python_merge(r, h, data, user, n, r->opts.max_depth);
}

/* A stack copy's row: its values in its type's columns. */
static void copy_row(const struct source *s, const struct stack_sample *h, int64_t *row)
{
	unsigned int n = s->ops->nvalues < SINGE_MAX_VALUES ? s->ops->nvalues : SINGE_MAX_VALUES;

	memset(row, 0, RECORD_MAX_VALUES * sizeof(*row));
	memcpy(row + s->first_value, h->values, n * sizeof(*row));
}

/* Count and keep a stack whose user part was unwound from the copy. */
static int add_unwound(struct record *r, const struct stack_sample *h, const struct stack_key *k,
		       const int64_t *row, enum unwind_result res)
{
	int64_t idx;

	r->stats.unwound++;
	r->stats.unwind[res]++;
	r->stats.stack_bytes += h->stack_len;
	if (res == UNWIND_MAX_DEPTH || k->nkern == r->opts.max_depth)
		r->stats.truncated++;
	r->stats.drained++;
	idx = record__add_row(r, k, row, false);
	return idx < 0 ? (int)idx : 0;
}

/*
 * --unwind auto watches a process this long (stack copies along with the frame-pointer walks)
 * before it trusts whole walks alone. A broken walk later still moves it to DWARF, but the
 * samples until the next drain then keep the broken walk.
 */
#define AUTO_WATCH_NS 1000000000ULL

/* Count and keep a watched process's frame-pointer walk; trust the process after a while. */
static int add_walk(struct record *r, struct proc *p, const struct stack_key *walk,
		    const int64_t *row)
{
	int64_t idx;

	if (mono_ns() - p->seen_ns >= AUTO_WATCH_NS)
		use_fp(r, p);
	record__count_walk(r, walk, 1);
	r->stats.watched++;
	idx = record__add_row(r, walk, row, true);
	return idx < 0 ? (int)idx : 0;
}

/* Does a frame-pointer walk reach a thread's or the process's outermost function? */
static bool walk_reaches_root(struct record *r, const struct stack_key *walk)
{
	const uint64_t *user = walk->addrs + walk->nkern;
	int i;

	for (i = walk->nuser - 1; i > 0; i--)
		if (record__is_stack_root(r, walk->tgid, user[i]))
			return true;
	return false;
}

/*
 * --unwind auto, a sample of a process still watched (STACK_SAMPLE_FP_TOO): it carries both its
 * frame-pointer walk and a stack copy (k holds its kernel frames, in addrs). The walk is kept
 * when it is whole: it meets no binary without frame pointers short of a thread's root, and
 * it reaches that root -- or, short of one, the copy does not unwind to more frames, or
 * failed (a sample in a prologue called from code without frame pointers ends the walk
 * early). A walk through a binary without frame pointers moves the process to DWARF.
 */
static int watched_sample(struct record *r, struct proc *p, const struct source *src,
			  const struct stack_sample *h, const void *data, struct stack_key *k,
			  uint64_t *addrs, const int64_t *row)
{
	uint64_t walk_addrs[2 * SINGE_MAX_STACK_DEPTH + 1];
	struct stack_key walk = *k;
	enum unwind_result res;
	int broken, n;

	walk.addrs = walk_addrs;
	memcpy(walk_addrs, addrs, k->nkern * sizeof(uint64_t));
	walk.nuser = record__read_stack(r, src, h->buf ? 1 : 0, h->user_stack_id, r->frames);
	memcpy(walk_addrs + k->nkern, r->frames, walk.nuser * sizeof(uint64_t));
	if ((n = record__keep_leaf_caller(r, &walk, stack_top_word(h, data))))
		return n;
	broken = walk.nuser ? record__check_stack_binaries(r, &walk, true) : 1;
	if (broken < 0)
		return broken;
	if (broken && walk.nuser)
		record__use_dwarf(r, p);
	if (!broken && walk_reaches_root(r, &walk))
		return add_walk(r, p, &walk, row);
	n = unwind_copy(r, h, data, addrs + k->nkern, &res);
	if (n < 0)
		return n;
	/*
	 * The copy wins when it unwound deeper, even when it stopped short of the root at the end
	 * of the copy or at a stack switch (a cgo call): those frames are still right.
	 */
	if (!broken && (n <= walk.nuser || (res != UNWIND_COMPLETE && res != UNWIND_OTHER_STACK &&
					    res != UNWIND_TRUNCATED)))
		return add_walk(r, p, &walk, row);
	k->nuser = n;
	return add_unwound(r, h, k, row, res);
}

/*
 * One stack copy from the ring buffer. Its kernel stack (and the frame-pointer walk of a
 * watched process) is in the stack maps of its type's buffer it was taken in (a drain reads
 * the ring buffer before it clears them); its user stack is unwound here, while the process
 * most likely still runs, and the addresses join the stack table.
 */
int record__take_stack_copy(struct record *r, void *data, size_t size)
{
	struct stack_sample h;
	uint64_t both[2 * SINGE_MAX_STACK_DEPTH + 1];
	int64_t row[RECORD_MAX_VALUES];
	struct stack_key k = {.addrs = both};
	enum unwind_result res;
	struct source *src;
	struct proc *p;
	int n, ret;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	if (!sample_fits(&h, size) || !(src = record__source(r, h.source)))
		return 0;
	k.tgid = h.tgid;
	k.tid = h.pid;
	k.exec_gen = h.exec_gen;
	k.source = h.source;
	k.label = h.label;
	copy_row(src, &h, row);
	dump_sample(r, data, size, h.tgid);
	/* the process's files and maps first: the unwinder needs them */
	ret = record__see(r, h.tgid, h.exec_gen);
	if (ret)
		return ret;
	k.nkern = record__read_stack(r, src, h.buf ? 1 : 0, h.kern_stack_id, r->frames);
	memcpy(both, r->frames, k.nkern * sizeof(uint64_t));
	p = proc_table__find(r->procs, h.tgid);
	if ((h.flags & STACK_SAMPLE_FP_TOO) && p && !p->dwarf)
		return watched_sample(r, p, src, &h, data, &k, both, row);
	n = unwind_copy(r, &h, data, both + k.nkern, &res);
	if (n < 0)
		return n;
	k.nuser = n;
	/* a stripped Go binary has no CFI: its frameless leaves need the same care as a walk */
	if ((ret = record__keep_leaf_caller(r, &k, stack_top_word(&h, data))))
		return ret;
	return add_unwound(r, &h, &k, row, res);
}

int record__unwind_user(struct record *r, const void *data, size_t size, uint64_t *user)
{
	struct stack_key k = {.addrs = user};
	enum unwind_result res;
	struct stack_sample h;
	int n, ret;

	if (size < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (!sample_fits(&h, size))
		return -EINVAL;
	if (!r->unwinder)
		return -EOPNOTSUPP;
	if ((ret = record__see(r, h.tgid, h.exec_gen)))
		return ret;
	n = unwind_copy(r, &h, data, user, &res);
	if (n < 0)
		return n;
	r->stats.unwound++;
	r->stats.unwind[res]++;
	r->stats.stack_bytes += h.stack_len;
	k.tgid = h.tgid;
	k.tid = h.pid;
	k.exec_gen = h.exec_gen;
	k.nuser = n;
	if ((ret = record__keep_leaf_caller(r, &k, stack_top_word(&h, data))))
		return ret;
	return k.nuser;
}
