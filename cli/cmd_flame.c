// SPDX-License-Identifier: MIT
/*
 * singe flame: render one or more profiles (merged) as an interactive SVG flame graph.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "input.h"
#include "log.h"
#include "output.h"
#include "profile.h"
#include "util.h"

static const char flame_usage[] =
	"usage: singe flame [-o OUT.svg] [options] INPUT...\n"
	"\n"
	"Render profiles as an interactive SVG flame graph. Inputs may be pprof (.pb.gz or raw),\n"
	"folded stacks ('a;b;c 42', or the differential 'a;b;c 10 12'), or `perf script` output;\n"
	"the format is detected from the content. '-' reads standard input. Several inputs are\n"
	"merged (they must have the same sample types).\n"
	"\n"
	"  -o, --output FILE      write here (default: standard output)\n"
	"      --title TEXT       title (default \"Flame Graph\", \"Icicle Graph\" with "
	"--inverted)\n"
	"      --subtitle TEXT    second line under the title\n"
	"      --notes TEXT       text stored in the SVG's <desc>\n"
	"      --width PX         image width (default 1200)\n"
	"      --height PX        frame height (default 16)\n"
	"      --fontsize PT      font size (default 12)\n"
	"      --minwidth N[%]    omit frames narrower than N pixels or N% of the total (default "
	"0.1)\n"
	"      --max-frames N     emit at most the N widest frames (default 20000, 0 = no limit)\n"
	"      --max-bytes N      keep the SVG under about N bytes by drawing fewer frames\n"
	"                         (default 5000000, 0 = no limit)\n"
	"      --countname NAME   unit shown in tooltips (default: from the sample type)\n"
	"      --sample-type NAME which value to draw, e.g. cpu, alloc_space (default: the\n"
	"                         profile's default, else its last sample type, as pprof does)\n"
	"                         wall, on a recording of -t cpu,offcpu: the wall-clock view,\n"
	"                         on-CPU + off-CPU nanoseconds of each stack in one graph,\n"
	"                         frames mostly off-CPU in cool colours, on-CPU in warm ones\n"
	"      --reverse          reverse stacks: leaf functions at the base (callers above)\n"
	"      --inverted         icicle graph: roots at the top, growing down\n"
	"      --sort-by-size     order siblings by size instead of by name\n"
	"      --colors PALETTE   auto (kernel, native, Go, JIT, interpreted, inlined told "
	"apart),\n"
	"                         hot, mem, io, wakeup (default auto)\n"
	"      --hash             accepted for flamegraph.pl compatibility: singe's colours are\n"
	"                         always derived from a hash of the name (deterministic output)\n"
	"      --no-js            a static SVG without the interactive script\n" PROCESS_ROOTS_HELP
	"  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  singe flame -o cpu.svg cpu.pb.gz\n"
	"  perf script | singe flame -o perf.svg -\n"
	"  singe flame --title 'alloc' --sample-type alloc_space -o heap.svg heap.pb.gz\n";

enum {
	OPT_TITLE = 256,
	OPT_SUBTITLE,
	OPT_NOTES,
	OPT_WIDTH,
	OPT_HEIGHT,
	OPT_FONTSIZE,
	OPT_MINWIDTH,
	OPT_MAX_FRAMES,
	OPT_MAX_BYTES,
	OPT_COUNTNAME,
	OPT_SAMPLE_TYPE,
	OPT_REVERSE,
	OPT_INVERTED,
	OPT_SORT_BY_SIZE,
	OPT_COLORS,
	OPT_HASH,
	OPT_NO_JS,
	OPT_PROCESS_ROOTS,
};

static const struct option flame_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"title", required_argument, NULL, OPT_TITLE},
	{"subtitle", required_argument, NULL, OPT_SUBTITLE},
	{"notes", required_argument, NULL, OPT_NOTES},
	{"width", required_argument, NULL, OPT_WIDTH},
	{"height", required_argument, NULL, OPT_HEIGHT},
	{"fontsize", required_argument, NULL, OPT_FONTSIZE},
	{"minwidth", required_argument, NULL, OPT_MINWIDTH},
	{"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
	{"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
	{"countname", required_argument, NULL, OPT_COUNTNAME},
	{"sample-type", required_argument, NULL, OPT_SAMPLE_TYPE},
	{"reverse", no_argument, NULL, OPT_REVERSE},
	{"inverted", no_argument, NULL, OPT_INVERTED},
	{"sort-by-size", no_argument, NULL, OPT_SORT_BY_SIZE},
	{"colors", required_argument, NULL, OPT_COLORS},
	{"colours", required_argument, NULL, OPT_COLORS},
	{"hash", no_argument, NULL, OPT_HASH},
	{"no-js", no_argument, NULL, OPT_NO_JS},
	{"process-roots", required_argument, NULL, OPT_PROCESS_ROOTS},
	{"help", no_argument, NULL, 'h'},
	{0},
};

static int parse_minwidth(const char *arg, struct svg_opts *svg)
{
	char buf[64];
	size_t n = strlen(arg);
	double v;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, arg, n + 1);
	svg->minwidth_is_percent = buf[n - 1] == '%';
	if (svg->minwidth_is_percent)
		buf[n - 1] = '\0';
	if (parse_double_range(buf, 0, svg->minwidth_is_percent ? 100 : 1e6, &v))
		return -EINVAL;
	svg->minwidth = v;
	return 0;
}

static int parse_palette(const char *arg, enum palette *out)
{
	static const struct {
		const char *name;
		enum palette palette;
	} palettes[] = {
		{"auto", PALETTE_AUTO}, {"hot", PALETTE_HOT},	    {"mem", PALETTE_MEM},
		{"io", PALETTE_IO},	{"wakeup", PALETTE_WAKEUP},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(palettes); i++) {
		if (!strcmp(arg, palettes[i].name)) {
			*out = palettes[i].palette;
			return 0;
		}
	}
	return -EINVAL;
}

/* Parse an integer option into *out, or print the one-line error. */
static bool int_option(const char *name, const char *arg, long min, long max, long *out)
{
	if (!parse_long_range(arg, min, max, out))
		return true;
	pr_err("--%s '%s': expected a whole number from %ld to %ld", name, arg, min, max);
	return false;
}

