// A channel ping-pong, the worst case for `singe record -t goroutine`: two goroutines pass a
// value back and forth over two unbuffered channels, so each round trip can park both of them
// once, and every park and every run of a goroutine hits a uprobe (about 6 us here). Without
// a profiler most round trips never park (the partner is still running when the value
// arrives); with the probes in, the traps make the partner late and nearly every exchange
// parks. It is the workload of bench/goroutine_overhead.sh.
//
// It sleeps -settle first (a profiler started with it gets its probes in), then runs ping and
// pong for -d seconds and prints one line, the work it did per second:
//
//	round trips/s: N
package main

import (
	"flag"
	"fmt"
	"time"
)

var (
	seconds = flag.Float64("d", 3, "how long to measure, in seconds")
	settle  = flag.Duration("settle", time.Second, "wait this long before starting")
)

// pong sends back every value it receives, until in is closed.
//
//go:noinline
func pong(in <-chan int, out chan<- int) {
	for v := range in {
		out <- v
	}
}

// ping sends a value and waits for it to come back, for d: the number of round trips.
//
//go:noinline
func ping(out chan<- int, in <-chan int, d time.Duration) int64 {
	end := time.Now().Add(d)
	var n int64
	for {
		out <- 1
		<-in
		n++
		if n%256 == 0 && time.Now().After(end) {
			break
		}
	}
	close(out)
	return n
}

func main() {
	flag.Parse()
	time.Sleep(*settle)
	a, b := make(chan int), make(chan int)
	go pong(a, b)
	start := time.Now()
	n := ping(a, b, time.Duration(*seconds*float64(time.Second)))
	fmt.Printf("round trips/s: %.0f\n", float64(n)/time.Since(start).Seconds())
}
