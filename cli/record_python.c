// SPDX-License-Identifier: MIT
/*
 * Python frames in every profile type's stacks. A process whose image holds a CPython
 * interpreter singe knows (a python3.X executable or libpython3.X.so exporting _PyRuntime and
 * Py_Version) goes into the py_procs map with its version's offsets; the BPF programs then send
 * each sample's Python frames (code object, last instruction) after its stack copy
 * (bpf/common.bpf.h copy_python_frames()). Here they take the place of the interpreter's
 * _PyEval_EvalFrameDefault frames in the unwound native stack, so that C extensions, the
 * interpreter's C code and the kernel stay where they are:
 *
 *	clock_nanosleep <- time_sleep <- cfunction_vectorcall_O <- _PyEval_EvalFrameDefault <- ...
 *	clock_nanosleep <- time_sleep <- cfunction_vectorcall_O <- sleepy (app.py:12) <- main ...
 *
 * One _PyEval_EvalFrameDefault call runs a chain of Python frames (3.11 calls Python from
 * Python without a C call); the frame marked is_entry is the first its call ran.
 *
 * Code objects are read with process_vm_readv when a frame first shows them (names, file, the
 * line table) and kept per process; a frame becomes a tagged value in the stack (PY_FRAME_TAG |
 * its index), which the symbolizer turns into a location (record__python_location()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "go_parks.h"
#include "record_int.h"
#include "sym_python.h"
#include "symbolize.h"
#include "uprobe.h"

/* PyObject.ob_type, in every release build */
#define PY_OB_TYPE 8
/* The stack value of a Python frame that could not be read */
#define PY_FRAME_UNREADABLE (PY_FRAME_TAG | 0xffffffffULL)

/* The line table of a code object: at most this many bytes are read. */
#define MAX_LINETABLE (64 * 1024)

/* What a binary holding the interpreter says, cached by device and inode. */
struct py_binary {
	uint64_t dev, ino;
	const struct py_layout *layout; /* NULL: not a CPython singe knows */
	uint64_t version;
	uint64_t runtime_off;	      /* file offset of _PyRuntime */
	uint64_t code_type_off;	      /* file offset of PyCode_Type */
	uint64_t eval_off, eval_size; /* file offset and size of _PyEval_EvalFrameDefault */
};

/* A CPython process: where its eval loop is, for the merge. */
struct py_process {
	uint32_t tgid;
	uint64_t eval_start, eval_end;
	uint64_t code_type; /* &PyCode_Type: what a code object's ob_type says */
	const struct py_layout *layout;
};

struct py_code {
	uint32_t tgid;
	uint64_t addr;
	int firstlineno;
	uint64_t ident; /* the word BPF sends beside each frame of it (struct singe_py_frame) */
	char *qualname, *file;
	uint8_t *linetable;
	size_t linetable_len;
};

/* A Python frame as the stacks name it: a code object and a line. */
struct py_frame {
	uint32_t code; /* index in codes */
	int line;
	int64_t location; /* its location in the profile, 0 until made */
};

struct record_python {
	VEC(struct py_binary) binaries;
	VEC(struct py_process) procs;
	VEC(struct py_code) codes;
	VEC(struct py_frame) frames;
	struct go_pair_map code_index;	/* (tgid, code address) -> index + 1 */
	struct go_pair_map frame_index; /* (code index, line) -> index + 1 */
	char versions[64];
	uint64_t reread; /* code objects read again: their address had another one */
};

static struct record_python *state(struct record *r)
{
	if (!r->python)
		r->python = calloc(1, sizeof(*r->python));
	return r->python;
}

/* --- the interpreter's binary ------------------------------------------------------------- */

/* Is path an interpreter's binary by its name: python3.X or libpython3.X*.so*? */
static bool python_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "python3", 7) || !strncmp(base, "libpython3", 10);
}

