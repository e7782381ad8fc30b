// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folded.h"
#include "output.h"
#include "pprof.h"
#include "profile.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

enum output_format output__format(const char *path)
{
	if (ends_with(path, ".pb.gz") || ends_with(path, ".pprof") || ends_with(path, ".prof"))
		return OUTPUT_PPROF_GZ;
	if (ends_with(path, ".pb"))
		return OUTPUT_PPROF_RAW;
	if (ends_with(path, ".folded") || ends_with(path, ".txt") || ends_with(path, ".collapsed"))
		return OUTPUT_FOLDED;
	if (ends_with(path, ".svg"))
		return OUTPUT_SVG;
	return OUTPUT_UNKNOWN;
}

/*
 * The temporary files being written, for output__fatal_signal(): a signal handler may only
 * read them, so they are set and cleared with the slot's pointer, never freed while set.
 */
#define MAX_LIVE_TEMPS 16
static char *volatile live_temps[MAX_LIVE_TEMPS];

static void track_temp(const char *tmp)
{
	size_t i;

	for (i = 0; i < MAX_LIVE_TEMPS; i++)
		if (!live_temps[i]) {
			live_temps[i] = (char *)tmp;
			return;
		}
}

static void untrack_temp(const char *tmp)
{
	size_t i;

	for (i = 0; i < MAX_LIVE_TEMPS; i++)
		if (live_temps[i] == tmp)
			live_temps[i] = NULL;
}

