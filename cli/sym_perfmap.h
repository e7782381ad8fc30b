/* SPDX-License-Identifier: MIT */
/*
 * /tmp/perf-PID.map: the symbol file JITs write for perf (JVM `jcmd PID Compiler.perfmap`,
 * node --perf-basic-prof, CPython 3.12's perf trampoline, LuaJIT…). One symbol per line:
 * "START SIZE NAME", START and SIZE in hex with or without "0x", NAME the rest of the line.
 *
 * In a container the file lives in the container's /tmp and is named after the pid as the
 * container sees it, so perfmap__load() reads /proc/PID/root/tmp/perf-NSPID.map.
 */
#ifndef SINGE_CLI_SYM_PERFMAP_H
#define SINGE_CLI_SYM_PERFMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct perfmap_sym {
	uint64_t start;
	uint64_t end;	  /* one past the last byte (start + size) */
	const char *name; /* NUL-terminated; owned by the perfmap */
};

struct perfmap {
	struct perfmap_sym *syms; /* sorted by start; the newest line wins at equal starts */
	size_t len;
	uint64_t bad_lines; /* malformed lines skipped */
	char *text;	    /* the names point here (owned) */
	size_t text_len;    /* bytes of the file that were parsed */
};

/* Parse the text of a perf map; NULL and errno (ENOMEM). Malformed lines are counted. */
struct perfmap *perfmap__parse(const char *buf, size_t len);
/* Read pid's perf map (through /proc/PID/root); NULL and errno (ENOENT when there is none). */
struct perfmap *perfmap__load(pid_t pid);
void perfmap__free(struct perfmap *m);

/* The symbol holding addr, or NULL. */
const struct perfmap_sym *perfmap__lookup(const struct perfmap *m, uint64_t addr);

/* The pid as pid's own pid namespace sees it (last NSpid in /proc/PID/status), or pid. */
pid_t perfmap__ns_pid(pid_t pid);

#endif /* SINGE_CLI_SYM_PERFMAP_H */