/* A data symbol's file offset in the image: 0 or -ENOENT. */
static int data_offset(const void *img, size_t len, const char *name, uint64_t *off)
{
	struct uprobe_func f;

	if (uprobe__find_object_in(img, len, name, &f))
		return -ENOENT;
	*off = f.offset;
	return 0;
}

static void read_binary(int fd, size_t size, struct py_binary *b)
{
	struct uprobe_func eval;
	uint64_t version_off;
	void *img;

	if (!size)
		return;
	img = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		return;
	if (!data_offset(img, size, "Py_Version", &version_off) &&
	    version_off + sizeof(b->version) <= size &&
	    !data_offset(img, size, "_PyRuntime", &b->runtime_off) &&
	    !data_offset(img, size, "PyCode_Type", &b->code_type_off) &&
	    !uprobe__find_in(img, size, "_PyEval_EvalFrameDefault", &eval) && eval.size) {
		memcpy(&b->version, (const char *)img + version_off, sizeof(b->version));
		b->eval_off = eval.offset;
		b->eval_size = eval.size;
		b->layout = py_layout__find(b->version);
	}
	munmap(img, size);
}

/* The cached facts of the file mapped at m in pid, read when never seen. */
static const struct py_binary *binary_of(struct record_python *py, pid_t pid,
					 const struct procmap *m)
{
	struct py_binary b = {.dev = makedev(m->dev_major, m->dev_minor), .ino = m->inode};
	char path[64];
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < py->binaries.len; i++)
		if (py->binaries.data[i].dev == b.dev && py->binaries.data[i].ino == b.ino)
			return &py->binaries.data[i];
	if (procmap__map_files_path(m, pid, path, sizeof(path)))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st))
		read_binary(fd, (size_t)st.st_size, &b);
	close(fd);
	if (vec_push(&py->binaries, b))
		return NULL;
	return &py->binaries.data[py->binaries.len - 1];
}

/* The address the file offset off of m's file is mapped at in img, or 0. */
static uint64_t mapped_at(const struct proc_image *img, const struct procmap *m, uint64_t off)
{
	size_t i;

	for (i = 0; i < img->maps->len; i++) {
		const struct procmap *o = &img->maps->maps[i];

		if (o->inode == m->inode && o->dev_major == m->dev_major &&
		    o->dev_minor == m->dev_minor && off >= o->offset &&
		    off - o->offset < o->end - o->start)
			return o->start + (off - o->offset);
	}
	return 0;
}

static struct py_process *find_process(struct record_python *py, uint32_t tgid)
{
	size_t i;

	for (i = 0; py && i < py->procs.len; i++)
		if (py->procs.data[i].tgid == tgid)
			return &py->procs.data[i];
	return NULL;
}

static void note_version(struct record_python *py, uint64_t version)
{
	char v[16];

	snprintf(v, sizeof(v), "%u.%u.%u", (unsigned int)(version >> 24) & 0xff,
		 (unsigned int)(version >> 16) & 0xff, (unsigned int)(version >> 8) & 0xff);
	if (strstr(py->versions, v))
		return;
	snprintf(py->versions + strlen(py->versions), sizeof(py->versions) - strlen(py->versions),
		 "%s%s", *py->versions ? ", " : "", v);
}

/* The bytes of a _PyInterpreterFrame that hold the fields the walker reads. */
static uint16_t frame_span(const struct py_layout *l)
{
	uint16_t end = l->frame_code + 8;

	if (l->frame_previous + 8 > end)
		end = l->frame_previous + 8;
	if (l->frame_prev_instr + 8 > end)
		end = l->frame_prev_instr + 8;
	if (l->frame_is_entry + 1 > end)
		end = l->frame_is_entry + 1;
	return end;
}

