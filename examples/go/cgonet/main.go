// Command cgonet is a Go program linked to libc, as most Go services are (the net package's
// cgo resolver, os/user): singe's check that --unwind auto gives such a program complete
// stacks, frame by frame (frame pointers through Go code, CFI through libc).
//
// Worker goroutines alternate between Go code and C code: main.goWork runs main.hotGo, a pure
// Go loop; main.cWork calls C (cgo) c_sort_work, which sorts with libc's qsort and calls back
// cmp_keys: about a third of the time is spent in C. With -cpuprofile it writes the runtime's
// own CPU profile of the same run (runtime/pprof), for comparing callers.
//
// On exit it prints the work done per second ("iterations/s: N").
package main

/*
#include <stdlib.h>

static unsigned long c_keys[512];

// A comparison with some work of its own, so that the samples fall in C as much as in qsort.
static int cmp_keys(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	int i;

	for (i = 0; i < 8; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		y ^= y << 13; y ^= y >> 7; y ^= y << 17;
	}
	return (x > y) - (x < y);
}

static unsigned long c_sort_work(unsigned long seed, int rounds)
{
	int r, i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 512; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			c_keys[i] = seed;
		}
		qsort(c_keys, 512, sizeof(c_keys[0]), cmp_keys);
	}
	return c_keys[0];
}
*/
import "C"

import (
	"flag"
	"fmt"
	"net"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

var sink atomic.Uint64

//go:noinline
func hotGo(seed uint64, n int) uint64 {
	h := seed
	for i := 0; i < n; i++ {
		h ^= uint64(i)
		h *= 0x100000001b3
		h = h<<17 | h>>47
	}
	return h
}

//go:noinline
func goWork(seed uint64) uint64 {
	return hotGo(seed, 1<<20)
}

//go:noinline
func cWork(seed uint64) uint64 {
	return uint64(C.c_sort_work(C.ulong(seed), 12))
}

// worker alternates Go and C slices until stop is set; the number of slices it ran.
func worker(id int, stop *atomic.Bool) uint64 {
	h := uint64(id) + 1
	var slices uint64
	for !stop.Load() {
		h = goWork(h)
		h += cWork(h)
		slices += 2
	}
	sink.Add(h)
	return slices
}

func main() {
	duration := flag.Float64("duration", 10, "run for this many seconds")
	workers := flag.Int("workers", 2, "number of worker goroutines")
	cpuprofile := flag.String("cpuprofile", "", "write the runtime's CPU profile to this file")
	flag.Parse()
	if *duration <= 0 || *workers <= 0 {
		fmt.Fprintln(os.Stderr, "cgonet: -duration and -workers must be positive")
		os.Exit(2)
	}
	// the net package through libc: the cgo resolver reads /etc/hosts, no network
	if _, err := net.LookupHost("localhost"); err != nil {
		fmt.Fprintln(os.Stderr, "cgonet: lookup localhost:", err)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cgonet:", err)
			os.Exit(2)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "cgonet:", err)
			os.Exit(2)
		}
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
	fmt.Printf("iterations/s: %.0f\n", float64(total.Load())/elapsed)
}
