// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "target.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

void target_init(struct target *t)
{
	memset(t, 0, sizeof(*t));
	t->go_fd = -1;
	t->exec_fd = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A child still waiting on the pipe sees EOF when go_fd closes and exits without exec. */
static void reap_child(struct target *t)
{
	if (t->kind != TARGET_CMD || !t->npids || t->child_reaped)
		return;
	close_fd(&t->go_fd);
	if (t->started)
		kill(t->pids[0], SIGTERM);
	while (waitpid(t->pids[0], &t->child_status, 0) < 0 && errno == EINTR)
		;
	t->child_reaped = true;
}

void target_release(struct target *t)
{
	size_t i;

	reap_child(t);
	close_fd(&t->go_fd);
	close_fd(&t->exec_fd);
	for (i = 0; i < t->npids && t->pidfds; i++)
		close_fd(&t->pidfds[i]);
	free(t->pids);
	free(t->pidfds);
	free(t->exited);
	target_init(t);
}

static int pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static int push_pid(struct target *t, pid_t pid)
{
	size_t n = t->npids + 1;
	pid_t *pids = realloc(t->pids, n * sizeof(*pids));
	int *fds;
	bool *exited;

	if (!pids)
		return -ENOMEM;
	t->pids = pids;
	fds = realloc(t->pidfds, n * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	t->pidfds = fds;
	exited = realloc(t->exited, n * sizeof(*exited));
	if (!exited)
		return -ENOMEM;
	t->exited = exited;
	pids[t->npids] = pid;
	/* without pidfds (old kernels) kill(pid, 0) is the fallback */
	fds[t->npids] = pidfd_open(pid);
	exited[t->npids] = false;
	t->npids = n;
	return 0;
}

/* The process a (thread) id belongs to, from /proc/ID/status; -ESRCH if there is none. */
static pid_t tgid_of(pid_t id)
{
	char path[64], line[128];
	pid_t tgid = -ESRCH;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", id);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	}
	fclose(f);
	return tgid;
}

static bool has_pid(const struct target *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < t->npids; i++)
		if (t->pids[i] == pid)
			return true;
	return false;
}

int target__add_pids(struct target *t, const char *list, pid_t *bad_pid)
{
	char *copy = strdup(list), *item, *save = NULL;
	int err = 0;
	long v;

	if (!copy)
		return -ENOMEM;
	t->kind = TARGET_PIDS;
	/* strtok_r would skip empty items; "1,,2" is a typo worth reporting */
	for (item = copy; item; item = save) {
		pid_t tgid;

		save = strchr(item, ',');
		if (save)
			*save++ = '\0';
		err = parse_long_range(item, 1, INT_MAX, &v);
		if (err) {
			err = -EINVAL;
			break;
		}
		tgid = tgid_of(v);
		if (tgid < 0 || (kill(tgid, 0) && errno == ESRCH)) {
			*bad_pid = v;
			err = -ESRCH;
			break;
		}
		if (!has_pid(t, tgid) && (err = push_pid(t, tgid)))
			break;
	}
	free(copy);
	return err;
}

static void __attribute__((noreturn)) child_exec(int go_fd, int exec_fd, char **argv, pid_t parent)
{
	char c = 0;
	ssize_t n;
	int err;

	/*
	 * The command must not outlive singe: if singe is killed (SIGKILL gives it no chance to
	 * stop the command), the kernel sends the command the SIGTERM singe would have sent. The
	 * parent may have died before this line: then the command is not started at all.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		_exit(127);
	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	/* EOF: singe gave up before attaching, so the command must not run */
	if (n != 1 || c != 'g')
		_exit(127);
	close(go_fd);
	execvp(argv[0], argv);
	err = errno;
	if (write(exec_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int target__spawn(struct target *t, char **argv)
{
	int go[2], ex[2], err;
	pid_t pid, self = getpid();

	t->kind = TARGET_CMD;
	t->argv = argv;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(ex, O_CLOEXEC)) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		close(ex[0]);
		close(ex[1]);
		return err;
	}
	if (pid == 0) {
		close(go[1]);
		close(ex[0]);
		child_exec(go[0], ex[1], argv, self);
	}
	close(go[0]);
	close(ex[1]);
	t->go_fd = go[1];
	t->exec_fd = ex[0];
	err = push_pid(t, pid);
	if (err) {
		/* not registered: close the pipe so the child exits, then reap it here */
		close_fd(&t->go_fd);
		waitpid(pid, NULL, 0);
	}
	return err;
}

int target__start(struct target *t)
{
	ssize_t n;
	int child_err = 0;

	if (t->kind != TARGET_CMD || t->go_fd < 0)
		return -EINVAL;
	if (write(t->go_fd, "g", 1) != 1)
		return -errno;
	close_fd(&t->go_fd);
	do
		n = read(t->exec_fd, &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	close_fd(&t->exec_fd);
	if (n == 0) {
		t->started = true; /* the CLOEXEC pipe closed: exec succeeded */
		return 0;
	}
	reap_child(t);
	return n == sizeof(child_err) && child_err ? -child_err : -EIO;
}

/* Has target i exited? Caches the answer; reaps the command so its status is kept. */
static bool pid_exited(struct target *t, size_t i)
{
	struct pollfd pfd = {.fd = t->pidfds[i], .events = POLLIN};

	if (t->exited[i])
		return true;
	if (t->kind == TARGET_CMD) {
		if (t->child_reaped || waitpid(t->pids[i], &t->child_status, WNOHANG) > 0)
			t->exited[i] = t->child_reaped = true;
	} else if (pfd.fd >= 0) {
		/* a pidfd becomes readable when the process exits */
		t->exited[i] = poll(&pfd, 1, 0) > 0;
	} else {
		t->exited[i] = kill(t->pids[i], 0) && errno == ESRCH;
	}
	return t->exited[i];
}

size_t target__nr_alive(struct target *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->npids; i++)
		n += !pid_exited(t, i);
	return n;
}

bool target__alive(struct target *t)
{
	return t->kind == TARGET_ALL || target__nr_alive(t) > 0;
}

void target__signal_child(struct target *t, int sig)
{
	if (t->kind == TARGET_CMD && t->npids && !t->child_reaped)
		kill(t->pids[0], sig);
}

int target__wait_child(struct target *t)
{
	int st;

	if (t->kind != TARGET_CMD || !t->npids)
		return -ECHILD;
	while (!t->child_reaped) {
		if (waitpid(t->pids[0], &t->child_status, 0) >= 0)
			t->child_reaped = true;
		else if (errno != EINTR)
			return -errno;
	}
	st = t->child_status;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}
