// SPDX-License-Identifier: MIT
/*
 * singe diff: compare BASE runs with HEAD runs and give a verdict CI can gate on (exit 1 on a
 * significant regression), with a table, a Markdown comment, JSON, a diff pprof and a
 * differential SVG from one run.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "diff.h"
#include "diff_pprof.h"
#include "diff_report.h"
#include "diff_svg.h"
#include "input.h"
#include "log.h"
#include "output.h"
#include "pprof.h"
#include "profile.h"
#include "util.h"

/* --fail-weak: no regression, but the comparison could not have seen a change of --detect. */
#define EXIT_WEAK 3

static const char diff_usage[] =
	"usage: singe diff [options] BASE... -- HEAD...\n"
	"       singe diff [options] BASE HEAD\n"
	"\n"
	"Compare profiles: BASE runs (before a change) with HEAD runs (after it), per function\n"
	"(self and inclusive) and per stack, and say whether the head is significantly slower.\n"
	"Inputs are pprof (.pb.gz or raw), folded stacks or perf script, as for 'singe flame';\n"
	"several runs per side make the statistics much stronger (a rank test across runs, where\n"
	"one run per side gets an overdispersed two-proportion test). p values are adjusted for\n"
	"the number of functions tested (Benjamini-Hochberg), and a change counts only past both\n"
	"effect floors. Cost that merely moved between the callees of an unchanged parent is\n"
	"reported as a shift, not a regression. The method and its measured false-positive and\n"
	"detection rates are in docs/DIFF.md.\n"
	"\n"
	"  -t, --sample-type TYPE compare this sample type, e.g. cpu, alloc_space (default: the\n"
	"                         first base profile's default)\n"
	"      --normalize MODE   share (of each run's total, default), rate (per second of\n"
	"                         recording) or scale (head scaled to the base total, as pprof\n"
	"                         -normalize)\n"
	"      --min-delta PP     effect floor: change of share in percentage points (0.5)\n"
	"      --min-rel PCT      effect floor: relative change in percent (10)\n"
	"      --fdr Q            false-discovery rate for Benjamini-Hochberg (0.05)\n"
	"      --min-count N      test a function only with N samples on one side (20)\n"
	"      --dispersion F     one run per side: variance factor (default: estimated)\n"
	"      --detect PCT       the change of a function's share (in %, e.g. 5%) the\n"
	"                         comparison must be able to see (10): how many samples and\n"
	"                         runs per side it needs; a verdict \"ok\" that could not have\n"
	"                         seen it in the largest function is flagged as weak\n"
	"      --fail-weak        exit 3 on a weak \"ok\" (default: exit 0 and a warning)\n"
	"      --top N            rows per table section (10; 0 = all)\n"
	"  -o, --output FILE      the format follows the extension, as in 'record' and 'convert':\n"
	"                         .svg differential flame graph (head/base shape toggle), .pb.gz,\n"
	"                         .pprof or .pb the diff profile (as --pprof), .json (as --json),\n"
	"                         .md (as --markdown); '-' is the SVG on standard output\n"
	"      --markdown FILE    Markdown summary for a pull-request comment\n"
	"      --json FILE        JSON summary (schema singe.diff/1, docs/DIFF.md)\n"
	"      --pprof FILE       diff profile: head plus base negated and labelled\n"
	"                         pprof::base=true; 'go tool pprof -top FILE' opens it\n"
	"      --title TEXT       title of the SVG\n"
	"  -q, --quiet            no table on standard output\n"
	"  -h, --help             this help\n"
	"\n"
	"Each FILE may be '-' for standard output (only one of them). Without '-', the table goes\n"
	"to standard output. Files are written only when the comparison succeeded.\n"
	"\n"
	"Exit status: 0 no significant regression, 1 a significant regression past the floors,\n"
	"2 an error (bad arguments, unreadable inputs, sample types or periods that differ),\n"
	"3 with --fail-weak only: no regression, but too few samples to vouch for it.\n"
	"\n"
	"What it could have missed: every output lists, for the largest functions, the smallest\n"
	"change of their share the comparison would find 80% of the time (at its samples and\n"
	"dispersion), and the samples and runs per side a change of --detect needs. A weak \"ok\"\n"
	"(even the largest function could have changed by --detect unseen) prints a line\n"
	"'singe: warning: weak verdict: ...' on standard error and sets \"power\": {\"weak\":\n"
	"true} in the JSON.\n"
	"\n"
	"Sizing a CI benchmark: record one run per side, run 'singe diff --detect 5 --min-rel 5\n"
	"BASE HEAD' (a change under the --min-rel floor is never reported) and read \"to detect\n"
	"+5%\": the samples (-F x seconds x busy threads) or the runs per side the change you\n"
	"care about needs. Detection grows with samples: a function holding 20% of the CPU made\n"
	"25% more expensive is found 9 times in 10 from about 4,000 samples per side with one\n"
	"run per side (docs/DIFF.md has the rates per program shape).\n"
	"\n"
	"examples:\n"
	"  singe diff before.pb.gz after.pb.gz\n"
	"  singe diff -o diff.svg --pprof diff.pb.gz base.folded head.folded\n"
	"  # CI gate: 5 recordings per side, post the Markdown, fail the job on a regression\n"
	"  singe diff base*.pb.gz -- head*.pb.gz --markdown comment.md || exit 1\n";

