// SPDX-License-Identifier: MIT
/*
 * The symbolizer keeps, per process, a snapshot of its mappings with the ELF file behind each
 * executable one (opened at once, so that the process may exit), and per (process, address)
 * the location id already made for it, so that the record loop pays the symbolization cost
 * once per distinct frame. Files are shared between processes through the elf_cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "hash.h"
#include "profile.h"
#include "sym_elf.h"
#include "sym_kallsyms.h"
#include "sym_perfmap.h"
#include "sym_procmaps.h"
#include "symbolize.h"

/* An address outside every mapping re-reads /proc/PID/maps at most this often per process:
 * a bad frame-pointer unwind yields many such addresses, a dlopen only one burst. */
#define REFRESH_INTERVAL_NS (50 * 1000 * 1000ULL)
#define UNKNOWN_NAME "[unknown]"
#define VDSO_NAME "[vdso]"

enum module_kind {
	MOD_OTHER, /* heap, stack, non-code file data: nothing to symbolize */
	MOD_FILE,  /* an executable mapping of a file */
	MOD_ANON,  /* executable anonymous memory: JIT code, resolved through the perf map */
	MOD_VDSO,
};

struct module {
	struct elf_file *elf; /* owned by the cache; NULL if not code or not readable */
	enum module_kind kind;
};

struct process {
	pid_t pid;
	uint32_t serial; /* index + 1; keys the address cache, never reused */
	bool forgotten;	 /* exec'd: a newer entry for the same pid replaces this one */
	bool dead;	 /* /proc/PID/maps is gone: no refresh can help any more */
	struct procmaps *maps;
	struct module *mods; /* parallel to maps->maps */
	unsigned int refreshes;
	uint64_t last_refresh_ns;
	struct perfmap *perfmap;
	uint64_t perfmap_ns; /* when the perf map was last read, 0 = never */
	bool jvm;	     /* maps libjvm.so: its perf map's names are HotSpot's */
};

struct addr_entry {
	uint64_t addr;
	uint32_t serial; /* 0 for kernel addresses */
	uint32_t loc_id;
	bool unknown;
};

/* Processes share a profile mapping when the same file sits at the same range in both. */
struct mapping_key {
	uint64_t start, end, offset;
	const struct elf_file *elf; /* two containers may map different files under one path */
	uint32_t filename;
	uint32_t id;
};

struct symbolizer {
	struct profile *p;
	struct symbolizer_opts opts;
	struct symbolizer_stats stats;
	struct elf_cache *cache;

	VEC(struct process *) procs;
	struct idset proc_index; /* pid -> procs index (live entries) */

	VEC(struct addr_entry) addrs;
	struct idset addr_index;

	VEC(struct mapping_key) mappings;
	struct idset mapping_index;

	VEC(uint32_t) display; /* raw name string index -> display name string index + 1 */

	struct ksyms *ksyms;
	bool ksyms_tried;
	uint32_t kernel_mapping;

	struct elf_file *vdso;
	size_t vdso_size;
	bool vdso_tried;

	int (*refresher)(void *ctx, pid_t pid);
	void *refresher_ctx;
};

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ------------------------------------------------------------------------------------ */
/* Lifecycle */

struct symbolizer *symbolizer__new(struct profile *p, const struct symbolizer_opts *opts)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->p = p;
	if (opts)
		s->opts = *opts;
	s->cache = elf_cache__new(s->opts.debug_dirs);
	if (!s->cache) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	/* the caller's string may not outlive this call */
	s->opts.debug_dirs = NULL;
	return s;
}

static void process_release_maps(struct process *proc)
{
	procmaps__free(proc->maps);
	free(proc->mods);
	perfmap__free(proc->perfmap);
	proc->maps = NULL;
	proc->mods = NULL;
	proc->perfmap = NULL;
}

void symbolizer__free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->procs.len; i++) {
		process_release_maps(s->procs.data[i]);
		free(s->procs.data[i]);
	}
	vec_free(&s->procs);
	idset_release(&s->proc_index);
	vec_free(&s->addrs);
	idset_release(&s->addr_index);
	vec_free(&s->mappings);
	idset_release(&s->mapping_index);
	vec_free(&s->display);
	ksyms__free(s->ksyms);
	elf_file__free(s->vdso);
	elf_cache__free(s->cache);
	free(s);
}

