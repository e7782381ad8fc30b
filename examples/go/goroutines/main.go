// Goroutines that block in known ways, for `singe goroutines` and `singe record -t goroutine`.
//
// Each group parks in a named function: blockOnChan (chan receive), blockOnSelect (select),
// blockOnMutex (sync.Mutex.Lock; "semacquire" before Go 1.21), blockOnWaitGroup (semacquire),
// blockOnSleep (sleep), blockOnTCPRead (IO wait, a read on a loopback connection), and
// leakyRequest, a group that grows by one goroutine every -leak-every until -leak-max (0: no
// limit), as a leak does. A GC runs every -gc-every so that Go records how long each
// goroutine has waited (g.waitsince is set by the GC, as Go's own tracebacks need).
//
// On SIGUSR1 it writes Go's own goroutine profile: -profile FILE (pprof), FILE.1 (debug=1
// text) and FILE.2 (debug=2, one entry per goroutine with its wait reason), then prints
// nothing: standard output is the summary line at exit, always the same for the same flags.
// SIGUSR2 ends the run early (as -duration does), so a test need not wait for it.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

var (
	duration  = flag.Duration("duration", 30*time.Second, "how long to run")
	profile   = flag.String("profile", "", "write Go's goroutine profile here on SIGUSR1")
	leakEvery = flag.Duration("leak-every", 100*time.Millisecond, "one more leaked goroutine this often")
	leakMax   = flag.Int("leak-max", 0, "stop leaking after this many (0: never stop)")
	gcEvery   = flag.Duration("gc-every", 500*time.Millisecond, "run a GC this often")
)

const (
	nChan, nSelect, nMutex, nWaitGroup, nSleep, nTCP = 4, 3, 5, 2, 6, 2
)

var never = make(chan int)

// closedTime fires at once: SIGUSR2 swaps it in for the -duration timer.
var closedTime = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()

// The accepted ends of the loopback connections: kept so that no finalizer closes them.
var accepted []net.Conn

func blockOnChan(ch chan int) { <-ch }

func blockOnSelect(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

func blockOnMutex(mu *sync.Mutex) {
	mu.Lock()
	mu.Unlock() //nolint:staticcheck // the point is to wait in Lock
}

func blockOnWaitGroup(wg *sync.WaitGroup) { wg.Wait() }

func blockOnSleep() { time.Sleep(time.Hour) }

func blockOnTCPRead(c net.Conn) {
	buf := make([]byte, 1)
	c.Read(buf) //nolint:errcheck // nothing is ever sent
}

// leakyRequest waits for a reply nobody will send: the leak.
func leakyRequest() {
	reply := make(chan int)
	<-reply
}

func startTCP() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	for i := 0; i < nTCP; i++ {
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
		accepted = append(accepted, s)
		go blockOnTCPRead(c)
	}
}

func writeProfiles(path string) {
	for _, d := range []struct {
		suffix string
		debug  int
	}{{".1", 1}, {".2", 2}, {"", 0}} {
		f, err := os.Create(path + d.suffix + ".tmp")
		if err != nil {
			fmt.Fprintln(os.Stderr, "profile:", err)
			return
		}
		pprof.Lookup("goroutine").WriteTo(f, d.debug) //nolint:errcheck
		f.Close()
		os.Rename(path+d.suffix+".tmp", path+d.suffix) //nolint:errcheck
	}
}

func main() {
	flag.Parse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	mu.Lock()
	wg.Add(1)
	a, b := make(chan int), make(chan int)
	for i := 0; i < nChan; i++ {
		go blockOnChan(never)
	}
	for i := 0; i < nSelect; i++ {
		go blockOnSelect(a, b)
	}
	for i := 0; i < nMutex; i++ {
		go blockOnMutex(&mu)
	}
	for i := 0; i < nWaitGroup; i++ {
		go blockOnWaitGroup(&wg)
	}
	for i := 0; i < nSleep; i++ {
		go blockOnSleep()
	}
	startTCP()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGUSR2)
	leak := time.NewTicker(*leakEvery)
	gc := time.NewTicker(*gcEvery)
	end := time.After(*duration)
	leaked := 0
	fmt.Fprintf(os.Stderr, "goroutines example: pid %d ready\n", os.Getpid())
	for {
		select {
		case <-sig:
			if *profile != "" {
				writeProfiles(*profile)
			}
		case <-leak.C:
			if *leakMax == 0 || leaked < *leakMax {
				leaked++
				go leakyRequest()
			}
		case <-gc.C:
			runtime.GC()
		case <-stop:
			end = closedTime
		case <-end:
			fmt.Printf("blocked %d chan, %d select, %d mutex, %d waitgroup, %d sleep, %d tcp; done\n",
				nChan, nSelect, nMutex, nWaitGroup, nSleep, nTCP)
			return
		}
	}
}
