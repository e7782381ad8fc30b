// SPDX-License-Identifier: MIT
/*
 * Mapping events (record_mmap.h): perf ring buffers of dummy events, and per process the
 * images it ran with their executable mappings.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "vec.h"
#include "record_mmap.h"
#include "sym_procmaps.h"

/* /proc/PID/maps text being written. */
typedef VEC(char) text_vec;

/* Largest record kept whole when it wraps around the end of a buffer. */
#define RECORD_MAX 8192
/*
 * How long a record waits for the records of other CPUs that may come before it: a fork on
 * one CPU and the child's first mmap on another reach different rings, and each ring is read
 * in turn. Records are fed in time order once they are this old (perf's ordered events do the
 * same with a flush at each round).
 */
#define HOLD_NS 2000000ULL

struct exec_mapping {
	uint64_t start, end, pgoff, ino;
	uint32_t maj, min, prot;
	uint32_t path; /* offset in the process history's path arena */
};

/* One image a process ran: a range of its history's mappings. */
struct image {
	size_t first, count; /* in history.mappings */
	uint32_t exe;	     /* path offset of the executable, UINT32_MAX when not seen */
};

struct history {
	uint32_t tgid;
	VEC(struct image) images;
	VEC(struct exec_mapping) mappings;
	VEC(char) paths;
};

struct ring {
	int fd;
	int cpu;
	void *base;
	size_t size; /* bytes of data pages */
};

/* A record read but not yet fed: its bytes in held_bytes. */
struct held_record {
	uint64_t time, seq;
	size_t off, size;
};

struct mmap_events {
	unsigned int pages;
	VEC(struct held_record) held; /* records waiting for older ones of other CPUs */
	VEC(uint8_t) held_bytes;
	uint64_t seq;
	VEC(struct ring) rings; /* one per CPU */
	VEC(int) fds;		/* events writing into another's ring */
	VEC(struct history *) procs;
	struct idset index;
	struct mmap_events_stats stats;
	uint8_t scratch[RECORD_MAX];
};

struct mmap_events *mmap_events__new(unsigned int pages)
{
	struct mmap_events *m;

	if (!pages || (pages & (pages - 1))) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m)
		m->pages = pages;
	return m;
}

static void history_free(struct history *h)
{
	vec_free(&h->images);
	vec_free(&h->mappings);
	vec_free(&h->paths);
	free(h);
}

void mmap_events__free(struct mmap_events *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->rings.len; i++) {
		munmap(m->rings.data[i].base, m->rings.data[i].size + (size_t)getpagesize());
		close(m->rings.data[i].fd);
	}
	vec_free(&m->rings);
	for (i = 0; i < m->fds.len; i++)
		close(m->fds.data[i]);
	vec_free(&m->fds);
	for (i = 0; i < m->procs.len; i++)
		history_free(m->procs.data[i]);
	vec_free(&m->procs);
	vec_free(&m->held);
	vec_free(&m->held_bytes);
	idset_release(&m->index);
	free(m);
}

/* A ring of its own for the first event on cpu. */
static int map_ring(struct mmap_events *m, int fd, int cpu)
{
	size_t page = (size_t)getpagesize(), size = page * m->pages;
	struct ring r = {.fd = fd, .cpu = cpu, .size = size};
	int ret;

	r.base = mmap(NULL, size + page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r.base == MAP_FAILED)
		return -errno;
	if ((ret = vec_push(&m->rings, r)))
		munmap(r.base, size + page);
	return ret;
}

int mmap_events__open(struct mmap_events *m, pid_t pid, int cpu)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_DUMMY,
		.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
		.sample_id_all = 1,
		.mmap = 1,
		.mmap2 = 1,
		.comm = 1,
		.comm_exec = 1,
		.task = 1,
		.inherit = pid >= 0,
		.use_clockid = 1,
		.clockid = CLOCK_MONOTONIC,
	};
	size_t i;
	int fd, ret;

	if (cpu < 0)
		return -EINVAL; /* the kernel maps no buffer of an inherited event on every CPU */
	fd = (int)syscall(__NR_perf_event_open, &attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the events of one CPU share its ring, as perf record's do */
	for (i = 0; i < m->rings.len; i++)
		if (m->rings.data[i].cpu == cpu)
			break;
	if (i < m->rings.len) {
		ret = ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, m->rings.data[i].fd) ? -errno : 0;
		ret = ret ?: vec_push(&m->fds, fd);
	} else {
		ret = map_ring(m, fd, cpu);
	}
	if (ret)
		close(fd);
	else
		m->stats.events++;
	return ret;
}

/* --- per-process histories ---------------------------------------------------------------- */