const struct symbolizer_stats *symbolizer__stats(const struct symbolizer *s)
{
	return &s->stats;
}

/* ------------------------------------------------------------------------------------ */
/* Processes and their mappings */

static bool proc_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct process *proc = ((struct symbolizer *)ctx)->procs.data[idx];

	return !proc->forgotten && proc->pid == *(const pid_t *)key;
}

static struct process *find_process(struct symbolizer *s, pid_t pid)
{
	int64_t idx = idset__find(&s->proc_index, hash_mix(0, (uint64_t)pid), &pid, proc_eq, s);

	return idx < 0 ? NULL : s->procs.data[idx];
}

/* Our own vDSO: the kernel maps the same image into every process of its architecture. */
static struct elf_file *vdso_image(struct symbolizer *s)
{
	const struct procmaps *self;
	size_t i;
	unsigned long base;

	if (s->vdso_tried)
		return s->vdso;
	s->vdso_tried = true;
	base = getauxval(AT_SYSINFO_EHDR);
	self = base ? procmaps__load(getpid()) : NULL;
	if (!self)
		return NULL;
	for (i = 0; i < self->len; i++) {
		const struct procmap *m = &self->maps[i];

		if (m->start == base && !strcmp(m->path, VDSO_NAME)) {
			s->vdso_size = m->end - m->start;
			s->vdso = elf_file__open_memory((const void *)base, s->vdso_size);
			break;
		}
	}
	procmaps__free((struct procmaps *)self);
	return s->vdso;
}

/*
 * The mapped file itself: /proc/PID/map_files reaches it even when it was deleted or
 * replaced; /proc/PID/root/PATH is the fallback (it needs no privilege for our own
 * children), checked against the inode the mapping has.
 */
