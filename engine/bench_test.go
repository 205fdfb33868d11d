package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sluice/engine/echo"
)

// The benchmarks put the load generator in a child process (this test binary
// re-executed), so this process's CPU time is the server's alone:
// server-cpu-ns/op = RUSAGE_SELF delta / ops. Each runs the engine's two back
// ends and a Go net (goroutine per connection) echo server side by side.
//
//	go test -run '^$' -bench . -benchtime 20000x -count 3 ./engine/

func TestMain(m *testing.M) {
	if os.Getenv("ENGINE_LOADGEN") != "" {
		os.Exit(loadgen())
	}
	os.Exit(m.Run())
}

// loadgen: ENGINE_LOADGEN=echo|accept, ENGINE_ADDR, ENGINE_CONNS, ENGINE_OPS.
func loadgen() int {
	mode, addr := os.Getenv("ENGINE_LOADGEN"), os.Getenv("ENGINE_ADDR")
	conns, _ := strconv.Atoi(os.Getenv("ENGINE_CONNS"))
	ops, _ := strconv.Atoi(os.Getenv("ENGINE_OPS"))
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := 0; i < conns; i++ {
		n := ops / conns
		if i < ops%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if mode == "echo" {
				err = echoClient(addr, n)
			} else {
				err = acceptClient(addr, n)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func echoClient(addr string, n int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	line := []byte("the quick brown fox jumps over\n")
	buf := make([]byte, len(line))
	for i := 0; i < n; i++ {
		if _, err := c.Write(line); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
	}
	return nil
}

func acceptClient(addr string, n int) error {
	buf := make([]byte, 64)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		io.WriteString(c, "QUIT\n")
		for {
			if _, err := c.Read(buf); err != nil {
				break
			}
		}
		c.Close()
	}
	return nil
}

func cpuNow() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func runLoad(b *testing.B, mode, addr string, conns int) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ENGINE_LOADGEN="+mode, "ENGINE_ADDR="+addr,
		"ENGINE_CONNS="+strconv.Itoa(conns), "ENGINE_OPS="+strconv.Itoa(b.N))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cpu0 := cpuNow()
	b.ResetTimer()
	if err := cmd.Run(); err != nil {
		b.Fatalf("load generator: %v: %s", err, stderr.String())
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuNow()-cpu0)/float64(b.N), "server-cpu-ns/op")
}

// stdServer is the peer: Go net, a goroutine and a bufio.Reader per
// connection, the same line protocol.
func stdServer(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadSlice('\n')
					if err != nil {
						return
					}
					if bytes.Equal(line, []byte("QUIT\n")) {
						c.Write([]byte("BYE\r\n"))
						return
					}
					if _, err := c.Write(line); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

func benchServers(b *testing.B, mode string, conns int) {
	for _, name := range []string{"epoll", "io_uring", "stdnet"} {
		b.Run(name, func(b *testing.B) {
			var addr string
			var e *Engine
			if name == "stdnet" {
				addr = stdServer(b)
			} else {
				if ok, why := uringUsable(); name == "io_uring" && !ok {
					b.Skipf("io_uring unusable: %s", why)
				}
				e = newEngine(b, name, 1, nil)
				apply(b, e, 1, tcpSpec("bench", "127.0.0.1:0", &echo.Factory{}))
				addr = addrOf(b, e, "bench")
			}
			var sys0 uint64
			if e != nil {
				sys0 = syscallsOf(e)
			}
			runLoad(b, mode, addr, conns)
			if e != nil {
				b.ReportMetric(float64(syscallsOf(e)-sys0)/float64(b.N), "waits/op")
			}
		})
	}
}

// syscallsOf counts the loop's waiting syscalls: io_uring_enter calls or
// epoll_wait calls (the epoll back end adds a read and a send per echo).
func syscallsOf(e *Engine) uint64 {
	var n uint64
	for _, wc := range e.Counters() {
		n += wc.Loop.Enters.Load() + wc.Loop.EpollWaits.Load()
	}
	return n
}

// BenchmarkEchoRoundTrip: one line echoed per op over 16 kept-alive
// connections, one server worker.
func BenchmarkEchoRoundTrip(b *testing.B) { benchServers(b, "echo", 16) }

// BenchmarkAcceptClose: connect, "QUIT", "BYE", close per op, 8 concurrent
// clients, one server worker.
func BenchmarkAcceptClose(b *testing.B) { benchServers(b, "accept", 8) }
