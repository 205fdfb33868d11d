package smtp

import (
	"strings"
	"sync/atomic"
	"testing"
)

type flag struct{ atomic.Bool }

func (f *flag) On() bool { return f.Load() }

// Back-pressure refuses MAIL with 452 4.3.1 and lets the next MAIL through
// once it is off; no transaction starts while it is on.
func TestPressureRefusesMail(t *testing.T) {
	var on flag
	f := NewFactory(FactoryOptions{Hostname: "mx.test", Logger: quiet, Pressure: &on})
	s, _ := mk(f, policy(enh...), tRemote)()
	s.Start(nil)
	on.Store(true)
	_, out, _ := s.Feed([]byte("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\n"), nil)
	if got := string(out); !strings.HasPrefix(got, "452 4.3.1 Insufficient system storage\r\n503") {
		t.Fatalf("pressure on: %q", got)
	}
	on.Store(false)
	_, out, _ = s.Feed([]byte("MAIL FROM:<a@example.org>\r\n"), nil)
	if got := string(out); !strings.HasPrefix(got, "250") {
		t.Fatalf("pressure off: %q", got)
	}
}
