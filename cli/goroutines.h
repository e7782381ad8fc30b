/* SPDX-License-Identifier: MIT */
/*
 * Every goroutine of a live Go process, read from outside: runtime.allgs and each g through
 * process_vm_readv(2), without stopping the process and without anything built into it.
 * Parked goroutines' stacks are walked from their saved pc and frame pointer (Go keeps frame
 * pointers on amd64); running ones have no stack that could be read without stopping them.
 *
 * The process keeps running while it is read, so a snapshot is not atomic: a goroutine may
 * park, wake or exit between two reads. Go's own goroutine profile stops the world for that;
 * singe does not, which is what makes it safe to point at a production process.
 *
 * Nothing here prints.
 */
#ifndef SINGE_CLI_GOROUTINES_H
#define SINGE_CLI_GOROUTINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "go_runtime.h"

/* Deepest stack walked; deeper ones are cut (and counted) */
#define GOROUTINE_MAX_DEPTH 128

struct go_process {
	pid_t pid;
	char exe[4096];		/* /proc/PID/exe's target */
	uint64_t bias;		/* load bias of a PIE executable, 0 otherwise */
	struct go_runtime rt;	/* facts of the executable */
	struct gopclntab *pcln; /* its function table, to tell runtime goroutines apart */
};

struct goroutine {
	uint64_t goid;
	uint32_t status;    /* enum go_status without GO_STATUS_SCAN */
	uint32_t reason;    /* g.waitreason, meaningful when status is GO_STATUS_WAITING */
	int64_t wait_ns;    /* time since g.waitsince; -1 when Go has not recorded it */
	uint64_t gopc;	    /* the go statement that created it */
	bool system;	    /* started by a runtime function (Go's profile leaves these out) */
	bool truncated;	    /* the walk stopped at GOROUTINE_MAX_DEPTH */
	uint32_t pcs_start; /* its pcs in goroutine_set.pcs: leaf first */
	uint32_t npcs;
};

struct goroutine_set {
	struct goroutine *g;
	size_t n, cap;
	uint64_t *pcs;
	size_t npcs, pcs_cap;
	uint64_t unreadable; /* g's that went away (or were reused) while being read */
	int64_t taken_ns;    /* CLOCK_MONOTONIC when the read began */
};

/*
 * Open pid's executable and read its Go runtime facts. 0; -ESRCH no such process; -EACCES
 * not allowed; -ENOENT not a Go program; -ENOTSUP a Go singe has no table for and no DWARF;
 * -ENXIO runtime.allgs not found (a stripped binary whose runtime.allgadd singe could not
 * read); -ENOMEM.
 */
int go_process__open(pid_t pid, struct go_process **out);
void go_process__free(struct go_process *gp);

/*
 * Read every goroutine but the dead (and never-started) ones into out (emptied first).
 * 0; -ESRCH the process exited; -EACCES/-EPERM its memory may not be read; -EIO allgs did not
 * read as a slice (the facts do not fit this process); -ENOMEM.
 */
int go_process__goroutines(struct go_process *gp, struct goroutine_set *out);
void goroutine_set__release(struct goroutine_set *s);

/*
 * What a goroutine is doing, as Go's tracebacks say it: the wait reason of a waiting one
 * ("chan receive"), else "runnable", "running", "syscall"… Never NULL.
 */
const char *goroutine__state(const struct go_process *gp, const struct goroutine *g);

#endif /* SINGE_CLI_GOROUTINES_H */
