// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym_procmaps.h"

#define DELETED_SUFFIX " (deleted)"
/* /proc files report st_size 0, so read in chunks; a maps file beyond this is not real */
#define MAPS_MAX_BYTES (256u << 20)

bool text__parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;

	for (; s < end; s++, n++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		/* leading zeros are fine ("0000000000000078"), overflow is not */
		if (v >> 60)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (!n)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool parse_dec(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return true;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

static bool parse_perms(const char **p, const char *end, struct procmap *m)
{
	const char *s = *p;

	if (end - s < 4)
		return false;
	if ((s[0] != 'r' && s[0] != '-') || (s[1] != 'w' && s[1] != '-') ||
	    (s[2] != 'x' && s[2] != '-') || (s[3] != 'p' && s[3] != 's'))
		return false;
	m->readable = s[0] == 'r';
	m->writable = s[1] == 'w';
	m->executable = s[2] == 'x';
	m->shared = s[3] == 's';
	*p = s + 4;
	return true;
}

int procmap__parse_line(const char *line, size_t len, struct procmap *out, size_t *path_len)
{
	const char *p = line, *end = line + len;
	uint64_t major, minor;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!text__parse_hex(&p, end, &out->start) || !expect(&p, end, '-') ||
	    !text__parse_hex(&p, end, &out->end) || !expect(&p, end, ' ') ||
	    !parse_perms(&p, end, out) || !expect(&p, end, ' ') ||
	    !text__parse_hex(&p, end, &out->offset) || !expect(&p, end, ' ') ||
	    !text__parse_hex(&p, end, &major) || !expect(&p, end, ':') ||
	    !text__parse_hex(&p, end, &minor) || !expect(&p, end, ' ') ||
	    !parse_dec(&p, end, &out->inode))
		return -EINVAL;
	if (out->end <= out->start || major > UINT32_MAX || minor > UINT32_MAX)
		return -EINVAL;
	out->dev_major = (uint32_t)major;
	out->dev_minor = (uint32_t)minor;
	/* the kernel pads the inode column with spaces; the path is everything after them */
	if (p < end && *p != ' ')
		return -EINVAL;
	while (p < end && *p == ' ')
		p++;
	n = (size_t)(end - p);
	if (n >= sizeof(DELETED_SUFFIX) - 1 &&
	    !memcmp(end - (sizeof(DELETED_SUFFIX) - 1), DELETED_SUFFIX,
		    sizeof(DELETED_SUFFIX) - 1)) {
		out->deleted = true;
		n -= sizeof(DELETED_SUFFIX) - 1;
	}
	out->path = p;
	*path_len = n;
	return 0;
}

static int cmp_start(const void *a, const void *b)
{
	const struct procmap *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct procmaps *procmaps__parse(const char *buf, size_t len)
{
	struct procmaps *m = calloc(1, sizeof(*m));
	size_t cap = 0, pos = 0;
	char *text;

	if (!m)
		return NULL;
	/* paths point into a private copy, NUL-terminated where each line's path ends */
	text = m->paths = malloc(len + 1);
	if (!text)
		goto nomem;
	memcpy(text, buf, len);
	text[len] = '\0';
	while (pos < len) {
		char *nl = memchr(text + pos, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos, path_len;
		struct procmap pm;

		if (line_len && !procmap__parse_line(text + pos, line_len, &pm, &path_len)) {
			if (m->len == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct procmap *nm = realloc(m->maps, ncap * sizeof(*nm));

				if (!nm)
					goto nomem;
				m->maps = nm;
				cap = ncap;
			}
			((char *)pm.path)[path_len] = '\0';
			m->maps[m->len++] = pm;
		} else if (line_len) {
			m->bad_lines++;
		}
		pos += line_len + 1;
	}
	if (m->len > 1)
		qsort(m->maps, m->len, sizeof(*m->maps), cmp_start);
	return m;
nomem:
	procmaps__free(m);
	errno = ENOMEM;
	return NULL;
}

int procfs__list_tasks(pid_t pid, pid_t **tids)
{
	pid_t *list = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	char path[64];
	DIR *dir;
	long tid;
	char *end;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(dir))) {
		errno = 0;
		tid = strtol(de->d_name, &end, 10);
		if (errno || *end || end == de->d_name || tid <= 0 || tid > INT32_MAX)
			continue; /* "." and ".." */
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = grown;
		}
		list[n++] = (pid_t)tid;
	}
	closedir(dir);
	*tids = list;
	return (int)n;
}

char *procfs__read_file(const char *path, size_t max, size_t *out_len)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 1 << 16;
			char *nbuf;

			if (len >= max) {
				err = EFBIG;
				goto fail;
			}
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				err = ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			goto fail;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out_len = len;
	return buf;
fail:
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

struct procmaps *procmaps__load(pid_t pid)
{
	struct procmaps *m;
	char path[64];
	size_t len;
	char *buf;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	buf = procfs__read_file(path, MAPS_MAX_BYTES, &len);
	if (!buf) {
		if (errno == ENOENT)
			errno = ESRCH;
		return NULL;
	}
	/* a process that exited between open and read leaves an empty file */
	if (!len) {
		free(buf);
		errno = ESRCH;
		return NULL;
	}
	m = procmaps__parse(buf, len);
	err = errno;
	free(buf);
	errno = err;
	return m;
}

