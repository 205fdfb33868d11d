package procfs

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tail := " S 1 2 3 4 5 6 7 8 9 10 250 37 0 0 20 0 1 0 100 200 300"
	cases := map[string]struct {
		in      string
		want    CPU
		wantErr bool
	}{
		"plain":          {"42 (sluiced)" + tail, CPU{2500 * time.Millisecond, 370 * time.Millisecond}, false},
		"space in comm":  {"42 (my server)" + tail, CPU{2500 * time.Millisecond, 370 * time.Millisecond}, false},
		"parens in comm": {"42 (a) b (c))" + tail, CPU{2500 * time.Millisecond, 370 * time.Millisecond}, false},
		"no paren":       {"42 sluiced S 1 2", CPU{}, true},
		"short":          {"42 (x) S 1 2 3", CPU{}, true},
		"not a number":   {"42 (x) S 1 2 3 4 5 6 7 8 9 10 u s 0", CPU{}, true},
		"empty":          {"", CPU{}, true},
	}
	for name, c := range cases {
		got, err := ParseStat([]byte(c.in))
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: got %+v, %v", name, got, err)
		}
	}
}

func TestCPUArithmetic(t *testing.T) {
	a := CPU{User: 3 * time.Second, System: 5 * time.Second}
	b := CPU{User: time.Second, System: 2 * time.Second}
	if d := a.Sub(b); d.Total() != 5*time.Second || d.User != 2*time.Second {
		t.Fatalf("sub %+v", d)
	}
}

func TestParseRSS(t *testing.T) {
	good := "Name:\tsluiced\nVmPeak:\t  9999 kB\nVmRSS:\t   13600 kB\nThreads: 4\n"
	if n, err := ParseRSS([]byte(good)); err != nil || n != 13600*1024 {
		t.Fatalf("got %d, %v", n, err)
	}
	for _, bad := range []string{"Name: x\n", "VmRSS: 12 MB\n", "VmRSS: x kB\n", "VmRSS:\n", ""} {
		if _, err := ParseRSS([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestReadSelf(t *testing.T) {
	pid := os.Getpid()
	before, err := ReadCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) { // burn a little CPU
	}
	after, _ := ReadCPU(pid)
	if after.Total() < before.Total() {
		t.Fatalf("CPU went backwards: %v -> %v", before, after)
	}
	if rss, err := ReadRSS(pid); err != nil || rss < 1<<20 {
		t.Fatalf("rss %d, %v", rss, err)
	}
	if _, err := ReadCPU(-1); err == nil || !strings.Contains(err.Error(), "-server-pid") {
		t.Fatalf("bad pid error %v", err)
	}
}

func TestParsePerfCSV(t *testing.T) {
	out := "# started on x\n\n29,,raw_syscalls:sys_enter,3481919,100.00,,\n<not counted>,,context-switches,0,100.00,,\n"
	c, err := ParsePerfCSV([]byte(out))
	if err != nil || c["raw_syscalls:sys_enter"] != 29 || c["context-switches"] != 0 || len(c) != 2 {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := ParsePerfCSV([]byte("<not supported>,,raw_syscalls:sys_enter,0,,,\n")); err == nil {
		t.Fatal("not supported accepted")
	}
	if _, err := ParsePerfCSV([]byte("Error: no permission\n")); err == nil {
		t.Fatal("error text accepted")
	}
}

func FuzzParsers(f *testing.F) {
	f.Add([]byte("1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13"))
	f.Add([]byte("VmRSS:\t 1 kB\n"))
	f.Add([]byte("5,,ev,1,100.00,,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseStat(b)
		_, _ = ParseRSS(b)
		if c, err := ParsePerfCSV(b); err == nil && len(c) == 0 {
			t.Fatal("empty counters without error")
		}
	})
}