static int parse_flame_args(int argc, char **argv, const char **output, struct write_opts *opts)
{
	struct svg_opts *svg = &opts->svg;
	long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", flame_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			*output = optarg;
			break;
		case OPT_TITLE:
			svg->title = optarg;
			break;
		case OPT_SUBTITLE:
			svg->subtitle = optarg;
			break;
		case OPT_NOTES:
			svg->notes = optarg;
			break;
		case OPT_WIDTH:
			if (!int_option("width", optarg, 100, 100000, &v))
				return -EINVAL;
			svg->width = (int)v;
			break;
		case OPT_HEIGHT:
			if (!int_option("height", optarg, 4, 200, &v))
				return -EINVAL;
			svg->frame_height = (int)v;
			break;
		case OPT_FONTSIZE:
			if (!int_option("fontsize", optarg, 4, 100, &v))
				return -EINVAL;
			svg->fontsize = (int)v;
			break;
		case OPT_MINWIDTH:
			if (parse_minwidth(optarg, svg)) {
				pr_err("--minwidth '%s': expected pixels (0.5) or a percentage "
				       "(0.1%%)",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_MAX_FRAMES:
			if (!int_option("max-frames", optarg, 0, 100000000, &v))
				return -EINVAL;
			svg->max_frames = (size_t)v;
			break;
		case OPT_MAX_BYTES:
			if (!int_option("max-bytes", optarg, 0, LONG_MAX, &v))
				return -EINVAL;
			svg->max_bytes = (size_t)v;
			break;
		case OPT_COUNTNAME:
			svg->countname = optarg;
			break;
		case OPT_SAMPLE_TYPE:
			svg->sample_type = optarg;
			break;
		case OPT_REVERSE:
			svg->reverse = true;
			break;
		case OPT_INVERTED:
			svg->inverted = true;
			break;
		case OPT_SORT_BY_SIZE:
			svg->sort_by_size = true;
			break;
		case OPT_COLORS:
			if (parse_palette(optarg, &svg->colors)) {
				pr_err("--colors '%s': expected auto, hot, mem, io or wakeup",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_HASH:
			svg->hash = true;
			break;
		case OPT_NO_JS:
			svg->no_js = true;
			break;
		case OPT_PROCESS_ROOTS:
			if (process_roots__parse(optarg, &opts->roots)) {
				pr_err(PROCESS_ROOTS_ERROR, optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			fputs(flame_usage, stdout);
			return 1;
		default:
			pr_err("unknown option; see 'singe flame --help'");
			return -EINVAL;
		}
	}
	return 0;
}

int cmd_flame(int argc, char **argv)
{
	struct write_opts opts = {0};
	struct flame_err err = {{0}};
	const char *output = "-";
	struct profile *p = NULL;
	int ret;

	svg_opts__init(&opts.svg);
	ret = parse_flame_args(argc, argv, &output, &opts);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_ERROR;
	if (optind >= argc) {
		pr_err("no input; give a profile file, or '-' to read standard input");
		return EXIT_ERROR;
	}
	if (!strcmp(output, "-") && isatty(STDOUT_FILENO)) {
		pr_err("refusing to write an SVG to a terminal; use -o FILE.svg or redirect "
		       "stdout");
		return EXIT_ERROR;
	}
	if (output__check_not_input(output, argv + optind, argc - optind)) {
		pr_err("'%s' is also an input: writing it would destroy it; name another output",
		       output);
		return EXIT_ERROR;
	}
	if (input__load_merged(argv + optind, argc - optind, &p, &err)) {
		pr_err("%s", err.msg);
		return EXIT_ERROR;
	}
	if (p->quality.bad_lines)
		pr_warn("skipped %llu malformed input lines",
			(unsigned long long)p->quality.bad_lines);
	if (!p->samples.len) {
		pr_err("nothing to draw: the input has no samples");
		profile__free(p);
		return EXIT_ERROR;
	}
	if (input__add_wall_view(p, opts.svg.sample_type, &err)) {
		pr_err("%s", err.msg);
		profile__free(p);
		return EXIT_ERROR;
	}
	ret = output__write_profile(output, OUTPUT_SVG, p, &opts, &err);
	if (ret)
		pr_err("%s", err.msg);
	profile__free(p);
	return ret ? EXIT_ERROR : EXIT_OK;
}