static int open_mapped_file(pid_t pid, const struct procmap *m)
{
	char path[4096];
	struct stat st;
	int fd;

	if (!procmap__map_files_path(m, pid, path, sizeof(path))) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	if (snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, m->path) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/*
	 * a process gone before its files were opened (its mappings came from mapping events):
	 * the path as seen from singe's root, checked against the inode like the others
	 */
	if (fd < 0 && errno == ENOENT && m->path[0] == '/')
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* a different file now at that path would give wrong names; on another device (an
	 * overlay) the inode numbers cannot be compared */
	if (fstat(fd, &st) ||
	    (st.st_ino != m->inode && st.st_dev == makedev(m->dev_major, m->dev_minor))) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static struct elf_file *open_module_file(struct symbolizer *s, pid_t pid, const struct procmap *m)
{
	uint64_t dev = makedev(m->dev_major, m->dev_minor);
	struct elf_file *elf = elf_cache__find_inode(s->cache, dev, m->inode);
	char root[64];
	size_t before;
	int fd;

	if (elf)
		return elf;
	fd = open_mapped_file(pid, m);
	if (fd < 0) {
		s->stats.files_failed++;
		return NULL;
	}
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	before = elf_cache__count(s->cache);
	elf = elf_cache__add(s->cache, fd, dev, m->inode, m->path, root);
	close(fd);
	if (!elf)
		s->stats.files_failed++;
	else if (elf_cache__count(s->cache) > before)
		s->stats.files_opened++;
	return elf;
}

static void classify(struct symbolizer *s, pid_t pid, const struct procmap *m, struct module *mod)
{
	mod->kind = MOD_OTHER;
	mod->elf = NULL;
	if (!m->executable)
		return;
	if (!strcmp(m->path, VDSO_NAME)) {
		mod->kind = MOD_VDSO;
		mod->elf = vdso_image(s);
		if (mod->elf && m->end - m->start != s->vdso_size)
			mod->elf = NULL; /* another architecture's vDSO (a 32-bit process) */
	} else if (procmap__is_anon(m)) {
		mod->kind = MOD_ANON;
	} else if (procmap__is_file(m)) {
		mod->kind = MOD_FILE;
		mod->elf = open_module_file(s, pid, m);
	}
}

static bool has_anon_code(const struct process *proc)
{
	size_t i;

	for (i = 0; i < proc->maps->len; i++)
		if (proc->mods[i].kind == MOD_ANON)
			return true;
	return false;
}

/* Does the process map HotSpot (libjvm.so)? Its perf map then names methods HotSpot's way. */
static bool maps_libjvm(const struct procmaps *maps)
{
	size_t i;

	for (i = 0; i < maps->len; i++)
		if (procmap__is_file(&maps->maps[i]) &&
		    !strcmp(basename_of(maps->maps[i].path), "libjvm.so"))
			return true;
	return false;
}

static void load_perfmap(struct process *proc)
{
	struct perfmap *pm = perfmap__load(proc->pid);

	proc->perfmap_ns = mono_ns();
	if (!pm)
		return;
	perfmap__free(proc->perfmap);
	proc->perfmap = pm;
}

/* Make maps (owned from now on) proc's snapshot; 0 or -ENOMEM (maps freed). */
static int install_maps(struct symbolizer *s, struct process *proc, struct procmaps *maps)
{
	struct module *mods = calloc(maps->len ? maps->len : 1, sizeof(*mods));
	size_t i;

	if (!mods) {
		procmaps__free(maps);
		return -ENOMEM;
	}
	for (i = 0; i < maps->len; i++)
		classify(s, proc->pid, &maps->maps[i], &mods[i]);
	procmaps__free(proc->maps);
	free(proc->mods);
	proc->maps = maps;
	proc->mods = mods;
	proc->jvm = maps_libjvm(maps);
	if (has_anon_code(proc))
		load_perfmap(proc);
	return 0;
}

/* Take a new snapshot of pid's mappings; 0, -ESRCH, -EACCES or -ENOMEM. */
static int snapshot(struct symbolizer *s, struct process *proc)
{
	struct procmaps *maps = procmaps__load(proc->pid);

	if (!maps) {
		int err = errno ? -errno : -ESRCH;

		if (err != -ENOMEM)
			proc->dead = true; /* gone, or not ours to read: no refresh can help */
		return err;
	}
	return install_maps(s, proc, maps);
}

static uint32_t intern_or_zero(struct symbolizer *s, const char *str)
{
	int64_t idx = profile__intern_str(s->p, str);

	return idx < 0 ? 0 : (uint32_t)idx;
}

static bool mapping_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct mapping_key *a = &((struct symbolizer *)ctx)->mappings.data[idx], *b = key;

	return a->start == b->start && a->end == b->end && a->offset == b->offset &&
	       a->elf == b->elf && a->filename == b->filename;
}

static uint64_t mapping_hash(const struct mapping_key *k)
{
	uint64_t h = hash_mix(hash_mix(hash_mix(0, k->start), k->end), k->offset);

	return hash_mix(hash_mix(h, (uint64_t)(uintptr_t)k->elf), k->filename);
}

/* The profile mapping for (range, file), made on first use; its id or a negative errno. */
static int64_t mapping_id(struct symbolizer *s, const struct procmap *m, const struct module *mod)
{
	struct mapping_key key = {m->start, m->end, m->offset, mod->elf, 0, 0};
	struct mapping pm = {0};
	const char *name = m->path;
	int64_t idx, id, str;

	if (mod->kind == MOD_ANON)
		name = JIT_MAPPING_NAME;
	if ((str = profile__intern_str(s->p, name)) < 0)
		return str;
	key.filename = (uint32_t)str;
	idx = idset__find(&s->mapping_index, mapping_hash(&key), &key, mapping_eq, s);
	if (idx >= 0)
		return s->mappings.data[idx].id;
	pm.memory_start = m->start;
	pm.memory_limit = m->end;
	pm.file_offset = mod->kind == MOD_ANON ? 0 : m->offset;
	pm.filename = key.filename;
	if (mod->elf && elf_file__build_id(mod->elf)[0])
		pm.build_id = intern_or_zero(s, elf_file__build_id(mod->elf));
	id = profile__add_mapping(s->p, &pm);
	if (id < 0)
		return id;
	key.id = (uint32_t)id;
	if (vec_push(&s->mappings, key) ||
	    idset__insert(&s->mapping_index, mapping_hash(&key), (uint32_t)(s->mappings.len - 1)))
		return -ENOMEM;
	return id;
}

