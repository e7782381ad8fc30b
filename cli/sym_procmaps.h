/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/maps: the address ranges a process has mapped and the files behind them.
 *
 * One line is "START-END PERMS OFFSET MAJOR:MINOR INODE [PATH]"; the path is the rest of the
 * line after the inode (so it may contain spaces) and ends in " (deleted)" when the file was
 * unlinked or replaced after it was mapped. Such files are only reachable through
 * /proc/PID/map_files/START-END, which procmap__map_files_path() names.
 */
#ifndef SINGE_CLI_SYM_PROCMAPS_H
#define SINGE_CLI_SYM_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procmap {
	uint64_t start; /* first address */
	uint64_t end;	/* one past the last address */
	uint64_t offset;
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	bool readable, writable, executable, shared;
	bool deleted;	  /* the path ended in " (deleted)" (removed from path) */
	const char *path; /* "" for anonymous mappings; "[vdso]", "[heap]"… for special ones */
};

struct procmaps {
	struct procmap *maps; /* sorted by start, as the kernel prints them */
	size_t len;
	uint64_t bad_lines; /* lines that did not parse and were skipped */
	char *paths;	    /* arena the path pointers point into (owned) */
};

/*
 * Parse the text of a maps file (len bytes, need not be NUL-terminated). Malformed lines are
 * skipped and counted in bad_lines. NULL and errno (ENOMEM) on failure; free with
 * procmaps__free().
 */
struct procmaps *procmaps__parse(const char *buf, size_t len);
/* Read and parse /proc/PID/maps. NULL and errno: ESRCH if the process is gone, EACCES… */
struct procmaps *procmaps__load(pid_t pid);
void procmaps__free(struct procmaps *m);
/* A deep copy (its own paths); NULL and errno on failure. */
struct procmaps *procmaps__dup(const struct procmaps *from);

/* The mapping holding addr, or NULL. O(log n). */
const struct procmap *procmaps__find(const struct procmaps *m, uint64_t addr);

/*
 * Parse one line (without its newline) into *out; 0 or -EINVAL. out->path points into line
 * and is not NUL-terminated: its length is returned in *path_len.
 */
int procmap__parse_line(const char *line, size_t len, struct procmap *out, size_t *path_len);

/* One read of a process's image. */
struct proc_image {
	char *maps_text; /* /proc/PID/maps as read */
	size_t maps_len;
	struct procmaps *maps; /* its parse */
	char exe[4096];	       /* /proc/PID/exe without " (deleted)", "" when unreadable */
};

/* NULL and errno: ESRCH when the process is gone, EACCES, ENOMEM. */
struct proc_image *proc_image__read(pid_t pid);
void proc_image__free(struct proc_image *img);

/* Is this a mapping of a regular file (not anonymous, not [vdso], [heap], memfd…)? */
bool procmap__is_file(const struct procmap *m);
/* Is this anonymous memory that may hold JIT code (no file, [anon:…], /memfd:…)? */
bool procmap__is_anon(const struct procmap *m);

/* Write "/proc/PID/map_files/START-END" into buf; 0 or -ENAMETOOLONG. */
int procmap__map_files_path(const struct procmap *m, pid_t pid, char *buf, size_t size);

/*
 * Read a whole file that may report st_size 0 (/proc, /sys) into a malloc'ed buffer with a
 * NUL after the data; *len excludes it. NULL and errno; EFBIG past max bytes.
 */
char *procfs__read_file(const char *path, size_t max, size_t *len);

/*
 * The online CPUs (/sys/devices/system/cpu/online, "0-3,6") into a malloc'ed *out: their
 * number, or -ENOENT, -ENOMEM, another negative errno.
 */
int procfs__online_cpus(int **out);

/*
 * The threads of process pid (/proc/PID/task) into a malloc'ed *tids: their number, or
 * -ESRCH (no such process), -ENOMEM, another negative errno.
 */
int procfs__list_tasks(pid_t pid, pid_t **tids);

/*
 * Parse hex digits (no "0x") at *p, stopping before end; on success advance *p past them.
 * Shared by the /proc/PID/maps, kallsyms and perf-map readers. False when there is no digit
 * or the number does not fit 64 bits (leading zeros are fine).
 */
bool text__parse_hex(const char **p, const char *end, uint64_t *out);

#endif /* SINGE_CLI_SYM_PROCMAPS_H */
