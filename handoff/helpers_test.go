package handoff

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"sluice/spool"
)

func quietLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testSpool opens a spool with two writers: 0 for the test's messages,
// 1 for the dispatcher's DSNs (through a Committer).
func testSpool(t *testing.T, dir string) (*spool.Store, *spool.Committer) {
	t.Helper()
	st, err := spool.OpenWith(dir, spool.Options{Workers: 2, Log: quietLog(), SegmentSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	c := st.NewCommitter(1, 0)
	return st, c
}

func put(t *testing.T, st *spool.Store, sender string, rcpts []string, data string) spool.ID {
	t.Helper()
	w := st.Writer(0)
	id, err := w.Stage(&spool.Envelope{Sender: sender, Recipients: rcpts, Protocol: "esmtp", Time: time.Now()}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return id
}

// fake is a scripted target: answer decides each recipient's status.
type fake struct {
	mu     sync.Mutex
	answer func(m *Message, rcpt string, try int) Status
	fail   func(try int) error
	tries  map[string]int // per recipient
	got    []Message
	calls  int
	closed bool
}

func (f *fake) Deliver(ctx context.Context, m *Message) ([]Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tries == nil {
		f.tries = map[string]int{}
	}
	f.calls++
	if f.fail != nil {
		if err := f.fail(f.calls); err != nil {
			return nil, err
		}
	}
	out := make([]Status, len(m.Recipients))
	for i, r := range m.Recipients {
		f.tries[r]++
		out[i] = Delivered
		if f.answer != nil {
			out[i] = f.answer(m, r, f.tries[r])
		}
		if out[i].OK() {
			cp := *m
			cp.Recipients = []string{r}
			cp.Data = append([]byte(nil), m.Data...)
			f.got = append(f.got, cp)
		}
	}
	return out, nil
}

func (f *fake) Close() error { f.mu.Lock(); f.closed = true; f.mu.Unlock(); return nil }

func (f *fake) delivered() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.got...)
}

func start(t *testing.T, st *spool.Store, c *spool.Committer, o Options, targets ...TargetSpec) *Dispatcher {
	t.Helper()
	o.Store, o.Targets, o.Log = st, targets, quietLog()
	if c != nil {
		o.Inject = func(env *spool.Envelope, data []byte) (spool.ID, error) { return c.Submit(env, data) }
	}
	d, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// eventually polls cond for up to 20 s (a busy 2-core machine).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func msg(i int) string {
	return fmt.Sprintf("From: <sender@local.test>\r\nDate: Sat, 28 Nov 2026 00:00:00 +0000\r\nSubject: test %d\r\nMessage-ID: <%d@test>\r\n\r\nbody %d\r\n", i, i, i)
}

func parseID(s string) (spool.ID, error) { return spool.ParseID(s) }
