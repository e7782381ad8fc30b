/* SPDX-License-Identifier: MIT */
/*
 * What every BPF program of a recording shares: the process filter, exec generations, comm
 * capture, stack capture (stack ids with an overflow map, the frameless leaf's return address,
 * and the register + stack copy sent for DWARF unwinding) and the shared counters.
 *
 * The maps declared here exist once per recording: the first profile type's object creates
 * them, and the engine makes every other type's object use the same ones (bpf_map__reuse_fd,
 * by name) before it loads it. Only 'scratch' is each object's own: programs of different types can
 * nest on one CPU (a perf_event interrupt in the middle of a tracepoint program), and must
 * not build their stack copies in the same place.
 */
#ifndef __SINGE_COMMON_BPF_H
#define __SINGE_COMMON_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "common.h"
#include "maps.bpf.h"

#define EFAULT 14
#define EEXIST 17

/* Set by user space before load (struct singe_config). */
const volatile struct singe_config setup = {.stack_size = SINGE_DEFAULT_STACK_COPY};

/* The processes recorded when setup.filter_tgid is set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SINGE_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/*
 * Execs per process. A sample carries its process's count, so user space can tell stacks of
 * the old image from stacks of the new one and symbolize each against the right mappings.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SINGE_MAX_EXECS);
	__type(key, __u32);
	__type(value, __u32);
} exec_gens SEC(".maps");

/* The process name per tgid (the group leader's comm), for the pprof 'process' label. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SINGE_MAX_COMMS);
	__type(key, __u32);
	__type(value, struct singe_comm);
} comms SEC(".maps");

/*
 * Each thread's own name per tid (a JVM's "C2 CompilerThre", perf's comm), for the pprof
 * 'comm' label; user space reads and deletes the entries at each drain.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SINGE_MAX_THREAD_COMMS);
	__type(key, __u32);
	__type(value, struct singe_comm);
} thread_comms SEC(".maps");

/* Exec and fork events (struct singe_proc_event), from bpf/proc.bpf.h. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PROC_EVENTS_SIZE);
} events SEC(".maps");

/* Stack copies (struct stack_sample + stack) of every type; sized by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SINGE_SAMPLES_MIN_SIZE);
} samples SEC(".maps");

/* --unwind auto: what user space decided per process (enum singe_pid_unwind); absent: watched. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SINGE_MAX_UNWIND_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} unwind_pids SEC(".maps");

/* Go processes: where their goroutines' stacks are (user space fills it per new image). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SINGE_MAX_GO_PROCS);
	__type(key, __u32);
	__type(value, struct singe_go_proc);
} go_procs SEC(".maps");

/* CPython processes: where their threads' Python frames are (user space fills it per image). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SINGE_MAX_PY_PROCS);
	__type(key, __u32);
	__type(value, struct singe_py_proc);
} py_procs SEC(".maps");

/* A Python thread's thread state, found once by its native thread id (checked at every use). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} py_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COMMON_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} common_stats SEC(".maps");

/*
 * Where a stack copy is built: too big for the 512-byte BPF stack, and for a per-CPU array
 * value (32 KiB at most), so one entry per CPU of a plain array, indexed by the CPU (the
 * programs of one object do not nest on a CPU). One chunk of slack after the largest copy
 * lets the verifier see every chunk in bounds. max_entries is set by user space.
 */
struct stack_scratch {
	struct stack_sample s;
	__u8 bytes[SINGE_MAX_STACK_COPY + SINGE_GO_WINDOW + SINGE_STACK_CHUNK +
		   SINGE_PY_MAX_FRAMES * sizeof(struct singe_py_frame) + SINGE_PY_FRAME_SPAN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_scratch);
} scratch SEC(".maps");

static __always_inline void common_stat_add(__u32 stat, __u64 n)
{
	__u64 *val = bpf_map_lookup_elem(&common_stats, &stat);

	if (val)
		*val += n;
}

static __always_inline void common_stat_inc(__u32 stat)
{
	common_stat_add(stat, 1);
}

/* Is tgid recorded? Every process with -a, except singe itself. */
static __always_inline bool is_target(__u32 tgid)
{
	if (setup.filter_tgid && !bpf_map_lookup_elem(&targets, &tgid))
		return false;
	return tgid != setup.self_tgid;
}

/* The exec generation of tgid's image (0 until it execs during the recording). */
static __always_inline __u32 exec_gen_of(__u32 tgid)
{
	__u32 *gen = bpf_map_lookup_elem(&exec_gens, &tgid);

	return gen ? *gen : 0;
}

