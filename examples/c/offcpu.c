// SPDX-License-Identifier: MIT
/*
 * offcpu: threads that spend nearly all their time blocked, each in a named function, with
 * known shares of thread-seconds, for testing off-CPU profilers.
 *
 *   pacer           wait_in_nanosleep(10 ms) in a loop; after each sleep wake_everyone() wakes:
 *                   two bytes into the pipe, one into each epoll thread's eventfd, and a
 *                   signal on the condition variable
 *   pipe x 2        wait_on_pipe: read() of one byte
 *   epoll x 3       wait_in_epoll: epoll_wait() on an eventfd of their own
 *   cond            wait_on_cond: pthread_cond_wait() until the pacer's sequence moves
 *   lock holder     hold_lock: nanosleep(30 ms) holding the mutex, then wait_in_nanosleep(10 ms)
 *                   without it
 *   lock waiter     wait_on_mutex: pthread_mutex_lock(), taken as the holder lets go, given back
 *                   at once, then wait_in_nanosleep(20 ms): 20 ms of each 40 ms cycle blocked
 *                   on the mutex
 *   forever         block_forever: epoll_wait() on an eventfd nobody writes, for the whole run
 *
 * Per second of run time that is, in thread-seconds: wait_in_epoll 3, wait_on_pipe 2,
 * wait_in_nanosleep 1.75 (pacer 1, holder 0.25, waiter 0.5), wait_on_cond 1, block_forever 1,
 * hold_lock 0.75, wait_on_mutex 0.5. The program also measures them: each named function
 * reads CLOCK_MONOTONIC around its one blocking call, and at exit the totals (calls still
 * blocked count up to the end) are printed as the ground truth, one "function seconds" line
 * each. CPU use is a few hundred wake-ups a second.
 *
 * usage: offcpu [-d SECONDS]   (run time, default 10)
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 10000000ULL	   /* the pacer's period */
#define HOLD_NS 30000000ULL	   /* the holder keeps the mutex this long ... */
#define HOLDER_REST_NS 10000000ULL /* ... then leaves it free this long */
#define WAITER_REST_NS 20000000ULL /* the waiter's sleep after each acquisition */
#define PIPE_READERS 2
#define EPOLL_WAITERS 3

/* The named blocking functions, in the order they are printed. */
enum blocker {
	WAIT_IN_NANOSLEEP,
	HOLD_LOCK,
	WAIT_ON_MUTEX,
	WAIT_ON_COND,
	WAIT_ON_PIPE,
	WAIT_IN_EPOLL,
	BLOCK_FOREVER,
	NR_BLOCKERS,
};

static const char *const blocker_names[NR_BLOCKERS] = {
	"wait_in_nanosleep", "hold_lock",     "wait_on_mutex", "wait_on_cond",
	"wait_on_pipe",	     "wait_in_epoll", "block_forever",
};

/*
 * One thread's accounting. The lock is only ever contended at exit, when main reads a
 * thread that is still blocked: it makes "blocked since" and the totals one consistent view.
 */
struct account {
	pthread_mutex_t lock;
	uint64_t since_ns; /* 0: not blocked */
	enum blocker in;
	uint64_t total_ns[NR_BLOCKERS];
};

/* forever, cond, holder, waiter, pacer, and the readers */
#define NR_THREADS (5 + PIPE_READERS + EPOLL_WAITERS)

static struct account accounts[NR_THREADS];
static _Thread_local struct account *self;

static atomic_bool stop;
static int pipe_fds[2];
static int epoll_fds[EPOLL_WAITERS], event_fds[EPOLL_WAITERS];
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static uint64_t cond_seq;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void blocked_begin(enum blocker b)
{
	pthread_mutex_lock(&self->lock);
	self->in = b;
	self->since_ns = now_ns();
	pthread_mutex_unlock(&self->lock);
}

static void blocked_end(void)
{
	pthread_mutex_lock(&self->lock);
	self->total_ns[self->in] += now_ns() - self->since_ns;
	self->since_ns = 0;
	pthread_mutex_unlock(&self->lock);
}