static bool history_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct mmap_events *m = ctx;

	return m->procs.data[idx]->tgid == *(const uint32_t *)key;
}

static struct history *history_of(const struct mmap_events *m, uint32_t tgid)
{
	int64_t idx = idset__find(&m->index, hash_mix(2, tgid), &tgid, history_eq, (void *)m);

	return idx >= 0 ? m->procs.data[idx] : NULL;
}

/* A new, empty history for tgid (a pid reused replaces the old one). */
static struct history *new_history(struct mmap_events *m, uint32_t tgid)
{
	struct history *h = history_of(m, tgid);
	struct image first = {.exe = UINT32_MAX};

	if (h) {
		h->images.len = h->mappings.len = h->paths.len = 0;
	} else {
		h = calloc(1, sizeof(*h));
		if (!h)
			return NULL;
		h->tgid = tgid;
		if (vec_push(&m->procs, h) ||
		    idset__insert(&m->index, hash_mix(2, tgid), m->procs.len - 1)) {
			free(h);
			return NULL;
		}
		m->stats.processes = m->procs.len;
	}
	return vec_push(&h->images, first) ? NULL : h;
}

static struct history *history_get(struct mmap_events *m, uint32_t tgid)
{
	struct history *h = history_of(m, tgid);

	return h ? h : new_history(m, tgid);
}

static int add_path(struct history *h, const char *path, size_t len, uint32_t *off)
{
	int ret;

	*off = (uint32_t)h->paths.len;
	if ((ret = vec_reserve(&h->paths, len + 1)))
		return ret;
	memcpy(h->paths.data + h->paths.len, path, len);
	h->paths.data[h->paths.len + len] = '\0';
	h->paths.len += len + 1;
	return 0;
}

/* A mapping made in the current image of tgid. */
static int add_mapping(struct mmap_events *m, uint32_t tgid, struct exec_mapping *map,
		       const char *path, size_t len)
{
	struct history *h = history_get(m, tgid);
	struct image *img;
	int ret;

	if (!h)
		return -ENOMEM;
	if ((ret = add_path(h, path, len, &map->path)) || (ret = vec_push(&h->mappings, *map)))
		return ret;
	img = &h->images.data[h->images.len - 1];
	if (!img->count)
		img->first = h->mappings.len - 1;
	img->count++;
	/* the kernel maps the executable first at an exec, before the loader */
	if (img->exe == UINT32_MAX && h->images.len > 1)
		img->exe = map->path;
	m->stats.mappings++;
	return 0;
}

/* tgid exec'd: a new image, with no mapping yet. */
static int new_image(struct mmap_events *m, uint32_t tgid)
{
	struct history *h = history_get(m, tgid);
	struct image img = {.first = h ? h->mappings.len : 0, .exe = UINT32_MAX};

	m->stats.execs++;
	return h ? vec_push(&h->images, img) : -ENOMEM;
}

/* child was forked by parent: it runs a copy of the parent's current image. */
static int fork_process(struct mmap_events *m, uint32_t child, uint32_t parent)
{
	struct history *from = history_of(m, parent), *h = new_history(m, child);
	const struct image *img;
	size_t i;
	int ret = 0;

	m->stats.forks++;
	if (!h)
		return -ENOMEM;
	from = history_of(m, parent); /* new_history may have moved the array */
	if (!from || from == h)
		return 0;
	img = &from->images.data[from->images.len - 1];
	for (i = 0; i < img->count && !ret; i++) {
		struct exec_mapping map = from->mappings.data[img->first + i];
		const char *path = from->paths.data + map.path;

		ret = add_mapping(m, child, &map, path, strlen(path));
	}
	m->stats.mappings -= img->count; /* copies, not mappings the kernel reported */
	return ret;
}

/* --- records ------------------------------------------------------------------------------ */

struct mmap2_body {
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint32_t prot, flags;
};