/* Tell pprof the frames of this mapping are symbolized, so it does not try again. */
static void mark_symbolized(struct symbolizer *s, int64_t id)
{
	struct mapping *m;

	if (id <= 0)
		return;
	m = &s->p->mappings.data[id - 1];
	m->has_functions = m->has_filenames = m->has_line_numbers = m->has_inline_frames = true;
}

/* The path of pid's executable into exe (size bytes), without " (deleted)"; 0 or -errno. */
static int read_exe(pid_t pid, char *exe, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, size - 1);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	exe[n] = '\0';
	if (n > 10 && !strcmp(exe + n - 10, " (deleted)"))
		exe[n - 10] = '\0';
	return 0;
}

/* Give the main executable (exe, or read from /proc when NULL) the first profile mapping. */
static void add_main_mapping(struct symbolizer *s, struct process *proc, const char *exe)
{
	char buf[4096];
	size_t i;

	if (!exe) {
		if (read_exe(proc->pid, buf, sizeof(buf)))
			return;
		exe = buf;
	}
	for (i = 0; i < proc->maps->len; i++) {
		if (proc->mods[i].kind == MOD_FILE && !strcmp(proc->maps->maps[i].path, exe)) {
			mapping_id(s, &proc->maps->maps[i], &proc->mods[i]);
			return;
		}
	}
}

static struct process *new_process(struct symbolizer *s, pid_t pid)
{
	struct process *proc = calloc(1, sizeof(*proc));

	if (!proc)
		return NULL;
	proc->pid = pid;
	proc->serial = (uint32_t)s->procs.len + 1;
	if (vec_push(&s->procs, proc) ||
	    idset__insert(&s->proc_index, hash_mix(0, (uint64_t)pid), proc->serial - 1)) {
		if (s->procs.len && s->procs.data[s->procs.len - 1] == proc)
			s->procs.len--;
		free(proc);
		return NULL;
	}
	return proc;
}

int symbolizer__add_pid(struct symbolizer *s, pid_t pid)
{
	struct process *proc = find_process(s, pid);
	int err;

	if (proc && proc->maps)
		return 0;
	if (!proc && !(proc = new_process(s, pid)))
		return -ENOMEM;
	proc->dead = false;
	err = snapshot(s, proc);
	if (err)
		return err;
	s->stats.pids++;
	add_main_mapping(s, proc, NULL);
	return 0;
}

int symbolizer__refresh_pid(struct symbolizer *s, pid_t pid)
{
	struct process *proc = find_process(s, pid);
	int err;

	if (!proc || !proc->maps)
		return symbolizer__add_pid(s, pid);
	/* the image is the same, so what was looked up in the old snapshot still holds */
	err = snapshot(s, proc);
	if (!err)
		add_main_mapping(s, proc, NULL);
	return err;
}

void symbolizer__set_refresher(struct symbolizer *s, int (*fn)(void *ctx, pid_t pid), void *ctx)
{
	s->refresher = fn;
	s->refresher_ctx = ctx;
}

int symbolizer__set_maps(struct symbolizer *s, pid_t pid, const struct procmaps *maps,
			 const char *exe)
{
	struct process *proc = find_process(s, pid);
	struct procmaps *copy;
	bool first;
	int err;

	if (!proc && !(proc = new_process(s, pid)))
		return -ENOMEM;
	first = !proc->maps;
	if (!(copy = procmaps__dup(maps)))
		return -ENOMEM;
	if ((err = install_maps(s, proc, copy)))
		return err;
	proc->dead = false;
	if (first)
		s->stats.pids++;
	add_main_mapping(s, proc, exe && *exe ? exe : NULL);
	return 0;
}

