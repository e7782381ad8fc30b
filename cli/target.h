/* SPDX-License-Identifier: MIT */
/*
 * What `singe record` profiles: a list of running processes (-p PID[,PID...]), a command it
 * starts (-- CMD ARGS), or every process (-a). A command is forked stopped: the child waits
 * on a pipe until the profiler is attached, then execs, so its first instructions are seen.
 *
 * Functions return 0 or a negative errno and never print; where a caller needs to say which
 * pid or which command failed, the struct or an out parameter carries it.
 */
#ifndef SINGE_CLI_TARGET_H
#define SINGE_CLI_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum target_kind {
	TARGET_NONE = 0,
	TARGET_PIDS, /* -p */
	TARGET_CMD,  /* -- CMD ARGS */
	TARGET_ALL,  /* -a */
};

struct target {
	enum target_kind kind;
	pid_t *pids;  /* TARGET_PIDS: process ids (tgids); TARGET_CMD: the child, once forked */
	int *pidfds;  /* per pid, to notice exits without pid-reuse races; -1 if unavailable */
	bool *exited; /* per pid */
	size_t npids;
	char **argv;  /* TARGET_CMD, borrowed */
	int go_fd;    /* write end of the pipe the child waits on; -1 once released */
	int exec_fd;  /* read end of a CLOEXEC pipe: EOF means exec succeeded */
	bool started; /* the command exec'd */
	bool child_reaped;
	int child_status; /* waitpid() status once reaped */
};

/* A zeroed target of no kind (fds set to -1). */
void target_init(struct target *t);
/*
 * Close fds and reap the command: one that never ran exits without exec; one still running
 * is sent SIGTERM first (error paths only: the normal path waits with target__wait_child).
 * Safe on an initialized target.
 */
void target_release(struct target *t);

/*
 * Add the processes of "PID[,PID...]" (strict decimal, duplicates ignored); a thread id is
 * replaced by its process id. -EINVAL for a malformed list, -ESRCH when a process does not
 * exist (*bad_pid names it), -ENOMEM.
 */
int target__add_pids(struct target *t, const char *list, pid_t *bad_pid);

/* Fork argv (execvp semantics) stopped before exec; t->pids[0] is the child afterwards. */
int target__spawn(struct target *t, char **argv);
/*
 * Let the child exec and wait until it has: 0, or the exec errno negated (-ENOENT for a
 * command not found); the child has then been reaped.
 */
int target__start(struct target *t);

/* True while at least one target process lives (always true for TARGET_ALL). */
bool target__alive(struct target *t);
/* Number of target processes still alive (0 for TARGET_ALL). */
size_t target__nr_alive(struct target *t);

/* Send sig to the started command (TARGET_CMD); no-op otherwise. */
void target__signal_child(struct target *t, int sig);
/*
 * Wait for the command to exit and return its exit code for singe to pass on: the status,
 * or 128 + signal number when it was killed. -ECHILD if there is no command.
 */
int target__wait_child(struct target *t);

#endif /* SINGE_CLI_TARGET_H */
