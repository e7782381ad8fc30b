// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
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

/* Format detection looks at this much of the start, never at the whole input. */
#define DETECT_BYTES ((size_t)1 << 20)

/*
 * Text never contains these bytes, and every pprof does early: a message tag of fields 1-3
 * (sample_type, sample, mapping) is a control byte, and string 0 ("") is encoded with a NUL.
 */
static bool looks_like_text(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 4096; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return false;
	}
	return true;
}

/* perf script lines start with a tab, "#" or padding; folded lines never do */
static bool looks_like_perf_script(const char *line)
{
	return *line == '#' || *line == '\t' || (line[0] == ' ' && line[1] == ' ');
}

enum input_format input__detect(const char *buf, size_t len, bool complete)
{
	bool text = looks_like_text(buf, len);
	const char *nl;

	if (len > DETECT_BYTES) {
		/* the same verdict whether the caller holds the whole input or only its start */
		len = DETECT_BYTES;
		complete = false;
	}

	/* text is never pprof, however its bytes happen to parse as protobuf fields */
	if (!text && pprof__sniff(buf, len))
		return INPUT_PPROF;
	if (!complete) {
		/* judge whole lines only: the last one is cut by the detection window */
		nl = memrchr(buf, '\n', len);
		if (!nl)
			/* one line longer than the window: too long for perf script's header */
			return text && len && !looks_like_perf_script(buf) ? INPUT_FOLDED
									   : INPUT_UNKNOWN;
		len = (size_t)(nl - buf) + 1;
	}
	if (folded__sniff(buf, len))
		return INPUT_FOLDED;
	if (perfscript__sniff(buf, len))
		return INPUT_PERF_SCRIPT;
	return INPUT_UNKNOWN;
}

/*
 * The input budget: no file (or pipe) larger than this is read, and no pprof inflates past
 * it, so /dev/zero, an endless pipe or a gzip bomb ends in a message instead of eating the
 * machine. SINGE_MAX_INPUT=SIZE (bytes, or with a K, M or G suffix) raises or lowers it.
 */
#define INPUT_DEFAULT_LIMIT ((size_t)1 << 30)

int input__parse_size(const char *s, size_t *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	}
	if (*end || !v)
		return -EINVAL;
	if (v > SIZE_MAX / mult)
		return -ERANGE;
	*out = (size_t)(v * mult);
	return 0;
}

int input__limit(size_t *out)
{
	const char *env = getenv("SINGE_MAX_INPUT");

	*out = INPUT_DEFAULT_LIMIT;
	if (!env || !*env)
		return 0;
	return input__parse_size(env, out);
}

static int grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap;
	char *nbuf;

	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
	if (ncap == *cap)
		return 0;
	nbuf = realloc(*buf, ncap);
	if (!nbuf)
		return -ENOMEM;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

/*
 * Read fd into *buf (NUL-terminated, *len bytes) until end of file or until *len reaches
 * want; -EFBIG when the input holds more than limit bytes.
 */
static int read_upto(int fd, char **buf, size_t *cap, size_t *len, size_t want, size_t limit,
		     bool *eof)
{
	ssize_t n;
	int ret;

	while (*len < want) {
		size_t room;

		if ((ret = grow(buf, cap, (*len < limit ? *len : limit) + 2)))
			return ret;
		if (*len + 1 >= *cap && (ret = grow(buf, cap, *cap + 1)))
			return ret;
		room = *cap - *len - 1;
		if (room > want - *len)
			room = want - *len;
		n = read(fd, *buf + *len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			*eof = true;
			break;
		}
		*len += (size_t)n;
		if (*len > limit)
			return -EFBIG;
	}
	(*buf)[*len] = '\0';
	return 0;
}

static int too_big(struct flame_err *err, const char *name, size_t limit)
{
	return flame_err__set(err, EFBIG,
			      "'%s': input larger than the %zu MiB budget; raise it with "
			      "SINGE_MAX_INPUT=SIZE (e.g. SINGE_MAX_INPUT=4G)",
			      name, limit >> 20);
}

static int not_a_profile(struct flame_err *err, const char *name, size_t len)
{
	if (!len)
		return flame_err__set(err, EINVAL, "'%s': empty input; give a profile", name);
	return flame_err__set(err, EINVAL,
			      "'%s': not a profile: expected pprof (.pb.gz), folded stacks "
			      "('a;b;c 42') or perf script output",
			      name);
}

static bool is_gzip(const char *buf, size_t len)
{
	return len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
}

/* The rest of a streamed input, for pprof__decode_stream(), within the input budget. */
struct stream {
	int fd;
	const char *name;
	size_t read, limit;
};

