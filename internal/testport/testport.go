// Package testport hands tests a TCP port to bind by number (wildcard and
// specific Listens, reloads that move between them, daemons in child
// processes). Asking the kernel for port 0 and closing it is not enough:
// that port comes from the ephemeral range, where every client socket of
// every test running in parallel also takes its source port, so a later bind
// can fail with "address already in use". Ports here come from below the
// ephemeral range and are checked free on 0.0.0.0 and [::].
package testport

import (
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"testing"
)

// Low and High bound the ports handed out: below Linux's default ephemeral
// range (32768-60999), above the well-known and registered clutter.
const (
	Low  = 20000
	High = 32000
)

// handedOut remembers every port Free returned in this process: a port is
// free until its user binds it, so two calls before the first bind could
// otherwise return the same number (seen: a cluster test gave one node's
// ECStream port to another node's metrics listener).
var (
	mu        sync.Mutex
	handedOut = map[int]bool{}
)

// Free returns a port that is bindable now on every address of both
// families and that Free has not returned before in this process, and
// fails the test after 200 tries.
func Free(t testing.TB) int {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	for i := 0; i < 200; i++ {
		p := Low + rand.IntN(High-Low)
		if !handedOut[p] && bindable(p) {
			handedOut[p] = true
			return p
		}
	}
	t.Fatal("testport: no free port found below the ephemeral range")
	return 0
}

func bindable(p int) bool {
	for _, addr := range []string{"0.0.0.0", "[::]"} {
		l, err := net.Listen("tcp", addr+":"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
