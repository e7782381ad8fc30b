// SPDX-License-Identifier: MIT
/*
 * singe goroutines PID: every goroutine of a live Go process now, grouped like Go's
 * /debug/pprof/goroutine?debug=1 (or one by one like debug=2), a pprof goroutine profile,
 * and a leak report (long waits, groups that keep growing).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "goroutines.h"
#include "log.h"
#include "output.h"
#include "profile.h"
#include "symbolize.h"
#include "util.h"

static const char goroutines_usage[] =
	"usage: singe goroutines PID [--all] [--leaks] [--min-wait D] [--watch SECONDS] "
	"[-o FILE.pb.gz]\n"
	"\n"
	"Every goroutine of the running Go program PID, read from outside with process_vm_readv:\n"
	"nothing built into the program, no restart, the process is not stopped. Like\n"
	"/debug/pprof/goroutine?debug=1, goroutines with the same stack and state are grouped,\n"
	"biggest group first: '37 goroutines [chan receive, 12 minutes]' is 37 goroutines parked\n"
	"in a channel receive, the longest of them for 12 minutes. Go records a goroutine's wait\n"
	"start only when a GC runs while it waits, so a wait time is a lower bound and is missing\n"
	"until the first GC; running goroutines show no stack (it cannot be read without stopping\n"
	"them). Goroutines the runtime started for itself are left out, as Go's profile does.\n"
	"\n"
	"The first lines are a leak report: groups whose goroutines have all waited longer than\n"
	"--min-wait, and with --watch, groups whose count kept growing while singe watched.\n"
	"\n"
	"  -a, --all              one entry per goroutine (like debug=2), by goroutine id\n"
	"      --leaks            the leak report only\n"
	"      --min-wait D       a wait this long is a leak sign (default 1m; 30s, 500ms, 2m)\n"
	"      --watch SECONDS    read the goroutines every second for SECONDS (1-3600) and\n"
	"                         report groups that grew; the listing is the last reading\n"
	"  -o, --output FILE      also write a pprof goroutine profile (goroutine/count), labels\n"
	"                         goid and state; 'go tool pprof' opens it like Go's own\n"
	"  -h, --help             this help\n"
	"\n"
	"Cost: the program is never stopped. singe takes about 0.05 s to read the binary's\n"
	"symbols and about 7 us per goroutine (0.10 s for 7,218). It needs permission to read\n"
	"the process's memory (root, or the same user with ptrace allowed). Stripped Go\n"
	"binaries (-ldflags='-s -w') work: runtime.allgs is found in runtime.allgadd's code,\n"
	"offsets come from singe's tables for Go 1.19 to 1.23 (1.20's inferred, unchecked).\n"
	"\n"
	"examples:\n"
	"  singe goroutines $(pidof myservice)\n"
	"  singe goroutines --leaks --watch 30 --min-wait 5m 4242\n"
	"  singe goroutines -o goroutines.pb.gz 4242 && go tool pprof -top goroutines.pb.gz\n";

enum { OPT_LEAKS = 256, OPT_MIN_WAIT, OPT_WATCH };

static const struct option goroutines_options[] = {
	{"all", no_argument, NULL, 'a'},
	{"leaks", no_argument, NULL, OPT_LEAKS},
	{"min-wait", required_argument, NULL, OPT_MIN_WAIT},
	{"watch", required_argument, NULL, OPT_WATCH},
	{"output", required_argument, NULL, 'o'},
	{"help", no_argument, NULL, 'h'},
	{0},
};

struct goroutines_cmd {
	pid_t pid;
	bool all, leaks_only;
	int64_t min_wait_ns;
	long watch;
	const char *output;
};

/* One goroutine as shown: its location ids (leaf first) in the command's profile. */
struct shown {
	const struct goroutine *g;
	const char *state;
	uint32_t loc_start, nlocs;
};

struct group {
	size_t first; /* index in the sorted shown[] */
	size_t count;
	int64_t longest_ns; /* -1 when no member has a known wait */
	int64_t shortest_ns;
	bool all_known;
	char *key; /* malloc'ed: state + location ids, to follow a group across readings */
	/* --watch: the count at the first reading, and whether it grew and never fell since */
	size_t first_count;
	bool grew;
};

struct reading {
	struct goroutine_set set;
	struct shown *shown;
	size_t nshown, nsystem;
	uint64_t *locs;
	size_t nlocs, locs_cap;
	struct group *groups;
	size_t ngroups;
};

struct session {
	struct go_process *gp;
	struct profile *prof;
	struct symbolizer *sym;
};