struct task_body {
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

static int feed_mmap2(struct mmap_events *m, const struct perf_event_header *hdr,
		      const uint8_t *body, size_t size)
{
	struct mmap2_body b;
	struct exec_mapping map;
	size_t room = size - sizeof(b), len;

	if (size < sizeof(b) + 1)
		return -EINVAL;
	memcpy(&b, body, sizeof(b));
	/* a build-id instead of device and inode: the path still names the file */
	if (hdr->misc & PERF_RECORD_MISC_MMAP_BUILD_ID)
		b.maj = b.min = 0, b.ino = 0;
	len = strnlen((const char *)body + sizeof(b), room);
	if (len == room || !b.len || b.addr + b.len < b.addr)
		return -EINVAL;
	if (!(b.prot & PROT_EXEC))
		return 0;
	map = (struct exec_mapping){.start = b.addr,
				    .end = b.addr + b.len,
				    .pgoff = b.pgoff,
				    .ino = b.ino,
				    .maj = b.maj,
				    .min = b.min,
				    .prot = b.prot};
	return add_mapping(m, b.pid, &map, (const char *)body + sizeof(b), len);
}

static int feed_comm(struct mmap_events *m, const struct perf_event_header *hdr,
		     const uint8_t *body, size_t size)
{
	uint32_t pid, tid;

	if (size < 2 * sizeof(uint32_t))
		return -EINVAL;
	memcpy(&pid, body, sizeof(pid));
	memcpy(&tid, body + sizeof(pid), sizeof(tid));
	/* a thread renamed itself: only an exec starts a new image */
	if (!(hdr->misc & PERF_RECORD_MISC_COMM_EXEC) || pid != tid)
		return 0;
	return new_image(m, pid);
}

static int feed_fork(struct mmap_events *m, const uint8_t *body, size_t size)
{
	struct task_body b;

	if (size < sizeof(b))
		return -EINVAL;
	memcpy(&b, body, sizeof(b));
	/* a new thread shares its process's image */
	return b.pid == b.ppid ? 0 : fork_process(m, b.pid, b.ppid);
}

int mmap_events__feed(struct mmap_events *m, const void *record, size_t size)
{
	const uint8_t *body = (const uint8_t *)record + sizeof(struct perf_event_header);
	struct perf_event_header hdr;
	uint64_t lost;
	int ret = 0;

	/* records may sit anywhere in a buffer: copied, never dereferenced in place */
	if (size < sizeof(hdr) || (memcpy(&hdr, record, sizeof(hdr)), hdr.size < sizeof(hdr)) ||
	    hdr.size > size) {
		m->stats.bad++;
		return 0;
	}
	size = hdr.size - sizeof(hdr);
	m->stats.records++;
	switch (hdr.type) {
	case PERF_RECORD_MMAP2:
		ret = feed_mmap2(m, &hdr, body, size);
		break;
	case PERF_RECORD_COMM:
		ret = feed_comm(m, &hdr, body, size);
		break;
	case PERF_RECORD_FORK:
		ret = feed_fork(m, body, size);
		break;
	case PERF_RECORD_LOST:
		if (size >= 2 * sizeof(uint64_t)) {
			memcpy(&lost, body + sizeof(uint64_t), sizeof(lost));
			m->stats.lost += lost;
		}
		break;
	default:
		break;
	}
	if (ret == -EINVAL) {
		m->stats.bad++;
		ret = 0;
	}
	return ret;
}

/* Read the records of one buffer; a record cut by the end of the buffer is put together. */
static int read_ring(struct mmap_events *m, struct ring *r)
{
	struct perf_event_mmap_page *meta = r->base;
	uint8_t *data = (uint8_t *)r->base + getpagesize();
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	int ret = 0;

	while (tail < head && !ret) {
		struct perf_event_header hdr;
		size_t at = tail % r->size, first;
		const void *rec;

		first = r->size - at;
		if (first >= sizeof(hdr)) {
			memcpy(&hdr, data + at, sizeof(hdr));
		} else {
			memcpy(&hdr, data + at, first);
			memcpy((uint8_t *)&hdr + first, data, sizeof(hdr) - first);
		}
		if (hdr.size < sizeof(hdr) || hdr.size > head - tail)
			break; /* never written so: stop rather than read garbage */
		if (hdr.size <= first) {
			rec = data + at;
		} else if (hdr.size <= sizeof(m->scratch)) {
			memcpy(m->scratch, data + at, first);
			memcpy(m->scratch + first, data, hdr.size - first);
			rec = m->scratch;
		} else {
			rec = NULL;
			m->stats.bad++;
		}
		if (rec)
			ret = mmap_events__hold(m, rec, hdr.size);
		tail += hdr.size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return ret;
}

/* --- time order across CPUs ---------------------------------------------------------------- */

/*
 * The time a record carries in its sample_id (PERF_SAMPLE_TID | PERF_SAMPLE_TIME: pid, tid,
 * time at its end), or 0 for one too short to have it (fed first).
 */
static uint64_t record_time(const void *record, size_t size)
{
	uint64_t time;

	if (size < sizeof(struct perf_event_header) + 2 * sizeof(uint32_t) + sizeof(time))
		return 0;
	memcpy(&time, (const uint8_t *)record + size - sizeof(time), sizeof(time));
	return time;
}

int mmap_events__hold(struct mmap_events *m, const void *record, size_t size)
{
	struct held_record h = {
		.time = record_time(record, size),
		.seq = m->seq++,
		.off = m->held_bytes.len,
		.size = size,
	};
	int ret = vec_reserve(&m->held_bytes, size);

	if (ret)
		return ret;
	memcpy(m->held_bytes.data + m->held_bytes.len, record, size);
	m->held_bytes.len += size;
	return vec_push(&m->held, h);
}

/* By time, then in the order read (which is a ring's own order). */
static int held_cmp(const void *a, const void *b)
{
	const struct held_record *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int mmap_events__release(struct mmap_events *m, uint64_t before_ns)
{
	size_t i, n, kept_bytes = 0;
	int ret = 0;

	if (!m->held.len)
		return 0;
	qsort(m->held.data, m->held.len, sizeof(*m->held.data), held_cmp);
	for (n = 0; n < m->held.len && m->held.data[n].time < before_ns && !ret; n++)
		ret = mmap_events__feed(m, m->held_bytes.data + m->held.data[n].off,
					m->held.data[n].size);
	/* keep the rest, their bytes packed at the front */
	for (i = n; i < m->held.len; i++) {
		struct held_record *h = &m->held.data[i];

		memmove(m->held_bytes.data + kept_bytes, m->held_bytes.data + h->off, h->size);
		h->off = kept_bytes;
		kept_bytes += h->size;
		m->held.data[i - n] = *h;
	}
	m->held.len -= n;
	m->held_bytes.len = kept_bytes;
	return ret;
}

int mmap_events__flush(struct mmap_events *m)
{
	return mmap_events__release(m, UINT64_MAX);
}

int mmap_events__read(struct mmap_events *m)
{
	struct timespec now;
	uint64_t now_ns;
	size_t i;
	int ret = 0;

	for (i = 0; i < m->rings.len && !ret; i++)
		ret = read_ring(m, &m->rings.data[i]);
	if (ret)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	return mmap_events__release(m, now_ns > HOLD_NS ? now_ns - HOLD_NS : 0);
}

/* --- images ------------------------------------------------------------------------------- */

/* One line of /proc/PID/maps text. 0 or -ENOMEM. */
static int append_line(text_vec *text, uint64_t start, uint64_t end, const char *perms,
		       uint64_t pgoff, const struct exec_mapping *map, const char *path)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%llx-%llx %s %08llx %02x:%02x %llu ",
			 (unsigned long long)start, (unsigned long long)end, perms,
			 (unsigned long long)pgoff, map->maj, map->min,
			 (unsigned long long)map->ino);
	size_t len = strlen(path);

	if (vec_reserve(text, (size_t)n + len + 2))
		return -ENOMEM;
	memcpy(text->data + text->len, line, (size_t)n);
	memcpy(text->data + text->len + n, path, len);
	text->len += (size_t)n + len;
	text->data[text->len++] = '\n';
	return 0;
}

struct proc_image *mmap_events__image(const struct mmap_events *m, uint32_t tgid, uint32_t gen)
{
	const struct history *h = history_of(m, tgid);
	const struct image *img;
	struct proc_image *out;
	text_vec text = {0};
	size_t i;

