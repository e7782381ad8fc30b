// SPDX-License-Identifier: MIT
/*
 * Two hot methods in a known CPU split, for a JVM started without special flags: each round
 * runs heavy() for 3 * N steps and light() for N steps of the same work, so heavy takes 3/4 of
 * the main thread's CPU and light 1/4 (by iteration counts, not by timing). A second thread
 * sleeps in nap() (1 ms at a time) for the off-CPU profile.
 *
 * heavy and light are each more than 325 bytes of bytecode (HotSpot's FreqInlineSize), so C2
 * compiles them as methods of their own instead of inlining them into main: a profile can
 * name them. The steps are written out for that reason.
 *
 *   javac -d OUT examples/java/Split.java && java -cp OUT Split SECONDS
 *
 * stdout depends only on the arguments: "Split: done" (the checksum is kept live, not printed).
 */
public class Split {
	static final int N = 1 << 16;
	static volatile boolean done;

	static long heavy(long h, int n) {
		for (int i = 0; i < n; i++) {
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
		}
		return h;
	}

	static long light(long h, int n) {
		for (int i = 0; i < n; i++) {
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
			h ^= i; h *= 0x100000001b3L; h = (h << 17) | (h >>> 47);
		}
		return h;
	}

	/* sleeps 1 ms: called a thousand times a second, the JIT compiles it too */
	static void nap() throws InterruptedException {
		Thread.sleep(1);
	}

	public static void main(String[] args) throws InterruptedException {
		double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
		long end = System.nanoTime() + (long) (seconds * 1e9), h = 1;
		Thread napper = new Thread(() -> {
			try {
				while (!done)
					nap();
			} catch (InterruptedException e) {
				/* not interrupted */
			}
		}, "napper");

		napper.start();
		while (System.nanoTime() < end) {
			h = heavy(h, 3 * N);
			h = light(h, N);
		}
		done = true;
		napper.join();
		System.out.println("Split: done");
		if (h == 42)
			System.out.println(); /* keeps h observable */
	}
}
