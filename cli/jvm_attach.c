// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "jvm_attach.h"
#include "sym_perfmap.h"

#define PROTOCOL_VERSION "1"
/* how often the socket is looked for while the listener starts */
#define LISTENER_POLL_MS 10
/* /proc/PID/cmdline and environ are read up to this much: options are near the start */
#define PROC_TEXT_MAX (256u << 10)
/* the JVM's status line: a decimal int and a newline */
#define STATUS_MAX_DIGITS 11

int jvm_attach__request(char *buf, size_t size, const char *cmd, const char *const args[3])
{
	const char *parts[5] = {PROTOCOL_VERSION, cmd, args[0], args[1], args[2]};
	size_t len = 0, i;

	for (i = 0; i < 5; i++) {
		const char *s = parts[i] ? parts[i] : "";
		size_t n = strlen(s) + 1;

		if (n > size - len)
			return -ENOSPC;
		memcpy(buf + len, s, n);
		len += n;
	}
	return (int)len;
}

int jvm_attach__parse_reply(const char *buf, size_t len, int *status, const char **out,
			    size_t *out_len)
{
	size_t i = 0;
	bool neg = false;
	long v = 0;

	if (len && buf[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i >= len || buf[i] < '0' || buf[i] > '9')
		return -EPROTO;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (i >= STATUS_MAX_DIGITS)
			return -EPROTO;
		v = v * 10 + (buf[i] - '0');
	}
	if (i >= len || buf[i] != '\n' || v > INT32_MAX)
		return -EPROTO;
	*status = neg ? -(int)v : (int)v;
	*out = buf + i + 1;
	*out_len = len - i - 1;
	return 0;
}

