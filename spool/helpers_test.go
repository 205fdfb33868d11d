package spool

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// logBuf collects log output so tests can check what recovery said.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLog() (*slog.Logger, *logBuf) {
	lb := new(logBuf)
	return slog.New(slog.NewTextHandler(lb, nil)), lb
}

func openT(t testing.TB, dir string, o Options) *Store {
	t.Helper()
	if o.Log == nil {
		o.Log, _ = newLog()
	}
	s, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testEnv(i int) *Envelope {
	rcpts := make([]string, i%4+1)
	for j := range rcpts {
		rcpts[j] = fmt.Sprintf("rcpt%d-%d@example.org", i, j)
	}
	sender := fmt.Sprintf("sender%d@example.com", i)
	if i%5 == 0 {
		sender = "" // null sender
	}
	return &Envelope{Sender: sender, Recipients: rcpts, Protocol: "esmtp",
		Peer: "192.0.2.1:2525", Listener: "ESMTP_Listener", Time: time.Unix(1700000000, int64(i))}
}

func testData(i int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "message %d line\r\n", i), i%37+1)
}

// commitN stages and commits n records through w, batch records per
// commit, and returns their IDs.
func commitN(t testing.TB, w *Writer, from, n, batch int) []ID {
	t.Helper()
	var ids []ID
	for i := from; i < from+n; i++ {
		id, err := w.Stage(testEnv(i), testData(i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		if w.Staged() == batch || i == from+n-1 {
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids
}

func checkRecordIs(t testing.TB, r *Record, i int) {
	t.Helper()
	want := testEnv(i)
	if r.Env.Sender != want.Sender || fmt.Sprint(r.Env.Recipients) != fmt.Sprint(want.Recipients) ||
		r.Env.Protocol != want.Protocol || r.Env.Peer != want.Peer || r.Env.Listener != want.Listener ||
		!r.Env.Time.Equal(want.Time) || !bytes.Equal(r.Data, testData(i)) {
		t.Fatalf("record %v is not message %d: %+v", r.ID, i, r.Env)
	}
}

func segFiles(t testing.TB, dir, ext string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if bytes.HasSuffix([]byte(e.Name()), []byte(ext)) {
			out = append(out, e.Name())
		}
	}
	return out
}

func errno(n int) error { return syscall.Errno(n) }
