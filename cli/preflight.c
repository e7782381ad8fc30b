// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preflight.h"
#include "profile.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define LOCKDOWN_PATH "/sys/kernel/security/lockdown"
#define PARANOID_PATH "/proc/sys/kernel/perf_event_paranoid"
#define MAX_RATE_PATH "/proc/sys/kernel/perf_event_max_sample_rate"

/*
 * The kernel's files are read under a root directory, "" normally. Tests point it at a made-up
 * tree (SINGE_SYSROOT, or preflight__set_root()) to reach the refusals a test machine cannot
 * produce: a kernel without BTF, lockdown, a strict perf_event_paranoid. It only ever makes
 * singe refuse sooner; the kernel still enforces the real settings.
 */
static const char *sysroot;

void preflight__set_root(const char *dir)
{
	sysroot = dir;
}

static const char *kernel_path(const char *path, char *buf, size_t len)
{
	if (!sysroot)
		sysroot = getenv("SINGE_SYSROOT") ?: "";
	snprintf(buf, len, "%s%s", sysroot, path);
	return buf;
}

/* The effective capability set (glibc has no capget wrapper, and libcap is not a dependency). */
static bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

int preflight__privileges(struct flame_err *err)
{
	/* CAP_SYS_ADMIN implies both on every kernel; CAP_BPF/CAP_PERFMON exist since 5.8 */
	bool admin = has_cap(CAP_SYS_ADMIN);
	bool bpf = admin || has_cap(CAP_BPF), perfmon = admin || has_cap(CAP_PERFMON);
	const char *missing;

	if (bpf && perfmon)
		return 0;
	missing = !bpf && !perfmon ? "CAP_BPF and CAP_PERFMON" : !bpf ? "CAP_BPF" : "CAP_PERFMON";
	if (geteuid() != 0)
		return flame_err__set(err, EPERM,
				      "recording needs root, or the capabilities CAP_BPF and "
				      "CAP_PERFMON (missing: %s); run it with sudo",
				      missing);
	return flame_err__set(err, EPERM,
			      "running as root but without %s (dropped by a container or a "
			      "bounding set); grant them, e.g. docker run --cap-add BPF --cap-add "
			      "PERFMON",
			      missing);
}

int preflight__btf(struct flame_err *err)
{
	char path[PATH_MAX];

	if (!access(kernel_path(BTF_PATH, path, sizeof(path)), R_OK))
		return 0;
	return flame_err__set(err, ENOENT,
			      "the kernel has no BTF type information (%s: %s); singe needs a "
			      "kernel built with CONFIG_DEBUG_INFO_BTF=y",
			      path, strerror(errno));
}

/* "none [integrity] confidentiality": the bracketed word is the active mode. */
static int lockdown_mode(char *mode, size_t len)
{
	char buf[128], path[PATH_MAX], *open, *close;
	FILE *f = fopen(kernel_path(LOCKDOWN_PATH, path, sizeof(path)), "re");
	int ret = -ENOENT;

	if (!f)
		return -errno; /* securityfs not mounted or no LSM: nothing is locked down */
	if (fgets(buf, sizeof(buf), f) && (open = strchr(buf, '[')) &&
	    (close = strchr(open, ']'))) {
		*close = '\0';
		snprintf(mode, len, "%s", open + 1);
		ret = 0;
	}
	fclose(f);
	return ret;
}

int preflight__lockdown(struct flame_err *err)
{
	char mode[32];

	if (lockdown_mode(mode, sizeof(mode)) || strcmp(mode, "confidentiality"))
		return 0;
	return flame_err__set(
		err, EPERM,
		"kernel lockdown is 'confidentiality', which forbids BPF programs from "
		"reading kernel memory; boot with lockdown=integrity to profile");
}

int preflight__run(struct flame_err *err)
{
	int ret = preflight__privileges(err);

	if (!ret)
		ret = preflight__btf(err);
	if (!ret)
		ret = preflight__lockdown(err);
	return ret;
}

static int read_int_file(const char *kpath, int fallback)
{
	char path[PATH_MAX];
	FILE *f = fopen(kernel_path(kpath, path, sizeof(path)), "re");
	int v = fallback;

	if (!f)
		return fallback;
	if (fscanf(f, "%d", &v) != 1)
		v = fallback;
	fclose(f);
	return v;
}

int preflight__perf_paranoid(void)
{
	return read_int_file(PARANOID_PATH, INT_MIN);
}

int preflight__explain_perf_open(int err, int freq, struct flame_err *ferr)
{
	char mode[32];
	int max_rate;

	if (err == EACCES || err == EPERM) {
		if (!lockdown_mode(mode, sizeof(mode)) && !strcmp(mode, "confidentiality"))
			return flame_err__set(ferr, err,
					      "perf_event_open refused by kernel lockdown "
					      "(confidentiality); boot with lockdown=integrity");
		return flame_err__set(
			ferr, err,
			"perf_event_open refused (kernel.perf_event_paranoid = %d); run "
			"as root, or lower it: sysctl kernel.perf_event_paranoid=1",
			preflight__perf_paranoid());
	}
	max_rate = read_int_file(MAX_RATE_PATH, -1);
	if (err == EINVAL && max_rate > 0 && freq > max_rate)
		return flame_err__set(
			ferr, err,
			"-F %d is above kernel.perf_event_max_sample_rate (%d); use a "
			"lower -F or raise the sysctl",
			freq, max_rate);
	return flame_err__set(ferr, err, "perf_event_open failed: %s", strerror(err));
}

int preflight__explain_load(int err, struct flame_err *ferr)
{
	if (err == EPERM || err == EACCES) {
		if (preflight__privileges(ferr) || preflight__lockdown(ferr))
			return -err;
		return flame_err__set(
			ferr, err,
			"the kernel refused to load the BPF programs (%s); check "
			"kernel.unprivileged_bpf_disabled and the locked-memory limit "
			"(ulimit -l), or rerun with -v for libbpf's log",
			strerror(err));
	}
	return flame_err__set(ferr, err,
			      "failed to load the BPF programs: %s; rerun with -v for the verifier "
			      "log",
			      strerror(err));
}
