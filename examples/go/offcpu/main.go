// offcpu: goroutines that block their threads in system calls, in named functions, for
// testing thread off-CPU profiles of Go programs. A goroutine in a blocking system call keeps
// its thread (its M) blocked with it, so the thread's stack at the switch-out is the
// goroutine's: readPipe and sleepSyscall must show there.
//
//	readPipe      syscall.Read of one byte from a blocking pipe, written every 10 ms by a
//	              goroutine that parks in time.Sleep (parking blocks no thread)
//	sleepSyscall  syscall.Nanosleep of 10 ms (not time.Sleep: that parks the goroutine)
//
// Each function times its system call; at exit the totals are printed as the ground truth,
// one "function seconds" line each (main.readPipe, main.sleepSyscall).
//
// usage: offcpu [-d SECONDS]
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

const tick = 10 * time.Millisecond

type account struct {
	mu    sync.Mutex
	total time.Duration
	since time.Time // zero: not blocked
}

func (a *account) begin() {
	a.mu.Lock()
	a.since = time.Now()
	a.mu.Unlock()
}

func (a *account) end() {
	a.mu.Lock()
	a.total += time.Since(a.since)
	a.since = time.Time{}
	a.mu.Unlock()
}

// upTo is the total with a call still blocked counted up to now.
func (a *account) upTo(now time.Time) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.since.IsZero() {
		return a.total
	}
	return a.total + now.Sub(a.since)
}

var readAccount, sleepAccount account

//go:noinline
func readPipe(fd int) error {
	var b [1]byte
	readAccount.begin()
	_, err := syscall.Read(fd, b[:])
	readAccount.end()
	return err
}

//go:noinline
func sleepSyscall(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	sleepAccount.begin()
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
	sleepAccount.end()
}

func main() {
	seconds := flag.Float64("d", 10, "run time in seconds")
	flag.Parse()
	if *seconds <= 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: offcpu [-d SECONDS]")
		os.Exit(2)
	}
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil { // blocking, unlike os.Pipe's
		fmt.Fprintln(os.Stderr, "offcpu:", err)
		os.Exit(1)
	}
	go func() {
		for {
			time.Sleep(tick)
			syscall.Write(fds[1], []byte{'x'})
		}
	}()
	go func() {
		for readPipe(fds[0]) == nil {
		}
	}()
	go func() {
		for {
			sleepSyscall(tick)
		}
	}()
	t0 := time.Now()
	time.Sleep(time.Duration(*seconds * float64(time.Second)))
	now := time.Now()
	fmt.Printf("# blocked thread-seconds per function over a %.3f s run\n", now.Sub(t0).Seconds())
	fmt.Printf("main.readPipe %.6f\n", readAccount.upTo(now).Seconds())
	fmt.Printf("main.sleepSyscall %.6f\n", sleepAccount.upTo(now).Seconds())
}
