// SPDX-License-Identifier: MIT
/*
 * singe record: sample a live process, a command, or the whole machine with BPF, symbolize
 * the stacks while the processes live, and write pprof / folded / SVG files.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "builtin.h"
#include "clock.h"
#include "cpu.h"
#include "duty_cycle.h"
#include "log.h"
#include "output.h"
#include "preflight.h"
#include "profile.h"
#include "record.h"
#include "record_offcpu.h"
#include "source.h"
#include "target.h"
#include "util.h"

static const char record_usage[] =
	"usage: singe record [-p PID[,PID...] | -a | -- CMD [ARG...]] [-t TYPE] [-F HZ]\n"
	"                    [-d SECONDS] [-o FILE]... [options]\n"
	"\n"
	"Profile what processes do on the CPU, with BPF: a live process that was never prepared\n"
	"for profiling, a command singe starts, or every process. User and kernel stacks are\n"
	"sampled and counted in the kernel: on the targets' own threads (and the threads and\n"
	"children they start) with -p and -- CMD, so other processes are not interrupted; on\n"
	"every CPU with -a, leaving singe itself out. Each process's binaries and libraries\n"
	"are opened as soon as it is seen, so processes that exit early still resolve; stacks\n"
	"are symbolized (ELF, DWARF with inlines, Go pclntab, kallsyms, perf maps) and written\n"
	"when the recording stops: after -d, on Ctrl-C or SIGTERM (the samples so far are kept),\n"
	"or when every target has exited (a second Ctrl-C quits at once, writing nothing); it\n"
	"stops within a second at any -F: stack copies singe cannot unwind in time are dropped\n"
	"and counted in 'lost', with every other lost sample.\n"
	"JVMs (HotSpot 17): each recorded process that maps libjvm.so is asked for its perf\n"
	"map (jcmd's Compiler.perfmap through the attach mechanism: a SIGQUIT, never to a JVM\n"
	"that does not catch it or has -XX:+DisableAttachMechanism, and a Unix socket) a\n"
	"second after it is seen, at doubling intervals and at the end, so compiled methods\n"
	"show as com.example.Foo.bar without JVM flags; interpreted methods show as\n"
	"[interpreted] (not named yet), and a stack cut in JIT code without frame pointers\n"
	"ends in [truncated in JIT code] (-XX:+PreserveFramePointer keeps whole stacks). The\n"
	"summary says what it cost.\n"
	"Needs root, or CAP_BPF and CAP_PERFMON, and a kernel with BTF.\n"
	"\n"
	"targets (exactly one):\n"
	"  -p, --pid PID[,PID...]   running processes, all their threads, including threads\n"
	"                           started during the recording, and the children they fork\n"
	"  -a, --all                every process on the machine (labelled by pid and comm),\n"
	"                           singe itself left out unless --include-self\n"
	"  -- CMD [ARG...]          start CMD, profile it and the children it forks; singe exits\n"
	"                           with CMD's exit code (128+N if a signal N killed it). If the\n"
	"                           recording stops first (-d, Ctrl-C), CMD gets SIGTERM, as\n"
	"                           with perf record\n"
	"\n"
	"options:\n"
	"  -t, --type TYPE[,TYPE]   what to profile (default cpu): cpu (on-CPU stacks), offcpu\n"
	"                           (time threads spend switched out: blocked, sleeping,\n"
	"                           waiting for a CPU), goroutine (time Go goroutines spend\n"
	"                           parked, per wait reason), alloc (where C, C++ and Go\n"
	"                           code allocates memory and what it holds; not with -a),\n"
	"                           pause (runtime pauses: Go, CPython, JVM, by their cause);\n"
	"                           several in one profile: -t cpu,offcpu\n"
	"  -F, --freq HZ            samples per second on each CPU (default 99, at most 100000)\n"
	"  -d, --duration SECONDS   stop after this long (fractions allowed; default: until\n"
	"                           Ctrl-C or until the targets exit)\n"
	"  -o, --output FILE        write the profile here; repeat for several files. The format\n"
	"                           follows the name: .pb.gz/.pprof (pprof), .pb (raw pprof),\n"
	"                           .folded/.txt (folded stacks), .svg (flame graph). Default:\n"
	"                           singe-PID-TYPES.pb.gz (singe-all-TYPES.pb.gz with -a) in\n"
	"                           the current directory. Outputs are checked before\n"
	"                           recording\n"
	"      --process-roots MODE folded/SVG of several processes (-a, -p A,B): a root frame\n"
	"                           per process, MODE = comm (default), comm-pid, or none\n"
	"                           to merge them (pprof keeps pid/comm labels either way)\n"
	"      --unwind MODE        how user stacks are walked (default auto):\n"
	"                           fp: frame pointers, in the kernel (cheapest; broken through\n"
	"                           code built without them, such as Debian's libc)\n"
	"                           dwarf: copy the registers and the top of the user stack\n"
	"                           and unwind it in singe with the binaries' CFI (.eh_frame,\n"
	"                           .debug_frame) through libdwfl; kernel stacks stay in-kernel\n"
	"                           auto: fp for processes whose binaries keep frame pointers\n"
	"                           (Go, -fno-omit-frame-pointer), dwarf for a process whose\n"
	"                           stacks go through a binary without them (decided per binary\n"
	"                           from its code, reported in the summary and the profile);\n"
	"                           for its first second a process sends both, and each sample\n"
	"                           keeps whichever is whole\n"
	"                           CPython 3.11 processes (python3.11, libpython3.11.so) go to\n"
	"                           dwarf: their Python functions (file:line) replace the\n"
	"                           interpreter's eval-loop frames in every type's stacks\n"
	"      --stack-size BYTES   user stack copied per sample for dwarf (default %d, 512 to\n"
	"                           %d, a multiple of 8); deeper stacks are counted truncated\n"
	"      --stack-storage-size N  stack-trace map entries (default: 4 x HZ x CPUs, %d to\n"
	"                           %d); stacks that collide in it go to an overflow map of\n"
	"                           N/%d entries (at least %d); raise N when the summary reports\n"
	"                           stacks lost to collisions\n"
	"      --max-stacks N       distinct (thread, stack) keys per second (default: 4 x HZ x\n"
	"                           CPUs, %d to %d); raise it when samples are lost\n"
	"      --max-depth N        frames per stack, 1..%d (default %d); deeper stacks are\n"
	"                           truncated and counted\n"
	"      --min-block TIME     offcpu: leave out blocks shorter than TIME (default 1us;\n"
	"                           units ns, us, ms, s; a bare number is in us)\n"
	"      --max-block TIME     offcpu: leave out blocks longer than TIME (default none)\n"
	"      --alloc-rate BYTES   alloc: sample one allocation every BYTES allocated on\n"
	"                           average (default 512K, as Go and tcmalloc; K, M, G suffixes)\n"
	"      --leaks              alloc: list the sampled blocks still live at the end, by\n"
	"                           stack, oldest first (summary, and singe report)\n"
	"      --alloc-preload      alloc, -- CMD: start the command with singe's sampler\n"
	"                           preloaded (LD_PRELOAD=libsinge-alloc.so): it samples by\n"
	"                           bytes itself and only sampled allocations trap, instead\n"
	"                           of every call (glibc programs; see -t alloc below)\n"
	"      --wakers             offcpu: also the stack of whoever woke each block, drawn\n"
	"                           above it over a '--' frame, upside down (its root on top,\n"
	"                           bcc offwaketime's layout); a waker in another target process\n"
	"                           is symbolized against its own, a non-target's shows its\n"
	"                           kernel frames only, an interrupt's its entry\n"
	"      --timeline FILE.svg  pause: the pauses on a time axis, GC cycles and a latency\n"
	"                           heatmap, as an SVG (see -t pause below)\n"
	"      --duty-cycle PCT     goroutine, alloc: keep the uprobes in for the first PCT%%\n"
	"                           (1-100) of each second and out for the rest, so a busy\n"
	"                           program pays their cost only part of the time (PCT%% and\n"
	"                           the 0.2-0.3 s the kernel takes to take them out); the values\n"
	"                           are scaled by elapsed / attached time, and the profile\n"
	"                           says so\n"
	"  -q, --quiet              no status line and no summary; errors only\n"
	"  -v, --verbose            the event used, timings, libbpf's log\n"
	"  -h, --help               this help\n"
	"\n"
	"The cycles hardware event is used where the CPU has a PMU, else the cpu-clock software\n"
	"event (virtual machines). The pprof has sample types samples/count and cpu/nanoseconds\n"
	"(count x 1e9/HZ), labels pid, tid, comm (the thread's name) and process, and the kernel\n"
	"frames above the user ones.\n"
	"The summary reports samples, lost samples, truncated stacks and unknown frames; with\n"
	"dwarf or auto also the choice per binary and how the copied stacks unwound (complete,\n"
	"truncated by --stack-size, failed per reason), which the pprof keeps as comments\n"
	"(singe:unwind, singe:unwind-quality) and the SVG shows in its subtitle.\n"
	"\n"
	"offcpu charges the time a thread spends switched out, from the switch-out to the\n"
	"switch-in, to its user and kernel stacks at the switch-out (tp_btf/sched_switch), with\n"
	"the thread's state as the 'state' label: S sleeping (a lock, a read, a sleep), D\n"
	"uninterruptible (disk, page faults), R preempted (runnable, waiting for a CPU). Sample\n"
	"types switches/count and offcpu/nanoseconds; a block still going on when the\n"
	"recording stops counts up to then. Read its flame graph as wall time spent waiting:\n"
	"the widest towers are where threads wait longest, the kernel frames on top say in\n"
	"what (futex_wait: a lock or condition variable; pipe_read, ep_poll: I/O; do_nanosleep).\n"
	"Threads idle by design (a pool waiting for work) show too: look at the functions you\n"
	"expect to wait in. Its cost is per switch of a target thread (about 2-3 us here,\n"
	"mostly the kernel stack walk; user stacks are taken once per place a thread blocks\n"
	"at), nothing for other processes' switches beyond a map lookup.\n"
	"With --wakers, a tower reads bottom-up: the blocked stack, '--', then the stack that\n"
	"woke it, upside down (where it woke the thread against the '--'). A cpu,offcpu\n"
	"recording has a wall-clock view: singe flame --sample-type wall draws on-CPU and\n"
	"off-CPU time in one graph (off-CPU frames cool, on-CPU warm).\n"
	"\n"

	"-t goroutine: uprobes at the entries of runtime.gopark (each park: goroutine, wait\n"
	"reason, goid, stack) and runtime.execute (the goroutine runs again) in each Go binary\n"
	"of the targets (Go 1.19 to 1.23, stripped too; never a uretprobe). Sample types\n"
	"parks/count and delay/nanoseconds, from the park to the next run, charged to the stack\n"
	"at park time; parks still in progress at the end count up to it; labels goid and\n"
	"wait_reason, and in folded and SVG output the wait reason is the leaf frame, above\n"
	"runtime.gopark ([chan receive], [semacquire], [IO wait], [sleep]...). Parks that began\n"
	"before the probes went in are not seen. Cost: each uprobe hit traps, ~6 us here; a park\n"
	"is two hits: the summary prints the park rate and the estimated cost (hits x 6 us of\n"
	"CPU). A program whose latency is the exchanges loses far more throughput than that: a\n"
	"channel ping-pong parking 25,000 times a second kept under 1%% of its round trips.\n"
	"On a busy program use -d of a few seconds, or --duty-cycle PCT: the probes take parks\n"
	"for PCT%% of each second, parks in progress when they go out end then, parks begun\n"
	"while they are out are not seen, and parks and delay are scaled by elapsed / attached\n"
	"time: the summary, the profile's comments and an SVG's subtitle say 'scaled by X\n"
	"(attached N%% of the time)'. Waits longer than the attached part of a second are cut\n"
	"at each detach, so the scaled profile under-counts them. The program pays the traps\n"
	"for more than PCT%%: the kernel takes 0.2-0.3 s to take the probes out (the summary\n"
	"measures it); with 10 the ping-pong kept 53-75%% of its round trips.\n"
	"\n"
	"-t pause: each pause of a language runtime is one sample, pauses/count and\n"
	"pause/nanoseconds, with labels runtime, reason, and gc_cycle (Go) or gc_generation\n"
	"(CPython) as numbers: Go 1.19-1.23 stop-the-world pauses (normal or stripped\n"
	"binaries; uprobes on the runtime, never uretprobes), charged to the\n"
	"goroutine that caused them (a GC cycle's two pauses to the allocation that started\n"
	"it); CPython collections (USDT gc__start/gc__done, or uprobes on gc_collect_main\n"
	"where the interpreter has no USDT), charged to the allocating thread, with their\n"
	"generation and objects collected; JVM safepoints (USDT in libjvm.so), young or full\n"
	"GC or neither, on the VM thread's stack. The summary gives per runtime and kind the\n"
	"number of pauses, total, p50/p90/p99/max, pauses per second and the share of wall\n"
	"time paused, and the probes used; the profile keeps it (singe report shows it).\n"
	"--timeline FILE.svg (with -t pause) also writes the pauses on a time axis: a mark per\n"
	"pause (width: its length, height: its duration, log scale), a bar per Go GC cycle, and\n"
	"a heatmap of pause durations per second (rows: 1-2-5 duration buckets, colour: count);\n"
	"hover shows each pause's runtime, reason, start, duration and GC cycle. At most the\n"
	"10,000 longest pauses are drawn as marks; the heatmap counts every one.\n"
	"\n"
	"-t alloc: where code allocates memory and what it still holds. Native code: uprobes\n"
	"on the entries of malloc, calloc, realloc, reallocarray, posix_memalign,\n"
	"aligned_alloc, memalign, valloc, pvalloc and free, and uretprobes on the allocating\n"
	"ones (for the block), in the allocator each target maps: its own executable when it\n"
	"defines malloc (static binaries), else a library that does (jemalloc, tcmalloc), else\n"
	"libc; sampled by bytes in the kernel (--alloc-rate) and scaled back. Go (1.19 to\n"
	"1.23, stripped too): the runtime's own sampler, uprobes on runtime.profilealloc (one\n"
	"hit per runtime.MemProfileRate bytes, read from the process, stripped binaries\n"
	"included) and runtime.freeSpecial (a sampled object swept), never a uretprobe;\n"
	"a binary without runtime/pprof has Go's memory profiling off, which the summary says.\n"
	"Sample types alloc_objects/count, alloc_space/bytes, inuse_objects/count,\n"
	"inuse_space/bytes (the default), as in Go's heap profiles; pick one with --sample-type\n"
	"in flame, convert and report. In use: a sampled block not freed (native) or not swept\n"
	"(Go: garbage since the last GC still counts) when the recording stopped or its process\n"
	"exited. Stacks are frame-pointer walks with the allocator's direct caller put back.\n"
	"Cost: Go's is one hit per sampled object (the Go example, allocating 1-3 GB/s,\n"
	"kept 71-96%% of its speed); native code traps on every call, ~7.7 us an allocation and\n"
	"~6 us a free here, whatever the rate: a malloc-heavy program runs hundreds of times\n"
	"slower while recorded (the summary prints the call rate and the estimated cost);\n"
	"record busy services briefly (-d), or with --duty-cycle PCT (allocations scaled; in\n"
	"use is not tracked then). A command can sample itself instead: --alloc-preload puts\n"
	"singe's sampler in front of glibc's malloc family (LD_PRELOAD) and only its sampled\n"
	"allocations and their frees trap: the C example kept 39%% of its speed instead of\n"
	"0.3%%. It needs a dynamically linked glibc program.\n"
	"\n"
	"examples:\n"
	"  sudo singe record -p 1234 -d 10 -o cpu.pb.gz -o cpu.svg\n"
	"  sudo singe record -p 1234,1240 -F 999 -o cpu.folded\n"
	"  sudo singe record -o build.svg -- make -j8\n"
	"  sudo singe record -a -d 5 -o all.pb.gz && go tool pprof -top all.pb.gz\n"
	"  sudo singe record --unwind dwarf -o py.svg -- python3 script.py\n"
	"  sudo singe record -t offcpu -p 1234 -d 10 -o wait.svg\n"
	"  sudo singe record -t cpu,offcpu -p 1234 -d 10 -o both.pb.gz\n"
	"  singe flame --sample-type wall -o wall.svg both.pb.gz\n"
	"  sudo singe record -t offcpu --wakers -o woken.svg -- ./server\n"
	"  sudo singe record -t goroutine -p 4242 -d 10 -o block.pb.gz -o block.svg\n"
	"  sudo singe record -t alloc --leaks -p 4242 -d 5 -o heap.pb.gz\n"
	"  singe flame --sample-type alloc_space -o allocs.svg heap.pb.gz\n"
	"  sudo singe record -t pause --timeline pauses.svg -o pauses.pb.gz -- ./server\n"
	"  sudo singe record -t goroutine --duty-cycle 10 -p 4242 -d 60 -o block.pb.gz\n";

enum {
	OPT_UNWIND = 256,
	OPT_STACK_STORAGE,
	OPT_MAX_STACKS,
	OPT_MAX_DEPTH,
	OPT_STACK_SIZE,
	OPT_PROCESS_ROOTS,
	OPT_INCLUDE_SELF,
	OPT_MIN_BLOCK,
	OPT_MAX_BLOCK,
	OPT_WAKERS,
	OPT_ALLOC_RATE,
	OPT_LEAKS,
	OPT_ALLOC_PRELOAD,
	OPT_TIMELINE,
	OPT_DUTY_CYCLE,
};

#define MAX_OUTPUTS 16
#define TICK_NS 100000000ULL
#define TICK_FIRST_NS 5000000ULL
#define STATUS_INTERVAL_NS 250000000ULL
/* After a wake-up for new stack samples, let more gather: at most ~100 wake-ups a second. */
#define RING_BATCH_NS 10000000ULL

