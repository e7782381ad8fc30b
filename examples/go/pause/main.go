// The pause example: a program with known GC pressure from one named function.
//
// main.churn allocates short-lived garbage while a live set stays reachable, so the
// garbage collector runs many cycles, each with two stop-the-world pauses (sweep
// termination and mark termination), every one of them started by an allocation in
// main.churn. main.readStats asks for -stats extra stop-the-world pauses through
// runtime.ReadMemStats (reason "read mem stats"), counted apart from the GC ones.
//
// The output depends only on the flags, so a run under singe prints the same as one
// without it. GODEBUG=gctrace=1 prints the runtime's own account of every cycle on stderr.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"time"
)

var sink []byte

// churn allocates rounds x 1 MiB in 1 KiB objects; one in 64 stays live in a ring of
// keep objects, the rest is garbage at once.
func churn(rounds, keep int) uint64 {
	live := make([][]byte, keep)
	var sum uint64
	for r := 0; r < rounds; r++ {
		for i := 0; i < 1024; i++ {
			b := make([]byte, 1024)
			b[i%1024] = byte(i)
			sum += uint64(b[(i*7)%1024])
			if i%64 == 0 {
				live[(r*16+i/64)%keep] = b
			}
			sink = b
		}
	}
	return sum + uint64(len(live))
}

// readStats stops the world n times through runtime.ReadMemStats.
func readStats(n int) int {
	var ms runtime.MemStats
	for i := 0; i < n; i++ {
		runtime.ReadMemStats(&ms)
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

func main() {
	rounds := flag.Int("rounds", 2000, "MiB allocated by main.churn")
	keep := flag.Int("keep", 4096, "objects of 1 KiB kept live")
	stats := flag.Int("stats", 3, "runtime.ReadMemStats calls (non-GC pauses)")
	delay := flag.Duration("delay", 0, "sleep first, so that a profiler started with the program has attached")
	flag.Parse()
	time.Sleep(*delay)
	sum := churn(*rounds, *keep)
	n := readStats(*stats)
	fmt.Printf("pause: churned %d MiB, checksum %d, %d stats reads\n", *rounds, sum, n)
}