static long stream_read(void *ctx, void *buf, size_t cap, struct flame_err *err)
{
	struct stream *s = ctx;
	ssize_t n;

	do
		n = read(s->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return flame_err__set(err, errno, "%s", strerror(errno));
	s->read += (size_t)n;
	if (s->read > s->limit)
		return flame_err__set(err, EFBIG,
				      "input larger than the %zu MiB budget; raise it with "
				      "SINGE_MAX_INPUT=SIZE (e.g. SINGE_MAX_INPUT=4G)",
				      s->limit >> 20);
	return (long)n;
}

/*
 * Read fd whole, but tell its format from its first DETECT_BYTES first: input that is no
 * profile is refused before the rest is read, and no input is read past the budget.
 */
static int read_input(int fd, const char *name, char **out, size_t *out_len, enum input_format *fmt,
		      bool *streamed, struct flame_err *err)
{
	struct stat st;
	size_t cap = 1 << 16, len = 0, limit;
	bool eof = false;
	char *buf = NULL;
	int ret;

	if (input__limit(&limit))
		return flame_err__set(err, EINVAL,
				      "SINGE_MAX_INPUT='%s': expected a size such as 512M or 4G",
				      getenv("SINGE_MAX_INPUT"));
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > limit)
			return too_big(err, name, limit);
		cap = (size_t)st.st_size + 2;
		if (cap > DETECT_BYTES + 2)
			cap = DETECT_BYTES + 2; /* grown if the whole file is needed */
	}
	buf = malloc(cap);
	if (!buf)
		return flame_err__set(err, ENOMEM, "'%s': out of memory", name);
	ret = read_upto(fd, &buf, &cap, &len, DETECT_BYTES, limit, &eof);
	if (!ret) {
		*fmt = input__detect(buf, len, eof);
		if (*fmt == INPUT_UNKNOWN) {
			free(buf);
			return not_a_profile(err, name, len);
		}
		/* a gzip pprof is inflated as it is read: the rest is never all in memory */
		*streamed = !eof && *fmt == INPUT_PPROF && is_gzip(buf, len);
		if (!eof && !*streamed)
			ret = read_upto(fd, &buf, &cap, &len, SIZE_MAX, limit, &eof);
	}
	if (ret) {
		free(buf);
		if (ret == -EFBIG)
			return too_big(err, name, limit);
		return flame_err__set(err, -ret, "'%s': %s", name, strerror(-ret));
	}
	*out = buf;
	*out_len = len;
	return 0;
}

static size_t limit_or_default(void)
{
	size_t limit;

	return input__limit(&limit) ? INPUT_DEFAULT_LIMIT : limit;
}

static int parse(struct profile *p, enum input_format fmt, const char *buf, size_t len,
		 struct flame_err *err)
{
	size_t first_bad = 0;

	switch (fmt) {
	case INPUT_PPROF:
		return pprof__decode(p, buf, len, err);
	case INPUT_FOLDED:
		return folded__parse(p, buf, len, &first_bad, err);
	default:
		return perfscript__parse(p, buf, len, err);
	}
}

int input__load(const char *path, struct profile **out, struct flame_err *err)
{
	bool is_stdin = !strcmp(path, "-"), streamed = false;
	const char *name = is_stdin ? "<stdin>" : path;
	struct flame_err perr = {{0}};
	enum input_format fmt = INPUT_UNKNOWN;
	struct stream st = {.name = name, .limit = limit_or_default()};
	struct profile *p = NULL;
	size_t len = 0;
	char *buf = NULL;
	int fd, ret;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return flame_err__set(err, errno, "'%s': %s", name, strerror(errno));
	ret = read_input(fd, name, &buf, &len, &fmt, &streamed, err);
	if (!ret) {
		pprof__set_max_decompressed(st.limit);
		p = profile__new();
		if (!p)
			ret = flame_err__set(err, ENOMEM, "'%s': out of memory", name);
	}
	if (!ret) {
		st.fd = fd;
		st.read = len;
		if (streamed)
			ret = pprof__decode_stream(p, buf, len, stream_read, &st, &perr);
		else
			ret = parse(p, fmt, buf, len, &perr);
		if (!ret)
			ret = profile__validate(p, &perr);
		if (ret == -E2BIG)
			flame_err__set(err, E2BIG,
				       "'%s': inflates past the %zu MiB budget; raise it with "
				       "SINGE_MAX_INPUT=SIZE (e.g. SINGE_MAX_INPUT=4G)",
				       name, st.limit >> 20);
		else if (ret)
			flame_err__set(err, -ret, "'%s': %s", name, perr.msg);
	}
	if (!is_stdin)
		close(fd);
	free(buf);
	if (ret) {
		profile__free(p);
		return ret;
	}
	*out = p;
	return 0;
}

int input__check_stdin_once(char *const *paths, int npaths, struct flame_err *err)
{
	int i, n = 0;

	for (i = 0; i < npaths; i++)
		n += !strcmp(paths[i], "-");
	if (n > 1)
		return flame_err__set(err, EINVAL,
				      "'-' (standard input) is given %d times but can be read only "
				      "once; save it to a file for the other uses",
				      n);
	return 0;
}

int input__add_wall_view(struct profile *p, const char *sample_type, struct flame_err *err)
{
	char have[160] = "";
	size_t k, n = 0;
	int ret;

	if (!sample_type || strcmp(sample_type, "wall"))
		return 0;
	ret = profile__add_wall(p);
	if (ret == -ENOMEM)
		return flame_err__set(err, ENOMEM, "out of memory adding the wall-clock view");
	if (ret >= 0)
		return 0;
	for (k = 0; k < p->sample_types.len && n < sizeof(have); k++)
		n += (size_t)snprintf(have + n, sizeof(have) - n, "%s%s", k ? ", " : "",
				      profile__str(p, p->sample_types.data[k].type));
	return flame_err__set(err, EINVAL,
			      "no sample type 'wall' (have: %s): the wall-clock view needs cpu and "
			      "offcpu nanoseconds, record with 'singe record -t cpu,offcpu'",
			      n ? have : "none");
}

int input__load_merged(char *const *paths, int npaths, struct profile **out, struct flame_err *err)
{
	struct profile *merged = NULL, *p;
	struct flame_err merr = {{0}};
	int i, ret;

	if ((ret = input__check_stdin_once(paths, npaths, err)))
		return ret;
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