static const struct option record_options[] = {
	{"pid", required_argument, NULL, 'p'},
	{"all", no_argument, NULL, 'a'},
	{"type", required_argument, NULL, 't'},
	{"freq", required_argument, NULL, 'F'},
	{"duration", required_argument, NULL, 'd'},
	{"output", required_argument, NULL, 'o'},
	{"unwind", required_argument, NULL, OPT_UNWIND},
	{"stack-storage-size", required_argument, NULL, OPT_STACK_STORAGE},
	{"max-stacks", required_argument, NULL, OPT_MAX_STACKS},
	{"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
	{"stack-size", required_argument, NULL, OPT_STACK_SIZE},
	{"include-self", no_argument, NULL, OPT_INCLUDE_SELF},
	{"min-block", required_argument, NULL, OPT_MIN_BLOCK},
	{"max-block", required_argument, NULL, OPT_MAX_BLOCK},
	{"wakers", no_argument, NULL, OPT_WAKERS},
	{"alloc-rate", required_argument, NULL, OPT_ALLOC_RATE},
	{"leaks", no_argument, NULL, OPT_LEAKS},
	{"alloc-preload", no_argument, NULL, OPT_ALLOC_PRELOAD},
	{"timeline", required_argument, NULL, OPT_TIMELINE},
	{"duty-cycle", required_argument, NULL, OPT_DUTY_CYCLE},
	{"process-roots", required_argument, NULL, OPT_PROCESS_ROOTS},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{0},
};

struct record_cmd {
	struct record_opts opts;
	const char *pid_list;
	char **cmd_argv;
	bool all;
	bool alloc_rate_set; /* --alloc-rate was given */
	bool alloc_preload;  /* --alloc-preload */
	double duration;     /* seconds, 0 = unlimited */
	const char *outputs[MAX_OUTPUTS];
	int noutputs;
	char default_output[64];
	enum process_roots roots; /* folded/SVG of several processes: a root frame each */
	uint64_t start_ns;	  /* CLOCK_MONOTONIC when the command started */
	const char *timeline;	  /* --timeline FILE.svg, or NULL */
};

static volatile sig_atomic_t stop_signal;

/* The first signal stops the recording gracefully; a second one ends singe at once. */
static void on_stop_signal(int sig)
{
	if (stop_signal)
		output__fatal_signal(sig);
	stop_signal = sig;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's lines would break the one-line errors: only with -v */
	(void)level;
	if (log_verbosity < 1)
		return 0;
	fputs("singe: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/* "cpu, offcpu" from the table of types, for messages. */
static const char *known_types(char *buf, size_t size)
{
	size_t n = 0, i;

	buf[0] = '\0';
	for (i = 0; record_sources[i] && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? ", " : "", record_sources[i]->name);
	return buf;
}

/* -t: types from the table of sources; the designed ones not built yet are named as such. */
static int parse_types(struct record_opts *opts, const char *list)
{
	static const char *const designed[] = {"alloc", "pause"};
	char *copy = strdup(list), *item, *save = NULL, known[128];
	int ret = 0;
	size_t i;

	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item && !ret; item = strtok_r(NULL, ",", &save)) {
		ret = record_opts__add_type(opts, item);
		if (ret == -E2BIG)
			pr_err("-t: too many types (at most %d)", RECORD_MAX_TYPES);
		if (ret != -ENOENT)
			continue;
		for (i = 0; i < ARRAY_SIZE(designed); i++)
			if (!strcmp(item, designed[i]))
				break;
		if (i < ARRAY_SIZE(designed))
			pr_err("profile type '%s' is not built yet; use one of: %s", item,
			       known_types(known, sizeof(known)));
		else
			pr_err("unknown profile type '%s'; use one of: %s", item,
			       known_types(known, sizeof(known)));
	}
	free(copy);
	return ret ? -EINVAL : 0;
}

static int parse_uint(const char *opt, const char *arg, long min, long max, unsigned int *out)
{
	long v;

	if (parse_long_range(arg, min, max, &v)) {
		pr_err("%s: '%s' is not a whole number in %ld..%ld", opt, arg, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "524288", "512K", "512KiB", "1M": bytes from 1 to 1 GiB; 0 or -EINVAL. */
static int parse_bytes(const char *arg, uint64_t *out)
{
	static const char *const units[] = {"", "K", "M", "G"};
	char *end;
	unsigned long long v;
	unsigned int i;

	errno = 0;
	if (!arg[0] || arg[0] < '0' || arg[0] > '9')
		return -EINVAL;
	v = strtoull(arg, &end, 10);
	if (errno)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		size_t n = strlen(units[i]);

		if (strncasecmp(end, units[i], n))
			continue;
		if (!strcmp(end + n, "") ||
		    (n && (!strcasecmp(end + n, "B") || !strcasecmp(end + n, "iB")))) {
			if (v > (1ULL << 30) >> (10 * i))
				return -EINVAL;
			v <<= 10 * i;
			if (!v)
				return -EINVAL;
			*out = v;
			return 0;
		}
	}
	return -EINVAL;
}

/* The option getopt stopped at, for messages (getopt's own are switched off). */
static const char *optbad = "";

static int parse_option(struct record_cmd *cmd, int c, const char *arg)
{
	unsigned int freq;

	switch (c) {
	case 'p':
		cmd->pid_list = arg;
		return 0;
	case 'a':
		cmd->all = true;
		return 0;
	case 't':
		return parse_types(&cmd->opts, arg);
	case 'F':
		if (parse_uint("-F", arg, 1, 100000, &freq))
			return -EINVAL;
		cmd->opts.freq = freq;
		return 0;
	case 'd':
		if (parse_double_range(arg, 0.001, 365 * 86400.0, &cmd->duration)) {
			pr_err("-d: '%s' is not a number of seconds from 0.001 to 31536000 (365 "
			       "days)",
			       arg);
			return -EINVAL;
		}
		return 0;
	case 'o':
		if (cmd->noutputs == MAX_OUTPUTS) {
			pr_err("too many -o outputs (at most %d)", MAX_OUTPUTS);
			return -EINVAL;
		}
		cmd->outputs[cmd->noutputs++] = arg;
		return 0;
	case OPT_PROCESS_ROOTS:
		if (!process_roots__parse(arg, &cmd->roots))
			return 0;
		pr_err(PROCESS_ROOTS_ERROR, arg);
		return -EINVAL;
	case OPT_UNWIND:
		if (!strcmp(arg, "fp"))
			cmd->opts.unwind = SINGE_UNWIND_FP;
		else if (!strcmp(arg, "dwarf"))
			cmd->opts.unwind = SINGE_UNWIND_DWARF;
		else if (!strcmp(arg, "auto"))
			cmd->opts.unwind = SINGE_UNWIND_AUTO;
		else {
			pr_err("--unwind: unknown mode '%s'; use fp, dwarf or auto", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_STACK_SIZE:
		if (parse_uint("--stack-size", arg, 512, SINGE_MAX_STACK_COPY,
			       &cmd->opts.stack_size))
			return -EINVAL;
		if (cmd->opts.stack_size % 8) {
			pr_err("--stack-size: %u is not a multiple of 8", cmd->opts.stack_size);
			return -EINVAL;
		}
		return 0;
	case OPT_INCLUDE_SELF:
		cmd->opts.include_self = true;
		return 0;
	case OPT_WAKERS:
		cmd->opts.wakers = true;
		return 0;
	case OPT_ALLOC_RATE:
		if (parse_bytes(arg, &cmd->opts.alloc_rate)) {
			pr_err("--alloc-rate: '%s' is not a number of bytes from 1 to 1G (suffixes "
			       "K, M, G: 512K)",
			       arg);
			return -EINVAL;
		}
		cmd->alloc_rate_set = true;
		return 0;
	case OPT_LEAKS:
		cmd->opts.leaks = true;
		return 0;
	case OPT_ALLOC_PRELOAD:
		cmd->alloc_preload = true;
		return 0;
	case OPT_TIMELINE:
		cmd->timeline = arg;
		return 0;
	case OPT_DUTY_CYCLE:
		if (duty_cycle__parse(arg, &cmd->opts.duty_cycle)) {
			pr_err("--duty-cycle: '%s' is not a whole percentage from 1 to 100 (the "
			       "share "
			       "of each second the uprobes are attached)",
			       arg);
			return -EINVAL;
		}
		return 0;
	case OPT_MIN_BLOCK:
	case OPT_MAX_BLOCK:
		if (offcpu__parse_duration(arg, c == OPT_MIN_BLOCK ? &cmd->opts.min_block_ns
								   : &cmd->opts.max_block_ns)) {
			pr_err("%s: '%s' is not a duration such as 10us, 2ms or 1s",
			       c == OPT_MIN_BLOCK ? "--min-block" : "--max-block", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_STACK_STORAGE:
		return parse_uint("--stack-storage-size", arg, 64, 1 << 22,
				  &cmd->opts.stack_storage);
	case OPT_MAX_STACKS:
		return parse_uint("--max-stacks", arg, 64, 1 << 22, &cmd->opts.max_stacks);
	case OPT_MAX_DEPTH:
		return parse_uint("--max-depth", arg, 1, SINGE_MAX_STACK_DEPTH,
				  &cmd->opts.max_depth);
	case 'q':
		log_verbosity = -1;
		return 0;
	case 'v':
		log_verbosity = 1;
		return 0;
	case ':':
		pr_err("option '%s' needs a value; see 'singe record --help'", optbad);
		return -EINVAL;
	default:
		pr_err("unknown option '%s'; see 'singe record --help'", optbad);
		return -EINVAL;
	}
}

/* Is type name among those recorded? */
static bool has_type(const struct record_opts *opts, const char *name)
{
	unsigned int i;

	for (i = 0; i < opts->ntypes; i++)
		if (!strcmp(opts->types[i]->name, name))
			return true;
	return false;
}

/*
 * libsinge-alloc.so (--alloc-preload): beside singe, in its .output/, or installed in
 * ../lib/singe/. 0 or -ENOENT.
 */
static int find_preload(char *out, size_t size)
{
	static const char *const where[] = {"", "/.output", "/../lib/singe"};
	char self[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t i;

	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')))
		*slash = '\0';
	for (i = 0; i < ARRAY_SIZE(where); i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s%s/libsinge-alloc.so", self, where[i]);
		if (!access(path, R_OK) && realpath(path, out) && strlen(out) < size)
			return 0;
	}
	return -ENOENT;
}

/* --alloc-preload: the command starts with the in-process sampler (LD_PRELOAD). */
static int set_preload(struct record_cmd *cmd)
{
	static char lib[PATH_MAX];
	char rate[32], *env;
	const char *old = getenv("LD_PRELOAD");

	if (!cmd->cmd_argv) {
		pr_err("--alloc-preload starts a command with singe's sampler preloaded: give -- "
		       "CMD (for -p, leave it out)");
		return -EINVAL;
	}
	if (find_preload(lib, sizeof(lib))) {
		pr_err("--alloc-preload: libsinge-alloc.so not found beside singe (run 'make' or "
		       "'make install')");
		return -ENOENT;
	}
	if (asprintf(&env, "%s%s%s", lib, old && *old ? ":" : "", old ? old : "") < 0)
		return -ENOMEM;
	snprintf(rate, sizeof(rate), "%llu", (unsigned long long)cmd->opts.alloc_rate);
	setenv("LD_PRELOAD", env, 1);
	setenv("SINGE_ALLOC_RATE", rate, 1);
	free(env);
	cmd->opts.alloc_preload = lib;
	return 0;
}

/*
 * --alloc-rate and --leaks are alloc's; and alloc probes every call of the malloc family:
 * with -a it would slow down every process on the machine.
 */
static int check_alloc(struct record_cmd *cmd)
{
	bool alloc = has_type(&cmd->opts, "alloc");

	if (!alloc && (cmd->opts.leaks || cmd->alloc_rate_set || cmd->alloc_preload)) {
		pr_err("%s is for the alloc type: add -t alloc", cmd->opts.leaks ? "--leaks"
								 : cmd->alloc_preload
									 ? "--alloc-preload"
									 : "--alloc-rate");
		return -EINVAL;
	}
	if (alloc && cmd->opts.leaks && cmd->opts.duty_cycle) {
		pr_err("--leaks needs every free seen, which --duty-cycle misses while the probes "
		       "are out: drop one of them");
		return -EINVAL;
	}
	if (alloc && cmd->all) {
		pr_err("-t alloc probes every malloc and free of its targets: give -p PID or -- "
		       "CMD, not -a (it would slow down every process on the machine)");
		return -EINVAL;
	}
	return alloc && cmd->alloc_preload ? set_preload(cmd) : 0;
}

/* --wakers draws offcpu's blocks: without -t offcpu it would silently do nothing. */
static int check_wakers(const struct record_opts *opts)
{
	unsigned int i;

	if (!opts->wakers)
		return 0;
	for (i = 0; i < opts->ntypes; i++)
		if (!strcmp(opts->types[i]->name, "offcpu"))
			return 0;
	pr_err("--wakers is for the offcpu type: add -t offcpu (or -t cpu,offcpu)");
	return -EINVAL;
}

/* --timeline draws the pauses: without -t pause there is nothing to draw; and it is an SVG. */
static int check_timeline(const struct record_cmd *cmd)
{
	size_t len = cmd->timeline ? strlen(cmd->timeline) : 0;

	if (!cmd->timeline)
		return 0;
	if (!record_opts__has_timeline(&cmd->opts)) {
		pr_err("--timeline draws the pauses of -t pause: add -t pause");
		return -EINVAL;
	}
	if (len < 5 || strcmp(cmd->timeline + len - 4, ".svg")) {
		pr_err("--timeline '%s': the timeline is an SVG; name it FILE.svg", cmd->timeline);
		return -EINVAL;
	}
	return 0;
}

/* "goroutine": the types --duty-cycle can detach, for messages. */
static const char *duty_cycle_types(char *buf, size_t size)
{
	size_t n = 0, i;

	buf[0] = '\0';
	for (i = 0; record_sources[i] && n < size; i++)
		if (record_sources[i]->duty_cycle)
			n += snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
				      record_sources[i]->name);
	return buf;
}

/* --duty-cycle detaches uprobes: every type recorded must take its events from them alone. */
static int check_duty_cycle(const struct record_opts *opts)
{
	char types[128];
	unsigned int i;

	for (i = 0; opts->duty_cycle && i < opts->ntypes; i++) {
		if (opts->types[i]->duty_cycle)
			continue;
		pr_err("--duty-cycle works with -t %s only (types whose every event comes through "
		       "uprobes it can detach); -t %s cannot be duty-cycled: drop --duty-cycle or "
		       "record %s separately",
		       duty_cycle_types(types, sizeof(types)), opts->types[i]->name,
		       opts->types[i]->name);
		return -EINVAL;
	}
	return 0;
}

static int check_targets(struct record_cmd *cmd)
{
	int n = !!cmd->pid_list + cmd->all + !!cmd->cmd_argv;

	if (n == 1)
		return 0;
	if (!n)
		pr_err("nothing to profile: give -p PID, -a, or -- CMD; see 'singe record --help'");
	else
		pr_err("give only one of -p PID, -a and -- CMD");
	return -EINVAL;
}

/* 1 when --help was printed, 0 to record, or a negative errno after printing an error. */
static int parse_args(struct record_cmd *cmd, int argc, char **argv)
{
	int c, ret;

	optind = 1;
	opterr = 0;
	/* '+': stop at the first operand, so the command's own options are left alone */
	while ((c = getopt_long(argc, argv, "+:p:at:F:d:o:qvh", record_options, NULL)) != -1) {
		optbad = argv[optind - 1];
		if (c == 'h') {
			printf(record_usage, SINGE_DEFAULT_STACK_COPY, SINGE_MAX_STACK_COPY,
			       CPU_MIN_STACK_STORAGE, CPU_MAX_AUTO_STACK_STORAGE,
			       CPU_OVERFLOW_DIVISOR, CPU_MIN_OVERFLOW_STORAGE, CPU_MIN_MAX_STACKS,
			       CPU_MAX_AUTO_MAX_STACKS, SINGE_MAX_STACK_DEPTH,
			       SINGE_MAX_STACK_DEPTH);
			return 1;
		}
		ret = parse_option(cmd, c, optarg);
		if (ret)
			return ret;
	}
	if (optind < argc)
		cmd->cmd_argv = argv + optind;
	cmd->opts.all = cmd->all;
	/* as perf record -p does: the children a target forks are recorded too */
	cmd->opts.follow_forks = !cmd->all;
	record_opts__resolve(&cmd->opts);
	return check_wakers(&cmd->opts) ?: check_timeline(cmd) ?: check_duty_cycle(&cmd->opts) ?:
	       check_targets(cmd) ?: check_alloc(cmd);
}

static int resolve_targets(struct record_cmd *cmd, struct target *t)
{
	pid_t bad = 0;
	int ret;

	if (cmd->all) {
		t->kind = TARGET_ALL;
		return 0;
	}
	if (cmd->pid_list) {
		ret = target__add_pids(t, cmd->pid_list, &bad);
		if (ret == -ESRCH)
			pr_err("no such process: %d", bad);
		else if (ret == -EINVAL)
			pr_err("-p: '%s' is not a list of process ids like 1234,1240",
			       cmd->pid_list);
		else if (ret)
			pr_err("-p: %s", strerror(-ret));
		return ret;
	}
	ret = target__spawn(t, cmd->cmd_argv);
	if (ret)
		pr_err("cannot start '%s': %s", cmd->cmd_argv[0], strerror(-ret));
	return ret;
}

/* Name the default output and check every output can be written, before recording. */
static int check_outputs(struct record_cmd *cmd, const struct target *t)
{
	char types[64] = "";
	size_t n = 0;
	unsigned int j;
	int i, ret;

	if (!cmd->noutputs) {
		/* the types recorded, in -t order: singe-1234-cpu+offcpu.pb.gz */
		for (j = 0; j < cmd->opts.ntypes && n < sizeof(types); j++)
			n += snprintf(types + n, sizeof(types) - n, "%s%s", j ? "+" : "",
				      cmd->opts.types[j]->name);
		if (t->kind == TARGET_ALL)
			snprintf(cmd->default_output, sizeof(cmd->default_output),
				 "singe-all-%s.pb.gz", types);
		else
			snprintf(cmd->default_output, sizeof(cmd->default_output),
				 "singe-%d-%s.pb.gz", t->pids[0], types);
		cmd->outputs[cmd->noutputs++] = cmd->default_output;
	}
	for (i = 0; i < cmd->noutputs; i++) {
		if (output__format(cmd->outputs[i]) == OUTPUT_UNKNOWN) {
			pr_err("'%s': unknown output format; name it .pb.gz, .pprof, .pb, .folded, "
			       ".txt or .svg",
			       cmd->outputs[i]);
			return -EINVAL;
		}
		ret = output__check_writable(cmd->outputs[i]);
		if (ret) {
			pr_err("cannot write '%s': %s", cmd->outputs[i], strerror(-ret));
			return ret;
		}
	}
	for (i = 0; cmd->timeline && i < cmd->noutputs; i++)
		if (!strcmp(cmd->timeline, cmd->outputs[i])) {
			pr_err("--timeline '%s' is also an -o output: give the timeline a name of "
			       "its "
			       "own",
			       cmd->timeline);
			return -EINVAL;
		}
	ret = cmd->timeline ? output__check_writable(cmd->timeline) : 0;
	if (ret)
		pr_err("cannot write the timeline '%s': %s", cmd->timeline, strerror(-ret));
	return ret;
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/*
	 * A closed stderr (singe record ... 2>&1 | head -1) must not kill the recording before
	 * it writes: the status lines then fail with EPIPE, which is ignored.
	 */
	signal(SIGPIPE, SIG_IGN);
}

static double ms_since(uint64_t t0)
{
	return (mono_ns() - t0) / 1e6;
}

/*
 * open -> configure -> load -> filter -> attach, then open the targets' files: sampling
 * starts as early as possible, and a command is let go (exec) only once it is watched.
 */
static int start_recording(struct record_cmd *cmd, struct record *r, struct target *t)
{
	struct flame_err err = {{0}};
	char what[200];
	size_t i;
	int ret;

	ret = record__open(r, &err);
	ret = ret ?: record__load(r, &err);
	for (i = 0; !ret && t->kind != TARGET_ALL && i < t->npids; i++) {
		ret = record__filter_pid(r, t->pids[i]);
		if (ret)
			flame_err__set(&err, -ret, "cannot follow process %d: %s", t->pids[i],
				       strerror(-ret));
	}
	if (!ret)
		pr_debug("BPF programs loaded %.1f ms after start", ms_since(cmd->start_ns));
	ret = ret ?: record__attach(r, &err);
	if (ret) {
		pr_err("%s", err.msg);
		return ret;
	}
	pr_debug("recording with the %s, %.1f ms after start; stack storage %u (overflow %u), "
		 "max stacks %u",
		 record__describe(r, what, sizeof(what)), ms_since(cmd->start_ns),
		 cmd->opts.stack_storage, cmd->opts.overflow_storage, cmd->opts.max_stacks);
	if (t->kind == TARGET_CMD) {
		ret = target__start(t);
		if (ret) {
			pr_err("cannot run '%s': %s", cmd->cmd_argv[0], strerror(-ret));
			return ret;
		}
	}
	/* open the targets' files now: a command's only after its exec (singe's image before) */
	for (i = 0; t->kind != TARGET_ALL && i < t->npids; i++)
		record__add_target(r, t->pids[i]);
	if (t->kind != TARGET_ALL)
		pr_debug("targets' files opened %.1f ms after start", ms_since(cmd->start_ns));
	return 0;
}

static void print_status(const struct record_stats *s, double elapsed)
{
	fprintf(stderr, "\r\033[Ksinge: recording %.1f s, %llu samples, %llu lost, %zu process%s",
		elapsed, (unsigned long long)s->samples, (unsigned long long)s->lost, s->processes,
		s->processes == 1 ? "" : "es");
	fflush(stderr);
}

static void clear_status(bool status)
{
	if (status) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

/*
 * Sleep until mono_ns() reaches until, taking stack samples in as they arrive: a shell's
 * children live for milliseconds, and one sampled now is still there to be symbolized.
 */
static void wait_until(struct record *r, uint64_t until)
{
	uint64_t now;

	while (!stop_signal && (now = mono_ns()) < until)
		if (record__wait(r, until - now) > 0 && mono_ns() + RING_BATCH_NS < until)
			nanosleep(&(struct timespec){0, RING_BATCH_NS}, NULL);
}

/* Why the loop stopped, for the summary. */
static const char *record_loop(struct record_cmd *cmd, struct record *r, struct target *t)
{
	uint64_t start = mono_ns(), now, last_status = 0;
	uint64_t end = cmd->duration ? start + (uint64_t)(cmd->duration * 1e9) : UINT64_MAX;
	bool status = log_verbosity >= 0 && isatty(STDERR_FILENO);
	const char *why = NULL;
	int ret;

	for (now = start; !why;) {
		/* short ticks in the first second until a sample comes, to measure its latency */
		bool early = !record__stats(r)->first_sample_ns && now - start < 1000000000ULL;
		uint64_t tick = early ? TICK_FIRST_NS : TICK_NS;
		uint64_t duty = record__duty_next_ns(r);

		if (end - now < tick)
			tick = end - now;
		/* --duty-cycle: tick when the uprobes are due to go out or in */
		if (duty > now && duty - now < tick)
			tick = duty - now;
		wait_until(r, now + tick);
		now = mono_ns();
		if (stop_signal)
			why = stop_signal == SIGINT ? "interrupted" : "terminated";
		else if (now >= end)
			why = "duration reached";
		else if (!target__alive(t))
			why = t->kind == TARGET_CMD ? "command exited" : "every target exited";
		ret = record__tick(r);
		if (ret < 0 && !why) {
			/* what was recorded so far is still written */
			pr_warn("stopping the recording early: %s", strerror(-ret));
			why = "stopped by an error";
		}
		if (status && now - last_status >= STATUS_INTERVAL_NS) {
			print_status(record__stats(r), (now - start) / 1e9);
			last_status = now;
		}
	}
	clear_status(status);
	return why;
}

/* The SVG subtitle: how complete the stacks are, when some were unwound with DWARF. */
static void unwind_subtitle(struct record_cmd *cmd, const struct record_stats *s, char *buf,
			    size_t size)
{
	uint64_t failed = s->unwound - s->unwind[UNWIND_COMPLETE] - s->unwind[UNWIND_TRUNCATED];

	buf[0] = '\0';
	if (cmd->opts.unwind == SINGE_UNWIND_FP || !s->unwound)
		return;
	snprintf(buf, size,
		 "unwind %s: %llu stacks by frame pointer, %llu by DWARF (%.1f%% complete, %llu "
		 "truncated, %llu failed)",
		 record__unwind_name(cmd->opts.unwind), (unsigned long long)s->fp_walks,
		 (unsigned long long)s->unwound, 100.0 * s->unwind[UNWIND_COMPLETE] / s->unwound,
		 (unsigned long long)s->unwind[UNWIND_TRUNCATED], (unsigned long long)failed);
}

static int write_outputs(struct record_cmd *cmd, const struct record *r, const struct profile *p)
{
	struct write_opts wopts = {0};
	struct flame_err err = {{0}};
	char subtitle[256], duty[128], both[400];
	int i, ret;

	svg_opts__init(&wopts.svg);
	wopts.svg.title = "CPU";
	wopts.roots = cmd->roots;
	unwind_subtitle(cmd, record__stats(r), subtitle, sizeof(subtitle));
	if (subtitle[0] && !wopts.svg.subtitle)
		wopts.svg.subtitle = subtitle;
	/* a scaled graph says so where it is read */
	if (record__duty_note(r, duty, sizeof(duty))) {
		snprintf(both, sizeof(both), "%s%s%s", duty, subtitle[0] ? "; " : "", subtitle);
		wopts.svg.subtitle = both;
	}
	for (i = 0; i < cmd->noutputs; i++) {
		ret = output__write_profile(cmd->outputs[i], OUTPUT_UNKNOWN, p, &wopts, &err);
		if (ret) {
			pr_err("%s", err.msg);
			return ret;
		}
	}
	return 0;
}

/* singe's own CPU time so far (user and system, its threads included), in milliseconds */
static long own_cpu_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L;
}

static long peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* "qsort_hot=fp libc.so.6=dwarf": what each binary the samples went through needs. */
static void format_choices(const struct record *r, char *buf, size_t size)
{
	const struct record_unwind_choice *c;
	size_t n = 0, i, len = record__unwind_choices(r, &c);

	buf[0] = '\0';
	for (i = 0; i < len && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s=%s", i ? " " : "", c[i].name,
			      c[i].fp == UNWIND_FP_KEPT ? "fp" : "dwarf");
}

/* The unwind mode, the per-binary choice and how the stack copies unwound. */
static void print_unwind_summary(struct record_cmd *cmd, const struct record *r,
				 const struct record_stats *s)
{
	char choices[512], failed[512] = "", line[512];
	uint64_t nfailed = 0;
	size_t n = 0;
	int i;

	if (cmd->opts.unwind == SINGE_UNWIND_FP)
		return;
	format_choices(r, choices, sizeof(choices));
	for (i = UNWIND_MAX_DEPTH; i < UNWIND_NR_RESULTS && n < sizeof(failed); i++) {
		if (!s->unwind[i])
			continue;
		nfailed += s->unwind[i];
		n += snprintf(failed + n, sizeof(failed) - n, "%s %s %llu", n ? "," : " (",
			      unwind_result__name(i), (unsigned long long)s->unwind[i]);
	}
	if (n && n < sizeof(failed))
		snprintf(failed + n, sizeof(failed) - n, ")");
	pr_info("unwind %s: %s%s%llu stacks walked by frame pointer, %llu unwound with DWARF in "
		"%zu process%s: %llu complete, %llu truncated at --stack-size %u, %llu failed%s",
		record__unwind_name(cmd->opts.unwind), choices, choices[0] ? "; " : "",
		(unsigned long long)s->fp_walks, (unsigned long long)s->unwound,
		cmd->opts.unwind == SINGE_UNWIND_DWARF ? s->processes : s->dwarf_processes,
		(cmd->opts.unwind == SINGE_UNWIND_DWARF ? s->processes : s->dwarf_processes) == 1
			? ""
			: "es",
		(unsigned long long)s->unwind[UNWIND_COMPLETE],
		(unsigned long long)s->unwind[UNWIND_TRUNCATED], cmd->opts.stack_size,
		(unsigned long long)nfailed, failed);
	if (record__python_line(r, line, sizeof(line)))
		pr_info("%s", line);
	if (s->stacks_lost)
		pr_warn("%llu stack copies lost because the ring buffer was full; lower -F or "
			"--stack-size (now %u)",
			(unsigned long long)s->stacks_lost, cmd->opts.stack_size);
}

/* The lines of the types that have one (goroutine: park rate and cost). */
static void print_source_summaries(const struct record *r)
{
	char line[768];
	const char *text;
	size_t i;

	for (i = 0; (text = record__summary(r, i, line, sizeof(line))); i++)
		if (text[0])
			pr_info("%s", text);
}

/*
 * -t pause keeps its summary per runtime and kind in the profile's "pause: " comments, -t
 * alloc its rates and leaks in "alloc: " ones.
 */
static void print_pause_summary(const struct profile *p)
{
	size_t i;

	for (i = 0; i < p->comments.len; i++) {
		const char *c = profile__str(p, p->comments.data[i]);

		if (!strncmp(c, "pause: ", 7) || !strncmp(c, "alloc: ", 7) ||
		    !strncmp(c, "jvm: ", 5))
			pr_info("%s", c);
	}
}

static void print_summary(struct record_cmd *cmd, const struct record *r,
			  const struct record_stats *s, const struct profile *p, const char *why)
{
	char files[512] = "", duty[512];
	size_t n = 0;
	int i;

	/* a few collisions are expected from a hash table; warn when they cost 1% of samples */
	if (s->collisions * 100 > s->samples)
		pr_warn("%llu stacks lost to stack-map hash collisions; raise --stack-storage-size "
			"(now %u)",
			(unsigned long long)s->collisions, cmd->opts.stack_storage);
	if (s->targets_full)
		pr_warn("%llu child processes were not followed: more than %d processes lived at "
			"once",
			(unsigned long long)s->targets_full, SINGE_MAX_TARGETS);
	if (s->counts_full)
		pr_warn("%llu samples lost because the counts map was full; raise --max-stacks "
			"(now %u)",
			(unsigned long long)s->counts_full, cmd->opts.max_stacks);
	if (s->dropped)
		pr_warn("%llu stack copies dropped: they came faster than singe could unwind them; "
			"lower -F, or use --unwind fp",
			(unsigned long long)s->dropped);
	if (s->events_lost)
		pr_warn("%llu exec and fork events lost (more than 8,192 in 100 ms): the stacks of "
			"those processes may stay unknown",
			(unsigned long long)s->events_lost);
	for (i = 0; i < cmd->noutputs && n < sizeof(files); i++)
		n += snprintf(files + n, sizeof(files) - n, "%s%s", i ? ", " : "", cmd->outputs[i]);
	if (cmd->timeline && n < sizeof(files))
		snprintf(files + n, sizeof(files) - n, ", the timeline %s", cmd->timeline);
	pr_info("%s after %.1f s: %llu samples from %zu process%s; lost %llu, truncated %llu, "
		"unknown frames %llu",
		why, p->duration_nanos / 1e9, (unsigned long long)s->drained, s->processes,
		s->processes == 1 ? "" : "es", (unsigned long long)s->lost,
		(unsigned long long)s->truncated, (unsigned long long)s->unknown_frames);
	print_unwind_summary(cmd, r, s);
	if (record__duty_summary(r, duty, sizeof(duty)))
		pr_info("%s", duty);
	print_source_summaries(r);
	print_pause_summary(p);
	pr_info("wrote %s", files);
}

static void debug_timings(struct record_cmd *cmd, const struct record_stats *s, uint64_t t0,
			  uint64_t t1, uint64_t t2)
{
	if (s->first_sample_ns > cmd->start_ns)
		pr_debug("first sample %.1f ms after start",
			 (s->first_sample_ns - cmd->start_ns) / 1e6);
	pr_debug("%zu distinct stacks: symbolized in %.1f ms of CPU in all (files opened in "
		 "%.1f ms), last drain and profile %.1f ms, written in %.1f ms",
		 s->stacks, s->symbolize_ns / 1e6, s->snapshot_ns / 1e6, (t1 - t0) / 1e6,
		 (t2 - t1) / 1e6);
	if (cmd->opts.unwind == SINGE_UNWIND_AUTO)
		pr_debug("%llu samples of processes auto was still watching kept their "
			 "frame-pointer walk (whole), not their stack copy",
			 (unsigned long long)s->watched);
	if (cmd->opts.unwind != SINGE_UNWIND_FP && s->unwound)
		pr_debug("unwound %llu stack copies in %.1f ms of CPU (%.0f per second), %.1f KiB "
			 "copied per sample on average; %llu continued on goroutine stacks (%llu "
			 "Go processes)",
			 (unsigned long long)s->unwound, s->unwind_ns / 1e6,
			 s->unwind_ns ? s->unwound * 1e9 / s->unwind_ns : 0.0,
			 s->stack_bytes / 1024.0 / s->unwound,
			 (unsigned long long)s->goroutine_walks,
			 (unsigned long long)s->go_processes);
	pr_debug(
		"processes gone before their files could be opened %llu, forked children "
		"given their parent's instead %llu, imaged from mapping events %llu (%llu records, "
		"%llu lost%s%s); pids reused %llu",
		(unsigned long long)s->gone_early, (unsigned long long)s->inherited,
		(unsigned long long)s->from_events, (unsigned long long)s->mapping_records,
		(unsigned long long)s->mapping_lost,
		s->mapping_events_error ? ", not opened: " : "",
		s->mapping_events_error ? strerror(-s->mapping_events_error) : "",
		(unsigned long long)s->reused);
	pr_debug("stacks kept in the overflow map %llu, lost to collisions %llu, without user "
		 "frames %llu, without kernel frames %llu; forks followed %llu; peak RSS %ld kB, "
		 "own CPU %ld ms",
		 (unsigned long long)s->overflows, (unsigned long long)s->collisions,
		 (unsigned long long)s->no_user_stack, (unsigned long long)s->no_kern_stack,
		 (unsigned long long)s->forks, peak_rss_kb(), own_cpu_ms());
}

static int finish_recording(struct record_cmd *cmd, struct record *r, const char *why)
{
	struct flame_err err = {{0}};
	struct profile *p = NULL;
	uint64_t t0 = mono_ns(), t1;
	int ret;

	ret = record__finish(r, &p, &err);
	if (ret) {
		pr_err("%s", err.msg);
		return ret;
	}
	t1 = mono_ns();
	profile__set_natural_default(p); /* else pprof readers open the last sample type */
	ret = write_outputs(cmd, r, p);
	if (!ret && cmd->timeline) {
		ret = record__write_timeline(r, cmd->timeline, &err);
		if (ret)
			pr_err("%s", err.msg);
	}
	if (!ret) {
		print_summary(cmd, r, record__stats(r), p, why);
		debug_timings(cmd, record__stats(r), t0, t1, mono_ns());
	}
	profile__free(p);
	return ret;
}

/* The exit code: the command's for -- CMD (stopped with SIGTERM if it outlived the recording). */
static int command_status(struct target *t)
{
	if (target__alive(t)) {
		pr_debug("recording stopped first: sending SIGTERM to pid %d", t->pids[0]);
		target__signal_child(t, SIGTERM);
	}
	return target__wait_child(t);
}

/*
 * -p and -- CMD open one perf event per target thread: a JVM has hundreds. Raise the soft
 * limit on open files to the hard one, as perf does; after the command is forked, so that it
 * runs with the limits it was given.
 */
static void raise_fd_limit(void)
{
	struct rlimit lim;

	if (!getrlimit(RLIMIT_NOFILE, &lim) && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
}

static int run(struct record_cmd *cmd)
{
	struct flame_err err = {{0}};
	struct record *r = NULL;
	struct target t;
	const char *why;
	int ret;

	target_init(&t);
	if (preflight__run(&err)) {
		pr_err("%s", err.msg);
		return EXIT_ERROR;
	}
	ret = resolve_targets(cmd, &t);
	ret = ret ?: check_outputs(cmd, &t);
	if (ret)
		goto cleanup;
	raise_fd_limit();
	libbpf_set_print(libbpf_print);
	r = record__new(&cmd->opts);
	if (!r) {
		ret = -errno;
		pr_err("cannot set up the recording: %s", strerror(errno));
		goto cleanup;
	}
	install_signals();
	ret = start_recording(cmd, r, &t);
	if (ret)
		goto cleanup;
	why = record_loop(cmd, r, &t);
	ret = finish_recording(cmd, r, why);
	if (!ret && t.kind == TARGET_CMD)
		ret = command_status(&t);
cleanup:
	record__free(r);
	target_release(&t);
	return ret < 0 ? EXIT_ERROR : ret;
}

int cmd_record(int argc, char **argv)
{
	struct record_cmd cmd = {.start_ns = mono_ns()};
	int ret;

	record_opts__init(&cmd.opts);
	ret = parse_args(&cmd, argc, argv);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_ERROR;
	return run(&cmd);
}
