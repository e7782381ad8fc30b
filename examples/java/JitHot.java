// SPDX-License-Identifier: MIT
/*
 * A CPU-bound Java workload whose time is in JIT-compiled code: work calls hot, which calls
 * mix in a loop (C2 compiles and inlines them within a second). Run with
 * -XX:+PreserveFramePointer, JIT code keeps frame pointers, and singe's unwinder walks through
 * it by them (the JIT code has no CFI and no file behind it). Used by
 * tests/integration/test_unwind.sh.
 *
 *   javac -d OUT examples/java/JitHot.java && java -XX:+PreserveFramePointer -cp OUT JitHot SECONDS
 *
 * On exit it prints the work done per second ("iterations/s: N").
 */
public class JitHot {
	static long mix(long h, long v) {
		h ^= v;
		h *= 0x100000001b3L;
		return (h << 17) | (h >>> 47);
	}

	static long hot(long seed, int n) {
		long h = seed;
		for (int i = 0; i < n; i++)
			h = mix(h, i);
		return h;
	}

	static long work(long seed) {
		return hot(seed, 1 << 20);
	}

	public static void main(String[] args) {
		double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
		long start = System.nanoTime(), end = start + (long) (seconds * 1e9), h = 1, n = 0;

		while (System.nanoTime() < end) {
			h += work(h);
			n++;
		}
		double elapsed = (System.nanoTime() - start) / 1e9;
		System.out.printf("iterations/s: %.0f%n", n * (double) (1 << 20) / elapsed);
		if (h == 42)
			System.out.println(); /* keeps h observable */
	}
}