/* Put p in py_procs with where its interpreter's state is; 0 or a negative errno. */
static int add_process(struct record *r, struct record_python *py, struct proc *p,
		       const struct proc_image *img, const struct procmap *m,
		       const struct py_binary *b)
{
	const struct py_layout *l = b->layout;
	struct singe_py_proc info = {
		.runtime = mapped_at(img, m, b->runtime_off),
		.runtime_interp_head = l->runtime_interp_head,
		.interp_threads_head = l->interp_threads_head,
		.ts_next = l->ts_next,
		.ts_native_tid = l->ts_native_tid,
		.ts_cframe = l->ts_cframe,
		.ts_current_frame = l->ts_current_frame,
		.cframe_current_frame = l->cframe_current_frame,
		.frame_code = l->frame_code,
		.frame_previous = l->frame_previous,
		.frame_prev_instr = l->frame_prev_instr,
		.frame_is_entry = l->frame_is_entry,
		.code_ident = l->code_firstlineno,
		.frame_span = frame_span(l),
	};
	struct py_process *proc = find_process(py, p->tgid);
	uint64_t eval = mapped_at(img, m, b->eval_off);
	uint64_t code_type = mapped_at(img, m, b->code_type_off);

	if (!info.runtime || !eval || !code_type || info.frame_span > SINGE_PY_FRAME_SPAN)
		return 0;
	if (!proc) {
		if (vec_push(&py->procs, (struct py_process){.tgid = p->tgid}))
			return -ENOMEM;
		proc = &py->procs.data[py->procs.len - 1];
		r->stats.python_processes++;
		note_version(py, b->version);
	}
	proc->eval_start = eval;
	proc->eval_end = eval + b->eval_size;
	proc->code_type = code_type;
	proc->layout = l;
	if (bpf_map__update_elem(r->maps.py_procs, &p->tgid, sizeof(p->tgid), &info, sizeof(info),
				 BPF_ANY))
		return 0; /* full: this process's samples keep the interpreter's frames */
	/* its frames come with stack copies only: frame pointers never reach them anyway */
	record__use_dwarf(r, p);
	return 0;
}

int record__python_image(struct record *r, struct proc *p, const struct proc_image *img)
{
	struct record_python *py;
	size_t i;

	/* $SINGE_NO_PYTHON: the interpreter's frames only (bench/python_walker.sh compares) */
	if (!r->unwinder || !img || !img->maps || getenv("SINGE_NO_PYTHON"))
		return 0;
	for (i = 0; i < img->maps->len; i++) {
		const struct procmap *m = &img->maps->maps[i];
		const struct py_binary *b;

		if (!m->executable || !procmap__is_file(m) || !python_name(m->path))
			continue;
		if (!(py = state(r)))
			return -ENOMEM;
		b = binary_of(py, (pid_t)p->tgid, m);
		if (!b || !b->layout) {
			if (b && b->version && !r->stats.python_unknown_version)
				r->stats.python_unknown_version = b->version;
			continue;
		}
		return add_process(r, py, p, img, m, b);
	}
	return 0;
}

void record__python_forget(struct record *r, struct proc *p)
{
	struct py_process *proc = find_process(r->python, p->tgid);

	if (!proc)
		return;
	bpf_map__delete_elem(r->maps.py_procs, &p->tgid, sizeof(p->tgid), 0);
	*proc = r->python->procs.data[--r->python->procs.len];
}

/* --- code objects --------------------------------------------------------------------------- */

/* Read up to n bytes at addr of pid; the bytes read, or a negative errno. */
static ssize_t vm_read(pid_t pid, uint64_t addr, void *buf, size_t n)
{
	struct iovec local = {.iov_base = buf, .iov_len = n};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = n};
	ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	return got < 0 ? -errno : got;
}

static uint64_t word_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A str object of pid as a malloc'd UTF-8 string, or NULL. */
static char *read_str(pid_t pid, const struct py_layout *l, uint64_t addr)
{
	size_t want = py_str__read_size(l);
	uint8_t *obj = malloc(want);
	char *out = malloc(PY_STR_MAX * 4 + 1);
	ssize_t got;

	if (!obj || !out || !addr || (got = vm_read(pid, addr, obj, want)) <= 0 ||
	    py_str__decode(l, obj, (size_t)got, out, PY_STR_MAX * 4 + 1) < 0) {
		free(out);
		out = NULL;
	}
	free(obj);
	return out;
}

