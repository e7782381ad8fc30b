/* SPDX-License-Identifier: MIT */
/*
 * Checks made before `singe record` loads anything, each failing with one actionable line:
 * privileges (root, or CAP_BPF + CAP_PERFMON), kernel BTF, kernel lockdown, and the
 * translation of a refused perf_event_open() into what to change. Nothing here prints:
 * messages go into a struct flame_err for the command to print.
 */
#ifndef SINGE_CLI_PREFLIGHT_H
#define SINGE_CLI_PREFLIGHT_H

struct flame_err;

/* 0, or -EPERM naming the missing capabilities. */
int preflight__privileges(struct flame_err *err);
/* 0, or -ENOENT when /sys/kernel/btf/vmlinux is missing. */
int preflight__btf(struct flame_err *err);
/* 0, or -EPERM when lockdown=confidentiality forbids BPF reading kernel memory. */
int preflight__lockdown(struct flame_err *err);
/* All of the above, in that order; the first failure wins. */
int preflight__run(struct flame_err *err);

/* kernel.perf_event_paranoid, or INT_MIN when it cannot be read. */
int preflight__perf_paranoid(void);
/*
 * Explain why perf_event_open() failed with errno err (EACCES/EPERM: paranoid or lockdown,
 * EINVAL with a too-high frequency...); returns -err for tail calls.
 */
int preflight__explain_perf_open(int err, int freq, struct flame_err *ferr);
/*
 * Read the kernel's files (/sys, /proc) under dir instead of / (NULL: $SINGE_SYSROOT, else /).
 * For tests only; see preflight.c.
 */
void preflight__set_root(const char *dir);
/* Explain why loading the BPF programs failed with errno err; returns -err. */
int preflight__explain_load(int err, struct flame_err *ferr);

#endif /* SINGE_CLI_PREFLIGHT_H */
