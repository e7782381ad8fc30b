// SPDX-License-Identifier: MIT
/*
 * singe convert: read a profile in any supported format and write it in the format the
 * output file name asks for (pprof, folded stacks or SVG).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "input.h"
#include "log.h"
#include "output.h"
#include "profile.h"

static const char convert_usage[] =
	"usage: singe convert INPUT... -o OUTPUT [-o OUTPUT...] [--sample-type NAME]\n"
	"\n"
	"Convert profiles between formats. Inputs: pprof (.pb.gz or raw), folded stacks or\n"
	"`perf script` output ('-' for standard input); several inputs are merged. The output\n"
	"format follows the name: .pb.gz/.pprof (gzipped pprof), .pb (raw pprof),\n"
	".folded/.txt (folded stacks), .svg (flame graph with default options).\n"
	"\n"
	"  -o, --output FILE      write here; may be repeated\n"
	"      --sample-type NAME value written to folded/SVG outputs (default: the profile's\n"
	"                         default sample type, else the last one; folded output takes\n"
	"                         a count column, what folded readers assume, when there is "
	"one);\n"
	"                         wall, on a recording of -t cpu,offcpu: on-CPU + off-CPU "
	"ns\n" PROCESS_ROOTS_HELP "  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  singe convert cpu.pb.gz -o cpu.folded\n"
	"  singe convert stacks.folded -o stacks.pb.gz -o stacks.svg\n"
	"  perf script | singe convert - -o perf.pb.gz\n";

enum { OPT_SAMPLE_TYPE = 256, OPT_PROCESS_ROOTS };

#define MAX_OUTPUTS 16

static const struct option convert_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"sample-type", required_argument, NULL, OPT_SAMPLE_TYPE},
	{"process-roots", required_argument, NULL, OPT_PROCESS_ROOTS},
	{"help", no_argument, NULL, 'h'},
	{0},
};

int cmd_convert(int argc, char **argv)
{
	const char *outputs[MAX_OUTPUTS];
	struct write_opts opts = {0};
	struct flame_err err = {{0}};
	struct profile *p = NULL;
	int noutputs = 0, c, i, ret = 0;

	svg_opts__init(&opts.svg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", convert_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (noutputs == MAX_OUTPUTS) {
				pr_err("too many -o outputs (at most %d)", MAX_OUTPUTS);
				return EXIT_ERROR;
			}
			outputs[noutputs++] = optarg;
			break;
		case OPT_SAMPLE_TYPE:
			opts.sample_type = optarg;
			break;
		case OPT_PROCESS_ROOTS:
			if (process_roots__parse(optarg, &opts.roots)) {
				pr_err(PROCESS_ROOTS_ERROR, optarg);
				return EXIT_ERROR;
			}
			break;
		case 'h':
			fputs(convert_usage, stdout);
			return EXIT_OK;
		default:
			pr_err("unknown option; see 'singe convert --help'");
			return EXIT_ERROR;
		}
	}
	if (optind >= argc || !noutputs) {
		pr_err("need an input and at least one -o OUTPUT; see 'singe convert --help'");
		return EXIT_ERROR;
	}
	/* check every name before doing any work, so a typo costs nothing */
	for (i = 0; i < noutputs; i++) {
		if (output__format(outputs[i]) == OUTPUT_UNKNOWN) {
			pr_err("'%s': unknown output format; name it .pb.gz, .pprof, .pb, .folded, "
			       ".txt or .svg",
			       outputs[i]);
			return EXIT_ERROR;
		}
	}
	for (i = 0; i < noutputs; i++) {
		if (output__check_not_input(outputs[i], argv + optind, argc - optind)) {
			pr_err("'%s' is also an input: writing it would destroy it; name another "
			       "output",
			       outputs[i]);
			return EXIT_ERROR;
		}
	}
	if (input__load_merged(argv + optind, argc - optind, &p, &err)) {
		pr_err("%s", err.msg);
		return EXIT_ERROR;
	}
	if (input__add_wall_view(p, opts.sample_type, &err)) {
		pr_err("%s", err.msg);
		profile__free(p);
		return EXIT_ERROR;
	}
	if (p->quality.bad_lines)
		pr_warn("skipped %llu malformed input lines",
			(unsigned long long)p->quality.bad_lines);
	/* all outputs or none: a failure never leaves some written and others not */
	ret = output__write_profiles(outputs, (size_t)noutputs, p, &opts, &err);
	if (ret)
		pr_err("%s", err.msg);
	profile__free(p);
	return ret ? EXIT_ERROR : EXIT_OK;
}
