// The JVM pause example: known GC pressure from one named method. Pause.churn allocates
// short-lived arrays while a ring of them stays live, so a small heap (-Xmx64m) collects
// many times, each collection a safepoint. It sleeps first (second argument, milliseconds),
// so that a profiler started with it has attached. stdout depends only on the arguments.
// Run: java -Xmx64m -XX:+UseSerialGC -Xlog:safepoint:file=sp.log examples/java/Pause.java 2000 1000
public class Pause {
	static byte[][] live = new byte[4096][];

	static long churn(int rounds) {
		long sum = 0;
		for (int r = 0; r < rounds; r++) {
			for (int i = 0; i < 1024; i++) {
				byte[] b = new byte[1024];
				b[i % 1024] = (byte)i;
				sum += b[(i * 7) % 1024];
				if (i % 64 == 0)
					live[(r * 16 + i / 64) % live.length] = b;
			}
		}
		return sum + live.length;
	}

	public static void main(String[] args) throws InterruptedException {
		int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
		long delay = args.length > 1 ? Long.parseLong(args[1]) : 0;
		Thread.sleep(delay);
		System.out.println("Pause: churned " + rounds + " MiB, checksum " + churn(rounds));
	}
}
