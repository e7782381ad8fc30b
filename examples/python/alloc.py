"""A CPython allocation workload with a known shape, for allocation profilers.

Each round, grow_three() makes 30 bytearrays of 3000 bytes and grow_one() 10 of them: three
quarters of the bytes asked of malloc are asked under grow_three, one quarter under grow_one
(bytearrays of this size are malloc'd by the interpreter, not taken from its small-object
pools). A bounded list keeps the last rounds alive. It prints one fixed line; "rounds: N" goes
to stderr.

    python3 alloc.py [SECONDS]
"""
import sys
import time


def grow_three():
    return [bytearray(3000) for _ in range(30)]


def grow_one():
    return [bytearray(3000) for _ in range(10)]


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3
    end = time.monotonic() + seconds
    kept = []
    rounds = 0
    while time.monotonic() < end:
        kept.append(grow_three())
        kept.append(grow_one())
        if len(kept) > 100:
            kept = []
        rounds += 1
    print("alloc: grow_three and grow_one, 3:1 of the bytes; done")
    print("rounds: %d" % rounds, file=sys.stderr)


if __name__ == "__main__":
    main()