enum {
	OPT_NORMALIZE = 256,
	OPT_MIN_DELTA,
	OPT_MIN_REL,
	OPT_FDR,
	OPT_MIN_COUNT,
	OPT_DISPERSION,
	OPT_TOP,
	OPT_MARKDOWN,
	OPT_JSON,
	OPT_PPROF,
	OPT_TITLE,
	OPT_DETECT,
	OPT_FAIL_WEAK,
};

static const struct option diff_options[] = {
	{"sample-type", required_argument, NULL, 't'},
	{"normalize", required_argument, NULL, OPT_NORMALIZE},
	{"min-delta", required_argument, NULL, OPT_MIN_DELTA},
	{"min-rel", required_argument, NULL, OPT_MIN_REL},
	{"fdr", required_argument, NULL, OPT_FDR},
	{"min-count", required_argument, NULL, OPT_MIN_COUNT},
	{"dispersion", required_argument, NULL, OPT_DISPERSION},
	{"top", required_argument, NULL, OPT_TOP},
	{"output", required_argument, NULL, 'o'},
	{"markdown", required_argument, NULL, OPT_MARKDOWN},
	{"json", required_argument, NULL, OPT_JSON},
	{"pprof", required_argument, NULL, OPT_PPROF},
	{"title", required_argument, NULL, OPT_TITLE},
	{"detect", required_argument, NULL, OPT_DETECT},
	{"fail-weak", no_argument, NULL, OPT_FAIL_WEAK},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{0},
};

enum out_kind { OUT_SVG, OUT_MARKDOWN, OUT_JSON, OUT_PPROF, OUT_COUNT };

struct diff_args {
	struct diff_opts opts;
	const char *out[OUT_COUNT]; /* NULL = not asked for */
	const char *title;
	size_t top;
	bool quiet;
	bool fail_weak; /* --fail-weak: a weak "ok" exits EXIT_WEAK */
	bool shorthand; /* BASE HEAD: head points into base's list */
	char **base, **head;
	int nbase, nhead;
};

static const char *const out_option[OUT_COUNT] = {"-o", "--markdown", "--json", "--pprof"};