/* "90s", "1m", "500ms", "2h", or plain seconds */
static int parse_duration_ns(const char *s, int64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mult = 1e9;

	if (end == s || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		mult = 1e6;
	else if (!strcmp(end, "m"))
		mult = 60e9;
	else if (!strcmp(end, "h"))
		mult = 3600e9;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (v * mult > 1e18)
		return -EINVAL;
	*out = (int64_t)(v * mult);
	return 0;
}

static int parse_args(int argc, char **argv, struct goroutines_cmd *cmd)
{
	long pid;
	int c;

	optind = 0;
	cmd->min_wait_ns = 60000000000LL;
	while ((c = getopt_long(argc, argv, "+ao:h", goroutines_options, NULL)) != -1) {
		switch (c) {
		case 'a':
			cmd->all = true;
			break;
		case OPT_LEAKS:
			cmd->leaks_only = true;
			break;
		case OPT_MIN_WAIT:
			if (parse_duration_ns(optarg, &cmd->min_wait_ns)) {
				pr_err("--min-wait '%s': expected a duration such as 30s, 5m or "
				       "500ms",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_WATCH:
			if (parse_long_range(optarg, 1, 3600, &cmd->watch)) {
				pr_err("--watch '%s': expected whole seconds from 1 to 3600",
				       optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			cmd->output = optarg;
			break;
		case 'h':
			fputs(goroutines_usage, stdout);
			return 1;
		default:
			pr_err("see 'singe goroutines --help'");
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		pr_err("goroutines takes one PID; see 'singe goroutines --help'");
		return -EINVAL;
	}
	if (parse_long_range(argv[optind], 1, 1 << 30, &pid)) {
		pr_err("'%s' is not a process id; give the PID of a running Go program",
		       argv[optind]);
		return -EINVAL;
	}
	cmd->pid = (pid_t)pid;
	if (cmd->output && output__format(cmd->output) != OUTPUT_PPROF_GZ &&
	    output__format(cmd->output) != OUTPUT_PPROF_RAW) {
		pr_err("'%s': goroutine profiles are written as pprof; name the file .pb.gz",
		       cmd->output);
		return -EINVAL;
	}
	return 0;
}

static void open_error(const struct goroutines_cmd *cmd, int err)
{
	pid_t pid = cmd->pid;

	switch (err) {
	case -ESRCH:
		pr_err("no process %d (or it exited); give the PID of a running Go program",
		       (int)pid);
		break;
	case -EACCES:
	case -EPERM:
		pr_err("process %d: permission denied; run as root or as its user with ptrace "
		       "allowed",
		       (int)pid);
		break;
	case -ENOENT:
	case -ENOEXEC:
		pr_err("process %d is not a Go program (no Go build info or .gopclntab in its "
		       "executable); singe goroutines reads Go programs only",
		       (int)pid);
		break;
	case -ENOTSUP:
		pr_err("process %d: a Go version singe has no table for (it knows 1.19 to 1.%d) "
		       "and no DWARF; rebuild without -ldflags=-w",
		       (int)pid, go_runtime__newest_table());
		break;
	case -ENXIO:
		pr_err("process %d: runtime.allgs not found (no .symtab, and runtime.allgadd's "
		       "code did not show it); rebuild without -ldflags=-s to list its goroutines",
		       (int)pid);
		break;
	default:
		pr_err("process %d: cannot read its Go runtime: %s", (int)pid, strerror(-err));
	}
}

static void read_error(pid_t pid, int err)
{
	if (err == -ESRCH)
		pr_err("process %d exited while its goroutines were read", (int)pid);
	else if (err == -EPERM || err == -EACCES)
		pr_err("process %d: its memory may not be read (%s); run as root", (int)pid,
		       strerror(-err));
	else if (err == -EIO)
		pr_err("process %d: runtime.allgs did not read as a goroutine list; the binary's "
		       "runtime is not what singe expects",
		       (int)pid);
	else
		pr_err("process %d: cannot read its goroutines: %s", (int)pid, strerror(-err));
}

/* ---- a reading: goroutines, their stacks as location ids, groups ---- */

static int push_loc(struct reading *r, uint64_t id)
{
	if (r->nlocs == r->locs_cap) {
		size_t cap = r->locs_cap ? r->locs_cap * 2 : 1024;
		uint64_t *p = realloc(r->locs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->locs = p;
		r->locs_cap = cap;
	}
	r->locs[r->nlocs++] = id;
	return 0;
}

static int symbolize_stack(struct session *s, struct reading *r, struct shown *sh)
{
	const struct goroutine *g = sh->g;
	uint32_t i;
	int err;

	sh->loc_start = (uint32_t)r->nlocs;
	for (i = 0; i < g->npcs; i++) {
		/* every saved pc is a return address: gopark's from mcall, then the callers' */
		int64_t id = symbolizer__user_location(s->sym, s->gp->pid,
						       r->set.pcs[g->pcs_start + i], false);

		if (id < 0)
			return (int)id;
		if ((err = push_loc(r, (uint64_t)id)))
			return err;
	}
	sh->nlocs = (uint32_t)(r->nlocs - sh->loc_start);
	return 0;
}

static const uint64_t *shown_locs(const struct reading *r, const struct shown *sh)
{
	return r->locs + sh->loc_start;
}

/* qsort has no context argument: the reading being sorted, for its location ids */
static const struct reading *sort_reading;

static int cmp_shown(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;
	int c = strcmp(x->state, y->state);
	uint32_t i;

	if (c)
		return c;
	if (x->nlocs != y->nlocs)
		return x->nlocs < y->nlocs ? -1 : 1;
	for (i = 0; i < x->nlocs; i++) {
		uint64_t u = shown_locs(sort_reading, x)[i], v = shown_locs(sort_reading, y)[i];

		if (u != v)
			return u < v ? -1 : 1;
	}
	return x->g->goid < y->g->goid ? -1 : x->g->goid > y->g->goid;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static bool same_group(const struct reading *r, const struct shown *a, const struct shown *b)
{
	return !strcmp(a->state, b->state) && a->nlocs == b->nlocs &&
	       !memcmp(shown_locs(r, a), shown_locs(r, b), a->nlocs * sizeof(uint64_t));
}

static char *group_key(const struct reading *r, const struct shown *sh)
{
	size_t cap = strlen(sh->state) + 24 * (sh->nlocs + 1), len;
	char *k = malloc(cap);
	uint32_t i;

	if (!k)
		return NULL;
	len = (size_t)snprintf(k, cap, "%s|", sh->state);
	for (i = 0; i < sh->nlocs; i++)
		len += (size_t)snprintf(k + len, cap - len, "%llu,",
					(unsigned long long)shown_locs(r, sh)[i]);
	return k;
}

static int make_groups(struct reading *r)
{
	size_t i;

	sort_reading = r;
	qsort(r->shown, r->nshown, sizeof(r->shown[0]), cmp_shown);
	r->groups = calloc(r->nshown ? r->nshown : 1, sizeof(*r->groups));
	if (!r->groups)
		return -ENOMEM;
	for (i = 0; i < r->nshown; i++) {
		struct group *gr = r->ngroups ? &r->groups[r->ngroups - 1] : NULL;
		int64_t w = r->shown[i].g->wait_ns;

		if (!gr || !same_group(r, &r->shown[gr->first], &r->shown[i])) {
			gr = &r->groups[r->ngroups++];
			gr->first = i;
			gr->longest_ns = -1;
			gr->shortest_ns = INT64_MAX;
			gr->all_known = true;
			if (!(gr->key = group_key(r, &r->shown[i])))
				return -ENOMEM;
		}
		gr->count++;
		if (w > gr->longest_ns)
			gr->longest_ns = w;
		if (w >= 0 && w < gr->shortest_ns)
			gr->shortest_ns = w;
		if (w < 0)
			gr->all_known = false;
	}
	qsort(r->groups, r->ngroups, sizeof(r->groups[0]), cmp_group);
	return 0;
}

static void release_reading(struct reading *r)
{
	size_t i;

	for (i = 0; i < r->ngroups; i++)
		free(r->groups[i].key);
	free(r->groups);
	free(r->shown);
	free(r->locs);
	goroutine_set__release(&r->set);
	memset(r, 0, sizeof(*r));
}

static int take_reading(struct session *s, struct reading *r)
{
	size_t i;
	int err;

	release_reading(r);
	if ((err = go_process__goroutines(s->gp, &r->set)))
		return err;
	r->shown = calloc(r->set.n ? r->set.n : 1, sizeof(*r->shown));
	if (!r->shown)
		return -ENOMEM;
	for (i = 0; i < r->set.n; i++) {
		struct shown *sh = &r->shown[r->nshown];

		if (r->set.g[i].system) {
			r->nsystem++;
			continue;
		}
		sh->g = &r->set.g[i];
		sh->state = goroutine__state(s->gp, sh->g);
		if ((err = symbolize_stack(s, r, sh)))
			return err;
		r->nshown++;
	}
	return make_groups(r);
}

static const struct group *find_group(const struct reading *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->ngroups; i++)
		if (!strcmp(r->groups[i].key, key))
			return &r->groups[i];
	return NULL;
}

/*
 * --watch: a reading every second; a group "grew" when it was there at the first reading,
 * has more goroutines at the last, and no reading in between saw it shrink (a leak only
 * grows; a worker pool breathes). The last reading is the one listed.
 */
static int watch(struct session *s, struct reading *last, long seconds)
{
	struct reading first = {0};
	size_t *prev = NULL, i;
	bool *fell = NULL;
	long t;
	int err;

	if ((err = take_reading(s, &first)))
		goto out;
	prev = calloc(first.ngroups + 1, sizeof(*prev));
	fell = calloc(first.ngroups + 1, sizeof(*fell));
	if (!prev || !fell) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < first.ngroups; i++)
		prev[i] = first.groups[i].count;
	for (t = 0; t < seconds; t++) {
		sleep(1);
		if ((err = take_reading(s, last)))
			goto out;
		for (i = 0; i < first.ngroups; i++) {
			const struct group *g = find_group(last, first.groups[i].key);
			size_t c = g ? g->count : 0;

			fell[i] |= c < prev[i];
			prev[i] = c;
		}
	}
	for (i = 0; i < last->ngroups; i++) {
		struct group *g = &last->groups[i];
		const struct group *f = find_group(&first, g->key);

		if (!f)
			continue;
		g->first_count = f->count;
		g->grew = !fell[f - first.groups] && g->count > f->count;
	}
out:
	release_reading(&first);
	free(prev);
	free(fell);
	return err;
}

/* ---- text ---- */

static void format_wait(int64_t ns, char *buf, size_t size)
{
	if (ns < 0)
		buf[0] = '\0';
	else if (ns >= 120000000000LL)
		snprintf(buf, size, "%lld minutes", (long long)(ns / 60000000000LL));
	else if (ns >= 60000000000LL)
		snprintf(buf, size, "1 minute");
	else
		snprintf(buf, size, "%.0f s", (double)ns / 1e9);
}

static void print_state(FILE *out, const char *state, int64_t wait_ns)
{
	char w[64];

	format_wait(wait_ns, w, sizeof(w));
	fprintf(out, "[%s%s%s]", state, w[0] ? ", " : "", w);
}

/* The first frame outside the runtime: what a reader knows the group by. */
static const char *group_function(const struct profile *p, const struct reading *r,
				  const struct shown *sh)
{
	const char *fallback = "?";
	uint32_t i, k;

	for (i = 0; i < sh->nlocs; i++) {
		const struct location *loc = profile__location(p, shown_locs(r, sh)[i]);
		const struct line *lines = profile__location_lines(p, loc);

		for (k = 0; k < loc->nlines; k++) {
			const char *name =
				profile__str(p, profile__function(p, lines[k].function_id)->name);

			if (fallback[0] == '?')
				fallback = name;
			if (strncmp(name, "runtime.", 8))
				return name;
		}
	}
	return fallback;
}

static void print_frames(FILE *out, const struct profile *p, const struct reading *r,
			 const struct shown *sh, bool go_style)
{
	uint32_t i, k;

	for (i = 0; i < sh->nlocs; i++) {
		const struct location *loc = profile__location(p, shown_locs(r, sh)[i]);
		const struct line *lines = profile__location_lines(p, loc);

		if (!loc->nlines)
			fprintf(out, go_style ? "?\n\t?\n" : "#\t0x%llx\t?\n",
				(unsigned long long)loc->address);
		for (k = 0; k < loc->nlines; k++) {
			const struct function *f = profile__function(p, lines[k].function_id);

			if (go_style)
				fprintf(out, "%s(...)\n\t%s:%lld\n", profile__str(p, f->name),
					profile__str(p, f->filename), (long long)lines[k].line);
			else
				fprintf(out, "#\t0x%llx\t%s\t%s:%lld\n",
					(unsigned long long)loc->address, profile__str(p, f->name),
					profile__str(p, f->filename), (long long)lines[k].line);
		}
	}
	if (sh->g->truncated)
		fprintf(out, go_style ? "...additional frames elided...\n" : "#\t...\n");
}

static bool long_wait(const struct group *g, int64_t min_wait_ns)
{
	return g->all_known && g->shortest_ns >= min_wait_ns;
}

static void print_min_wait(FILE *out, int64_t ns)
{
	if (ns % 60000000000LL == 0)
		fprintf(out, "%lldm", (long long)(ns / 60000000000LL));
	else if (ns % 1000000000LL == 0)
		fprintf(out, "%llds", (long long)(ns / 1000000000LL));
	else
		fprintf(out, "%lldms", (long long)(ns / 1000000));
}

static void print_leaks(FILE *out, const struct goroutines_cmd *cmd, struct session *s,
			const struct reading *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->ngroups; i++) {
		const struct group *g = &r->groups[i];
		bool waited = long_wait(g, cmd->min_wait_ns);

		if (!waited && !g->grew)
			continue;
		n++;
		fprintf(out, "leak: %zu goroutines in %s ", g->count,
			group_function(s->prof, r, &r->shown[g->first]));
		print_state(out, r->shown[g->first].state, g->longest_ns);
		if (waited) {
			fprintf(out, ": every one has waited over ");
			print_min_wait(out, cmd->min_wait_ns);
		}
		if (g->grew)
			fprintf(out, "%sgrew from %zu to %zu in %ld s", waited ? "; " : ": ",
				g->first_count, g->count, cmd->watch);
		fputc('\n', out);
	}
	if (!n) {
		fprintf(out, "leaks: none (no group has waited over ");
		print_min_wait(out, cmd->min_wait_ns);
		fprintf(out, "%s)\n", cmd->watch ? " or grew while watched" : "");
	}
}

static void print_summary(FILE *out, const struct goroutines_cmd *cmd, struct session *s,
			  const struct reading *r)
{
	fprintf(out, "goroutines of process %d (%s, %s): %zu goroutines in %zu groups",
		(int)cmd->pid, s->gp->exe, s->gp->rt.version[0] ? s->gp->rt.version : "Go",
		r->nshown, r->ngroups);
	if (r->nsystem)
		fprintf(out, "; %zu runtime goroutines not shown", r->nsystem);
	if (r->set.unreadable)
		fprintf(out, "; %llu changed while read", (unsigned long long)r->set.unreadable);
	fputc('\n', out);
}

static void print_groups(FILE *out, struct session *s, const struct reading *r)
{
	size_t i;

	for (i = 0; i < r->ngroups; i++) {
		const struct group *g = &r->groups[i];

		fprintf(out, "\n%zu goroutine%s ", g->count, g->count == 1 ? "" : "s");
		print_state(out, r->shown[g->first].state, g->longest_ns);
		fprintf(out, ":\n");
		print_frames(out, s->prof, r, &r->shown[g->first], false);
	}
}

static int cmp_goid(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;

	return x->g->goid < y->g->goid ? -1 : x->g->goid > y->g->goid;
}

static int print_all(FILE *out, struct session *s, struct reading *r)
{
	struct shown *byid = malloc((r->nshown ? r->nshown : 1) * sizeof(*byid));
	size_t i;

	if (!byid)
		return -ENOMEM;
	memcpy(byid, r->shown, r->nshown * sizeof(*byid));
	qsort(byid, r->nshown, sizeof(*byid), cmp_goid);
	for (i = 0; i < r->nshown; i++) {
		const struct shown *sh = &byid[i];
		int64_t id;

		fprintf(out, "\ngoroutine %llu ", (unsigned long long)sh->g->goid);
		print_state(out, sh->state, sh->g->wait_ns);
		fprintf(out, ":\n");
		print_frames(out, s->prof, r, sh, true);
		if (!sh->g->gopc)
			continue;
		id = symbolizer__user_location(s->sym, s->gp->pid, sh->g->gopc, false);
		if (id > 0) {
			const struct location *loc = profile__location(s->prof, (uint64_t)id);
			const struct line *l = profile__location_lines(s->prof, loc);

			if (loc->nlines) {
				const struct line *outer = &l[loc->nlines - 1];
				const struct function *f =
					profile__function(s->prof, outer->function_id);

				fprintf(out, "created by %s\n\t%s:%lld\n",
					profile__str(s->prof, f->name),
					profile__str(s->prof, f->filename), (long long)outer->line);
			}
		}
	}
	free(byid);
	return 0;
}

/* ---- pprof ---- */

static int add_samples(struct session *s, const struct reading *r)
{
	struct profile *p = s->prof;
	int64_t one = 1;
	int64_t goid_key = profile__intern_str(p, "goid");
	int64_t state_key = profile__intern_str(p, "state");
	size_t i;

	if (goid_key < 0 || state_key < 0)
		return -ENOMEM;
	for (i = 0; i < r->nshown; i++) {
		const struct shown *sh = &r->shown[i];
		int64_t state = profile__intern_str(p, sh->state);
		struct label labels[2] = {
			{.key = (uint32_t)goid_key, .num = (int64_t)sh->g->goid},
			{.key = (uint32_t)state_key, .str = (uint32_t)state},
		};
		int err;

		if (state < 0)
			return -ENOMEM;
		err = profile__add_sample(p, shown_locs(r, sh), sh->nlocs, &one, labels, 2);
		if (err)
			return err;
	}
	return 0;
}

static int write_pprof(const struct goroutines_cmd *cmd, struct session *s, const struct reading *r)
{
	struct write_opts wopts = {0};
	struct flame_err err = {{0}};
	int ret = add_samples(s, r);

	if (ret) {
		pr_err("cannot build the goroutine profile: %s", strerror(-ret));
		return ret;
	}
	ret = output__write_profile(cmd->output, OUTPUT_UNKNOWN, s->prof, &wopts, &err);
	if (ret)
		pr_err("%s", err.msg);
	return ret;
}

static int new_profile(struct session *s)
{
	struct symbolizer_opts sopts = {0};
	struct profile *p = profile__new();
	int64_t type, unit;

	if (!p)
		return -ENOMEM;
	s->prof = p;
	if (profile__add_sample_type(p, "goroutine", "count") < 0)
		return -ENOMEM;
	type = profile__intern_str(p, "goroutine");
	unit = profile__intern_str(p, "count");
	if (type < 0 || unit < 0)
		return -ENOMEM;
	p->period_type.type = (uint32_t)type;
	p->period_type.unit = (uint32_t)unit;
	p->period = 1;
	p->time_nanos = (int64_t)time(NULL) * 1000000000LL;
	s->sym = symbolizer__new(p, &sopts);
	return s->sym ? 0 : -ENOMEM;
}

static int run(const struct goroutines_cmd *cmd, struct session *s)
{
	struct reading r = {0};
	int err;

	if ((err = go_process__open(cmd->pid, &s->gp))) {
		open_error(cmd, err);
		return err;
	}
	if (s->gp->rt.newer_than_tables && s->gp->rt.layout_src == GO_SRC_TABLE)
		pr_warn("process %d runs %s, newer than singe's tables (1.19 to 1.%d): using "
			"1.%d's offsets, which may be wrong",
			(int)cmd->pid, s->gp->rt.version, go_runtime__newest_table(),
			go_runtime__newest_table());
	if (s->gp->rt.unchecked_table &&
	    (s->gp->rt.layout_src == GO_SRC_TABLE || s->gp->rt.reasons_src == GO_SRC_TABLE))
		pr_warn("process %d runs %s: singe's table for it was inferred from its "
			"neighbours, "
			"never checked; wait reasons may be wrong",
			(int)cmd->pid, s->gp->rt.version);
	if ((err = new_profile(s))) {
		pr_err("out of memory");
		return err;
	}
	/* the process's mappings now, while it runs, for symbols */
	if ((err = symbolizer__add_pid(s->sym, cmd->pid)) == -ESRCH) {
		read_error(cmd->pid, err);
		return err;
	}
	err = cmd->watch ? watch(s, &r, cmd->watch) : take_reading(s, &r);
	if (err) {
		read_error(cmd->pid, err);
		release_reading(&r);
		return err;
	}
	if (!cmd->leaks_only)
		print_summary(stdout, cmd, s, &r);
	print_leaks(stdout, cmd, s, &r);
	if (cmd->all)
		err = print_all(stdout, s, &r);
	else if (!cmd->leaks_only)
		print_groups(stdout, s, &r);
	if (!err && cmd->output)
		err = write_pprof(cmd, s, &r);
	release_reading(&r);
	return err;
}

int cmd_goroutines(int argc, char **argv)
{
	struct goroutines_cmd cmd = {0};
	struct session s = {0};
	int err = parse_args(argc, argv, &cmd);

	if (err)
		return err > 0 ? EXIT_OK : EXIT_ERROR;
	if (cmd.output && (err = output__check_writable(cmd.output))) {
		pr_err("'%s': cannot write there: %s", cmd.output, strerror(-err));
		return EXIT_ERROR;
	}
	err = run(&cmd, &s);
	symbolizer__free(s.sym);
	profile__free(s.prof);
	go_process__free(s.gp);
	return err ? EXIT_ERROR : EXIT_OK;
}
