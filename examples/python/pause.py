"""The CPython pause example: known GC pressure from one named function.

churn() builds reference cycles (pairs of lists that point at each other), which only the
cyclic garbage collector frees, so collections of every generation run, each started by an
allocation in churn(). gc.callbacks counts the collections per generation, the interpreter's
own account, printed on stderr at the end with the collections that ran before it was
registered (gc.get_stats(): the interpreter's start-up); stdout depends only on the
arguments, so a run under singe prints the same as one without it. It ends with os._exit,
after flushing: the collections of the interpreter's shutdown would come after the counts.

    python3 pause.py [ROUNDS] [DELAY_SECONDS]
"""
import gc
import os
import sys
import time

starts = [0, 0, 0]


def count(phase, info):
    if phase == "start":
        starts[info["generation"]] += 1


def churn(rounds):
    kept = []
    total = 0
    for i in range(rounds):
        a = [i]
        b = [a]
        a.append(b)  # a cycle: only the collector frees it
        total += len(a) + len(b)
        if i % 1000 == 0:
            kept.append(a)  # some survive, so older generations fill too
    return total + len(kept)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    gc.callbacks.append(count)
    before = [s["collections"] for s in gc.get_stats()]
    time.sleep(delay)  # a profiler started with the program attaches meanwhile
    total = churn(rounds)
    print(f"pause.py: churned {rounds} cycles, total {total}")
    print(f"gc.callbacks: gen0={starts[0]} gen1={starts[1]} gen2={starts[2]} "
          f"before: gen0={before[0]} gen1={before[1]} gen2={before[2]}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