/* Store name under id in map only when it changed: one lookup per sample, rare updates. */
static __always_inline void remember_name(void *map, __u32 id, struct singe_comm *name)
{
	struct singe_comm *old = bpf_map_lookup_elem(map, &id);
	__u64 *a = (__u64 *)name->comm, *b;

	/* TASK_COMM_LEN is 16: two words (BPF has no memcmp) */
	b = old ? (__u64 *)old->comm : NULL;
	if (b && a[0] == b[0] && a[1] == b[1])
		return;
	bpf_map_update_elem(map, &id, name, BPF_ANY);
}

/*
 * The process's name (its group leader's comm) and the current thread's own. Refreshed when
 * they change: a -- CMD child is named "singe" until it execs.
 */
static __always_inline void remember_comm(struct task_struct *task, __u32 tgid, __u32 tid)
{
	struct singe_comm process = {}, thread = {};

	BPF_CORE_READ_STR_INTO(&process.comm, task, group_leader, comm);
	remember_name(&comms, tgid, &process);
	BPF_CORE_READ_STR_INTO(&thread.comm, task, comm);
	remember_name(&thread_comms, tid, &thread);
}

/* The stack maps of one buffer of a type that aggregates stack ids in the kernel. */
struct stack_maps {
	void *main;
	void *overflow;
};

/*
 * A stack's id in the main map, or on a collision there (its bucket holds another stack
 * until the next drain) in the overflow map, flagged SINGE_STACK_ID_OVERFLOW. Without it,
 * every sample of the colliding stack would be lost until the drain. The kernel hashes a
 * stack the same way in every stack map (jhash2, seed 0, masked to the buckets), so two stacks
 * that collide in the main map would also meet in a smaller overflow map: it works because it
 * holds only the stacks that lost a collision, and is nearly empty. What collides in both is
 * lost. expect: whether a missing stack (-EFAULT) is worth counting.
 */
static __always_inline __s32 stack_id(void *ctx, const struct stack_maps *maps, __u64 flags,
				      bool user, bool expect)
{
	__s32 id = bpf_get_stackid(ctx, maps->main, flags);

	if (id == -EEXIST) {
		id = bpf_get_stackid(ctx, maps->overflow, flags);
		if (id >= 0) {
			common_stat_inc(COMMON_STAT_OVERFLOWS);
			return id | SINGE_STACK_ID_OVERFLOW;
		}
	}
	if (id >= 0)
		return id;
	if (id == -EEXIST)
		common_stat_inc(COMMON_STAT_COLLISIONS);
	else if (id != -EFAULT)
		common_stat_inc(COMMON_STAT_STACK_ERRORS);
	else if (expect)
		common_stat_inc(user ? COMMON_STAT_NO_USER_STACK : COMMON_STAT_NO_KERN_STACK);
	return id;
}

/* How a process's user stack is taken: SINGE_PID_FP, SINGE_PID_DWARF, or 0 for both (watched). */
static __always_inline __u8 user_stack_method(__u32 tgid)
{
	__u8 *decided;

	if (setup.unwind_mode != SINGE_UNWIND_AUTO)
		return setup.unwind_mode == SINGE_UNWIND_DWARF ? SINGE_PID_DWARF : SINGE_PID_FP;
	decided = bpf_map_lookup_elem(&unwind_pids, &tgid);
	return decided ? *decided : 0;
}

/*
 * The user registers: the ones saved at the top of the task's kernel stack when it entered
 * the kernel, which is also where an interrupt taken in user mode saves them.
 */
static __always_inline int read_user_regs(struct task_struct *task, __u64 *regs)
{
	struct pt_regs *tr = (struct pt_regs *)bpf_task_pt_regs(task);
	struct pt_regs r;

	if (!tr || bpf_probe_read_kernel(&r, sizeof(r), tr))
		return -EFAULT;
	regs[SINGE_REG_AX] = r.ax;
	regs[SINGE_REG_DX] = r.dx;
	regs[SINGE_REG_CX] = r.cx;
	regs[SINGE_REG_BX] = r.bx;
	regs[SINGE_REG_SI] = r.si;
	regs[SINGE_REG_DI] = r.di;
	regs[SINGE_REG_BP] = r.bp;
	regs[SINGE_REG_SP] = r.sp;
	regs[SINGE_REG_R8] = r.r8;
	regs[SINGE_REG_R9] = r.r9;
	regs[SINGE_REG_R10] = r.r10;
	regs[SINGE_REG_R11] = r.r11;
	regs[SINGE_REG_R12] = r.r12;
	regs[SINGE_REG_R13] = r.r13;
	regs[SINGE_REG_R14] = r.r14;
	regs[SINGE_REG_R15] = r.r15;
	regs[SINGE_REG_IP] = r.ip;
	return 0;
}

