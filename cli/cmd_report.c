// SPDX-License-Identifier: MIT
/*
 * singe report: the top functions of one or more profiles (merged), by self and inclusive
 * value, per sample type, as text, Markdown or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "input.h"
#include "log.h"
#include "output.h"
#include "profile.h"
#include "report.h"
#include "util.h"

static const char report_usage[] =
	"usage: singe report [-t TYPE] [--top N] [--format text|markdown|json] [-o FILE] "
	"PROFILE...\n"
	"\n"
	"The functions that cost the most, like 'go tool pprof -top': per sample type, the top N\n"
	"by self value (flat) and by inclusive value (cum, each sample counted once even through\n"
	"recursion), with flat%, sum% and cum% of the total, and the profile's quality counters\n"
	"(lost samples, truncated stacks, unknown frames, skipped input lines). Inputs may be\n"
	"pprof, folded stacks or perf script ('-' reads standard input); several are merged.\n"
	"Function names are the flame graph's, so the report and 'singe flame' agree.\n"
	"\n"
	"  -t, --sample-type TYPE report this sample type only (default: every one); wall, on a\n"
	"                         recording of -t cpu,offcpu: on-CPU + off-CPU nanoseconds\n"
	"      --top N            rows per table (default 10, 0 = every function)\n"
	"      --format FORMAT    text (default), markdown or json (schema singe.report/1)\n"
	"  -o, --output FILE      write here (default: standard output)\n"
	"  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  singe report cpu.pb.gz\n"
	"  singe report -t alloc_space --top 20 heap.pb.gz\n"
	"  singe report --format markdown -o report.md run1.pb.gz run2.pb.gz\n";

enum { OPT_TOP = 256, OPT_FORMAT };

static const struct option report_options[] = {
	{"sample-type", required_argument, NULL, 't'},
	{"top", required_argument, NULL, OPT_TOP},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"output", required_argument, NULL, 'o'},
	{"help", no_argument, NULL, 'h'},
	{0},
};

static int parse_report_args(int argc, char **argv, struct report_opts *o, const char **output)
{
	long v;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "t:o:h", report_options, NULL)) != -1) {
		switch (c) {
		case 't':
			o->sample_type = optarg;
			break;
		case OPT_TOP:
			if (parse_long_range(optarg, 0, INT_MAX, &v)) {
				pr_err("--top '%s': expected a whole number from 0 to %d", optarg,
				       INT_MAX);
				return -EINVAL;
			}
			o->top = (size_t)v;
			break;
		case OPT_FORMAT:
			if (report_format__parse(optarg, &o->format)) {
				pr_err("--format '%s': expected text, markdown or json", optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			*output = optarg;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 1;
		default:
			pr_err("unknown option; see 'singe report --help'");
			return -EINVAL;
		}
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct flame_err err = {{0}};
	struct report_opts o;
	const char *output = "-";
	struct profile *p = NULL;
	struct output out;
	int ret;

	report_opts__init(&o);
	ret = parse_report_args(argc, argv, &o, &output);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_ERROR;
	if (optind >= argc) {
		pr_err("no input; give a profile file, or '-' to read standard input");
		return EXIT_ERROR;
	}
	if (output__check_not_input(output, argv + optind, argc - optind)) {
		pr_err("'%s' is also an input: writing it would destroy it; name another output",
		       output);
		return EXIT_ERROR;
	}
	if ((ret = output__check_writable(output))) {
		pr_err("cannot write '%s': %s", output, strerror(-ret));
		return EXIT_ERROR;
	}
	if (input__load_merged(argv + optind, argc - optind, &p, &err)) {
		pr_err("%s", err.msg);
		return EXIT_ERROR;
	}
	if (input__add_wall_view(p, o.sample_type, &err)) {
		pr_err("%s", err.msg);
		profile__free(p);
		return EXIT_ERROR;
	}
	ret = output__open(&out, output);
	if (ret) {
		pr_err("cannot write '%s': %s", output, strerror(-ret));
		profile__free(p);
		return EXIT_ERROR;
	}
	ret = report__write(p, &o, out.f, &err);
	if (ret) {
		output__abort(&out);
		pr_err("%s", err.msg);
	} else if ((ret = output__commit(&out))) {
		pr_err("cannot write '%s': %s", output, strerror(-ret));
	}
	profile__free(p);
	return ret ? EXIT_ERROR : EXIT_OK;
}
