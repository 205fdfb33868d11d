package spool

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"sluice/spool/spooltest"
)

// TestMain runs the crash child when asked to; see crashChild.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SPOOL_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		os.Exit(0)
	}
	if dir := os.Getenv("SPOOL_DISKFULL_CHILD"); dir != "" {
		diskFullChild(dir)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild writes until it is killed: two workers stage 1-8 self-checking
// payloads each, Commit, and only then print one line per record. The
// parent SIGKILLs it at a random moment.
func crashChild(dir string) {
	s, err := Open(dir, 2, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	run := uint64(time.Now().UnixNano())
	var out sync.Mutex
	var wg sync.WaitGroup
	for wk := range 2 {
		wg.Go(func() {
			w := s.Writer(wk)
			rng := rand.New(rand.NewPCG(run, uint64(wk)))
			var seq uint64
			for {
				var lines []byte
				var ids []ID
				var msgs [][]byte
				for range 1 + rng.IntN(8) {
					seq++
					data := spooltest.Payload(run<<8^uint64(wk)<<40^seq, 64+rng.IntN(20000))
					id, err := w.Stage(&Envelope{Sender: "a@b", Recipients: []string{"c@d"}}, data)
					if err != nil {
						panic(err)
					}
					ids, msgs = append(ids, id), append(msgs, data)
				}
				if err := w.Commit(); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				for i, id := range ids {
					lines = append(lines, spooltest.Line(id.String(), msgs[i])...)
				}
				out.Lock()
				os.Stdout.Write(lines)
				out.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrashKill9 runs the child 32 times on one spool, SIGKILLing it at a
// random moment each time; after every kill, every record it reported is
// present and byte-identical, and nothing is partial or duplicated.
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary 32 times")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	var all []spooltest.Committed
	for round := range 32 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SPOOL_CRASH_CHILD="+dir)
		cmd.Stderr = os.Stderr
		out, err := spooltest.RunAndKill(cmd, time.Duration(60+rng.IntN(300))*time.Millisecond)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		cs, err := spooltest.ParseLines(out)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		all = append(all, cs...)
		log, lb := newLog()
		s := openT(t, dir, Options{Workers: 2, Log: log})
		stored := map[string][]byte{}
		err = s.Iter(func(r *Record) error {
			stored[r.ID.String()] = r.Data
			return nil
		})
		if err == nil {
			err = spooltest.Verify(all, stored)
		}
		if err != nil {
			t.Fatalf("round %d (%d reported this round, %d stored): %v\n%s", round, len(cs), len(stored), err, lb)
		}
		t.Logf("round %d: %d reported, %d stored in total", round, len(cs), len(stored))
		// Keep the spool small: acknowledge most of what is there.
		var ack []ID
		for idStr := range stored {
			if rng.IntN(4) != 0 {
				id, _ := ParseID(idStr)
				ack = append(ack, id)
			}
		}
		if err := s.AckMany(ack); err != nil {
			t.Fatal(err)
		}
		s.Close()
		all = keepUnacked(all, ack)
	}
}

func keepUnacked(cs []spooltest.Committed, acked []ID) []spooltest.Committed {
	gone := map[string]bool{}
	for _, id := range acked {
		gone[id.String()] = true
	}
	var out []spooltest.Committed
	for _, c := range cs {
		if !gone[c.ID] {
			out = append(out, c)
		}
	}
	return out
}
