// SPDX-License-Identifier: MIT
/*
 * singe: the command table and dispatch (git's and perf's shape: one file per command).
 */
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "log.h"
#include "output.h"
#include "util.h"

#ifndef SINGE_VERSION
#define SINGE_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"flame", cmd_flame, "render pprof, folded or perf script input as an interactive SVG"},
	{"convert", cmd_convert, "convert a profile between pprof, folded stacks and SVG"},
	{"record", cmd_record, "profile a process, a command or the machine with BPF"},
	{"report", cmd_report, "the top functions of a profile by self and inclusive value"},
	{"diff", cmd_diff, "compare base and head profiles; exit 1 on a significant regression"},
	{"goroutines", cmd_goroutines, "every goroutine of a live Go process, grouped; leaks"},
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: singe [--version] [--help] COMMAND [ARGS]\n\n"
		     "singe is an eBPF profiler and flame-graph toolkit.\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'singe COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!name) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("singe %s\n", SINGE_VERSION);
		return EXIT_OK;
	}
	/* Ctrl-C while a file is written leaves no partial temporary file behind */
	output__remove_temps_on_signals();
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(name, commands[i].name)) {
			int ret = commands[i].fn(argc - 1, argv + 1);

			/* output often goes to a pipe: a failed flush is a failed command */
			if (fflush(stdout) || ferror(stdout)) {
				pr_err("cannot write to standard output");
				return EXIT_ERROR;
			}
			return ret;
		}
	}
	pr_err("'%s' is not a singe command; see 'singe --help'", name);
	return EXIT_ERROR;
}
