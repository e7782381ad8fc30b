// SPDX-License-Identifier: MIT
/*
 * Mapping events (cli/record_mmap.c) fed hand-made perf records, as the rings of several CPUs
 * would hold them: a child's fork, exec and mmaps reach different rings, read one after
 * another, and must still be taken in the order they happened.
 */
#include "test.h"

#include <linux/perf_event.h>
#include <sys/mman.h>

#include "record_mmap.h"
#include "sym_procmaps.h"

/* sample_id_all with PERF_SAMPLE_TID | PERF_SAMPLE_TIME, at the end of every record */
struct sample_id {
	uint32_t pid, tid;
	uint64_t time;
};

struct record_buf {
	uint8_t bytes[512];
	size_t size;
};

static void finish(struct record_buf *b, uint32_t type, uint16_t misc, const void *body, size_t len,
		   uint32_t pid, uint64_t time)
{
	struct perf_event_header hdr = {.type = type, .misc = misc};
	struct sample_id id = {.pid = pid, .tid = pid, .time = time};

	b->size = sizeof(hdr) + ((len + 7) & ~(size_t)7) + sizeof(id);
	assert_true(b->size <= sizeof(b->bytes));
	hdr.size = (uint16_t)b->size;
	memset(b->bytes, 0, sizeof(b->bytes));
	memcpy(b->bytes, &hdr, sizeof(hdr));
	memcpy(b->bytes + sizeof(hdr), body, len);
	memcpy(b->bytes + b->size - sizeof(id), &id, sizeof(id));
}

static struct record_buf fork_record(uint32_t child, uint32_t parent, uint64_t time)
{
	uint32_t body[6] = {child, parent, child, parent};
	struct record_buf b;

	memcpy(&body[4], &time, sizeof(time));
	finish(&b, PERF_RECORD_FORK, 0, body, sizeof(body), child, time);
	return b;
}

static struct record_buf exec_record(uint32_t pid, const char *comm, uint64_t time)
{
	uint8_t body[32] = {0};
	struct record_buf b;

	memcpy(body, &pid, 4);
	memcpy(body + 4, &pid, 4);
	snprintf((char *)body + 8, 16, "%s", comm);
	finish(&b, PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC, body, 8 + strlen(comm) + 1, pid,
	       time);
	return b;
}

static struct record_buf mmap_record(uint32_t pid, uint64_t addr, const char *path, uint64_t time)
{
	struct {
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_generation;
		uint32_t prot, flags;
		char path[64];
	} body = {.pid = pid,
		  .tid = pid,
		  .addr = addr,
		  .len = 0x1000,
		  .maj = 8,
		  .ino = 42,
		  .prot = PROT_READ | PROT_EXEC,
		  .flags = MAP_PRIVATE};
	struct record_buf b;

	snprintf(body.path, sizeof(body.path), "%s", path);
	finish(&b, PERF_RECORD_MMAP2, 0, &body, offsetof(typeof(body), path) + strlen(path) + 1,
	       pid, time);
	return b;
}

static void hold(struct mmap_events *m, struct record_buf b)
{
	assert_int_equal(mmap_events__hold(m, b.bytes, b.size), 0);
}

/* The exe of image gen of tgid, or NULL. */
static bool image_has(struct mmap_events *m, uint32_t tgid, uint32_t gen, const char *path)
{
	struct proc_image *img = mmap_events__image(m, tgid, gen);
	bool found = img && strstr(img->maps_text, path);

	proc_image__free(img);
	return found;
}

/*
 * The ring of CPU 1 (the child's exec and mmaps) is read before the ring of CPU 0 (the
 * parent's mapping, then the fork): fed as read, the fork would wipe the child's exec.
 */