int symbolizer__inherit_pid(struct symbolizer *s, pid_t pid, pid_t parent)
{
	struct process *from = find_process(s, parent), *proc = find_process(s, pid);
	struct procmaps *maps;
	struct module *mods;

	if (!from || !from->maps)
		return -ESRCH;
	if (proc && proc->maps)
		return 0;
	if (!proc && !(proc = new_process(s, pid)))
		return -ENOMEM;
	maps = procmaps__dup(from->maps);
	mods = maps ? malloc((maps->len ? maps->len : 1) * sizeof(*mods)) : NULL;
	if (!mods) {
		procmaps__free(maps);
		return -ENOMEM;
	}
	/* the modules' ELF files belong to the cache: the two processes share them */
	memcpy(mods, from->mods, maps->len * sizeof(*mods));
	proc->maps = maps;
	proc->mods = mods;
	proc->dead = true; /* its own maps are gone: nothing to refresh */
	s->stats.pids_inherited++;
	return 0;
}

void symbolizer__forget_pid(struct symbolizer *s, pid_t pid)
{
	struct process *proc = find_process(s, pid);

	if (!proc)
		return;
	/* the entry stays (its serial keys cached addresses) but no longer answers for pid */
	proc->forgotten = true;
	process_release_maps(proc);
}

static bool may_refresh(const struct process *proc, uint64_t now)
{
	if (proc->dead || proc->forgotten)
		return false;
	return !proc->refreshes || now - proc->last_refresh_ns >= REFRESH_INTERVAL_NS;
}

