// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the folded-stacks reader and writer. Whatever the bytes, parsing must
 * not crash, leak or trip a sanitizer; an error must come with a one-line "folded: ..." message.
 * A profile that parses must validate and write to /dev/null; its folded text, read back with
 * the same columns, must give the same totals, and writing that again the same text.
 *
 * Build with the Makefile (clang -fsanitize=fuzzer); the binary replays inputs given as
 * files: ./fuzz_folded FILE...
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "profile.h"

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_folded: " __VA_ARGS__);                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static char *write_mem(const struct profile *p, size_t *len)
{
	int nv = (int)p->sample_types.len, ret;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	CHECK(f, "open_memstream failed");
	ret = folded__write(p, nv - 1, nv == 2 ? 0 : -1, f);
	CHECK(!ret, "cannot write a parsed profile: %d", ret);
	CHECK(!fclose(f), "fclose failed");
	return buf;
}

/*
 * Read text back into a profile with p's columns (their names and units too, which a unit
 * header must match), so that names ending in digits are not taken for counts; NULL when
 * every line looks like the other column count.
 */
static struct profile *reparse(const struct profile *p, const char *text, size_t len)
{
	struct profile *q = profile__new();
	struct flame_err err = {{0}};
	size_t i, first_bad = 0;
	int ret;

	CHECK(q, "out of memory");
	for (i = 0; i < p->sample_types.len; i++)
		CHECK(profile__add_sample_type(q, profile__str(p, p->sample_types.data[i].type),
					       profile__str(p, p->sample_types.data[i].unit)) >= 0,
		      "out of memory");
	ret = folded__parse(q, text, len, &first_bad, &err);
	if (ret == -EINVAL && strstr(err.msg, "count column")) {
		/* names ending in " <digits>" on every line look like another column count */
		profile__free(q);
		return NULL;
	}
	CHECK(!ret || (ret == -EINVAL && !len), "cannot read our own output: %s", err.msg);
	CHECK(!first_bad, "our own output has a bad line %zu", first_bad);
	return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = profile__new(), *q;
	struct flame_err err = {{0}};
	const char *buf = (const char *)data;
	size_t first_bad = 0, len, len2, i;
	char *out, *out2;
	FILE *null;
	int ret;

	CHECK(p, "out of memory");
	(void)folded__sniff(buf, size);
	ret = folded__parse(p, buf, size, &first_bad, &err);
	if (ret) {
		CHECK(ret == -EINVAL, "unexpected error %d", ret);
		CHECK(!strncmp(err.msg, "folded: ", 8) && !strchr(err.msg, '\n'),
		      "bad message '%s'", err.msg);
		profile__free(p);
		return 0;
	}
	CHECK(!profile__validate(p, &err), "parsed profile does not validate: %s", err.msg);
	CHECK(p->quality.bad_lines == 0 || first_bad > 0, "bad lines without a first one");

	null = fopen("/dev/null", "w");
	CHECK(null, "cannot open /dev/null");
	ret = folded__write(p, (int)p->sample_types.len - 1, -1, null);
	CHECK(!ret, "cannot write to /dev/null: %d", ret);
	fclose(null);

	out = write_mem(p, &len);
	q = reparse(p, out, len);
	if (!q) {
		free(out);
		profile__free(p);
		return 0;
	}
	for (i = 0; i < p->sample_types.len; i++)
		CHECK(profile__total(p, i) == profile__total(q, i), "total %zu: %lld -> %lld", i,
		      (long long)profile__total(p, i), (long long)profile__total(q, i));
	out2 = write_mem(q, &len2);
	CHECK(len == len2 && !memcmp(out, out2, len), "writing the re-read text changed it");
	free(out);
	free(out2);
	profile__free(p);
	profile__free(q);
	return 0;
}
