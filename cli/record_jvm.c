// SPDX-License-Identifier: MIT
/*
 * JVMs in a recording: name their JIT-compiled methods without restarting them.
 *
 * HotSpot writes /tmp/perf-PID.map (every compiled method's code range and name) only when
 * asked: -XX:+DumpPerfMapAtExit at exit, or the diagnostic command Compiler.perfmap. For each
 * recorded process that maps libjvm.so, singe runs Compiler.perfmap through the attach
 * mechanism (jvm_attach.c) and reads the map at once, while the JVM lives: a second after it
 * was first seen, then at doubling intervals (a JVM run under `singe record -- java …` exits
 * before the recording ends, so the last map written before its exit names its methods), and
 * once more at the end if it still runs. Stacks are symbolized when the recording ends, so
 * every frame is named from the newest map read.
 *
 * A JVM that cannot be asked (attach disabled, -Xrs, another user's without root) keeps its
 * compiled frames [unknown]; the summary says why and what the user can do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "jvm_attach.h"
#include "record_int.h"
#include "record_stacks.h"
#include "symbolize.h"

#include "profile.h"

/* the first request once the JIT has had time to compile the hot methods */
#define JVM_FIRST_REQUEST_NS 1000000000ULL
#define JVM_MAX_INTERVAL_NS 60000000000ULL
/* how long a request may take: the listener's start, then the command */
#define JVM_ATTACH_TIMEOUT_MS 2500

static bool maps_libjvm(const struct proc_image *img)
{
	size_t i;

	for (i = 0; img->maps && i < img->maps->len; i++) {
		const char *path = img->maps->maps[i].path, *slash = strrchr(path, '/');

		if (procmap__is_file(&img->maps->maps[i]) &&
		    !strcmp(slash ? slash + 1 : path, "libjvm.so"))
			return true;
	}
	return false;
}

static struct record_jvm *find_jvm(struct record *r, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < r->jvms.len; i++)
		if (r->jvms.data[i].tgid == tgid)
			return &r->jvms.data[i];
	return NULL;
}

int record__jvm_image(struct record *r, uint32_t tgid, const struct proc_image *img)
{
	struct record_jvm j = {.tgid = tgid, .interval_ns = JVM_FIRST_REQUEST_NS};

	if (!img || !maps_libjvm(img) || find_jvm(r, tgid))
		return 0;
	j.next_ns = mono_ns() + JVM_FIRST_REQUEST_NS;
	return vec_push(&r->jvms, j) ? -ENOMEM : 0;
}

/* Ask j's JVM for its perf map and read it. Failures are kept for the summary. */
static void request_perfmap(struct record *r, struct record_jvm *j)
{
	uint64_t t0 = mono_ns();
	int status = 0, err;

	err = jvm_attach__jcmd((pid_t)j->tgid, "Compiler.perfmap", JVM_ATTACH_TIMEOUT_MS, &status,
			       j->msg, sizeof(j->msg));
	if (!err && status)
		err = -EPROTO;
	else if (!err)
		err = symbolizer__load_perfmap(r->sym, (pid_t)j->tgid);
	r->jvm_attach_ns += mono_ns() - t0;
	j->requests++;
	if (err == -ESRCH) {
		j->gone = true;
		return;
	}
	if (err) {
		j->err = err;
		/*
		 * one failure after a SIGQUIT is enough: do not signal it again. Nothing was sent
		 * on -ENOTSUP (a JVM still starting may not catch SIGQUIT yet): try again later
		 */
		j->failed = err != -ENOTSUP;
		return;
	}
	j->maps++;
	j->err = 0;
}

static bool jvm_lives(const struct record_jvm *j)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%u/root", j->tgid);
	return !j->gone && !access(path, F_OK);
}

int record__jvm_tick(struct record *r)
{
	uint64_t now = mono_ns();
	size_t i;

	for (i = 0; i < r->jvms.len; i++) {
		struct record_jvm *j = &r->jvms.data[i];

		if (j->failed || j->gone || now < j->next_ns)
			continue;
		if (!jvm_lives(j)) {
			j->gone = true;
			continue;
		}
		request_perfmap(r, j);
		j->interval_ns = j->interval_ns * 2 < JVM_MAX_INTERVAL_NS ? j->interval_ns * 2
									  : JVM_MAX_INTERVAL_NS;
		j->next_ns = mono_ns() + j->interval_ns;
	}
	return 0;
}

void record__jvm_finish(struct record *r)
{
	size_t i;

	for (i = 0; i < r->jvms.len; i++) {
		struct record_jvm *j = &r->jvms.data[i];

		if (!j->failed && jvm_lives(j))
			request_perfmap(r, j);
	}
}

/*
 * A Java thread starts in native code (thread_native_entry, JavaMain): a stack whose outermost
 * frame is JIT code did not reach its root. Without -XX:+PreserveFramePointer compiled
 * methods use rbp as a general register, so the walk stops at the first of them whose
 * caller it cannot find; the stack gets a root frame that says so.
 */
