// SPDX-License-Identifier: MIT

// alloc: a Go allocation workload with a known shape, for allocation profilers. Each round
// allocates ten 1 KiB objects (a size class of its own, so sizes are not rounded), split by
// function:
//
//	main.allocFour   40%  4 objects, dropped at once
//	main.allocThree  30%  3 objects, dropped at once
//	main.allocTwo    20%  2 objects, dropped at once
//	main.keepInRing  10%  1 object into a ring of 4096: 4 MiB stays live
//
// -heap-profile F writes Go's own heap profile at the end (after a GC, so in-use is current):
// the reference for the split (alloc_space) and the ring (inuse_space). -rate sets
// runtime.MemProfileRate first thing (Go's sampler; default 512 KiB). -settle waits before
// the work (a profiler attaches by PID then). It prints one fixed line, and "rounds/s: N" on
// stderr.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

const objSize = 1024

var (
	sink []byte
	ring [4096][]byte
	next int
)

//go:noinline
func allocFour() {
	for i := 0; i < 4; i++ {
		sink = make([]byte, objSize)
	}
}

//go:noinline
func allocThree() {
	for i := 0; i < 3; i++ {
		sink = make([]byte, objSize)
	}
}

//go:noinline
func allocTwo() {
	for i := 0; i < 2; i++ {
		sink = make([]byte, objSize)
	}
}

//go:noinline
func keepInRing() {
	ring[next] = make([]byte, objSize)
	next = (next + 1) % len(ring)
}

func main() {
	rate := flag.Int("rate", 512*1024, "runtime.MemProfileRate")
	duration := flag.Duration("duration", 3*time.Second, "how long to allocate")
	settle := flag.Duration("settle", 0, "wait before starting")
	heapProfile := flag.String("heap-profile", "", "write Go's heap profile here at the end")
	flag.Parse()
	runtime.MemProfileRate = *rate
	time.Sleep(*settle)
	start := time.Now()
	end := start.Add(*duration)
	rounds := 0
	for ; ; rounds++ {
		allocFour()
		allocThree()
		allocTwo()
		keepInRing()
		if rounds%256 == 0 && time.Now().After(end) {
			break
		}
	}
	// on stderr, for benchmarks: the work per second, which a profiler's cost lowers
	fmt.Fprintf(os.Stderr, "rounds/s: %.0f\n", float64(rounds)/time.Since(start).Seconds())
	if *heapProfile != "" {
		runtime.GC()
		f, err := os.Create(*heapProfile)
		if err == nil {
			err = pprof.WriteHeapProfile(f)
			f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "alloc:", err)
			os.Exit(1)
		}
	}
	fmt.Println("alloc: four, three, two and a ring of 1 KiB objects; done")
}
