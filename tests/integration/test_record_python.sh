#!/usr/bin/env bash
# Python frames in singe's profiles, against what knows the answer: examples/python/split.py
# spends its CPU 3:1 in hot_three and hot_one (by iteration counts) and sleeps in sleepy();
# examples/python/pause.py starts its collections from allocations in churn(). With Debian's
# /usr/bin/python3.11 and the pyenv python3 first on PATH, started without any flag:
#  - -t cpu: hot_three and hot_one are named with their file and line (go tool pprof -lines),
#    under main, their CPU split within 15% of 3:1; the program's output unchanged;
#  - -t offcpu: sleepy is the Python frame above time.sleep's C code and the kernel's sleep;
#  - -t pause: the collections are charged to churn, the Python function that allocated;
#  - -t alloc: examples/python/alloc.py's bytes 3:1 under grow_three and grow_one, within 15%.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
[[ -x $SINGE ]] || SINGE=./singe

record_setup "Python frames"
find_pythons || exit 1
GO=$(command -v go || echo /usr/lib/go-1.23/bin/go)
EXPECTED=$(python3 examples/python/split.py 0 2>/dev/null)

# share FOLDED FUNCTION: the share of FOLDED's samples whose stack has FUNCTION as a frame
share() {
	awk -v f="$2" '{ t += $NF } $0 ~ ("(^|;)" f "(;| )") { s += $NF }
		END { printf "%.4f\n", t ? s / t : 0 }' "$1"
}

for py in "${pythons[@]}"; do
	name="python $py"
	dir=$TMP/$(basename "$(dirname "$(dirname "$py")")")-$(basename "$py")
	mkdir -p "$dir"
	"$SINGE" record -t cpu -F 499 -o "$dir/cpu.pb.gz" -- "$py" examples/python/split.py 3 \
		>"$dir/stdout" 2>"$dir/stderr"
	rc=$?
	if [[ $rc == 0 && $(cat "$dir/stdout") == "$EXPECTED" ]]; then
		pass "$name: cpu: singe exits 0, the program's output unchanged"
	else
		fail "$name: cpu" "rc $rc, output '$(head -c 200 "$dir/stdout")': $(tail -3 "$dir/stderr" | head -c 300)"
		continue
	fi
	"$SINGE" convert "$dir/cpu.pb.gz" -o "$dir/cpu.folded"
	three=$(share "$dir/cpu.folded" hot_three)
	one=$(share "$dir/cpu.folded" hot_one)
	if awk -v a="$three" -v b="$one" 'BEGIN { s = a + b; exit !(s > 0.5 &&
		a / s >= 0.75 * 0.85 && a / s <= 0.75 * 1.15 && b / s >= 0.25 * 0.85 && b / s <= 0.25 * 1.15) }'; then
		pass "$name: cpu: hot_three:hot_one $three:$one of the samples, within 15% of 3:1"
	else
		fail "$name: cpu split" "hot_three $three, hot_one $one of the samples (want 3:1 within 15%)"
	fi
	if grep -q ";main;hot_three;spin" "$dir/cpu.folded" && grep -q ";main;hot_one;spin" "$dir/cpu.folded"; then
		pass "$name: cpu: Python frames in place of the eval loop's (main;hot_three;spin)"
	else
		fail "$name: cpu stacks" "$(sort -t' ' -k2 -rn "$dir/cpu.folded" | head -2 | cut -c1-300)"
	fi
	# stack completeness: the samples whose stack goes down to the process's or a thread's root
	complete=$(awk '{ t += $NF } /^(_start|clone3?);/ { c += $NF } END { printf "%.4f\n", t ? c / t : 0 }' "$dir/cpu.folded")
	walker=$(sed -n 's/.*the walker took \([0-9]*\) ns per stack copy.*/\1/p' "$dir/stderr")
	if awk -v c="$complete" 'BEGIN { exit !(c >= 0.95) }' && [[ -n $walker ]]; then
		pass "$name: cpu: $complete of the stacks complete down to _start; the walker took $walker ns per stack in BPF"
	else
		fail "$name: completeness" "$complete of the stacks reach _start; summary: $(grep 'python:' "$dir/stderr")"
	fi
	lines=$("$GO" tool pprof -lines -top "$dir/cpu.pb.gz" 2>/dev/null)
	if grep -Eq "hot_three .*examples/python/split.py:23$" <<<"$lines" &&
		grep -Eq "hot_one .*examples/python/split.py:27$" <<<"$lines"; then
		pass "$name: cpu: go tool pprof -lines names split.py:23 and :27"
	else
		fail "$name: file:line" "$(grep -E 'hot_|spin' <<<"$lines" | head -4)"
	fi

	"$SINGE" record -t offcpu -o "$dir/offcpu.pb.gz" -- "$py" examples/python/split.py 2 \
		>/dev/null 2>"$dir/offcpu.err"
	"$SINGE" convert "$dir/offcpu.pb.gz" -o "$dir/offcpu.folded"
	if grep -Eq ";main;sleepy;([^;]*;)*[^;]*clock_nanosleep[^;]*;([^;]*;)*[^;]*_\[k\]" "$dir/offcpu.folded"; then
		pass "$name: offcpu: sleepy above time.sleep's C code and the kernel's sleep"
	else
		fail "$name: offcpu" "$(grep -m2 sleep "$dir/offcpu.folded" | cut -c1-300)"
	fi

	"$SINGE" record -t pause -o "$dir/pause.pb.gz" -- "$py" examples/python/pause.py 300000 1 \
		>/dev/null 2>"$dir/pause.err"
	"$SINGE" convert "$dir/pause.pb.gz" -o "$dir/pause.folded"
	churn=$(share "$dir/pause.folded" churn)
	if awk -v s="$churn" 'BEGIN { exit !(s >= 0.9) }'; then
		pass "$name: pause: collections charged to churn ($churn of the pause time)"
	else
		fail "$name: pause" "churn has $churn of the pause time: $(sort -t' ' -k2 -rn "$dir/pause.folded" | head -2 | cut -c1-300)"
	fi

	"$SINGE" record -t alloc --alloc-rate 65536 -o "$dir/alloc.pb.gz" -- "$py" examples/python/alloc.py 3 \
		>/dev/null 2>"$dir/alloc.err"
	"$SINGE" convert "$dir/alloc.pb.gz" -o "$dir/alloc.folded" --sample-type alloc_space
	three=$(share "$dir/alloc.folded" grow_three)
	one=$(share "$dir/alloc.folded" grow_one)
	if awk -v a="$three" -v b="$one" 'BEGIN { s = a + b; exit !(s > 0.5 &&
		a / s >= 0.75 * 0.85 && a / s <= 0.75 * 1.15 && b / s >= 0.25 * 0.85 && b / s <= 0.25 * 1.15) }' &&
		grep -q "alloc: CPython: the stacks of [1-9]" "$dir/alloc.err"; then
		pass "$name: alloc: grow_three:grow_one $three:$one of alloc_space, within 15% of 3:1"
	else
		fail "$name: alloc split" "grow_three $three, grow_one $one of alloc_space (want 3:1 within 15%): $(grep CPython "$dir/alloc.err")"
	fi
done
