// SPDX-License-Identifier: MIT

// allocnoprof: examples/go/alloc's allocations without importing runtime/pprof, so the
// linker switches Go's memory profiling off (runtime.MemProfileRate is 0 from the start and
// runtime.profilealloc never runs). A profiler must say so rather than show nothing.
package main

import (
	"flag"
	"fmt"
	"time"
)

var sink []byte

//go:noinline
func allocFour() {
	for i := 0; i < 4; i++ {
		sink = make([]byte, 1024)
	}
}

func main() {
	duration := flag.Duration("duration", 2*time.Second, "how long to allocate")
	flag.Parse()
	end := time.Now().Add(*duration)
	for rounds := 0; ; rounds++ {
		allocFour()
		if rounds%256 == 0 && time.Now().After(end) {
			break
		}
	}
	fmt.Println("allocnoprof: done")
}
