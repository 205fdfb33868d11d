package testport

import (
	"net"
	"strconv"
	"testing"
)

func TestFreeIsBindableAndBelowEphemeral(t *testing.T) {
	for i := 0; i < 20; i++ {
		p := Free(t)
		if p < Low || p >= High {
			t.Fatalf("port %d outside [%d, %d)", p, Low, High)
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("port %d not bindable: %v", p, err)
		}
		l.Close()
	}
}

func TestBindableSeesATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if bindable(l.Addr().(*net.TCPAddr).Port) {
		t.Fatal("a port with a listener reported bindable")
	}
}

// Two calls never return the same port, even before either is bound.
func TestFreeNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for i := 0; i < 500; i++ {
		p := Free(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}
