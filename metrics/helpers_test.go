package metrics

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"sluice/ring"
)

// gatherText renders reg in the text exposition format.
func gatherText(t testing.TB, reg prometheus.Gatherer) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// testBackends is every event loop usable here.
func testBackends(t *testing.T) []string {
	out := []string{"epoll"}
	if _, err := ring.Probe(); err == nil {
		out = append(out, "io_uring")
	} else {
		t.Logf("io_uring unavailable (%v): epoll only", err)
	}
	return out
}