static bool double_option(const char *name, const char *arg, double min, double max, double *out)
{
	if (!parse_double_range(arg, min, max, out))
		return true;
	pr_err("--%s '%s': expected a number from %g to %g", name, arg, min, max);
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* -o FILE: which output its extension names, as record and convert choose; -EINVAL if none. */
static int output_by_extension(const char *path, enum out_kind *kind)
{
	switch (strcmp(path, "-") ? output__format(path) : OUTPUT_SVG) {
	case OUTPUT_SVG:
		*kind = OUT_SVG;
		return 0;
	case OUTPUT_PPROF_GZ:
	case OUTPUT_PPROF_RAW:
		*kind = OUT_PPROF;
		return 0;
	case OUTPUT_FOLDED:
		pr_err("-o '%s': a diff cannot be written as folded stacks; name it .svg, .pb.gz, "
		       ".pprof, .json or .md",
		       path);
		return -EINVAL;
	default:
		break;
	}
	if (ends_with(path, ".json") || ends_with(path, ".md")) {
		*kind = ends_with(path, ".json") ? OUT_JSON : OUT_MARKDOWN;
		return 0;
	}
	pr_err("-o '%s': unknown output format; name it .svg, .pb.gz, .pprof, .json or .md", path);
	return -EINVAL;
}

/* Ask for output kind k at path; asking twice for one kind is an error, not a silent pick. */
static int set_output(struct diff_args *a, enum out_kind k, const char *path)
{
	if (a->out[k]) {
		pr_err("%s '%s' and '%s': one file per output kind", out_option[k], a->out[k],
		       path);
		return -EINVAL;
	}
	a->out[k] = path;
	return 0;
}

/* --detect PCT or PCT%: a change of a function's share, above 0 and at most 1000%. */
static bool detect_option(const char *arg, double *out)
{
	char buf[64];
	size_t n = strlen(arg);

	if (n && n < sizeof(buf) && arg[n - 1] == '%') {
		memcpy(buf, arg, n - 1);
		buf[n - 1] = '\0';
		arg = buf;
	}
	if (!parse_double_range(arg, 0, 1000, out) && *out > 0)
		return true;
	pr_err("--detect '%s': expected a change in percent above 0 and at most 1000, e.g. 5%%",
	       n < sizeof(buf) ? arg : "...");
	return false;
}

/* One option; 0, 1 for --help, or -EINVAL (message printed). */
static int diff_option(int c, struct diff_args *a)
{
	long v;

	switch (c) {
	case 't':
		a->opts.sample_type = optarg;
		return 0;
	case OPT_NORMALIZE:
		if (!diff_norm__parse(optarg, &a->opts.norm))
			return 0;
		pr_err("--normalize '%s': expected share, rate or scale", optarg);
		return -EINVAL;
	case OPT_MIN_DELTA:
		return double_option("min-delta", optarg, 0, 100, &a->opts.min_delta_pp) ? 0
											 : -EINVAL;
	case OPT_MIN_REL:
		return double_option("min-rel", optarg, 0, 1e6, &a->opts.min_rel_pct) ? 0 : -EINVAL;
	case OPT_FDR:
		if (!parse_double_range(optarg, 0, 1, &a->opts.fdr) && a->opts.fdr > 0)
			return 0;
		pr_err("--fdr '%s': expected a level above 0 and at most 1, e.g. 0.05", optarg);
		return -EINVAL;
	case OPT_DISPERSION:
		return double_option("dispersion", optarg, 0, 1e6, &a->opts.dispersion) ? 0
											: -EINVAL;
	case OPT_DETECT:
		return detect_option(optarg, &a->opts.detect_pct) ? 0 : -EINVAL;
	case OPT_FAIL_WEAK:
		a->fail_weak = true;
		return 0;
	case OPT_MIN_COUNT:
	case OPT_TOP:
		if (parse_long_range(optarg, 0, INT_MAX, &v)) {
			pr_err("--%s '%s': expected a whole number from 0 to %d",
			       c == OPT_TOP ? "top" : "min-count", optarg, INT_MAX);
			return -EINVAL;
		}
		if (c == OPT_TOP)
			a->top = (size_t)v;
		else
			a->opts.min_count = v;
		return 0;
	case 'o': {
		enum out_kind k;

		return output_by_extension(optarg, &k) ?: set_output(a, k, optarg);
	}
	case OPT_MARKDOWN:
		return set_output(a, OUT_MARKDOWN, optarg);
	case OPT_JSON:
		return set_output(a, OUT_JSON, optarg);
	case OPT_PPROF:
		return set_output(a, OUT_PPROF, optarg);
	case OPT_TITLE:
		a->title = optarg;
		return 0;
	case 'q':
		a->quiet = true;
		return 0;
	case 'h':
		fputs(diff_usage, stdout);
		return 1;
	default:
		pr_err("unknown option; see 'singe diff --help'");
		return -EINVAL;
	}
}

/* Collect the files of argv[1..argc): options anywhere, files in order. */
static int parse_side(int argc, char **argv, struct diff_args *a, char ***files, int *nfiles)
{
	char **list = calloc((size_t)argc + 1, sizeof(*list));
	int n = 0, ret = 0, c;

	if (!list)
		return -ENOMEM;
	optind = 0;
	while (ret == 0 && optind < argc) {
		/* "-" in front: files come back as 1 with optarg, in their order */
		c = getopt_long(argc, argv, "-t:o:qh", diff_options, NULL);
		if (c == -1)
			break;
		if (c == 1)
			list[n++] = optarg;
		else
			ret = diff_option(c, a);
	}
	while (ret == 0 && optind < argc)
		list[n++] = argv[optind++];
	if (ret) {
		free(list);
		return ret;
	}
	*files = list;
	*nfiles = n;
	return 0;
}

static int parse_diff_args(int argc, char **argv, struct diff_args *a)
{
	int i, dashdash = -1, ret;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	if (dashdash < 0) {
		if ((ret = parse_side(argc, argv, a, &a->base, &a->nbase)))
			return ret;
		if (a->nbase != 2) {
			pr_err("expected BASE... -- HEAD..., or exactly two files BASE HEAD (got "
			       "%d "
			       "%s); see 'singe diff --help'",
			       a->nbase, a->nbase == 1 ? "file" : "files");
			return -EINVAL;
		}
		a->head = a->base + 1;
		a->shorthand = true;
		a->nbase = a->nhead = 1;
		return 0;
	}
	/* the head side is parsed as its own argv: its argv[0] is the "--" itself */
	if ((ret = parse_side(dashdash, argv, a, &a->base, &a->nbase)) ||
	    (ret = parse_side(argc - dashdash, argv + dashdash, a, &a->head, &a->nhead)))
		return ret;
	if (!a->nbase || !a->nhead) {
		pr_err("no %s profiles: give at least one file on each side of '--'",
		       a->nbase ? "head" : "base");
		return -EINVAL;
	}
	return 0;
}

/* No output may be one of the inputs, and stdin can be read once only. */
static int check_inputs_kept(const struct diff_args *a)
{
	struct flame_err err = {{0}};
	char **all = calloc((size_t)(a->nbase + a->nhead), sizeof(*all));
	int k, ret = 0;

	if (!all) {
		pr_err("out of memory");
		return -ENOMEM;
	}
	memcpy(all, a->base, (size_t)a->nbase * sizeof(*all));
	memcpy(all + a->nbase, a->head, (size_t)a->nhead * sizeof(*all));
	if ((ret = input__check_stdin_once(all, a->nbase + a->nhead, &err)))
		pr_err("%s", err.msg);
	for (k = 0; k < OUT_COUNT && !ret; k++) {
		if (a->out[k] && output__check_not_input(a->out[k], all, a->nbase + a->nhead)) {
			pr_err("%s '%s' is also an input: writing it would destroy it; name "
			       "another output",
			       out_option[k], a->out[k]);
			ret = -EINVAL;
		}
	}
	free(all);
	return ret;
}

static int check_outputs(const struct diff_args *a)
{
	int k, stdout_users = 0, ret;

	for (k = 0; k < OUT_COUNT; k++) {
		if (!a->out[k])
			continue;
		if (!strcmp(a->out[k], "-")) {
			stdout_users++;
			continue;
		}
		if ((ret = output__check_writable(a->out[k]))) {
			pr_err("%s '%s': cannot write there: %s", out_option[k], a->out[k],
			       strerror(-ret));
			return ret;
		}
	}
	if (stdout_users > 1) {
		pr_err("only one output may be '-' (standard output); name the others");
		return -EINVAL;
	}
	return check_inputs_kept(a);
}

static void free_runs(struct profile **p, int n)
{
	int i;

	for (i = 0; p && i < n; i++)
		profile__free(p[i]);
	free(p);
}

static int load_runs(char **paths, int n, struct profile ***out)
{
	struct flame_err err = {{0}};
	struct profile **p = calloc((size_t)n, sizeof(*p));
	int i;

	if (!p) {
		pr_err("out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (input__load(paths[i], &p[i], &err)) {
			pr_err("%s", err.msg);
			free_runs(p, n);
			return -EINVAL;
		}
		if (p[i]->quality.bad_lines)
			pr_warn("'%s': skipped %llu malformed input lines", paths[i],
				(unsigned long long)p[i]->quality.bad_lines);
	}
	*out = p;
	return 0;
}

static int write_svg_out(const struct diff *d, const struct diff_args *a, FILE *f,
			 struct flame_err *err)
{
	struct svg_opts o;

	svg_opts__init(&o);
	o.title = a->title;
	return diff_svg__write(d, &o, f, err);
}

static int write_pprof_out(const struct diff *d, const char *path, FILE *f, struct flame_err *err)
{
	struct profile *p = NULL;
	int ret = diff_pprof__build(d, &p, err);

	if (ret)
		return ret;
	ret = output__write_pprof(f, p, output__format(path) != OUTPUT_PPROF_RAW, err);
	profile__free(p);
	return ret;
}

static int write_one(const struct diff *d, const struct diff_args *a, enum out_kind k,
		     struct output *o)
{
	struct flame_err err = {{0}};
	int ret = output__open(o, a->out[k]);

	if (ret) {
		pr_err("cannot write '%s': %s", a->out[k], strerror(-ret));
		return ret;
	}
	switch (k) {
	case OUT_SVG:
		ret = write_svg_out(d, a, o->f, &err);
		break;
	case OUT_MARKDOWN:
		ret = diff_report__markdown(d, a->top, o->f);
		break;
	case OUT_JSON:
		ret = diff_report__json(d, a->top, o->f);
		break;
	default:
		ret = write_pprof_out(d, a->out[k], o->f, &err);
		break;
	}
	if (ret)
		pr_err("'%s': %s", a->out[k], err.msg[0] ? err.msg : strerror(-ret));
	return ret;
}

/* Every output written, then all renamed into place together, or none is. */
static int write_outputs(const struct diff *d, const struct diff_args *a)
{
	struct output o[OUT_COUNT];
	size_t n = 0, failed = 0, i;
	enum out_kind kinds[OUT_COUNT];
	int k, ret = 0;

	memset(o, 0, sizeof(o));
	for (k = 0; k < OUT_COUNT && !ret; k++) {
		if (!a->out[k])
			continue;
		kinds[n] = (enum out_kind)k;
		ret = write_one(d, a, (enum out_kind)k, &o[n++]);
	}
	if (!ret && (ret = output__commit_all(o, n, &failed)))
		pr_err("cannot write '%s': %s; no output was written", a->out[kinds[failed]],
		       strerror(-ret));
	for (i = 0; i < n; i++)
		output__abort(&o[i]);
	return ret;
}

static bool any_stdout(const struct diff_args *a)
{
	int k;

	for (k = 0; k < OUT_COUNT; k++)
		if (a->out[k] && !strcmp(a->out[k], "-"))
			return true;
	return false;
}

/* The weak-verdict line, through pr_warn so that it reads "singe: warning: weak verdict: ...". */
static void warn_weak(const struct diff *d)
{
	char *msg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);

	if (!f)
		return;
	diff_report__weak(d, f);
	fclose(f);
	if (len && msg[len - 1] == '\n')
		msg[len - 1] = '\0';
	if (msg && msg[0])
		pr_warn("%s", msg);
	free(msg);
}

