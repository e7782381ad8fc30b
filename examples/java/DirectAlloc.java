// SPDX-License-Identifier: MIT
/*
 * Native allocations from Java code: direct() makes 4 KiB direct byte buffers in a loop, whose
 * memory the JVM takes with malloc (ByteBuffer.allocateDirect -> Unsafe.allocateMemory0 ->
 * os::malloc), keeping one in 64; a collection now and then frees the rest. Used by
 * tests/integration/test_record_java.sh for -t alloc (a JVM's Java heap does not go through
 * malloc; its direct buffers do).
 *
 *   javac -d OUT examples/java/DirectAlloc.java && java -cp OUT DirectAlloc SECONDS
 *
 * It prints one fixed line.
 */
import java.nio.ByteBuffer;

public class DirectAlloc {
	static ByteBuffer kept;

	static long direct(int n) {
		long bytes = 0;

		for (int i = 0; i < n; i++) {
			ByteBuffer b = ByteBuffer.allocateDirect(4096);

			bytes += b.capacity();
			if ((i & 63) == 0)
				kept = b;
		}
		return bytes;
	}

	public static void main(String[] args) {
		double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
		long end = System.nanoTime() + (long)(seconds * 1e9), bytes = 0;

		while (System.nanoTime() < end) {
			bytes += direct(1000);
			System.gc();
		}
		System.out.println("DirectAlloc: direct buffers made: " + (bytes > 0));
	}
}
