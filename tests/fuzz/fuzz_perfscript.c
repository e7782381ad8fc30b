// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the perf script reader. Whatever the bytes, parsing must not crash,
 * leak or trip a sanitizer; an error must come with a one-line "perf script: ..." message. A
 * profile that parses must validate and write as folded text to /dev/null, and that text,
 * read back, must count every sample once.
 *
 * Build with the Makefile (clang -fsanitize=fuzzer); the binary replays inputs given as
 * files: ./fuzz_perfscript FILE...
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "perfscript.h"
#include "profile.h"

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_perfscript: " __VA_ARGS__);                          \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The folded text of p, read back: every sample counted once. */
static void check_folded(const struct profile *p)
{
	struct profile *q = profile__new();
	struct flame_err err = {{0}};
	char *buf = NULL;
	size_t len = 0, first_bad = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	CHECK(f && q, "out of memory");
	ret = folded__write(p, 0, -1, f);
	CHECK(!ret, "cannot write folded text: %d", ret);
	CHECK(!fclose(f), "fclose failed");
	CHECK(profile__add_sample_type(q, "samples", "count") == 0, "out of memory");
	ret = folded__parse(q, buf, len, &first_bad, &err);
	if (ret == -EINVAL && strstr(err.msg, "count column")) {
		/* every name ends in " <digits>" ("Thread 2"): folded cannot tell a column */
		free(buf);
		profile__free(q);
		return;
	}
	CHECK(!ret, "cannot read the folded text back: %s", err.msg);
	CHECK(!first_bad, "folded line %zu is bad", first_bad);
	CHECK(profile__total(q, 0) == (int64_t)p->samples.len, "%lld samples, folded %lld",
	      (long long)p->samples.len, (long long)profile__total(q, 0));
	free(buf);
	profile__free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = profile__new();
	struct flame_err err = {{0}};
	const char *buf = (const char *)data;
	FILE *null;
	int ret;

	CHECK(p, "out of memory");
	(void)perfscript__sniff(buf, size);
	ret = perfscript__parse(p, buf, size, &err);
	if (ret) {
		CHECK(ret == -EINVAL, "unexpected error %d", ret);
		CHECK(!strncmp(err.msg, "perf script: ", 13) && !strchr(err.msg, '\n'),
		      "bad message '%s'", err.msg);
		profile__free(p);
		return 0;
	}
	CHECK(!profile__validate(p, &err), "parsed profile does not validate: %s", err.msg);
	CHECK(p->samples.len > 0, "success without samples");
	null = fopen("/dev/null", "w");
	CHECK(null, "cannot open /dev/null");
	ret = folded__write(p, 0, -1, null);
	CHECK(!ret, "cannot write to /dev/null: %d", ret);
	fclose(null);
	check_folded(p);
	profile__free(p);
	return 0;
}
