package spooltest

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestPayloadRoundTrip(t *testing.T) {
	for _, size := range []int{0, 64, 65, 77, 78, 79, 80, 1000, 65536} {
		p := Payload(7, size)
		if len(p) != max(size, 64) {
			t.Fatalf("size %d: got %d bytes", size, len(p))
		}
		if seed, err := Seed(p); err != nil || seed != 7 {
			t.Fatalf("size %d: Seed = %d, %v", size, seed, err)
		}
		if _, err := Seed(p[:len(p)-1]); err == nil {
			t.Fatalf("size %d: a cut payload passed", size)
		}
		q := append([]byte(nil), p...)
		q[len(q)/2+10] ^= 1
		if _, err := Seed(q); err == nil && len(q) > 40 {
			t.Fatalf("size %d: a flipped payload passed", size)
		}
		for _, line := range strings.Split(string(p), "\r\n") {
			if strings.HasPrefix(line, ".") {
				t.Fatalf("line starts with a dot: %q", line)
			}
		}
	}
}

func TestLinesAndVerify(t *testing.T) {
	a, b := Payload(1, 100), Payload(2, 200)
	out := Line("id1", a) + Line("id2", b) + "ok id3 abc"
	cs, err := ParseLines([]byte(out))
	if err != nil || len(cs) != 2 {
		t.Fatalf("ParseLines = %v, %v", cs, err)
	}
	if _, err := ParseLines([]byte("garbage\n" + out)); err == nil {
		t.Fatal("a bad middle line passed")
	}
	stored := map[string][]byte{"id1": a, "id2": b}
	if err := Verify(cs, stored); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]map[string][]byte{
		"missing":   {"id1": a},
		"different": {"id1": a, "id2": Payload(3, 200)},
		"partial":   {"id1": a, "id2": b, "id9": Payload(4, 300)[:200]},
		"duplicate": {"id1": a, "id2": b, "id9": a},
	} {
		if err := Verify(cs, bad); err == nil {
			t.Errorf("%s: Verify passed", name)
		}
	}
}

func TestRunAndKill(t *testing.T) {
	out, err := RunAndKill(exec.Command("sh", "-c", "echo ok a b 1; exec sleep 10"), 200*time.Millisecond)
	if err != nil || string(out) != "ok a b 1\n" {
		t.Fatalf("RunAndKill = %q, %v", out, err)
	}
	if _, err := RunAndKill(exec.Command("true"), time.Second); err == nil {
		t.Fatal("a child that exited by itself counted as killed")
	}
}

func TestStripTrace(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"Received: from a\r\n\tby b; date\r\nSubject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n", true},
		{"Received: from a by b\r\n\r\nbody\r\n", "\r\nbody\r\n", true},
		{"Subject: no trace\r\n\r\n", "", false},
		{"Received: unterminated", "", false},
	} {
		got, ok := StripTrace([]byte(c.in))
		if ok != c.ok || string(got) != c.want {
			t.Errorf("StripTrace(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