/* A bytes object of pid (the line table): its bytes, malloc'd, and *len. */
static uint8_t *read_bytes(pid_t pid, const struct py_layout *l, uint64_t addr, size_t *len)
{
	uint8_t head[64];
	uint64_t size;
	uint8_t *data;

	if (l->bytes_data > sizeof(head) ||
	    vm_read(pid, addr, head, l->bytes_data) != l->bytes_data)
		return NULL;
	size = word_at(head + l->bytes_size);
	if (size > MAX_LINETABLE || !(data = malloc(size ? size : 1)))
		return NULL;
	if (vm_read(pid, addr + l->bytes_data, data, size) != (ssize_t)size) {
		free(data);
		return NULL;
	}
	*len = size;
	return data;
}

/*
 * Read the code object at addr of proc into c. A frame read while it was being pushed or
 * popped may point at anything: a code object is one whose type is PyCode_Type. False when
 * it is none.
 */
static bool read_code(const struct py_process *proc, uint64_t addr, struct py_code *c)
{
	const struct py_layout *l = proc->layout;
	pid_t pid = (pid_t)proc->tgid;
	uint8_t head[256];
	int32_t first;

	*c = (struct py_code){.tgid = proc->tgid, .addr = addr, .firstlineno = -1};
	if (l->code_adaptive > sizeof(head) ||
	    vm_read(pid, addr, head, l->code_adaptive) != l->code_adaptive ||
	    word_at(head + PY_OB_TYPE) != proc->code_type)
		return false;
	memcpy(&first, head + l->code_firstlineno, sizeof(first));
	c->firstlineno = first;
	c->ident = word_at(head + l->code_firstlineno);
	c->qualname = read_str(pid, l, word_at(head + l->code_qualname));
	if (!c->qualname)
		c->qualname = read_str(pid, l, word_at(head + l->code_name));
	c->file = read_str(pid, l, word_at(head + l->code_filename));
	c->linetable = read_bytes(pid, l, word_at(head + l->code_linetable), &c->linetable_len);
	return true;
}

/*
 * The index of the code object at addr of proc: the one read before, unless stale (its
 * address now holds another code object), else read now. -EBADMSG when addr holds no code
 * object (not kept: a frame may show it later, once it is one), or another negative errno.
 */
static int64_t code_of(struct record_python *py, const struct py_process *proc, uint64_t addr,
		       bool stale)
{
	struct go_pair_slot *slot = go_pair_map__find(&py->code_index, proc->tgid, addr);
	struct py_code c;
	int added;

	if (slot && !stale)
		return (int64_t)slot->v1 - 1;
	if (!read_code(proc, addr, &c))
		return -EBADMSG;
	/* a stale one stays: the frames made of it keep their names */
	if (vec_push(&py->codes, c)) {
		free(c.qualname);
		free(c.file);
		free(c.linetable);
		return -ENOMEM;
	}
	if (!(slot = go_pair_map__get(&py->code_index, proc->tgid, addr, &added)))
		return -ENOMEM;
	slot->v1 = py->codes.len;
	return (int64_t)py->codes.len - 1;
}

/* The line of f in code c; -1 when its instruction lies outside c's line table. */
static int frame_line(const struct py_code *c, const struct py_process *proc,
		      const struct singe_py_frame *f)
{
	/* prev_instr: the code unit last begun, from the first at co_code_adaptive */
	int64_t offset =
		(int64_t)((f->instr & ~SINGE_PY_ENTRY) - (f->code + proc->layout->code_adaptive));

	if (!c->linetable)
		return offset < 0 ? c->firstlineno : -1;
	return py_linetable__line(c->linetable, c->linetable_len, c->firstlineno, offset);
}

