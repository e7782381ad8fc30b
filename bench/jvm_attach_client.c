// SPDX-License-Identifier: MIT
/*
 * bench/jvm_perfmap.sh's client: run one jcmd command in a JVM the way singe record does
 * (cli/jvm_attach.c), without a JVM of its own (jcmd itself is a Java program whose start-up
 * would be measured instead). Prints the request's wall time in microseconds.
 *
 *   jvm_attach_client PID [COMMAND]      (default Compiler.perfmap)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jvm_attach.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	char msg[256];
	int status = 0, err;
	double t0;

	if (argc < 2) {
		fprintf(stderr, "usage: jvm_attach_client PID [COMMAND]\n");
		return 2;
	}
	t0 = now_us();
	err = jvm_attach__jcmd(atoi(argv[1]), argc > 2 ? argv[2] : "Compiler.perfmap", 3000,
			       &status, msg, sizeof(msg));
	if (err || status) {
		fprintf(stderr, "jvm_attach_client: %s (status %d) %s\n", strerror(-err), status,
			msg);
		return 1;
	}
	printf("%.0f\n", now_us() - t0);
	return 0;
}
