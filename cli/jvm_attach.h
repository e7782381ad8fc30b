/* SPDX-License-Identifier: MIT */
/*
 * HotSpot's attach mechanism, client side: how `jcmd PID COMMAND` talks to a running JVM, so
 * that singe can ask one it profiles to write its perf map (Compiler.perfmap) without the user
 * having started it with special flags.
 *
 * The protocol (OpenJDK 8-21 on Linux, "protocol 1"):
 *  1. The JVM listens on the Unix socket /tmp/.java_pid<PID> once its attach listener runs.
 *  2. If it does not yet, the client creates the trigger file .attach_pid<PID> in the JVM's
 *     working directory (or /tmp) and sends SIGQUIT. The JVM's signal thread sees the file
 *     and starts the listener instead of printing a thread dump.
 *  3. The client connects (the JVM accepts peers with its own euid and egid, or root), writes
 *     "1\0" then the command and three arguments, each NUL-terminated:
 *     "1\0jcmd\0Compiler.perfmap\0\0\0", and reads "STATUS\n" then the command's output
 *     until the JVM closes the socket.
 * PID is the pid as the JVM's own pid namespace sees it; the paths are reached through
 * /proc/PID/root and /proc/PID/cwd, so a JVM in a container works too.
 *
 * Never harm the JVM: SIGQUIT is sent only when the JVM catches it (its default action
 * would kill the process) and its attach mechanism is not disabled (the JVM would print a
 * thread dump to its stdout instead).
 */
#ifndef SINGE_CLI_JVM_ATTACH_H
#define SINGE_CLI_JVM_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The request bytes for a command and up to three arguments into buf; its length or -ENOSPC. */
int jvm_attach__request(char *buf, size_t size, const char *cmd, const char *const args[3]);

/*
 * Parse a reply: "STATUS\n" then the output. *status is the JVM's status (0: done), *out the
 * output that follows (not NUL-terminated, out_len bytes). 0, or -EPROTO when the reply does
 * not start with a decimal status and a newline.
 */
int jvm_attach__parse_reply(const char *buf, size_t len, int *status, const char **out,
			    size_t *out_len);

/*
 * Does a /proc/PID/status text say the process catches SIGQUIT (SigCgt)? Without a handler
 * SIGQUIT kills it (a JVM run with -Xrs, or not a JVM at all).
 */
bool jvm_attach__catches_sigquit(const char *status_text, size_t len);

/*
 * Does this option text (a NUL-separated /proc/PID/cmdline, or an environment value) turn the
 * attach mechanism off (-XX:+DisableAttachMechanism) or the JVM's signal handling (-Xrs,
 * -XX:+ReduceSignalUsage)? The last occurrence of a flag wins, as in HotSpot.
 */
bool jvm_attach__options_forbid(const char *text, size_t len);

/*
 * Run jcmd command cmd (e.g. "Compiler.perfmap") in JVM pid: start its attach listener if it
 * has none (waiting at most timeout_ms for it), connect, send, read the reply. The JVM's
 * status and up to msg_size - 1 bytes of its output (NUL-terminated) go to *status and msg.
 * 0 when the JVM answered (status says how the command went); -ESRCH (gone), -ENOTSUP (the
 * JVM forbids attaching or would not survive SIGQUIT: nothing was sent), -ETIMEDOUT (no
 * listener came up, or no answer), -EACCES/-EPERM (not ours to signal or connect to),
 * -EPROTO (garbled reply), or another negative errno.
 */
int jvm_attach__jcmd(pid_t pid, const char *cmd, unsigned int timeout_ms, int *status, char *msg,
		     size_t msg_size);

#endif /* SINGE_CLI_JVM_ATTACH_H */
