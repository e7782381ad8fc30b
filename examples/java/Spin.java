// A Java workload for the record tests: main spins in hotLoop for the given milliseconds while
// the JVM's own threads (C1/C2 compilers, GC) run beside it, each with its own thread name.
// Run with the single-file launcher: java examples/java/Spin.java 2000
public class Spin {
	static long hotLoop(long n) {
		long s = 0;
		for (long i = 0; i < n; i++)
			s += i * 31 ^ (s >>> 3);
		return s;
	}

	public static void main(String[] args) {
		long end = System.currentTimeMillis() + Long.parseLong(args.length > 0 ? args[0] : "2000");
		long s = 0;
		while (System.currentTimeMillis() < end)
			s += hotLoop(100000);
		System.out.println(s);
	}
}