/* Keeps a function's last call a call, so that the function is on the stack during it. */
static inline void no_tail_call(void)
{
	__asm__ volatile("" ::: "memory");
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {ns / 1000000000ULL, ns % 1000000000ULL};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The blocking functions: global and noinline so that each is a frame of its own with its
 * own symbol, and none ends in a tail call, so the frame is there while it blocks.
 */
__attribute__((noinline)) void wait_in_nanosleep(uint64_t ns)
{
	blocked_begin(WAIT_IN_NANOSLEEP);
	sleep_ns(ns);
	blocked_end();
}

__attribute__((noinline)) void hold_lock(uint64_t ns)
{
	pthread_mutex_lock(&held);
	blocked_begin(HOLD_LOCK);
	sleep_ns(ns);
	blocked_end();
	pthread_mutex_unlock(&held); /* wakes the waiter: hold_lock is its waker */
	no_tail_call();
}

__attribute__((noinline)) void wait_on_mutex(void)
{
	blocked_begin(WAIT_ON_MUTEX);
	pthread_mutex_lock(&held);
	blocked_end();
	pthread_mutex_unlock(&held);
}

__attribute__((noinline)) void wait_on_cond(uint64_t *seen)
{
	pthread_mutex_lock(&cond_lock);
	blocked_begin(WAIT_ON_COND);
	while (cond_seq == *seen)
		pthread_cond_wait(&cond, &cond_lock);
	blocked_end();
	*seen = cond_seq;
	pthread_mutex_unlock(&cond_lock);
	no_tail_call();
}

__attribute__((noinline)) int wait_on_pipe(int fd)
{
	char c;
	ssize_t n;

	blocked_begin(WAIT_ON_PIPE);
	n = read(fd, &c, 1);
	blocked_end();
	return n == 1 ? 0 : -1;
}

__attribute__((noinline)) int wait_in_epoll(int epfd)
{
	struct epoll_event ev;
	int n;

	blocked_begin(WAIT_IN_EPOLL);
	n = epoll_wait(epfd, &ev, 1, -1);
	blocked_end();
	return n;
}

__attribute__((noinline)) int block_forever(int epfd)
{
	struct epoll_event ev;
	int n;

	blocked_begin(BLOCK_FOREVER);
	n = epoll_wait(epfd, &ev, 1, -1); /* nothing is ever written: returns at exit only */
	blocked_end();
	return n;
}

static bool stopping(void)
{
	return atomic_load_explicit(&stop, memory_order_relaxed);
}

/* The waker of the pipe, epoll and condition variable threads (--wakers must name it). */
__attribute__((noinline)) void wake_everyone(void)
{
	uint64_t one = 1;
	int i;

	if (write(pipe_fds[1], "xx", PIPE_READERS) < 0)
		perror("offcpu: pipe write");
	for (i = 0; i < EPOLL_WAITERS; i++)
		if (write(event_fds[i], &one, sizeof(one)) < 0)
			perror("offcpu: eventfd write");
	pthread_mutex_lock(&cond_lock);
	cond_seq++;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&cond_lock);
	no_tail_call();
}

static void *pacer_thread(void *arg)
{
	(void)arg;
	while (!stopping()) {
		wait_in_nanosleep(TICK_NS);
		wake_everyone();
	}
	return NULL;
}

static void *pipe_thread(void *arg)
{
	(void)arg;
	while (!stopping() && !wait_on_pipe(pipe_fds[0]))
		;
	return NULL;
}

static void *epoll_thread(void *arg)
{
	int i = (int)(intptr_t)arg;
	uint64_t count;

	while (!stopping() && wait_in_epoll(epoll_fds[i]) >= 0)
		if (read(event_fds[i], &count, sizeof(count)) < 0)
			break;
	return NULL;
}

static void *cond_thread(void *arg)
{
	uint64_t seen = 0;

	(void)arg;
	while (!stopping())
		wait_on_cond(&seen);
	return NULL;
}

