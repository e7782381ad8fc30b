// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folded.h"
#include "input.h"
#include "perfscript.h"
#include "pprof.h"
#include "profile.h"

const char *input_format__name(enum input_format f)
{
	switch (f) {
	case INPUT_PPROF:
		return "pprof";
	case INPUT_FOLDED:
		return "folded";
	case INPUT_PERF_SCRIPT:
		return "perf script";
	default:
		return "unknown";
	}
}

enum input_format input__detect(const char *buf, size_t len)
{
	/* binary formats first: protobuf bytes could never look like either text format */
	if (pprof__sniff(buf, len))
		return INPUT_PPROF;
	if (folded__sniff(buf, len))
		return INPUT_FOLDED;
	if (perfscript__sniff(buf, len))
		return INPUT_PERF_SCRIPT;
	return INPUT_UNKNOWN;
}

/* Read all of fd into a NUL-terminated malloc'ed buffer. */
static int read_all(int fd, char **out, size_t *out_len)
{
	struct stat st;
	size_t cap = 1 << 16, len = 0;
	char *buf;
	ssize_t n;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			char *nbuf = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);

			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

static int parse(struct profile *p, const char *buf, size_t len, struct flame_err *err)
{
	size_t first_bad = 0;

	switch (input__detect(buf, len)) {
	case INPUT_PPROF:
		return pprof__decode(p, buf, len, err);
	case INPUT_FOLDED:
		return folded__parse(p, buf, len, &first_bad, err);
	case INPUT_PERF_SCRIPT:
		return perfscript__parse(p, buf, len, err);
	default:
		if (!len)
			return flame_err__set(err, EINVAL, "empty input");
		return flame_err__set(err, EINVAL,
				      "not a profile: expected pprof (.pb.gz), folded stacks "
				      "('a;b;c 42') or perf script output");
	}
}

int input__load(const char *path, struct profile **out, struct flame_err *err)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	struct flame_err perr = {{0}};
	struct profile *p;
	size_t len = 0;
	char *buf = NULL;
	int fd, ret;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return flame_err__set(err, errno, "'%s': %s", name, strerror(errno));
	ret = read_all(fd, &buf, &len);
	if (!is_stdin)
		close(fd);
	if (ret)
		return flame_err__set(err, -ret, "'%s': %s", name, strerror(-ret));
	p = profile__new();
	if (!p) {
		free(buf);
		return flame_err__set(err, ENOMEM, "'%s': out of memory", name);
	}
	ret = parse(p, buf, len, &perr);
	free(buf);
	if (!ret && (ret = profile__validate(p, &perr)) == 0) {
		*out = p;
		return 0;
	}
	profile__free(p);
	return flame_err__set(err, -ret, "'%s': %s", name, perr.msg);
}

int input__load_merged(char *const *paths, int npaths, struct profile **out, struct flame_err *err)
{
	struct profile *merged = NULL, *p;
	struct flame_err merr = {{0}};
	int i, ret;

	for (i = 0; i < npaths; i++) {
		ret = input__load(paths[i], &p, err);
		if (ret)
			goto fail;
		if (!merged) {
			merged = p;
			continue;
		}
		ret = profile__merge(merged, p, &merr);
		profile__free(p);
		if (ret) {
			flame_err__set(err, -ret, "'%s': %s", paths[i], merr.msg);
			goto fail;
		}
	}
	*out = merged;
	return 0;
fail:
	profile__free(merged);
	return ret;
}