/* The tagged stack value of a Python frame; or a negative errno. */
static int64_t frame_value(struct record_python *py, const struct py_process *proc,
			   const struct singe_py_frame *f)
{
	int64_t code = code_of(py, proc, f->code, false);
	struct go_pair_slot *slot;
	int added, line;

	if (code == -EBADMSG)
		return (int64_t)PY_FRAME_UNREADABLE;
	if (code < 0)
		return code;
	line = frame_line(&py->codes.data[code], proc, f);
	if (line < 0 || py->codes.data[code].ident != f->ident) {
		/*
		 * another code object than the one read at this address (freed, and its address
		 * reused since: import time makes and frees many), or an instruction beyond it
		 */
		code = code_of(py, proc, f->code, true);
		if (code == -EBADMSG)
			return (int64_t)PY_FRAME_UNREADABLE;
		if (code < 0)
			return code;
		line = frame_line(&py->codes.data[code], proc, f);
		py->reread++;
	}
	slot = go_pair_map__get(&py->frame_index, (uint64_t)code, (uint64_t)(int64_t)line, &added);
	if (!slot)
		return -ENOMEM;
	if (added) {
		if (vec_push(&py->frames,
			     ((struct py_frame){.code = (uint32_t)code, .line = line}))) {
			go_pair_map__delete(&py->frame_index, slot);
			return -ENOMEM;
		}
		slot->v1 = py->frames.len;
	}
	return (int64_t)(PY_FRAME_TAG | (slot->v1 - 1));
}

/* --- the merge ------------------------------------------------------------------------------ */

/*
 * Put Python frames first..last-1 of h at user[*out...], up to max; an unreadable one ends them
 * all (the chain beyond it is as unreliable). The index after the last one used, or -errno.
 */
static int64_t put_frames(struct record *r, const struct py_process *proc, const uint8_t *frames,
			  uint32_t first, uint32_t last, bool to_entry, uint64_t *user, int *out,
			  int max)
{
	uint32_t i;

	for (i = first; i < last && *out < max; i++) {
		struct singe_py_frame f;
		int64_t v;

		memcpy(&f, frames + (size_t)i * sizeof(f), sizeof(f));
		if ((v = frame_value(r->python, proc, &f)) < 0)
			return v;
		user[(*out)++] = (uint64_t)v;
		if ((uint64_t)v == PY_FRAME_UNREADABLE) {
			r->stats.python_unreadable++;
			return last;
		}
		if (to_entry && (f.instr & SINGE_PY_ENTRY))
			return i + 1;
	}
	return i;
}

/* Is native frame k (a return address but the leaf) in the interpreter's eval loop? */
static bool in_eval(const struct py_process *proc, uint64_t addr, int k)
{
	uint64_t pc = addr - (k ? 1 : 0); /* a return address points after its call */

	return pc >= proc->eval_start && pc < proc->eval_end;
}

/*
 * The eval-loop calls of the native stack that run none of the Python frames: those beyond
 * the Python frames' runs (each ends at an entry frame; the last may not). The innermost
 * eval call, caught in its prologue or epilogue, is on the native stack while the thread's
 * current frame is still, or again, its caller's; so the extra calls are the innermost, left
 * as they are. Fewer eval calls than runs: the native stack was cut short, at its root.
 */
static int extra_eval_calls(const struct py_process *proc, const uint64_t *native, int n,
			    const uint8_t *frames, uint32_t nframes)
{
	int k, calls = 0, runs = 0;
	uint32_t i;

	for (k = 0; k < n; k++)
		calls += in_eval(proc, native[k], k);
	for (i = 0; i < nframes; i++) {
		struct singe_py_frame f;

		memcpy(&f, frames + (size_t)i * sizeof(f), sizeof(f));
		runs += (f.instr & SINGE_PY_ENTRY) || i == nframes - 1;
	}
	return calls > runs ? calls - runs : 0;
}

