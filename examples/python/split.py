"""A CPython workload with a known shape, for profilers of Python code.

Each round calls hot_three() and hot_one(), which run the same loop 3 and 1 times as many
iterations: three quarters of the CPU time is in hot_three, one quarter in hot_one (both
through spin(), which they call in a loop, so the split is by iterations, not by timing).
Then sleepy() sleeps in time.sleep for a tenth of a round's time (off-CPU, not on-CPU).
It prints one fixed line; "rounds: N" goes to stderr.

    python3 split.py [SECONDS] [SETTLE_SECONDS]
"""
import sys
import time


def spin(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def hot_three():
    return spin(30000)


def hot_one():
    return spin(10000)


def sleepy(seconds):
    time.sleep(seconds)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3
    time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
    end = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < end:
        hot_three()
        hot_one()
        sleepy(0.001)
        rounds += 1
    print("split: hot_three and hot_one, 3:1; done")
    print("rounds: %d" % rounds, file=sys.stderr)


if __name__ == "__main__":
    main()
