# singe: eBPF runtime profiler and flame-graph toolkit.
#
#   make            install missing packages, build ./singe
#   make test       unit tests (ASan + UBSan), fuzz-corpus replay, integration and browser tests
#   make demo       record a bundled example and write demo.pb.gz + demo.svg
#   make bench      benchmarks against perf / go tool pprof; figures for docs/BENCHMARKS.md
#   make fuzz       build the libFuzzer targets (make fuzz-run FUZZ_SECONDS=60 to run them)
#   make fuzz-long  every fuzz target for minutes (FUZZ_LONG_SECONDS, default 300), for a release
#   make install    PREFIX=/usr/local
#   V=1             show full commands

OUTPUT ?= .output
PREFIX ?= /usr/local
CC ?= cc
CLANG ?= clang

WARNINGS := -Wall -Wextra -Werror -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -Iflame -Icli -Ibpf -I$(OUTPUT)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

FLAME_LIBS := -lz -lm
CLI_LIBS := -lbpf -ldw -lelf $(FLAME_LIBS)
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
# clang -target bpf does not see the host's system include dirs; pass them explicitly
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
FLAME_SRCS := $(sort $(wildcard flame/*.c))
CLI_SRCS := $(sort $(wildcard cli/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

FLAME_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(FLAME_SRCS))
CLI_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(CLI_SRCS))
SAN_FLAME_OBJS := $(patsubst %.c,$(OUTPUT)/san/%.o,$(FLAME_SRCS))
SAN_CLI_OBJS := $(patsubst %.c,$(OUTPUT)/san/%.o,$(filter-out cli/main.c,$(CLI_SRCS)))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps build test unit fuzz fuzz-run fuzz-long demo bench install clean format

all: deps build

deps:
	$(Q)bash scripts/deps.sh

build: singe $(OUTPUT)/singe-san $(OUTPUT)/libsinge-alloc.so

# The in-process sampler of record -t alloc --alloc-preload (preloaded into a command), found
# beside the singe binary, in .output/, or in $(PREFIX)/lib/singe/.
$(OUTPUT)/libsinge-alloc.so: preload/alloc_preload.c | $(OUTPUT)
	$(call msg,CC-SO,$@)
	$(Q)$(CC) -O2 -g -std=gnu11 $(WARNINGS) -fPIC -shared -fno-omit-frame-pointer \
		-fvisibility=hidden -o $@ $< -lm

singe: $(CLI_OBJS) $(FLAME_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CLI_LIBS)

# The same binary with sanitizers: the integration tests run it, so hostile inputs fed
# through the command line are checked too.
$(OUTPUT)/singe-san: $(patsubst %.c,$(OUTPUT)/san/%.o,$(CLI_SRCS)) $(SAN_FLAME_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(CLI_LIBS)

# The kernel side: vmlinux.h from the running kernel's BTF, BPF objects, skeletons.
$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUTPUT) -Ibpf \
		$(CLANG_BPF_SYS_INCLUDES) -Wall -Werror -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/%.o: %.c $(wildcard flame/*.h cli/*.h bpf/*.h) $(SKELS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(OUTPUT)/san/%.o: %.c $(wildcard flame/*.h cli/*.h bpf/*.h) $(SKELS) | $(OUTPUT)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

# Unit tests link archives of cli/ and flame/: each takes only the files it uses (and what
# those use), so a test of the stack table does not drag in libbpf's loader or the unwinder.
$(OUTPUT)/san/libcli.a: $(SAN_CLI_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/san/libflame.a: $(SAN_FLAME_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/tests/test_%: tests/unit/test_%.c tests/test.h $(wildcard tests/unit/*.h) $(OUTPUT)/san/libcli.a $(OUTPUT)/san/libflame.a
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests -o $@ $< $(OUTPUT)/san/libcli.a \
		$(OUTPUT)/san/libflame.a $(CLI_LIBS) -lcmocka

$(OUTPUT):
	$(Q)mkdir -p $@

unit: $(UNIT_BINS)

# Fuzz targets: libFuzzer with clang; given files instead of a corpus dir, they replay them.
# They link flame/ and the file parsers of cli/ (cli/sym_*.c: ELF, DWARF, pclntab, kallsyms,
# perf maps), which need elfutils but not libbpf.
SYM_SRCS := $(sort $(wildcard cli/sym_*.c) cli/go_runtime.c cli/uprobe.c cli/record_mmap.c \
	cli/jvm_attach.c)
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -Iflame -Icli -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FLAME_SRCS) $(SYM_SRCS) $(wildcard flame/*.h cli/*.h)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FLAME_SRCS) $(SYM_SRCS) -ldw -lelf $(FLAME_LIBS)

fuzz: deps $(FUZZ_BINS)

FUZZ_SECONDS ?= 30
fuzz-run: fuzz
	$(Q)for f in $(FUZZ_BINS); do \
		name=$${f##*/}; mkdir -p $(OUTPUT)/corpus/$$name; \
		$$f -max_total_time=$(FUZZ_SECONDS) $(OUTPUT)/corpus/$$name tests/fuzz/corpus/$${name#fuzz_} \
			|| exit 1; \
	done

# Before a release: each target for minutes (make test fuzzes each for five seconds only).
FUZZ_LONG_SECONDS ?= 300
fuzz-long:
	$(Q)$(MAKE) --no-print-directory fuzz-run FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)

test: deps build unit $(FUZZ_BINS)
	$(Q)OUTPUT=$(OUTPUT) bash tests/run.sh

demo: deps build
	$(Q)bash examples/demo.sh

bench: deps build $(OUTPUT)/bench/gen $(OUTPUT)/bench/diff_sim $(OUTPUT)/bench/jvm_attach_client
	$(Q)bash bench/run.sh

install: singe $(OUTPUT)/libsinge-alloc.so
	$(Q)install -D -m 0755 singe $(DESTDIR)$(PREFIX)/bin/singe
	$(Q)install -D -m 0644 docs/singe.1 $(DESTDIR)$(PREFIX)/share/man/man1/singe.1
	$(Q)install -D -m 0644 $(OUTPUT)/libsinge-alloc.so $(DESTDIR)$(PREFIX)/lib/singe/libsinge-alloc.so

format:
	$(Q)clang-format -i $(FLAME_SRCS) $(CLI_SRCS) flame/*.h cli/*.h bpf/*.h $(BPF_SRCS) preload/*.c \
		examples/c/*.c bench/*.c $(UNIT_SRCS) $(FUZZ_SRCS)

clean:
	$(Q)rm -rf $(OUTPUT) singe

$(OUTPUT)/bench/gen $(OUTPUT)/bench/diff_sim: $(OUTPUT)/bench/%: bench/%.c $(FLAME_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(FLAME_LIBS)

$(OUTPUT)/bench/jvm_attach_client: bench/jvm_attach_client.c cli/jvm_attach.c cli/sym_perfmap.c \
		cli/sym_procmaps.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^