/*
 * Copy the user stack from sp upwards, a page at a time: a read that touches an unmapped or
 * absent page fails whole, so the copy ends at the first such page instead of being lost.
 * task: another task's stack, read with bpf_copy_from_user_task() (sleepable programs only);
 * NULL for the current task's (a constant: the other branch is compiled out).
 */
static __always_inline void copy_user_stack_of(struct stack_scratch *sc, struct task_struct *task)
{
	__u64 sp = sc->s.regs[SINGE_REG_SP];
	__u64 len = 0, want, chunk, limit = setup.stack_size;
	long err;
	int i;

	if (limit > SINGE_MAX_STACK_COPY)
		limit = SINGE_MAX_STACK_COPY;
	/* 64-bit arithmetic throughout: the verifier then tracks every bound */
	chunk = SINGE_STACK_CHUNK - (sp & (SINGE_STACK_CHUNK - 1));
	for (i = 0; i <= SINGE_MAX_STACK_COPY / SINGE_STACK_CHUNK; i++) {
		if (len >= limit || len > SINGE_MAX_STACK_COPY)
			break;
		want = limit - len;
		if (want > chunk)
			want = chunk;
		if (want > SINGE_STACK_CHUNK)
			break;
		if (task)
			err = bpf_copy_from_user_task(sc->bytes + len, want, (void *)(sp + len),
						      task, 0);
		else
			err = bpf_probe_read_user(sc->bytes + len, want, (void *)(sp + len));
		if (err)
			break;
		len += want;
		chunk = SINGE_STACK_CHUNK;
	}
	sc->s.stack_len = len;
	sc->s.flags = len == limit ? STACK_SAMPLE_COPY_FULL : 0;
}

static __always_inline void copy_user_stack(struct stack_scratch *sc)
{
	copy_user_stack_of(sc, NULL);
}

/*
 * Wake user space for the samples of a process it has not seen, or with auto not decided for
 * (not in unwind_pids): it reads a new process's maps while the process most likely still
 * runs. The other samples wait for its next tick, unless the ring fills up. Forced: the
 * adaptive wake-up would stay silent while those other samples are still unread.
 */
static __always_inline __u64 wakeup_flag(bool seen)
{
	if (!seen)
		return BPF_RB_FORCE_WAKEUP;
	/* and when the ring is half full, so that a late tick loses no sample */
	if (bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA) * 2 >
	    bpf_ringbuf_query(&samples, BPF_RB_RING_SIZE))
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * The scratch entry of this CPU with the identity of the current task's sample filled in and
 * its user registers read; NULL when they cannot be (counted). The caller adds values, label
 * and stack ids, then send_stack_copy().
 */
static __always_inline struct stack_scratch *start_stack_copy(struct task_struct *task, __u32 tgid,
							      __u32 tid, __u32 exec_gen)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct stack_scratch *sc = bpf_map_lookup_elem(&scratch, &cpu);

	if (!sc)
		return NULL;
	if (read_user_regs(task, sc->s.regs)) {
		common_stat_inc(COMMON_STAT_REGS_ERRORS);
		return NULL;
	}
	sc->s.source = setup.source;
	sc->s.tgid = tgid;
	sc->s.pid = tid;
	sc->s.exec_gen = exec_gen;
	sc->s.kern_stack_id = -EFAULT;
	sc->s.user_stack_id = -EFAULT;
	sc->s.label = 0;
	sc->s.other_len = 0;
	sc->s.py_nframes = 0;
	for (int i = 0; i < SINGE_MAX_VALUES; i++)
		sc->s.values[i] = 0;
	return sc;
}

/* A word of task's memory (NULL: the current task's, a constant), 0 when unreadable. */
static __always_inline __u64 task_word(__u64 addr, struct task_struct *task)
{
	__u64 word = 0;
	long err;

	if (!addr)
		return 0;
	if (task)
		err = bpf_copy_from_user_task(&word, sizeof(word), (void *)addr, task, 0);
	else
		err = bpf_probe_read_user(&word, sizeof(word), (void *)addr);
	return err ? 0 : word;
}

/* A word of user memory at addr, 0 when unreadable. */
static __always_inline __u64 user_word(__u64 addr)
{
	return task_word(addr, NULL);
}