static void *holder_thread(void *arg)
{
	(void)arg;
	while (!stopping()) {
		hold_lock(HOLD_NS);
		wait_in_nanosleep(HOLDER_REST_NS);
	}
	return NULL;
}

static void *waiter_thread(void *arg)
{
	(void)arg;
	/* start inside the holder's first hold, so the two phase-lock from the first cycle */
	sleep_ns(HOLD_NS / 2);
	while (!stopping()) {
		wait_on_mutex();
		wait_in_nanosleep(WAITER_REST_NS);
	}
	return NULL;
}

static void *forever_thread(void *arg)
{
	int epfd = (int)(intptr_t)arg;

	block_forever(epfd);
	return NULL;
}

struct thread_start {
	void *(*fn)(void *);
	void *arg;
	struct account *account;
};

static void *thread_main(void *arg)
{
	struct thread_start start = *(struct thread_start *)arg;

	free(arg);
	self = start.account;
	return start.fn(start.arg);
}

static void start_thread(int slot, void *(*fn)(void *), void *arg)
{
	struct thread_start *start = malloc(sizeof(*start));
	pthread_t t;

	if (slot >= NR_THREADS || !start) {
		perror("offcpu: start_thread");
		exit(1);
	}
	*start = (struct thread_start){fn, arg, &accounts[slot]};
	pthread_mutex_init(&accounts[slot].lock, NULL);
	if (pthread_create(&t, NULL, thread_main, start)) {
		perror("offcpu: pthread_create");
		exit(1);
	}
	pthread_detach(t);
}

/* An epoll instance watching a fresh eventfd for input; the eventfd goes to *efd. */
static int epoll_on_eventfd(int *efd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	*efd = eventfd(0, EFD_CLOEXEC);
	if (epfd < 0 || *efd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, *efd, &ev)) {
		perror("offcpu: epoll");
		exit(1);
	}
	return epfd;
}

/* Every thread's totals, with the calls still blocked counted up to now. */
static void print_totals(double seconds)
{
	uint64_t total[NR_BLOCKERS] = {0}, now;
	int i, b;

	for (i = 0; i < NR_THREADS; i++) {
		struct account *a = &accounts[i];

		pthread_mutex_lock(&a->lock);
		now = now_ns();
		for (b = 0; b < NR_BLOCKERS; b++)
			total[b] += a->total_ns[b];
		if (a->since_ns)
			total[a->in] += now - a->since_ns;
		pthread_mutex_unlock(&a->lock);
	}
	printf("# blocked thread-seconds per function over a %.3f s run\n", seconds);
	for (b = 0; b < NR_BLOCKERS; b++)
		printf("%s %.6f\n", blocker_names[b], total[b] / 1e9);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: offcpu [-d SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double seconds = 10;
	int c, i, slot = 0, never_fd;
	uint64_t t0;
	char *end;

	while ((c = getopt(argc, argv, "d:")) != -1) {
		switch (c) {
		case 'd':
			seconds = strtod(optarg, &end);
			if (*end || !(seconds > 0 && seconds < 1e6))
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (pipe(pipe_fds)) {
		perror("offcpu: pipe");
		return 1;
	}
	for (i = 0; i < EPOLL_WAITERS; i++)
		epoll_fds[i] = epoll_on_eventfd(&event_fds[i]);

	t0 = now_ns();
	start_thread(slot++, forever_thread, (void *)(intptr_t)epoll_on_eventfd(&never_fd));
	for (i = 0; i < PIPE_READERS; i++)
		start_thread(slot++, pipe_thread, NULL);
	for (i = 0; i < EPOLL_WAITERS; i++)
		start_thread(slot++, epoll_thread, (void *)(intptr_t)i);
	start_thread(slot++, cond_thread, NULL);
	start_thread(slot++, holder_thread, NULL);
	start_thread(slot++, waiter_thread, NULL);
	start_thread(slot++, pacer_thread, NULL);

	sleep_ns((uint64_t)(seconds * 1e9));
	atomic_store(&stop, true);
	/* the threads are left blocked: exit ends them, and what they waited is counted here */
	print_totals((now_ns() - t0) / 1e9);
	return 0;
}
