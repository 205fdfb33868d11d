package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"sluice/engine/echo"
	"sluice/spool"
)

// fakeSpool is an in-memory record stager over a real file, so the back
// ends' write+fdatasync path runs for real.
type fakeSpool struct {
	f    *os.File
	fail atomic.Bool
	mu   sync.Mutex
	ws   map[int]*fakeWriter
	off  atomic.Int64 // file offsets are handed out across writers
}

type fakeWriter struct {
	s      *fakeSpool
	worker int
	n      int
	stage  []byte
	staged int
}

func newFakeSpool(t *testing.T) *fakeSpool {
	f, err := os.Create(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &fakeSpool{f: f, ws: map[int]*fakeWriter{}}
}

func (s *fakeSpool) Writer(worker int) SpoolWriter {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &fakeWriter{s: s, worker: worker}
	s.ws[worker] = w
	return w
}

func (w *fakeWriter) Stage(env *spool.Envelope, data []byte) (spool.ID, error) {
	w.n++
	id := spool.NewID(env.Time, w.worker, uint32(w.n))
	w.stage = fmt.Appendf(w.stage, "%s %s %s %s\n", id, env.Sender, env.Peer, data)
	w.staged++
	return id, nil
}

func (w *fakeWriter) Begin() spool.Batch {
	b := spool.Batch{Fd: int(w.s.f.Fd()), Off: w.s.off.Add(int64(len(w.stage))) - int64(len(w.stage)), Buf: w.stage, N: w.staged}
	w.stage, w.staged = nil, 0
	return b
}

func (w *fakeWriter) End(b spool.Batch, written int, err error) error {
	if err == nil && written != len(b.Buf) {
		err = fmt.Errorf("short write %d of %d", written, len(b.Buf))
	}
	if err == nil && w.s.fail.Load() {
		err = errors.New("no space left on device")
	}
	return err
}

func TestSpoolHandOff(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		sp := newFakeSpool(t)
		e := newEngine(t, backend, 2, sp)
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", &echo.Factory{}))
		addr := addrOf(t, e, "echo")
		c := dial(t, "tcp", addr)
		c.send(t, "SUBMIT first\nSUBMIT second\nplain\n") // pipelined
		a, b, p := c.line(t), c.line(t), c.line(t)
		if !okID(a) || !okID(b) || a >= b || p != "plain" {
			t.Fatalf("got %q %q %q", a, b, p)
		}
		const clients, each = 20, 10
		var wg sync.WaitGroup
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := dial(t, "tcp", addr)
				var msg strings.Builder
				for j := 0; j < each; j++ {
					fmt.Fprintf(&msg, "SUBMIT m%d.%d\n", i, j)
				}
				c.send(t, msg.String())
				for j := 0; j < each; j++ {
					if l := c.line(t); !strings.HasPrefix(l, "OK ") {
						t.Errorf("client %d: %q", i, l)
					}
				}
			}(i)
		}
		wg.Wait()
		data, _ := os.ReadFile(sp.f.Name())
		for i := 0; i < clients; i++ {
			for j := 0; j < each; j++ {
				if !bytes.Contains(data, fmt.Appendf(nil, " m%d.%d\n", i, j)) {
					t.Fatalf("message m%d.%d acknowledged but not in the file", i, j)
				}
			}
		}
		var batches, msgs uint64
		for _, wc := range e.Counters() {
			batches += wc.Loop.SpoolBatch.Load()
			msgs += wc.Loop.SpoolMsgs.Load()
		}
		if msgs != clients*each+2 || batches > msgs {
			t.Fatalf("%d messages in %d batches", msgs, batches)
		}
		t.Logf("%d messages in %d group commits", msgs, batches)

		sp.fail.Store(true)
		c.send(t, "SUBMIT doomed\n")
		if l := c.line(t); !strings.HasPrefix(l, "ERR ") || !strings.Contains(l, "spool: commit failed") {
			t.Fatalf("failed commit answered %q", l)
		}
	})
}

func TestNoSpool(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 1, nil)
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", &echo.Factory{}))
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		c.send(t, "SUBMIT x\nnext\n")
		if l := c.line(t); !strings.Contains(l, "no spool configured") {
			t.Fatalf("got %q", l)
		}
		if l := c.line(t); l != "next" {
			t.Fatalf("got %q", l)
		}
	})
}

// TestRealSpool: messages acknowledged through the engine are in the real
// spool, byte for byte, under the ID the client was given.
func TestRealSpool(t *testing.T) { testRealSpool(t, t.TempDir) }

// TestRealSpoolMemFS: the same on tmpfs, where the back ends write batches
// inline instead of through io_uring or the spool goroutine.
func TestRealSpoolMemFS(t *testing.T) { testRealSpool(t, shmDir(t)) }

// shmDir returns a per-test directory maker on /dev/shm.
func shmDir(t *testing.T) func() string {
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err != nil || st.Type != unix.TMPFS_MAGIC {
		t.Skip("no tmpfs at /dev/shm")
	}
	return func() string {
		d, err := os.MkdirTemp("/dev/shm", "sluice-engine-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
}

func testRealSpool(t *testing.T, dir func() string) {
	forEachBackend(t, func(t *testing.T, backend string) {
		st, err := spool.Open(dir(), 2, testLog(t))
		if err != nil {
			t.Fatal(err)
		}
		e := newEngine(t, backend, 2, StoreSpool(st))
		t.Cleanup(func() { st.Close() }) // after the engine's shutdown (cleanups run LIFO)
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", &echo.Factory{}))
		addr := addrOf(t, e, "echo")
		for i := 0; i < 5; i++ {
			c := dial(t, "tcp", addr)
			body := fmt.Sprintf("message %d", i)
			c.send(t, "SUBMIT "+body+"\n")
			l := c.line(t)
			id, err := spool.ParseID(strings.TrimPrefix(l, "OK "))
			if err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			r, err := st.Read(id)
			if err != nil || string(r.Data) != body || r.Env.Protocol != "echo" || r.Env.Peer != c.LocalAddr().String() {
				t.Fatalf("read %s: %v %+v", id, err, r)
			}
		}
	})
}

// okID: a Submit answered "OK <spool ID>".
func okID(line string) bool {
	id, ok := strings.CutPrefix(line, "OK ")
	_, err := spool.ParseID(id)
	return ok && err == nil
}