static const struct procmap *find_mapping(struct symbolizer *s, struct process *proc, uint64_t addr,
					  int *err)
{
	const struct procmap *m = proc->maps ? procmaps__find(proc->maps, addr) : NULL;
	uint64_t now;

	*err = 0;
	if (m)
		return m;
	now = mono_ns();
	if (!may_refresh(proc, now))
		return NULL;
	proc->refreshes++;
	proc->last_refresh_ns = now;
	s->stats.maps_refreshes++;
	/* through the caller's process table when it has one: it also knows gone processes */
	*err = s->refresher ? s->refresher(s->refresher_ctx, proc->pid) : snapshot(s, proc);
	if (*err != -ENOMEM)
		*err = 0; /* a process that is gone keeps the snapshot it had */
	return proc->maps ? procmaps__find(proc->maps, addr) : NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Functions and locations */

/* The display name for a raw name string: demangled once per distinct raw name. */
static int64_t display_name(struct symbolizer *s, uint32_t raw)
{
	const char *str = profile__str(s->p, raw);
	char *demangled = NULL;
	int64_t idx;

	if (raw < s->display.len && s->display.data[raw])
		return s->display.data[raw] - 1;
	if (str[0] == '_' && (str[1] == 'Z' || str[1] == 'R'))
		demangled = symbol__demangle(str);
	idx = demangled ? profile__intern_str(s->p, demangled) : raw;
	free(demangled);
	if (idx < 0)
		return idx;
	if (raw >= s->display.len) {
		size_t old = s->display.len;

		if (vec_reserve(&s->display, raw + 1 - old))
			return -ENOMEM;
		memset(s->display.data + old, 0, (raw + 1 - old) * sizeof(*s->display.data));
		s->display.len = raw + 1;
	}
	s->display.data[raw] = (uint32_t)idx + 1;
	return idx;
}

static int64_t intern_function(struct symbolizer *s, const char *raw, const char *file,
			       int start_line)
{
	struct function f = {0};
	int64_t r, d, fl = 0;

	if ((r = profile__intern_str(s->p, raw)) < 0)
		return r;
	if ((d = display_name(s, (uint32_t)r)) < 0)
		return d;
	if (file && (fl = profile__intern_str(s->p, file)) < 0)
		return fl;
	f.name = (uint32_t)d;
	f.system_name = (uint32_t)r;
	f.filename = (uint32_t)fl;
	f.start_line = start_line;
	return profile__intern_function(s->p, &f);
}

/* A location with one placeholder frame ("libfoo.so+0x1234" or "[unknown]"). */
static int64_t placeholder_location(struct symbolizer *s, int64_t mapping, uint64_t addr,
				    const char *name)
{
	struct line line = {0};
	int64_t fid = intern_function(s, name, NULL, 0);

	if (fid < 0)
		return fid;
	line.function_id = (uint64_t)fid;
	return profile__intern_location(s->p, (uint64_t)(mapping > 0 ? mapping : 0), addr, &line,
					1);
}

static void module_offset_name(char *buf, size_t size, const char *path, uint64_t off)
{
	snprintf(buf, size, "%s+0x%llx", basename_of(path), (unsigned long long)off);
}

static int64_t frames_location(struct symbolizer *s, int64_t mapping, uint64_t addr,
			       const struct sym_frame *frames, int n, const char *fallback)
{
	struct line lines[SYM_MAX_FRAMES];
	int i;

	for (i = 0; i < n; i++) {
		int64_t fid = intern_function(s, frames[i].function ? frames[i].function : fallback,
					      frames[i].file, frames[i].decl_line);

		if (fid < 0)
			return fid;
		lines[i] = (struct line){(uint64_t)fid, frames[i].line, frames[i].column};
	}
	return profile__intern_location(s->p, (uint64_t)(mapping > 0 ? mapping : 0), addr, lines,
					(uint32_t)n);
}

static unsigned int lookup_flags(const struct symbolizer *s)
{
	return (s->opts.no_inlines ? SYM_NO_INLINES : 0) |
	       (s->opts.no_file_lines ? SYM_NO_LINES : 0);
}

/* An address in an executable file mapping (or the vDSO); *unknown when not symbolized. */
static int64_t elf_location(struct symbolizer *s, const struct procmap *m, const struct module *mod,
			    uint64_t addr, bool *unknown)
{
	struct sym_frame frames[SYM_MAX_FRAMES];
	uint64_t off = addr - m->start + (mod->kind == MOD_VDSO ? 0 : m->offset), vaddr;
	int64_t mapping = mapping_id(s, m, mod);
	char name[512];
	int n = 0;

	if (mapping < 0)
		return mapping;
	module_offset_name(name, sizeof(name), m->path, off);
	if (mod->elf && !elf_file__offset_to_vaddr(mod->elf, off, &vaddr))
		n = elf_file__lookup(mod->elf, vaddr, lookup_flags(s), frames, SYM_MAX_FRAMES);
	if (n < 0)
		return n;
	if (!n) {
		*unknown = true;
		return placeholder_location(s, mapping, addr, name);
	}
	mark_symbolized(s, mapping);
	return frames_location(s, mapping, addr, frames, n, name);
}

/*
 * A HotSpot perf map's name as a frame: "long com.example.Foo.bar(int, long)" (return type,
 * method, parameters) becomes "com.example.Foo.bar"; the template interpreter
 * ("Interpreter") JVM_INTERPRETED_NAME. Stubs ("StubRoutines (1)", "I2C/C2I adapters") stay.
 */
const char *symbolizer__jvm_frame_name(const char *name, char *buf, size_t size)
{
	const char *paren = strchr(name, '('), *start;
	size_t len;

	if (!strcmp(name, "Interpreter"))
		return JVM_INTERPRETED_NAME;
	if (!paren || paren == name || paren[-1] == ' ' || name[strlen(name) - 1] != ')')
		return name;
	for (start = paren; start > name && start[-1] != ' ';)
		start--;
	len = (size_t)(paren - start);
	if (!memchr(start, '.', len) || len >= size)
		return name;
	memcpy(buf, start, len);
	buf[len] = '\0';
	return buf;
}

/* An address in anonymous executable memory: JIT code, named by the perf map. */
static int64_t jit_location(struct symbolizer *s, struct process *proc, const struct procmap *m,
			    const struct module *mod, uint64_t addr, bool *unknown)
{
	const struct perfmap_sym *sym = proc->perfmap ? perfmap__lookup(proc->perfmap, addr) : NULL;
	int64_t mapping = mapping_id(s, m, mod);

	if (mapping < 0)
		return mapping;
	/* JITs append to the map as they compile: re-read it (not too often) on a miss */
	if (!sym && !proc->dead && mono_ns() - proc->perfmap_ns >= REFRESH_INTERVAL_NS) {
		load_perfmap(proc);
		sym = proc->perfmap ? perfmap__lookup(proc->perfmap, addr) : NULL;
	}
	if (!sym) {
		*unknown = true;
		return placeholder_location(s, mapping, addr, UNKNOWN_NAME);
	}
	s->stats.jit_frames++;
	mark_symbolized(s, mapping);
	if (proc->jvm) {
		char name[512];

		return placeholder_location(
			s, mapping, addr,
			symbolizer__jvm_frame_name(sym->name, name, sizeof(name)));
	}
	return placeholder_location(s, mapping, addr, sym->name);
}

static int64_t resolve_user(struct symbolizer *s, struct process *proc, uint64_t addr,
			    bool *unknown)
{
	const struct procmap *m;
	const struct module *mod;
	char name[512];
	int64_t mapping;
	int err;

	m = find_mapping(s, proc, addr, &err);
	if (err)
		return err;
	if (!m) {
		*unknown = true;
		return placeholder_location(s, 0, addr, UNKNOWN_NAME);
	}
	mod = &proc->mods[m - proc->maps->maps];
	switch (mod->kind) {
	case MOD_FILE:
	case MOD_VDSO:
		return elf_location(s, m, mod, addr, unknown);
	case MOD_ANON:
		return jit_location(s, proc, m, mod, addr, unknown);
	default:
		*unknown = true;
		if (!procmap__is_file(m))
			return placeholder_location(s, 0, addr, UNKNOWN_NAME);
		/* data of a known file: keep the module and offset */
		if ((mapping = mapping_id(s, m, mod)) < 0)
			return mapping;
		module_offset_name(name, sizeof(name), m->path, addr - m->start + m->offset);
		return placeholder_location(s, mapping, addr, name);
	}
}

bool symbolizer__is_jit(struct symbolizer *s, pid_t pid, uint64_t addr)
{
	struct process *proc = find_process(s, pid);
	const struct procmap *m;
	int err = 0;

	if (!proc || !proc->maps || !(m = find_mapping(s, proc, addr, &err)))
		return false;
	return proc->mods[m - proc->maps->maps].kind == MOD_ANON;
}

int symbolizer__load_perfmap(struct symbolizer *s, pid_t pid)
{
	struct process *proc = find_process(s, pid);
	struct perfmap *pm;

	if (!proc)
		return -ESRCH;
	if (!(pm = perfmap__load(pid)))
		return errno ? -errno : -ENOENT;
	perfmap__free(proc->perfmap);
	proc->perfmap = pm;
	proc->perfmap_ns = mono_ns();
	return 0;
}

int symbolizer__go_sp_delta(struct symbolizer *s, pid_t pid, uint64_t pc)
{
	struct process *proc = find_process(s, pid);
	const struct procmap *m;
	const struct module *mod;
	uint64_t vaddr;
	int err = 0;

	if (!proc || !(m = find_mapping(s, proc, pc, &err)))
		return err ? err : -ENOENT;
	mod = &proc->mods[m - proc->maps->maps];
	if (mod->kind != MOD_FILE || !mod->elf ||
	    elf_file__offset_to_vaddr(mod->elf, pc - m->start + m->offset, &vaddr))
		return -ENOENT;
	return elf_file__go_sp_delta(mod->elf, vaddr);
}

/* ------------------------------------------------------------------------------------ */
/* The address cache */

static bool addr_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct addr_entry *a = &((struct symbolizer *)ctx)->addrs.data[idx], *b = key;

	return a->addr == b->addr && a->serial == b->serial;
}

