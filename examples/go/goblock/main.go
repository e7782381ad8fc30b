// Goroutines that park again and again in known ways, for `singe record -t goroutine`.
//
// Each kind of wait is a named function, looping until -duration ends:
//   - blockOnChan: -chans goroutines (default 3) each receive from a channel of their own that
//     a feedChan fills every -period;
//   - blockOnSelect: selects on two channels that feedSelect fills in turn every -period;
//   - blockOnMutex: two mutexWorkers take one sync.Mutex in turn and hold it for -period
//     each, so one of them always waits in blockOnMutex ("semacquire" before Go 1.21,
//     "sync.Mutex.Lock" since);
//   - blockOnWaitGroup: waits for a helper goroutine that sleeps -period ("semacquire");
//   - blockOnSleep: sleeps -period ("sleep");
//   - blockOnTCPRead: reads a loopback connection written every -period ("IO wait");
//   - parkDeep: -deep goroutines each recurse to a depth of their own, then park once in
//     parkDeep until the end: on a new goroutine's small stack some of them reach
//     runtime.gopark just when the stack must grow, so gopark's entry runs twice for one park
//     (the prologue calls morestack, which jumps to the entry again). Each parks exactly once.
//     They start a quarter into -duration.
//
// With -settle, nothing starts before that time has passed, and Go's block profile is switched
// on then: a profiler started with the program has its probes in, and both profiles cover the
// same waits.
//
// Each of those goroutines is parked nearly all the time, so blockOnChan's blocked time is about
// -chans x -duration and blockOnSelect's, blockOnMutex's and blockOnWaitGroup's about
// -duration each (chan:mutex about 3:1 by default): Go's block profile
// of the same run (-block-profile FILE, with runtime.SetBlockProfileRate(1)) is the reference.
// Sleeps and network reads are not in Go's block profile.
//
// Standard output is one line at the end, the same for the same flags.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var (
	duration = flag.Duration("duration", 2*time.Second, "how long to run")
	period   = flag.Duration("period", 10*time.Millisecond, "how long each wait lasts")
	chans    = flag.Int("chans", 3, "goroutines receiving from channels")
	settle   = flag.Duration("settle", 0, "wait this long before any of it starts (a profiler "+
		"started with the program gets its probes in first)")
	deep         = flag.Int("deep", 400, "goroutines that park once at a depth of their own")
	blockProfile = flag.String("block-profile", "", "write Go's block profile here at the end")
)

var stop = make(chan struct{})

func stopped() bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

//go:noinline
func blockOnChan(ch chan int) int { return <-ch }

func chanLoop(ch chan int) {
	for blockOnChan(ch) >= 0 {
	}
}

func feedChan(ch chan int) {
	for !stopped() {
		time.Sleep(*period)
		ch <- 1
	}
	ch <- -1
}

//go:noinline
func blockOnSelect(a, b chan int) int {
	select {
	case v := <-a:
		return v
	case v := <-b:
		return v
	}
}

func selectLoop(a, b chan int) {
	for blockOnSelect(a, b) >= 0 {
	}
}

func feedSelect(a, b chan int) {
	for i := 0; !stopped(); i++ {
		time.Sleep(*period)
		if i%2 == 0 {
			a <- 1
		} else {
			b <- 1
		}
	}
	a <- -1
}

//go:noinline
func blockOnMutex(mu *sync.Mutex) { mu.Lock() }

func mutexWorker(mu *sync.Mutex, done *sync.WaitGroup) {
	defer done.Done()
	for !stopped() {
		blockOnMutex(mu)
		time.Sleep(*period)
		mu.Unlock()
		runtime.Gosched() // let the other worker have it: they take turns
	}
}

//go:noinline
func blockOnWaitGroup(wg *sync.WaitGroup) { wg.Wait() }

func waitGroupLoop() {
	for !stopped() {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			time.Sleep(*period)
			wg.Done()
		}()
		blockOnWaitGroup(&wg)
	}
}

//go:noinline
func blockOnSleep() { time.Sleep(*period) }

func sleepLoop() {
	for !stopped() {
		blockOnSleep()
	}
}

//go:noinline
func blockOnTCPRead(c net.Conn, buf []byte) error {
	_, err := c.Read(buf)
	return err
}

func tcpLoop(c net.Conn) {
	buf := make([]byte, 1)
	for blockOnTCPRead(c, buf) == nil {
	}
}

func feedTCP(c net.Conn) {
	for !stopped() {
		time.Sleep(*period)
		c.Write([]byte{1}) //nolint:errcheck // the reader ends on any error
	}
	c.Close()
}

func startTCP() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	s, err := ln.Accept()
	if err != nil {
		fmt.Fprintln(os.Stderr, "accept:", err)
		os.Exit(1)
	}
	ln.Close()
	go tcpLoop(c)
	go feedTCP(s)
}

var released = make(chan struct{})

//go:noinline
func parkDeep(depth int) int {
	if depth > 0 {
		return parkDeep(depth-1) + 1
	}
	<-released
	return 0
}

func startDeep(n int, done *sync.WaitGroup) {
	for i := 0; i < n; i++ {
		done.Add(1)
		go func(d int) {
			defer done.Done()
			parkDeep(d)
		}(i)
	}
}

func writeBlockProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "block profile:", err)
		os.Exit(1)
	}
	if err := pprof.Lookup("block").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, "block profile:", err)
		os.Exit(1)
	}
	f.Close()
}

func main() {
	flag.Parse()
	time.Sleep(*settle)
	if *blockProfile != "" {
		runtime.SetBlockProfileRate(1)
	}
	var mu sync.Mutex
	var workers sync.WaitGroup
	a, b := make(chan int), make(chan int)
	for i := 0; i < *chans; i++ {
		ch := make(chan int)
		go chanLoop(ch)
		go feedChan(ch)
	}
	go selectLoop(a, b)
	go feedSelect(a, b)
	workers.Add(2)
	go mutexWorker(&mu, &workers)
	go mutexWorker(&mu, &workers)
	go waitGroupLoop()
	go sleepLoop()
	startTCP()
	var deepDone sync.WaitGroup
	time.Sleep(*duration / 4)
	startDeep(*deep, &deepDone)

	time.Sleep(*duration - *duration/4)
	close(stop)
	close(released)
	workers.Wait()
	deepDone.Wait()
	if *blockProfile != "" {
		writeBlockProfile(*blockProfile)
	}
	fmt.Println("goblock: chan, select, mutex, waitgroup, sleep and tcp waits; done")
}
