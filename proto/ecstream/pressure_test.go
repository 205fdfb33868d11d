package ecstream

import (
	"sync/atomic"
	"testing"

	"sluice/proto/ecstream/wire"
	"sluice/proto/prototest"
)

type flag struct{ atomic.Bool }

func (f *flag) On() bool { return f.Load() }

// Back-pressure fails each message of a batch temporarily (452) and
// submits none.
func TestPressureFailsMessages(t *testing.T) {
	var on flag
	on.Store(true)
	s, h := mk(NewFactory(FactoryOptions{Pressure: &on}), policy())()
	res, err := prototest.Run(s, h, cat(hello(), batch(1, genMsgs(2, 64)...)))
	if err != nil {
		t.Fatal(err)
	}
	fs := frames(t, res.Out)
	if len(fs) != 2 || len(fs[1].items) != 2 || len(h.Submitted) != 0 {
		t.Fatalf("frames %+v, %d submitted", fs, len(h.Submitted))
	}
	for _, it := range fs[1].items {
		if it.Code != CodeNoStorage || it.Status != wire.StatusTempFail {
			t.Fatalf("item %+v", it)
		}
	}
}