static uint64_t addr_hash(uint32_t serial, uint64_t addr)
{
	return hash_mix(hash_mix(0x5151, serial), addr);
}

static const struct addr_entry *cache_find(struct symbolizer *s, uint32_t serial, uint64_t addr)
{
	struct addr_entry key = {addr, serial, 0, false};
	int64_t idx = idset__find(&s->addr_index, addr_hash(serial, addr), &key, addr_eq, s);

	return idx < 0 ? NULL : &s->addrs.data[idx];
}

static int cache_add(struct symbolizer *s, uint32_t serial, uint64_t addr, int64_t id, bool unknown)
{
	struct addr_entry e = {addr, serial, (uint32_t)id, unknown};

	if (vec_push(&s->addrs, e) ||
	    idset__insert(&s->addr_index, addr_hash(serial, addr), (uint32_t)(s->addrs.len - 1)))
		return -ENOMEM;
	return 0;
}

static int64_t cached(struct symbolizer *s, const struct addr_entry *e)
{
	if (e->unknown)
		s->stats.unknown_frames++;
	return e->loc_id;
}

static int64_t finish(struct symbolizer *s, uint32_t serial, uint64_t addr, int64_t id,
		      bool unknown)
{
	if (id < 0)
		return id;
	if (unknown)
		s->stats.unknown_frames++;
	if (cache_add(s, serial, addr, id, unknown))
		return -ENOMEM;
	return id;
}