bool jvm_attach__catches_sigquit(const char *text, size_t len)
{
	static const char key[] = "\nSigCgt:";
	const char *p = memmem(text, len, key, sizeof(key) - 1), *end = text + len;
	uint64_t mask = 0;
	int digits = 0;

	if (!p)
		return false;
	for (p += sizeof(key) - 1; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	for (; p < end && digits < 16; p++, digits++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		mask = mask << 4 | (uint64_t)d;
	}
	return digits && (mask >> (SIGQUIT - 1) & 1);
}

static bool token_is(const char *tok, size_t n, const char *s)
{
	return n == strlen(s) && !memcmp(tok, s, n);
}

bool jvm_attach__options_forbid(const char *text, size_t len)
{
	bool no_attach = false, no_signals = false;
	size_t i = 0;

	while (i < len) {
		size_t start, n;

		while (i < len &&
		       (text[i] == '\0' || text[i] == ' ' || text[i] == '\t' || text[i] == '\n'))
			i++;
		start = i;
		while (i < len && text[i] != '\0' && text[i] != ' ' && text[i] != '\t' &&
		       text[i] != '\n')
			i++;
		n = i - start;
		if (token_is(text + start, n, "-XX:+DisableAttachMechanism"))
			no_attach = true;
		else if (token_is(text + start, n, "-XX:-DisableAttachMechanism"))
			no_attach = false;
		else if (token_is(text + start, n, "-Xrs") ||
			 token_is(text + start, n, "-XX:+ReduceSignalUsage"))
			no_signals = true;
		else if (token_is(text + start, n, "-XX:-ReduceSignalUsage"))
			no_signals = false;
	}
	return no_attach || no_signals;
}

/* Read up to max bytes of a /proc file into a new buffer; its length, or -errno. */
static ssize_t read_proc(pid_t pid, const char *name, char **out, size_t max)
{
	char path[64];
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int fd;

	if (!buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(buf);
		return errno == ENOENT ? -ESRCH : -errno;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *bigger = cap < max ? realloc(buf, cap * 2) : NULL;

			if (!bigger)
				break; /* enough: what matters is near the start */
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*out = buf;
	return (ssize_t)len;
}

/* The options the JVM was started with, in HotSpot's order of precedence, into one text. */
static ssize_t jvm_options(pid_t pid, char **out)
{
	static const char *const before[] = {"JAVA_TOOL_OPTIONS=", "JDK_JAVA_OPTIONS=", NULL};
	static const char *const after[] = {"_JAVA_OPTIONS=", NULL};
	char *env = NULL, *cmd = NULL, *text;
	ssize_t env_len = read_proc(pid, "environ", &env, PROC_TEXT_MAX);
	ssize_t cmd_len = read_proc(pid, "cmdline", &cmd, PROC_TEXT_MAX), len = 0;
	const char *const *keys;
	int pass;

	if (cmd_len < 0) {
		free(env);
		return cmd_len;
	}
	if (env_len < 0)
		env_len = 0; /* another user's: the command line still says most */
	text = malloc((size_t)env_len + (size_t)cmd_len + 2);
	if (!text) {
		free(env);
		free(cmd);
		return -ENOMEM;
	}
	for (pass = 0; pass < 3; pass++) {
		ssize_t i = 0;

		if (pass == 1) {
			memcpy(text + len, cmd, (size_t)cmd_len);
			len += cmd_len;
			text[len++] = '\0';
			continue;
		}
		keys = pass ? after : before;
		while (i < env_len) {
			const char *var = env + i;
			size_t n = strnlen(var, (size_t)(env_len - i)), k;

			for (k = 0; keys[k]; k++)
				if (!strncmp(var, keys[k], strlen(keys[k])) &&
				    n > strlen(keys[k])) {
					memcpy(text + len, var + strlen(keys[k]),
					       n - strlen(keys[k]));
					len += (ssize_t)(n - strlen(keys[k]));
					text[len++] = '\0';
				}
			i += (ssize_t)n + 1;
		}
	}
	free(env);
	free(cmd);
	*out = text;
	return len;
}

/* May SIGQUIT be sent: the JVM catches it and would start its attach listener? 0 or -errno. */
static int check_signalable(pid_t pid)
{
	char *text = NULL;
	ssize_t len = read_proc(pid, "status", &text, 64u << 10);
	bool ok;

	if (len < 0)
		return (int)len;
	ok = jvm_attach__catches_sigquit(text, (size_t)len);
	free(text);
	if (!ok)
		return -ENOTSUP;
	if ((len = jvm_options(pid, &text)) < 0)
		return (int)len;
	ok = !jvm_attach__options_forbid(text, (size_t)len);
	free(text);
	return ok ? 0 : -ENOTSUP;
}

/* The effective uid and gid of pid (Uid: and Gid: lines of its status). 0 or -errno. */
static int proc_creds(pid_t pid, uid_t *uid, gid_t *gid)
{
	char *text = NULL, *p;
	ssize_t len = read_proc(pid, "status", &text, 64u << 10);
	unsigned int r, e;
	int found = 0;

	if (len < 0)
		return (int)len;
	text[len ? len - 1 : 0] = '\0';
	if ((p = strstr(text, "\nUid:")) && sscanf(p + 5, "%u %u", &r, &e) == 2) {
		*uid = e;
		found++;
	}
	if ((p = strstr(text, "\nGid:")) && sscanf(p + 5, "%u %u", &r, &e) == 2) {
		*gid = e;
		found++;
	}
	free(text);
	return found == 2 ? 0 : -EPROTO;
}

static bool is_socket(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISSOCK(st.st_mode);
}

static int connect_path(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Connect as uid/gid: the JVM checks its peer's credentials, taken at connect(). A child
 * takes them (the parent's threads keep theirs) and hands the socket back over a socketpair.
 */
static int connect_as(const char *path, uid_t uid, gid_t gid)
{
	char data = 0, cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {&data, 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	int sp[2], status, fd = -1;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
		return -errno;
	child = fork();
	if (child < 0) {
		close(sp[0]);
		close(sp[1]);
		return -errno;
	}
	if (!child) {
		int s;

		if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
			_exit(EPERM);
		s = connect_path(path);
		if (s < 0)
			_exit(-s);
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &s, sizeof(int));
		_exit(sendmsg(sp[1], &msg, 0) == 1 ? 0 : EIO);
	}
	close(sp[1]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		close(sp[0]);
		return WIFEXITED(status) ? -WEXITSTATUS(status) : -EIO;
	}
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(sp[0], &msg, MSG_CMSG_CLOEXEC) == 1 && (c = CMSG_FIRSTHDR(&msg)) &&
	    c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	close(sp[0]);
	return fd >= 0 ? fd : -EIO;
}

/* Connect to the listener: as the JVM's user when singe is root and the JVM is not. */
static int connect_listener(pid_t pid, const char *path)
{
	uid_t uid = 0;
	gid_t gid = 0;
	int err;

	if (geteuid() != 0)
		return connect_path(path);
	if ((err = proc_creds(pid, &uid, &gid)))
		return err;
	if (uid == 0 && gid == 0)
		return connect_path(path);
	return connect_as(path, uid, gid);
}

/* Create the trigger file where the JVM looks: its working directory, else its /tmp. */
static int create_trigger(pid_t pid, pid_t nspid, char *path, size_t size)
{
	const char *dirs[] = {"cwd", "root/tmp"};
	size_t i;
	int fd = -1;

	for (i = 0; i < 2 && fd < 0; i++) {
		snprintf(path, size, "/proc/%d/%s/.attach_pid%d", (int)pid, dirs[i], (int)nspid);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Start the JVM's attach listener and wait (timeout_ms at most) for its socket. */
static int start_listener(pid_t pid, pid_t nspid, const char *sock, unsigned int timeout_ms)
{
	char trigger[128];
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000;
	int err;

	if ((err = check_signalable(pid)))
		return err;
	if ((err = create_trigger(pid, nspid, trigger, sizeof(trigger))))
		return err;
	err = kill(pid, SIGQUIT) ? -errno : -ETIMEDOUT;
	while (err == -ETIMEDOUT && mono_ns() < deadline) {
		nanosleep(&(struct timespec){0, LISTENER_POLL_MS * 1000000L}, NULL);
		if (is_socket(sock))
			err = 0;
		else if (kill(pid, 0) && errno == ESRCH)
			err = -ESRCH;
	}
	unlink(trigger);
	return err;
}

/* Write all of buf; 0 or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read until the JVM closes the socket, keeping the first size bytes; total length or -errno. */
static ssize_t read_reply(int fd, char *buf, size_t size, uint64_t deadline)
{
	size_t len = 0;
	char sink[4096];

	for (;;) {
		int64_t left_ms = ((int64_t)deadline - (int64_t)mono_ns()) / 1000000;
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (left_ms <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -ETIMEDOUT;
		n = len < size ? read(fd, buf + len, size - len) : read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return (ssize_t)len;
		if (len < size)
			len += (size_t)n;
	}
}

int jvm_attach__jcmd(pid_t pid, const char *cmd, unsigned int timeout_ms, int *status, char *msg,
		     size_t msg_size)
{
	const char *args[3] = {cmd, "", ""}, *out;
	pid_t nspid = perfmap__ns_pid(pid);
	char sock[128], req[512], reply[4096];
	size_t out_len;
	ssize_t len;
	int fd, err;

	if (msg_size)
		msg[0] = '\0';
	if ((err = jvm_attach__request(req, sizeof(req), "jcmd", args)) < 0)
		return err;
	len = err;
	snprintf(sock, sizeof(sock), "/proc/%d/root/tmp/.java_pid%d", (int)pid, (int)nspid);
	if (!is_socket(sock) && (err = start_listener(pid, nspid, sock, timeout_ms)))
		return err;
	if ((fd = connect_listener(pid, sock)) < 0)
		return fd;
	/* the command runs while the socket is open: it gets a timeout of its own */
	err = write_all(fd, req, (size_t)len);
	len = err ? err : read_reply(fd, reply, sizeof(reply), mono_ns() + timeout_ms * 1000000ull);
	close(fd);
	if (len < 0)
		return (int)len;
	if ((err = jvm_attach__parse_reply(reply, (size_t)len, status, &out, &out_len)))
		return err;
	if (msg_size) {
		out_len = out_len < msg_size - 1 ? out_len : msg_size - 1;
		memcpy(msg, out, out_len);
		msg[out_len] = '\0';
	}
	return 0;
}
