package metrics

import (
	"fmt"
	"testing"

	"sluice/engine/echo"
	"sluice/metrics/stat"
	"sluice/proto"
)

// BenchmarkFeed is the wrapper's own cost on one echoed line, direct and
// through Instrument (LineReplies), with a do-nothing Host.
func BenchmarkFeed(b *testing.B) {
	for _, inst := range []bool{false, true} {
		name := map[bool]string{false: "direct", true: "instrumented"}[inst]
		b.Run(name, func(b *testing.B) {
			var f proto.Factory = &echo.Factory{}
			if inst {
				f = Instrument(f, stat.NewProto(1), Options{Replies: LineReplies})
			}
			sess := f.NewSession(&proto.ConnInfo{}, &fakeHost{})
			in, out := []byte("the quick brown fox jumps over\n"), make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				sess.Feed(in, out[:0])
			}
		})
	}
}

// BenchmarkScrape is one full Gather (sluice, Go and process collectors)
// with 8 workers, 6 Listens and 4 protocols.
func BenchmarkScrape(b *testing.B) {
	snap := fakeSnapshot()
	for i := 1; i < 8; i++ {
		snap.Workers = append(snap.Workers, LoopStat{Worker: i})
	}
	for i := 1; i < 6; i++ {
		l := snap.Listens[0]
		l.Listen = fmt.Sprintf("127.0.0.%d:25", i+1)
		snap.Listens = append(snap.Listens, l)
	}
	for _, n := range []string{"http", "ecstream", "control"} {
		snap.Protocols = append(snap.Protocols, ProtocolStat{Protocol: n, ProtoSnapshot: snap.Protocols[0].ProtoSnapshot})
	}
	reg := New(SourceFunc(func() Snapshot { return snap }))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