int64_t symbolizer__user_location(struct symbolizer *s, pid_t pid, uint64_t addr, bool is_leaf)
{
	/* a return address points after the call: look up (and store) the call itself */
	uint64_t pc = frame_lookup_addr(addr, is_leaf);
	struct process *proc = find_process(s, pid);
	const struct addr_entry *e;
	bool unknown = false;
	int64_t id;

	s->stats.frames++;
	if (!proc) {
		int err = symbolizer__add_pid(s, pid);

		if (err == -ENOMEM)
			return err;
		proc = find_process(s, pid);
		if (!proc)
			return -ENOMEM;
	}
	if ((e = cache_find(s, proc->serial, pc)))
		return cached(s, e);
	id = resolve_user(s, proc, pc, &unknown);
	return finish(s, proc->serial, pc, id, unknown);
}

int64_t symbolizer__named_location(struct symbolizer *s, const char *name, const char *file,
				   int start_line, int line)
{
	struct line l = {.line = line};
	int64_t fid = intern_function(s, name, file, start_line);

	s->stats.frames++;
	if (fid < 0)
		return fid;
	l.function_id = (uint64_t)fid;
	return profile__intern_location(s->p, 0, 0, &l, 1);
}

/* ------------------------------------------------------------------------------------ */
/* Kernel */

static int64_t kernel_mapping(struct symbolizer *s)
{
	struct mapping m = {0};
	int64_t id, name;

	if (s->kernel_mapping)
		return s->kernel_mapping;
	if ((name = profile__intern_str(s->p, KERNEL_MAPPING_NAME)) < 0)
		return name;
	m.filename = (uint32_t)name;
	m.memory_start = s->ksyms ? s->ksyms->syms[0].addr : 0;
	m.memory_limit = UINT64_MAX;
	if ((id = profile__add_mapping(s->p, &m)) < 0)
		return id;
	if (s->ksyms)
		mark_symbolized(s, id);
	s->kernel_mapping = (uint32_t)id;
	return id;
}

int64_t symbolizer__kernel_location(struct symbolizer *s, uint64_t addr)
{
	const struct addr_entry *e = cache_find(s, 0, addr);
	const struct ksym *sym = NULL;
	int64_t mapping;

	s->stats.frames++;
	if (e)
		return cached(s, e);
	if (!s->ksyms_tried) {
		s->ksyms_tried = true;
		s->ksyms = ksyms__load();
		if (!s->ksyms)
			s->stats.kallsyms_error = errno == ENOMEM ? -ENOMEM : -errno;
	}
	if ((mapping = kernel_mapping(s)) < 0)
		return mapping;
	if (s->ksyms)
		sym = ksyms__lookup(s->ksyms, addr);
	s->stats.kernel_frames++;
	return finish(s, 0, addr,
		      placeholder_location(s, mapping, addr, sym ? sym->name : UNKNOWN_NAME), !sym);
}