/*
 * A Go thread running on its system stack -- C code called through cgo, or the runtime's
 * systemstack -- works for a goroutine whose frames are on another stack: copy the top of
 * that stack, from the stack pointer the goroutine saved when it switched, after the thread's
 * own stack bytes. The thread's g (from its TLS) is then g0, whose m's curg is the goroutine.
 */
static __always_inline void copy_goroutine_stack(struct task_struct *task, struct stack_scratch *sc)
{
	struct singe_go_proc *go = bpf_map_lookup_elem(&go_procs, &sc->s.tgid);
	__u64 fsbase, g, m, curg, sp, off, len = 0, want, chunk;
	int i;

	sc->s.other_sp = sc->s.other_bp = 0;
	sc->s.other_len = 0;
	if (!go)
		return;
	fsbase = BPF_CORE_READ(task, thread.fsbase);
	g = fsbase ? user_word(fsbase + go->tls_g) : 0;
	m = g ? user_word(g + go->g_m) : 0;
	curg = m ? user_word(m + go->m_curg) : 0;
	if (!curg || curg == g)
		return; /* on the goroutine's own stack: nothing elsewhere */
	sp = user_word(curg + go->g_sched_sp);
	off = sc->s.stack_len;
	if (!sp || off > SINGE_MAX_STACK_COPY)
		return;
	chunk = SINGE_STACK_CHUNK - (sp & (SINGE_STACK_CHUNK - 1));
	for (i = 0; i <= SINGE_GO_WINDOW / SINGE_STACK_CHUNK; i++) {
		if (len >= SINGE_GO_WINDOW)
			break;
		want = SINGE_GO_WINDOW - len;
		if (want > chunk)
			want = chunk;
		if (want > SINGE_STACK_CHUNK || off + len > SINGE_MAX_STACK_COPY + SINGE_GO_WINDOW)
			break;
		if (bpf_probe_read_user(sc->bytes + off + len, want, (void *)(sp + len)))
			break;
		len += want;
		chunk = SINGE_STACK_CHUNK;
	}
	sc->s.other_sp = sp;
	sc->s.other_bp = user_word(curg + go->g_sched_bp);
	sc->s.other_len = len;
}

/*
 * The thread state of Python thread tid: the one cached for it when it still says tid, else
 * found in the interpreter's list (the newest interpreter's, the main one unless a program
 * made others) and cached. 0 for a thread that runs no Python.
 */
static __always_inline __u64 py_thread_state(const struct singe_py_proc *py, __u32 tid,
					     struct task_struct *task)
{
	__u64 *cached = bpf_map_lookup_elem(&py_threads, &tid), ts;
	int i;

	if (cached && *cached && task_word(*cached + py->ts_native_tid, task) == tid)
		return *cached;
	ts = task_word(py->runtime + py->runtime_interp_head, task);
	ts = task_word(ts ? ts + py->interp_threads_head : 0, task);
	for (i = 0; i < SINGE_PY_MAX_THREADS && ts; i++) {
		if (task_word(ts + py->ts_native_tid, task) == tid) {
			bpf_map_update_elem(&py_threads, &tid, &ts, BPF_ANY);
			return ts;
		}
		ts = task_word(ts + py->ts_next, task);
	}
	return 0;
}

/*
 * A CPython thread's Python frames, leaf first, after the stack bytes (task: another task's,
 * from a sleepable program; NULL: the current task's). User space puts them in place of the
 * interpreter's _PyEval_EvalFrameDefault frames (cli/record_python.c).
 */