	if (!h || gen >= h->images.len || !h->images.data[gen].count) {
		errno = ENOENT;
		return NULL;
	}
	img = &h->images.data[gen];
	out = calloc(1, sizeof(*out));
	for (i = 0; out && i < img->count; i++) {
		const struct exec_mapping *map = &h->mappings.data[img->first + i];
		const char *path = h->paths.data + map->path;

		/*
		 * only executable mappings are recorded; libdwfl places a module by the mapping of
		 * its file's first bytes, which the loader made read-only just below the code: put
		 * it back where the code's offset says it is
		 */
		if (map->pgoff && map->start >= map->pgoff && map->ino &&
		    append_line(&text, map->start - map->pgoff, map->start, "r--p", 0, map, path))
			goto fail;
		if (append_line(&text, map->start, map->end, "r-xp", map->pgoff, map, path))
			goto fail;
	}
	if (!out || vec_push(&text, '\0'))
		goto fail;
	out->maps_text = text.data;
	out->maps_len = text.len - 1;
	out->maps = procmaps__parse(out->maps_text, out->maps_len);
	if (!out->maps)
		goto fail;
	if (img->exe != UINT32_MAX)
		snprintf(out->exe, sizeof(out->exe), "%s", h->paths.data + img->exe);
	return out;
fail:
	if (out)
		out->maps_text = NULL;
	vec_free(&text);
	proc_image__free(out);
	errno = ENOMEM;
	return NULL;
}

const struct mmap_events_stats *mmap_events__stats(const struct mmap_events *m)
{
	return &m->stats;
}
