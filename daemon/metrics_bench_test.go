package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sluice/config"
	"sluice/engine"
	"sluice/engine/echo"
	"sluice/metrics"
	"sluice/metrics/stat"
	"sluice/proto"
)

// BenchmarkEchoScraped compares, in one run, the engine's echo round trip
// (one line per op over 16 kept-alive connections, one worker):
//
//	plain         the echo factory as the engine benchmark runs it
//	instrumented  the same factory behind metrics.Instrument (LineReplies scanning on)
//	scraped       instrumented, and /metrics fetched over HTTP every 50 ms
//	              (300x a 15 s Prometheus interval)
//
// The load generator is this test binary re-executed, so
// server-cpu-ns/op is this process's CPU (engine + scraper) per round trip.
//
//	go test -run '^$' -bench EchoScraped -benchtime 20000x -count 5 ./daemon/
func BenchmarkEchoScraped(b *testing.B) {
	for _, be := range []string{"epoll", "io_uring"} {
		for _, mode := range []string{"plain", "instrumented", "scraped"} {
			b.Run(be+"/"+mode, func(b *testing.B) { benchEcho(b, be, mode) })
		}
	}
}

func benchEcho(b *testing.B, backend, mode string) {
	e, p, addr := startEcho(b, backend, mode != "plain")
	if mode == "scraped" {
		stop := scrapeEvery(b, e, p, 50*time.Millisecond)
		defer stop()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := runLoadgen(b, addr, 16, b.N)
	b.StopTimer()
	b.ReportMetric(float64(cpu)/float64(b.N), "server-cpu-ns/op")
}

// BenchmarkEchoOverhead alternates, in chunks of 2000 round trips, between
// a plain echo engine and an instrumented one scraped every 250 ms while
// it is loaded (60x a 15 s Prometheus interval), so both
// see the same machine noise; it reports each one's server CPU per round
// trip and the overhead in percent.
//
//	go test -run '^$' -bench EchoOverhead -benchtime 40000x -count 5 ./daemon/
func BenchmarkEchoOverhead(b *testing.B) {
	for _, be := range []string{"epoll", "io_uring"} {
		b.Run(be, func(b *testing.B) {
			_, _, plain := startEcho(b, be, false)
			e, p, inst := startEcho(b, be, true)
			var on atomic.Bool
			stop := scrapeWhile(b, e, p, 250*time.Millisecond, &on)
			defer stop()
			var cpuPlain, cpuInst time.Duration
			for done := 0; done < b.N; {
				n := min(2000, b.N-done)
				cpuPlain += runLoadgen(b, plain, 16, n)
				on.Store(true) // the scraper runs only while the instrumented engine is loaded
				cpuInst += runLoadgen(b, inst, 16, n)
				on.Store(false)
				done += n
			}
			b.ReportMetric(float64(cpuPlain)/float64(b.N), "plain-cpu-ns/op")
			b.ReportMetric(float64(cpuInst)/float64(b.N), "scraped-cpu-ns/op")
			b.ReportMetric(100*(float64(cpuInst)/float64(cpuPlain)-1), "overhead-%")
		})
	}
}

// startEcho runs a one-worker engine serving echo, behind Instrument when
// instrumented; it is shut down when b ends.
func startEcho(b *testing.B, backend string, instrumented bool) (*engine.Engine, *stat.Proto, string) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := engine.New(engine.Options{Workers: 1, Backend: backend, Log: log})
	if err != nil {
		b.Skipf("%s: %v", backend, err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.Shutdown(ctx)
	})
	var f proto.Factory = &echo.Factory{}
	p := stat.NewProto(1)
	if instrumented {
		f = metrics.Instrument(f, p, metrics.Options{Replies: metrics.LineReplies})
	}
	err = e.Apply(&engine.Spec{Generation: 1, Listens: []engine.ListenSpec{{Key: "echo",
		Listener: "Echo_Listener", Socket: config.Socket{Network: "tcp", Address: "127.0.0.1:0", NoDelay: true}, Enabled: true, Factory: f}}})
	if err != nil {
		b.Fatal(err)
	}
	return e, p, e.Listeners()[0].Bound
}

// scrapeEvery serves /metrics for e and fetches it every period until stop.
func scrapeEvery(b *testing.B, e *engine.Engine, p *stat.Proto, period time.Duration) (stop func()) {
	return scrapeWhile(b, e, p, period, nil)
}

// scrapeWhile is scrapeEvery that skips ticks while on is false (nil: always on).
func scrapeWhile(b *testing.B, e *engine.Engine, p *stat.Proto, period time.Duration, on *atomic.Bool) (stop func()) {
	src := metrics.SourceFunc(func() metrics.Snapshot {
		ws := e.Counters()
		return metrics.Snapshot{Listens: listenStats(ws, e.Listeners()), Workers: loopStats(ws),
			Protocols: []metrics.ProtocolStat{metrics.ProtocolStatOf("echo", p)}}
	})
	srv, addr, err := metrics.Serve("127.0.0.1:0", metrics.New(src))
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if on != nil && !on.Load() {
					continue
				}
				if resp, err := http.Get("http://" + addr.String() + "/metrics"); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}
	}()
	return func() { close(done); wg.Wait(); srv.Close() }
}

func TestMain(m *testing.M) {
	if os.Getenv("METRICS_LOADGEN") != "" {
		os.Exit(loadgen())
	}
	os.Exit(m.Run())
}

// loadgen (child process): METRICS_LOADGEN=addr, METRICS_CONNS, METRICS_OPS.
func loadgen() int {
	addr := os.Getenv("METRICS_LOADGEN")
	conns, _ := strconv.Atoi(os.Getenv("METRICS_CONNS"))
	ops, _ := strconv.Atoi(os.Getenv("METRICS_OPS"))
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		n := ops / conns
		if i < ops%conns {
			n++
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs <- echoLines(addr, n) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func echoLines(addr string, n int) error {
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

// runLoadgen runs ops round trips from a child process and returns the CPU
// this process used meanwhile.
func runLoadgen(b *testing.B, addr string, conns, ops int) time.Duration {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "METRICS_LOADGEN="+addr,
		"METRICS_CONNS="+strconv.Itoa(conns), "METRICS_OPS="+strconv.Itoa(ops))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cpu0 := cpuNow()
	if err := cmd.Run(); err != nil {
		b.Fatalf("load generator: %v: %s", err, stderr.String())
	}
	return cpuNow() - cpu0
}

func cpuNow() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