int record__python_merge(struct record *r, const struct stack_sample *h, const void *data,
			 uint64_t *user, int n, int max)
{
	const uint8_t *frames = (const uint8_t *)data + sizeof(*h) + h->stack_len + h->other_len;
	struct py_process *proc = find_process(r->python, h->tgid);
	uint64_t native[2 * SINGE_MAX_STACK_DEPTH + 1];
	int64_t next = 0;
	int k, out = 0, skip;

	if (!h->py_nframes || !proc || n < 0 || n > (int)(sizeof(native) / sizeof(native[0])))
		return n;
	memcpy(native, user, (size_t)n * sizeof(*user));
	r->stats.python_samples++;
	skip = extra_eval_calls(proc, native, n, frames, h->py_nframes);
	for (k = 0; k < n && out < max; k++) {
		bool eval = in_eval(proc, native[k], k);

		if (eval && skip) {
			skip--;
			user[out++] = native[k];
		} else if (!eval || next >= h->py_nframes)
			user[out++] = native[k];
		else if ((next = put_frames(r, proc, frames, (uint32_t)next, h->py_nframes, true,
					    user, &out, max)) < 0)
			return (int)next;
	}
	/* the native unwinding stopped short: the Python frames left go above */
	if (next < h->py_nframes && (next = put_frames(r, proc, frames, (uint32_t)next,
						       h->py_nframes, false, user, &out, max)) < 0)
		return (int)next;
	return out;
}

int64_t record__python_location(struct record *r, uint64_t value)
{
	struct record_python *py = r->python;
	struct py_frame *f;
	const struct py_code *c;
	uint64_t i = value & ~PY_FRAME_TAG;
	int64_t id;

	if (!py || i >= py->frames.len)
		return symbolizer__named_location(r->sym, "[unreadable Python frame]", NULL, 0, 0);
	f = &py->frames.data[i];
	if (f->location)
		return f->location;
	c = &py->codes.data[f->code];
	id = symbolizer__named_location(r->sym, c->qualname ? c->qualname : "[python]", c->file,
					c->firstlineno > 0 ? c->firstlineno : 0,
					f->line > 0 ? f->line : 0);
	if (id > 0)
		f->location = id;
	return id;
}

bool record__python_line(const struct record *r, char *buf, size_t size)
{
	const struct record_stats *s = &r->stats;
	uint64_t v = s->python_unknown_version;

	if (!s->python_processes && !v)
		return false;
	if (!s->python_processes) {
		snprintf(
			buf, size,
			"python: CPython %u.%u has no frame layout in singe (3.11 has): its stacks "
			"keep the interpreter's C frames",
			(unsigned int)(v >> 24) & 0xff, (unsigned int)(v >> 16) & 0xff);
		return true;
	}
	snprintf(buf, size,
		 "python: %llu CPython process%s (%s): Python frames in %llu stacks (%llu ended at "
		 "an unreadable frame); the walker took %.0f ns per stack copy in BPF on average, "
		 "%.1f frames",
		 (unsigned long long)s->python_processes, s->python_processes == 1 ? "" : "es",
		 r->python ? r->python->versions : "", (unsigned long long)s->python_samples,
		 (unsigned long long)s->python_unreadable,
		 s->python_walks ? (double)s->python_walk_ns / s->python_walks : 0.0,
		 s->python_walks ? (double)s->python_frames / s->python_walks : 0.0);
	return true;
}

void record__python_free(struct record *r)
{
	struct record_python *py = r->python;
	size_t i;

	if (!py)
		return;
	for (i = 0; i < py->codes.len; i++) {
		free(py->codes.data[i].qualname);
		free(py->codes.data[i].file);
		free(py->codes.data[i].linetable);
	}
	vec_free(&py->codes);
	vec_free(&py->frames);
	vec_free(&py->procs);
	vec_free(&py->binaries);
	go_pair_map__free(&py->code_index);
	go_pair_map__free(&py->frame_index);
	free(py);
	r->python = NULL;
}
