// SPDX-License-Identifier: MIT
/*
 * The engine's knowledge of Go processes, for stack copies: where a thread's g is (TLS) and
 * the runtime.g/m fields that lead to the goroutine a thread on its system stack works for
 * (cli/go_runtime.c reads them from the binary: DWARF, else its Go version's table). The BPF
 * programs find them in the go_procs map and copy that goroutine's stack along (common.bpf.h
 * copy_goroutine_stack()), so that C code called through cgo, and the runtime's systemstack,
 * unwind on into the goroutine's frames (record_unwind.c walk_goroutine()).
 *
 * A binary is read once, whatever the number of processes that run it (a build starts the
 * same compiler hundreds of times): the facts are cached by device and inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "go_runtime.h"
#include "record_int.h"

/* Go binaries this large are not read (no Go toolchain binary comes near). */
#define GO_BINARY_MAX (1ULL << 30)

struct go_binary {
	uint64_t dev, ino;
	bool is_go; /* and its facts were complete enough for the window */
	struct singe_go_proc info;
};

/* The runtime facts of the file at fd, or false when it is no Go binary singe can read. */
static bool read_go_binary(int fd, size_t size, struct singe_go_proc *info)
{
	static struct go_runtime rt; /* large; the engine is single-threaded */
	void *img;
	int err;

	if (!size || size > GO_BINARY_MAX)
		return false;
	img = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		return false;
	/* most programs are not Go: their section headers say so without a copy of the file */
	err = go_runtime__is_go(img, size) ? go_runtime__read(img, size, &rt) : -ENOENT;
	munmap(img, size);
	if (err || !rt.tls_known || !rt.g.m || !rt.m.curg || !rt.g.sched_sp)
		return false;
	*info = (struct singe_go_proc){
		.tls_g = rt.tls_g,
		.g_m = rt.g.m,
		.m_curg = rt.m.curg,
		.g_sched_sp = rt.g.sched_sp,
		.g_sched_bp = rt.g.sched_bp,
	};
	return true;
}

/* The cached facts of pid's executable, read now when it was never seen. */
static const struct go_binary *go_binary_of(struct record *r, pid_t pid)
{
	struct go_binary b = {0};
	char path[64];
	struct stat st;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	for (i = 0; i < r->go_binaries.len; i++)
		if (r->go_binaries.data[i].dev == st.st_dev &&
		    r->go_binaries.data[i].ino == st.st_ino) {
			close(fd);
			return &r->go_binaries.data[i];
		}
	b.dev = st.st_dev;
	b.ino = st.st_ino;
	b.is_go = read_go_binary(fd, (size_t)st.st_size, &b.info);
	close(fd);
	if (vec_push(&r->go_binaries, b))
		return NULL;
	return &r->go_binaries.data[r->go_binaries.len - 1];
}

int record__go_image(struct record *r, struct proc *p, const struct proc_image *img)
{
	const struct go_binary *b;

	/* the window is read with stack copies only; a gone process has nothing to copy */
	if (!r->unwinder || !img)
		return 0;
	b = go_binary_of(r, p->tgid);
	if (!b || !b->is_go) {
		bpf_map__delete_elem(r->maps.go_procs, &p->tgid, sizeof(p->tgid), 0);
		return 0;
	}
	/* a full map costs only the goroutine frames of this process's cgo samples */
	if (!bpf_map__update_elem(r->maps.go_procs, &p->tgid, sizeof(p->tgid), &b->info,
				  sizeof(b->info), BPF_ANY))
		r->stats.go_processes++;
	return 0;
}

void record__go_forget(struct record *r, struct proc *p)
{
	bpf_map__delete_elem(r->maps.go_procs, &p->tgid, sizeof(p->tgid), 0);
}