static __always_inline bool copy_python_frames(struct stack_scratch *sc, struct task_struct *task)
{
	struct singe_py_proc *py = bpf_map_lookup_elem(&py_procs, &sc->s.tgid);
	__u64 ts, frame, off, start;
	__u32 n = 0;
	int i;

	sc->s.py_nframes = 0;
	if (!py)
		return false;
	start = bpf_ktime_get_ns();
	if (!(ts = py_thread_state(py, sc->s.pid, task)))
		return false;
	if (py->ts_cframe != SINGE_PY_NO_FIELD)
		frame = task_word(task_word(ts + py->ts_cframe, task) + py->cframe_current_frame,
				  task);
	else
		frame = task_word(ts + py->ts_current_frame, task);
	off = (__u64)sc->s.stack_len + sc->s.other_len;
	for (i = 0; i < SINGE_PY_MAX_FRAMES && frame; i++) {
		struct singe_py_frame *f;
		__u64 span = py->frame_span, code, instr, previous;
		__u8 *head, entry;
		long err;

		if (off > SINGE_MAX_STACK_COPY + SINGE_GO_WINDOW + SINGE_STACK_CHUNK || span < 8 ||
		    span > SINGE_PY_FRAME_SPAN)
			break;
		/* the frame's fields in one read, into the room its slot and the next ones take */
		head = sc->bytes + off;
		if (task)
			err = bpf_copy_from_user_task(head, span, (void *)frame, task, 0);
		else
			err = bpf_probe_read_user(head, span, (void *)frame);
		if (err)
			break;
		code = *(__u64 *)(head + (py->frame_code & (SINGE_PY_FRAME_SPAN - 8)));
		instr = *(__u64 *)(head + (py->frame_prev_instr & (SINGE_PY_FRAME_SPAN - 8)));
		previous = *(__u64 *)(head + (py->frame_previous & (SINGE_PY_FRAME_SPAN - 8)));
		entry = *(head + (py->frame_is_entry & (SINGE_PY_FRAME_SPAN - 1)));
		if (!code)
			break;
		f = (struct singe_py_frame *)head;
		f->code = code;
		f->instr = (instr & ~SINGE_PY_ENTRY) | (entry ? SINGE_PY_ENTRY : 0);
		f->ident = task_word(code + py->code_ident, task);
		off += sizeof(*f);
		n++;
		frame = previous;
	}
	sc->s.py_nframes = n;
	/* the walker's own cost, measured where it runs (bench/python_walker.sh: bpf_stats) */
	common_stat_add(COMMON_STAT_PY_WALK_NS, bpf_ktime_get_ns() - start);
	common_stat_add(COMMON_STAT_PY_WALKS, 1);
	common_stat_add(COMMON_STAT_PY_FRAMES, n);
	/*
	 * user space reads the code objects while the process lives: have it read these soon
	 * (a script may exit within a tick), at most every SINGE_PY_WAKE_NS per process
	 */
	if (!n || start - py->woken_ns < SINGE_PY_WAKE_NS)
		return false;
	py->woken_ns = start;
	return true;
}

/* The bytes of a stack copy's record: the sample, its stacks, its Python frames. */
static __always_inline __u64 stack_copy_size(const struct stack_scratch *sc)
{
	return sizeof(sc->s) + (__u64)sc->s.stack_len + sc->s.other_len +
	       (__u64)sc->s.py_nframes * sizeof(struct singe_py_frame);
}

/*
 * Copy the user stack and send the record. fp_too: the frame-pointer walk went along (a
 * process --unwind auto still watches), so user space has not decided for it yet.
 */
static __always_inline void send_stack_copy(struct task_struct *task, struct stack_scratch *sc,
					    bool fp_too)
{
	__u64 wakeup;
	__u64 size;
	bool python;

	copy_user_stack(sc);
	copy_goroutine_stack(task, sc);
	python = copy_python_frames(sc, NULL);
	if (fp_too)
		sc->s.flags |= STACK_SAMPLE_FP_TOO;
	/* auto has looked the process up already (a watched one is in no map); dwarf asks here */
	wakeup = python ? BPF_RB_FORCE_WAKEUP
			: wakeup_flag(setup.unwind_mode == SINGE_UNWIND_AUTO
					      ? !fp_too
					      : bpf_map_lookup_elem(&unwind_pids, &sc->s.tgid) !=
							NULL);
	size = stack_copy_size(sc);
	if (size > sizeof(*sc))
		return;
	if (bpf_ringbuf_output(&samples, sc, size, wakeup))
		common_stat_inc(COMMON_STAT_STACKS_LOST);
}

/*
 * The word at the user stack pointer, when it points into the main executable's code: the
 * return address a frameless leaf function leaves there (Go's small leaf functions never push
 * a frame pointer, so a frame-pointer walk skips their caller). Anything else stays 0, so that
 * the words of ordinary frames do not split the counts. User space keeps it where the
 * binary's tables say the leaf has no frame yet.
 */
static __always_inline __u64 leaf_return(struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 sp = 0, word = 0, start, end;

	if (!regs || bpf_probe_read_kernel(&sp, sizeof(sp), &regs->sp) || !sp)
		return 0;
	if (bpf_probe_read_user(&word, sizeof(word), (void *)sp))
		return 0;
	start = BPF_CORE_READ(task, mm, start_code);
	end = BPF_CORE_READ(task, mm, end_code);
	return word >= start && word < end ? word : 0;
}

#endif /* __SINGE_COMMON_BPF_H */