struct procmaps *procmaps__dup(const struct procmaps *from)
{
	struct procmaps *m = calloc(1, sizeof(*m));
	size_t i, size = 0, pos = 0;

	if (!m)
		return NULL;
	for (i = 0; i < from->len; i++)
		size += strlen(from->maps[i].path) + 1;
	m->maps = malloc((from->len ? from->len : 1) * sizeof(*m->maps));
	m->paths = malloc(size ? size : 1);
	if (!m->maps || !m->paths) {
		procmaps__free(m);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < from->len; i++) {
		size_t n = strlen(from->maps[i].path) + 1;

		m->maps[i] = from->maps[i];
		m->maps[i].path = memcpy(m->paths + pos, from->maps[i].path, n);
		pos += n;
	}
	m->len = from->len;
	m->bad_lines = from->bad_lines;
	return m;
}

void procmaps__free(struct procmaps *m)
{
	if (!m)
		return;
	free(m->maps);
	free(m->paths);
	free(m);
}

const struct procmap *procmaps__find(const struct procmaps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->len;

	/* the last mapping starting at or below addr is the only candidate */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= m->maps[lo - 1].end)
		return NULL;
	return &m->maps[lo - 1];
}

/* the kernel's name for anonymous memory in perf mmap records (a gone process's image) */
#define PERF_ANON_NAME "//anon"

bool procmap__is_anon(const struct procmap *m)
{
	return !m->path[0] || !strncmp(m->path, "[anon:", 6) || !strncmp(m->path, "/memfd:", 7) ||
	       !strcmp(m->path, PERF_ANON_NAME);
}

bool procmap__is_file(const struct procmap *m)
{
	return m->path[0] == '/' && strncmp(m->path, "/memfd:", 7) &&
	       strncmp(m->path, "/SYSV", 5) && strcmp(m->path, PERF_ANON_NAME);
}

int procmap__map_files_path(const struct procmap *m, pid_t pid, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/proc/%d/map_files/%llx-%llx", (int)pid,
			 (unsigned long long)m->start, (unsigned long long)m->end);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int procfs__online_cpus(int **out)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int *cpus = NULL, n = 0, a, b, c;
	char sep;

	if (!f)
		return -errno;
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		sep = fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			sep = fgetc(f);
		}
		for (c = a; c <= b; c++) {
			int *grown = realloc(cpus, (n + 1) * sizeof(*cpus));

			if (!grown) {
				free(cpus);
				fclose(f);
				return -ENOMEM;
			}
			cpus = grown;
			cpus[n++] = c;
		}
		if (sep != ',')
			break;
	}
	fclose(f);
	if (!n) {
		free(cpus);
		return -ENOENT;
	}
	*out = cpus;
	return n;
}

/* Largest /proc/PID/maps read as an image (a JVM with thousands of mappings stays far below). */
#define IMAGE_MAPS_MAX (64 << 20)

/* The kernel's flag of its own threads (include/linux/sched.h). */
#define PF_KTHREAD 0x00200000UL

/* Whether pid is a kernel thread: /proc/PID/stat's flags, the 9th field. */
static bool is_kernel_thread(pid_t pid)
{
	char path[64], *text, *p;
	unsigned long flags = 0;
	size_t len;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = procfs__read_file(path, 4096, &len);
	if (!text)
		return false;
	/* the comm may hold spaces and parentheses: the fields start after the last ')' */
	p = strrchr(text, ')');
	for (field = 2; p && field < 9; field++)
		p = strchr(p + 1, ' ');
	if (p)
		flags = strtoul(p + 1, NULL, 10);
	free(text);
	return flags & PF_KTHREAD;
}

struct proc_image *proc_image__read(pid_t pid)
{
	struct proc_image *img = calloc(1, sizeof(*img));
	char path[64];
	ssize_t n;

	if (!img)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	img->maps_text = procfs__read_file(path, IMAGE_MAPS_MAX, &img->maps_len);
	if (!img->maps_text) {
		int err = errno == ENOENT ? ESRCH : errno;

		free(img);
		errno = err;
		return NULL;
	}
	/*
	 * a process that has exited and not been reaped yet (a zombie) has no mappings left: it
	 * is gone for this purpose, and its mapping records tell what it ran; only a kernel thread
	 * has none while it lives
	 */
	if (!img->maps_len && !is_kernel_thread(pid)) {
		proc_image__free(img);
		errno = ESRCH;
		return NULL;
	}
	img->maps = procmaps__parse(img->maps_text, img->maps_len);
	if (!img->maps) {
		proc_image__free(img);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, img->exe, sizeof(img->exe) - 1);
	img->exe[n > 0 ? n : 0] = '\0';
	if (n > 10 && !strcmp(img->exe + n - 10, " (deleted)"))
		img->exe[n - 10] = '\0';
	return img;
}

void proc_image__free(struct proc_image *img)
{
	if (!img)
		return;
	free(img->maps_text);
	procmaps__free(img->maps);
	free(img);
}