void output__fatal_signal(int sig)
{
	size_t i;

	/* only async-signal-safe calls from here on */
	for (i = 0; i < MAX_LIVE_TEMPS; i++)
		if (live_temps[i])
			unlink(live_temps[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void output__remove_temps_on_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = output__fatal_signal};
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int output__open(struct output *o, const char *path)
{
	int fd, err;

	memset(o, 0, sizeof(*o));
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	o->path = strdup(path);
	if (!o->path || asprintf(&o->tmp, "%s.tmp-XXXXXX", path) < 0) {
		free(o->path);
		o->path = NULL;
		o->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	/* mkstemp creates 0600; a profile is an ordinary file, so honour the umask instead */
	{
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		err = -errno;
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	track_temp(o->tmp);
	return 0;
fail:
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
	return err;
}

/* Flush and close the temporary file, checking every write; 0 or -errno (file kept). */
static int output__finish(struct output *o)
{
	int err = 0;

	errno = 0;
	if (fflush(o->f) || ferror(o->f))
		err = errno ? -errno : -EIO;
	if (!o->path)
		return err;
	if (fclose(o->f) && !err)
		err = -errno;
	o->f = NULL;
	return err;
}

/* Forget the temporary file (renamed or removed) and free the names. */
static void output__release(struct output *o)
{
	untrack_temp(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
}

int output__commit(struct output *o)
{
	int err = output__finish(o);

	if (!o->path)
		return err;
	if (!err && rename(o->tmp, o->path))
		err = -errno;
	if (err)
		unlink(o->tmp);
	output__release(o);
	return err;
}

int output__commit_all(struct output *o, size_t n, size_t *failed)
{
	size_t i;
	int err = 0;

	/* every file complete and closed before any is renamed: all of them or none */
	for (i = 0; i < n && !err; i++)
		if ((err = output__finish(&o[i])))
			*failed = i;
	for (i = 0; i < n; i++) {
		if (!o[i].path)
			continue;
		if (!err && rename(o[i].tmp, o[i].path)) {
			err = -errno;
			*failed = i;
		}
		if (err)
			output__abort(&o[i]);
		else
			output__release(&o[i]);
	}
	return err;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int output__check_not_input(const char *path, char *const *inputs, int ninputs)
{
	struct stat out, in;
	int i;

	/* a name that does not exist yet cannot be an input; "-" is stdout */
	if (!strcmp(path, "-") || stat(path, &out))
		return 0;
	for (i = 0; i < ninputs; i++)
		if (strcmp(inputs[i], "-") && !stat(inputs[i], &in) && same_file(&out, &in))
			return -EEXIST;
	return 0;
}

void output__abort(struct output *o)
{
	if (o->path) {
		if (o->f)
			fclose(o->f);
		unlink(o->tmp);
		output__release(o);
	}
	memset(o, 0, sizeof(*o));
}

int output__check_writable(const char *path)
{
	struct output o;
	int err;

	if (!strcmp(path, "-"))
		return 0;
	err = output__open(&o, path);
	if (!err)
		output__abort(&o);
	return err;
}

static int pick_sample_type(const struct profile *p, const char *name, struct flame_err *err)
{
	int vi = name ? profile__find_sample_type(p, name) : profile__default_sample_type(p);
	size_t i;
	char have[160] = "";

	if (vi >= 0)
		return vi;
	for (i = 0; i < p->sample_types.len; i++) {
		size_t n = strlen(have);

		snprintf(have + n, sizeof(have) - n, "%s%s", i ? ", " : "",
			 profile__str(p, p->sample_types.data[i].type));
	}
	if (!name)
		return flame_err__set(err, EINVAL, "profile has no sample types");
	return flame_err__set(err, EINVAL,
			      "no sample type '%s' (have: %s); pick one with --sample-type", name,
			      have);
}

int output__write_pprof(FILE *f, const struct profile *p, bool gzip, struct flame_err *err)
{
	size_t len;
	void *buf;
	int ret = pprof__encode(p, gzip, &buf, &len, err);

	if (ret)
		return ret;
	if (fwrite(buf, 1, len, f) != len)
		ret = flame_err__set(err, EIO, "write failed: %s", strerror(errno));
	free(buf);
	return ret;
}

static int write_folded(FILE *f, const struct profile *p, const struct write_opts *opts,
			struct flame_err *err)
{
	/* counts unless asked otherwise: every folded reader takes the numbers for counts */
	int vi = opts && opts->sample_type ? pick_sample_type(p, opts->sample_type, err)
					   : folded__default_sample_type(p);
	int ret;

	if (vi < 0)
		return vi;
	ret = folded__write(p, vi, -1, f);
	if (ret)
		return flame_err__set(err, -ret, "write failed: %s", strerror(-ret));
	return 0;
}

static int write_svg(FILE *f, const struct profile *p, const struct write_opts *opts,
		     struct flame_err *err)
{
	struct svg_opts svg;

	if (opts)
		svg = opts->svg;
	else
		svg_opts__init(&svg);
	if (opts && opts->sample_type)
		svg.sample_type = opts->sample_type;
	return svg__write(p, &svg, f, err);
}

/* Goroutine profiles' label whose value folded and SVG show as a leaf frame. */
#define WAIT_REASON_LABEL "wait_reason"

/*
 * The profile folded and SVG output show: p itself, or a copy with a root frame per process
 * when p holds several (stacks of different programs must not merge), and a leaf frame
 * "[chan receive]" above the stacks of samples with a wait_reason label (goroutine profiles:
 * a graph tells a channel from a mutex). *copy is what to free.
 */
static int with_process_roots(const struct profile *p, const struct write_opts *opts,
			      const struct profile **show, struct profile **copy,
			      struct flame_err *err)
{
	enum process_roots mode = opts ? opts->roots : PROCESS_ROOTS_COMM;
	struct profile *c;
	int ret;

	bool roots = mode != PROCESS_ROOTS_NONE && profile__has_several_processes(p);
	bool reasons = profile__has_label(p, WAIT_REASON_LABEL);

	*show = p;
	*copy = NULL;
	if (!roots && !reasons)
		return 0;
	c = profile__new();
	if (!c)
		return flame_err__set(err, ENOMEM, "out of memory");
	ret = profile__merge(c, p, err);
	if (!ret && roots && (ret = profile__add_process_roots(c, mode)))
		flame_err__set(err, -ret, "out of memory adding process roots");
	if (!ret && reasons && (ret = profile__add_label_leaves(c, WAIT_REASON_LABEL)))
		flame_err__set(err, -ret, "out of memory adding wait-reason frames");
	if (ret) {
		profile__free(c);
		return ret;
	}
	*show = *copy = c;
	return 0;
}

int output__check_sample_type(const struct profile *p, const char *name, struct flame_err *err)
{
	int vi = pick_sample_type(p, name, err);

	return vi < 0 ? vi : 0;
}

int output__write_to(struct output *o, enum output_format fmt, const struct profile *p,
		     const struct write_opts *opts, struct flame_err *err)
{
	struct flame_err werr = {{0}};
	int ret;

	switch (fmt) {
	case OUTPUT_PPROF_GZ:
	case OUTPUT_PPROF_RAW:
		ret = output__write_pprof(o->f, p, fmt == OUTPUT_PPROF_GZ, &werr);
		break;
	default: {
		const struct profile *show;
		struct profile *copy;

		ret = with_process_roots(p, opts, &show, &copy, &werr);
		if (!ret && fmt == OUTPUT_FOLDED)
			ret = write_folded(o->f, show, opts, &werr);
		else if (!ret)
			ret = write_svg(o->f, show, opts, &werr);
		profile__free(copy);
		break;
	}
	}
	if (ret)
		return flame_err__set(err, -ret, "'%s': %s", o->path ? o->path : "<stdout>",
				      werr.msg);
	return 0;
}

static int unknown_format(const char *path, struct flame_err *err)
{
	return flame_err__set(err, EINVAL,
			      "'%s': unknown output format; name it .pb.gz, .pprof, .folded, "
			      ".txt or .svg",
			      path);
}

int output__write_profile(const char *path, enum output_format fmt, const struct profile *p,
			  const struct write_opts *opts, struct flame_err *err)
{
	struct output o;
	int ret;

	if (fmt == OUTPUT_UNKNOWN)
		fmt = output__format(path);
	if (fmt == OUTPUT_UNKNOWN)
		return unknown_format(path, err);
	/* a wrong --sample-type is the option's fault, not the output file's */
	if (fmt != OUTPUT_PPROF_GZ && fmt != OUTPUT_PPROF_RAW &&
	    (ret = output__check_sample_type(p, opts ? opts->sample_type : NULL, err)))
		return ret;
	ret = output__open(&o, path);
	if (ret)
		return flame_err__set(err, -ret, "cannot write '%s': %s", path, strerror(-ret));
	if ((ret = output__write_to(&o, fmt, p, opts, err))) {
		output__abort(&o);
		return ret;
	}
	ret = output__commit(&o);
	if (ret)
		return flame_err__set(err, -ret, "cannot write '%s': %s", path, strerror(-ret));
	return 0;
}

int output__write_profiles(const char *const *paths, size_t n, const struct profile *p,
			   const struct write_opts *opts, struct flame_err *err)
{
	struct output *o = calloc(n, sizeof(*o));
	size_t i, failed = 0;
	int ret = o ? 0 : -ENOMEM;

	if (ret)
		return flame_err__set(err, ENOMEM, "out of memory");
	for (i = 0; i < n && !ret; i++) {
		enum output_format fmt = output__format(paths[i]);

		if (fmt == OUTPUT_UNKNOWN)
			ret = unknown_format(paths[i], err);
		else if (fmt != OUTPUT_PPROF_GZ && fmt != OUTPUT_PPROF_RAW)
			ret = output__check_sample_type(p, opts ? opts->sample_type : NULL, err);
	}
	for (i = 0; i < n && !ret; i++) {
		if ((ret = output__open(&o[i], paths[i])))
			flame_err__set(err, -ret, "cannot write '%s': %s", paths[i],
				       strerror(-ret));
		else
			ret = output__write_to(&o[i], output__format(paths[i]), p, opts, err);
	}
	if (!ret && (ret = output__commit_all(o, n, &failed)))
		flame_err__set(err, -ret, "cannot write '%s': %s; no output was written",
			       paths[failed], strerror(-ret));
	for (i = 0; i < n; i++)
		output__abort(&o[i]);
	free(o);
	return ret;
}
