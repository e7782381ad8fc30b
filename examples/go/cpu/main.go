// Command cpu is a CPU-bound workload with a known profile, used by singe's tests, demo and
// overhead benchmark.
//
// Each worker goroutine alternates between two hot functions in short slices: hotLoopA runs
// three times the iterations of hotLoopB, and both loops do the same work per iteration, so a
// CPU profile should show main.hotLoopA with about 3x the samples of main.hotLoopB. Both call
// mix, which the compiler inlines (and rotl inside it), so symbolizers can be checked on
// inlined frames: go build -gcflags=-m reports "inlining call to mix".
//
// On exit it prints the work done per second ("iterations/s: N"); the benchmark compares that
// figure with and without the profiler attached. With -cpuprofile FILE it also takes its own
// CPU profile (runtime/pprof), the ground truth singe's stacks are compared with.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// sliceIters is the length of one hotLoopB slice (hotLoopA runs 3x this); about a millisecond,
// so the two functions interleave far faster than any sampling period.
const sliceIters = 1 << 18

// sink keeps the results observable so the loops are not optimized away.
var sink atomic.Uint64

// rotl rotates x left by k bits.
func rotl(x uint64, k uint) uint64 {
	return x<<k | x>>(64-k)
}

// mix folds v into the running hash h: small enough to be inlined into the hot loops.
func mix(h, v uint64) uint64 {
	h ^= v
	h *= 0x100000001b3
	return rotl(h, 17)
}

//go:noinline
func hotLoopA(seed uint64, n int) uint64 {
	h := seed
	for i := 0; i < n; i++ {
		h = mix(h, uint64(i))
	}
	return h
}

//go:noinline
func hotLoopB(seed uint64, n int) uint64 {
	h := seed
	for i := 0; i < n; i++ {
		h = mix(h, uint64(i))
	}
	return h
}

// worker alternates hotLoopA (3 slices) and hotLoopB (1 slice) until stop is set and returns
// the number of loop iterations it ran.
func worker(id int, stop *atomic.Bool) uint64 {
	h := uint64(id) + 1
	var iters uint64
	for !stop.Load() {
		h = hotLoopA(h, 3*sliceIters)
		h = hotLoopB(h, sliceIters)
		iters += 4 * sliceIters
	}
	sink.Add(h)
	return iters
}

func main() {
	duration := flag.Float64("duration", 10, "run for this many seconds")
	workers := flag.Int("workers", 2, "number of worker goroutines")
	cpuprofile := flag.String("cpuprofile", "", "write the program's own CPU profile to this file")
	flag.Parse()
	if *duration <= 0 || *workers <= 0 {
		fmt.Fprintln(os.Stderr, "cpu: -duration and -workers must be positive")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), *workers))
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cpu:", err)
			os.Exit(2)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}

	var stop atomic.Bool
	var total atomic.Uint64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			total.Add(worker(id, &stop))
		}(w)
	}
	time.Sleep(time.Duration(*duration * float64(time.Second)))
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start).Seconds()

	fmt.Printf("workers: %d\n", *workers)
	fmt.Printf("seconds: %.3f\n", elapsed)
	fmt.Printf("iterations: %d\n", total.Load())
	fmt.Printf("iterations/s: %.0f\n", float64(total.Load())/elapsed)
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