static int run_diff(struct diff_args *a)
{
	struct profile **base = NULL, **head = NULL;
	struct flame_err err = {{0}};
	struct diff *d = NULL;
	int ret;

	if ((ret = load_runs(a->base, a->nbase, &base)) ||
	    (ret = load_runs(a->head, a->nhead, &head)))
		goto out;
	ret = diff__compute(base, (size_t)a->nbase, head, (size_t)a->nhead, &a->opts, &d, &err);
	if (ret) {
		pr_err("%s", err.msg);
		goto out;
	}
	ret = write_outputs(d, a);
	if (!ret && !a->quiet && !any_stdout(a) && diff_report__text(d, a->top, stdout))
		ret = -EIO;
	if (!ret && d->weak)
		warn_weak(d);
out:
	if (!ret && diff__regressed(d))
		ret = EXIT_REGRESSION;
	else if (!ret && d->weak && a->fail_weak)
		ret = EXIT_WEAK;
	diff__free(d);
	free_runs(base, a->nbase);
	free_runs(head, a->nhead);
	return ret;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = {.top = 10};
	int ret;

	diff_opts__init(&a.opts);
	ret = parse_diff_args(argc, argv, &a);
	if (!ret)
		ret = check_outputs(&a);
	if (!ret)
		ret = run_diff(&a);
	else if (ret > 0)
		ret = 0; /* --help */
	free(a.base);
	if (!a.shorthand)
		free(a.head);
	if (ret < 0)
		return EXIT_ERROR;
	return ret;
}