static void test_time_order_across_rings(void **state)
{
	struct mmap_events *m = mmap_events__new(1);

	(void)state;
	assert_non_null(m);
	/* CPU 1's ring */
	hold(m, exec_record(200, "short_lived", 30));
	hold(m, mmap_record(200, 0x400000, "/usr/bin/short_lived", 40));
	/* CPU 0's ring */
	hold(m, mmap_record(100, 0x500000, "/bin/dash", 10));
	hold(m, fork_record(200, 100, 20));
	assert_false(image_has(m, 200, 1, "short_lived")); /* nothing fed yet */
	assert_int_equal(mmap_events__flush(m), 0);
	assert_true(image_has(m, 200, 0, "/bin/dash"));		   /* inherited at the fork */
	assert_true(image_has(m, 200, 1, "/usr/bin/short_lived")); /* its exec */
	assert_false(image_has(m, 200, 1, "/bin/dash"));
	assert_int_equal(mmap_events__stats(m)->execs, 1);
	assert_int_equal(mmap_events__stats(m)->forks, 1);
	mmap_events__free(m);
}

/* release() feeds only what is older than its time; the rest waits, in order, for later. */
static void test_release_keeps_newer(void **state)
{
	struct mmap_events *m = mmap_events__new(1);

	(void)state;
	assert_non_null(m);
	hold(m, mmap_record(300, 0x400000, "/lib/b.so", 50));
	hold(m, mmap_record(300, 0x300000, "/lib/a.so", 10));
	assert_int_equal(mmap_events__release(m, 20), 0);
	assert_true(image_has(m, 300, 0, "/lib/a.so"));
	assert_false(image_has(m, 300, 0, "/lib/b.so"));
	/* a record read later but older than what waits goes first */
	hold(m, exec_record(300, "x", 30));
	assert_int_equal(mmap_events__release(m, 60), 0);
	assert_true(image_has(m, 300, 1, "/lib/b.so"));
	assert_false(image_has(m, 300, 0, "/lib/b.so"));
	assert_int_equal(mmap_events__release(m, 1000), 0); /* nothing left: no-op */
	assert_int_equal(mmap_events__stats(m)->records, 3);
	mmap_events__free(m);
}

/* A pid reused (a new fork of it) starts a new history: the old process's images are gone. */
static void test_pid_reuse_new_history(void **state)
{
	struct mmap_events *m = mmap_events__new(1);

	(void)state;
	assert_non_null(m);
	hold(m, mmap_record(100, 0x500000, "/bin/dash", 1));
	hold(m, fork_record(400, 100, 2));
	hold(m, exec_record(400, "old", 3));
	hold(m, mmap_record(400, 0x400000, "/usr/bin/old", 4));
	hold(m, fork_record(400, 100, 5)); /* the pid again, another process */
	assert_int_equal(mmap_events__flush(m), 0);
	assert_true(image_has(m, 400, 0, "/bin/dash"));
	assert_false(image_has(m, 400, 1, "/usr/bin/old"));
	mmap_events__free(m);
}

/* Records too short to carry a time go first, and a bad one is counted, not fed. */
static void test_short_records(void **state)
{
	struct mmap_events *m = mmap_events__new(1);
	struct perf_event_header hdr = {.type = PERF_RECORD_MMAP2, .size = sizeof(hdr)};

	(void)state;
	assert_non_null(m);
	hold(m, mmap_record(500, 0x400000, "/lib/c.so", 5));
	assert_int_equal(mmap_events__hold(m, &hdr, sizeof(hdr)), 0);
	assert_int_equal(mmap_events__release(m, 1), 0); /* the short one only */
	assert_int_equal(mmap_events__stats(m)->bad, 1);
	assert_false(image_has(m, 500, 0, "/lib/c.so"));
	assert_int_equal(mmap_events__flush(m), 0);
	assert_true(image_has(m, 500, 0, "/lib/c.so"));
	mmap_events__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_order_across_rings),
		cmocka_unit_test(test_release_keeps_newer),
		cmocka_unit_test(test_pid_reuse_new_history),
		cmocka_unit_test(test_short_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