int64_t record__jvm_cut_root(struct record *r, const struct stack_key *k)
{
	uint32_t n = k->nkern + k->nuser;

	if (!k->nuser || !find_jvm(r, k->tgid) ||
	    !symbolizer__is_jit(r->sym, (pid_t)k->tgid, frame_lookup_addr(k->addrs[n - 1], n == 1)))
		return 0;
	if (!r->jvm_cut_loc)
		r->jvm_cut_loc = record__pseudo_location(r->profile, JVM_CUT_NAME);
	return r->jvm_cut_loc;
}

/* Does the location hold a frame named name? */
static bool location_is(const struct profile *p, uint64_t id, const char *name)
{
	const struct location *loc = &p->locations.data[id - 1];
	uint32_t k;

	for (k = 0; k < loc->nlines; k++) {
		const struct line *l = &p->lines.data[loc->line_start + k];

		if (!strcmp(profile__str(p, p->functions.data[l->function_id - 1].name), name))
			return true;
	}
	return false;
}

/*
 * The first source's first value in JVM stacks: all of it, in those with an interpreted frame,
 * and in those cut in JIT code.
 */
static void count_interpreted(struct record *r, int64_t *interpreted, int64_t *total, int64_t *cut)
{
	unsigned int col = r->sources.len ? r->sources.data[0]->first_value : 0;
	size_t i;

	*interpreted = *total = *cut = 0;
	for (i = 0; i < stack_table__len(r->stacks); i++) {
		struct stack_key k = stack_table__key(r->stacks, i);
		const uint64_t *locs;
		uint32_t n, f;
		int64_t v;

		if (!find_jvm(r, k.tgid) || !stack_table__symbolized(r->stacks, i))
			continue;
		v = stack_table__values(r->stacks, i)[col];
		locs = stack_table__locations(r->stacks, i, &n);
		*total += v;
		if (n && r->jvm_cut_loc > 0 && locs[n - 1] == (uint64_t)r->jvm_cut_loc)
			*cut += v;
		for (f = k.nkern; f < n; f++)
			if (locs[f] && location_is(r->profile, locs[f], JVM_INTERPRETED_NAME)) {
				*interpreted += v;
				break;
			}
	}
}

static const char *error_text(int err)
{
	switch (err) {
	case -ENOTSUP:
		return "its attach mechanism is off (-XX:+DisableAttachMechanism) or it does not "
		       "catch SIGQUIT";
	case -ETIMEDOUT:
		return "it did not answer in time";
	case -EPROTO:
		return "it refused the command";
	default:
		return strerror(-err);
	}
}

int record__jvm_annotate(struct record *r)
{
	char text[768];
	int64_t interp, total, cut;
	unsigned int asked = 0, maps = 0;
	size_t i;
	int ret;

	if (!r->jvms.len)
		return 0;
	for (i = 0; i < r->jvms.len; i++) {
		asked += r->jvms.data[i].requests;
		maps += r->jvms.data[i].maps;
	}
	count_interpreted(r, &interp, &total, &cut);
	snprintf(text, sizeof(text),
		 "jvm: %zu JVM%s, perf map asked %u times (Compiler.perfmap through the attach "
		 "mechanism), %u written and read, %.1f ms; of %s's JVM samples %.1f%% have %s "
		 "frames, %.1f%% are %s (no frame pointers in compiled code: "
		 "-XX:+PreserveFramePointer keeps them)",
		 r->jvms.len, r->jvms.len == 1 ? "" : "s", asked, maps, r->jvm_attach_ns / 1e6,
		 r->sources.len ? r->sources.data[0]->ops->name : "",
		 total ? 100.0 * (double)interp / (double)total : 0.0, JVM_INTERPRETED_NAME,
		 total ? 100.0 * (double)cut / (double)total : 0.0, JVM_CUT_NAME);
	if ((ret = profile__add_comment(r->profile, text)))
		return ret;
	for (i = 0; i < r->jvms.len; i++) {
		const struct record_jvm *j = &r->jvms.data[i];

		if (!j->err && (j->maps || !j->gone))
			continue;
		if (j->err == -ENOTSUP)
			snprintf(text, sizeof(text),
				 "jvm: %u: no perf map: %s, so singe did not signal it; its "
				 "compiled "
				 "methods stay [unknown]: allow attaching, or profile it with perf "
				 "and "
				 "-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit",
				 j->tgid, error_text(j->err));
		else if (j->err)
			snprintf(text, sizeof(text),
				 "jvm: %u: no perf map: %s%s%.200s; its compiled methods stay "
				 "[unknown]: run `jcmd %u Compiler.perfmap` while singe records it "
				 "(the map is read at the end)",
				 j->tgid, error_text(j->err), j->msg[0] ? ": " : "", j->msg,
				 j->tgid);
		else
			snprintf(text, sizeof(text),
				 "jvm: %u: no perf map: it exited before singe asked (a second "
				 "after "
				 "it was first seen), so its compiled methods stay [unknown]: "
				 "record "
				 "a JVM that runs longer, or with -p once it runs",
				 j->tgid);
		if ((ret = profile__add_comment(r->profile, text)))
			return ret;
	}
	return 0;
}
