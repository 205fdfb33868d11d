// Package e2e runs the ECStream listener in the real engine on both back
// ends, driven by the ecsclient package.
package e2e_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"sluice/config"
	"sluice/engine"
	"sluice/engine/enginetest"
	"sluice/proto/ecstream"
	"sluice/proto/ecstream/ecsclient"
	"sluice/proto/ecstream/ecstest"
	"sluice/proto/prototest"
)

// startEngine runs a real engine with the ECStream factory on 127.0.0.1:0.
func startEngine(t *testing.T, backend string) (*engine.Engine, *enginetest.Spool, engine.ListenSpec, string) {
	sp := enginetest.NewSpool(t.TempDir())
	e := enginetest.Start(t, backend, sp)
	p := config.NewPolicy("ECStream_Listener", "127.0.0.1:0", map[string]*config.Value{
		"ecstream_max_batch_size": {Kind: config.KindInt, Int: 10000},
		"ecstream_idle_time":      {Kind: config.KindSeconds, Dur: 300 * time.Second},
	})
	spec := engine.ListenSpec{Socket: config.Socket{Network: "tcp", Address: "127.0.0.1:0", NoDelay: true}, Key: "ECStream_Listener 127.0.0.1:0", Listener: "ECStream_Listener",
		Service: "ECSTREAM", Enabled: true,
		Peers: enginetest.Peers(p), Factory: ecstream.NewFactory(ecstream.FactoryOptions{})}
	if err := e.Apply(&engine.Spec{Generation: 1, Listens: []engine.ListenSpec{spec}}); err != nil {
		t.Fatal(err)
	}
	for _, l := range e.Listeners() {
		if l.Key == spec.Key && l.State == "bound" {
			return e, sp, spec, l.Bound
		}
	}
	t.Fatalf("listen not bound: %+v", e.Listeners())
	return nil, nil, spec, ""
}

func TestEndToEnd(t *testing.T) {
	for _, backend := range []string{"epoll", "io_uring"} {
		t.Run(backend, func(t *testing.T) {
			_, sp, _, addr := startEngine(t, backend)
			c, err := ecsclient.Dial(ecstest.Ctx(t), "tcp", addr, ecsclient.WithWindow(4))
			if err != nil {
				t.Fatal(err)
			}
			var sent [][]ecsclient.Message
			var pend []*ecsclient.Pending
			for _, n := range []int{1, 100, 10000, 3} {
				b := ecstest.Gen(fmt.Sprint("e", n), n, 1024)
				p, err := c.SendAsync(ecstest.Ctx(t), b)
				if err != nil {
					t.Fatal(err)
				}
				sent, pend = append(sent, b), append(pend, p)
			}
			for i, p := range pend {
				replies, err := p.Wait(ecstest.Ctx(t))
				if err != nil {
					t.Fatal(err)
				}
				if len(replies) != len(sent[i]) || replies[len(replies)-1].Status != ecsclient.Accepted {
					t.Fatalf("batch %d: %d replies, last %+v", i, len(replies), replies[len(replies)-1])
				}
			}
			if err := c.Close(ecstest.Ctx(t)); err != nil {
				t.Fatal(err)
			}
			if err := prototest.SameMessages(sp.Messages(), ecstest.AsProto(sent...)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A reload (Apply of a new generation) closes the connection with a
// reconnect notice; Reconnecting resends on a new connection and nothing is
// lost or duplicated.
func TestEndToEndReload(t *testing.T) {
	e, sp, spec, addr := startEngine(t, "epoll")
	dials := 0
	var d net.Dialer
	r := ecsclient.NewReconnecting("tcp", addr, ecsclient.WithDialer(
		func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials++
			return d.DialContext(ctx, network, addr)
		}))
	defer r.Close(context.Background())
	b1, b2 := ecstest.Gen("one", 10, 500), ecstest.Gen("two", 10, 500)
	if _, err := r.Send(ecstest.Ctx(t), b1); err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(&engine.Spec{Generation: 2, Listens: []engine.ListenSpec{spec}}); err != nil {
		t.Fatal(err)
	}
	replies, err := r.Send(ecstest.Ctx(t), b2)
	if err != nil {
		t.Fatal(err)
	}
	ecstest.CheckAccepted(t, replies, 10)
	if dials != 2 {
		t.Fatalf("%d connections, want 2", dials)
	}
	if err := prototest.SameMessages(sp.Messages(), ecstest.AsProto(b1, b2)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkEndToEnd100x1KiB: batches of 100 × 1 KiB messages through a real
// engine (epoll, one loopback socket, the test spool with fdatasync),
// pipelined 8 deep. Client and server share the process, so this is
// throughput, not server CPU per message.
func BenchmarkEndToEnd100x1KiB(b *testing.B) {
	sp := enginetest.NewSpool(b.TempDir())
	e, err := engine.New(engine.Options{Workers: 1, Backend: "epoll", Spool: sp,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	spec := engine.ListenSpec{Socket: config.Socket{Network: "tcp", Address: "127.0.0.1:0", NoDelay: true}, Key: "ecs", Listener: "ECStream_Listener", Service: "ECSTREAM", Enabled: true,
		Factory: ecstream.NewFactory(ecstream.FactoryOptions{})}
	if err := e.Apply(&engine.Spec{Generation: 1, Listens: []engine.ListenSpec{spec}}); err != nil {
		b.Fatal(err)
	}
	c, err := ecsclient.Dial(context.Background(), "tcp", e.Listeners()[0].Bound, ecsclient.WithWindow(8))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(context.Background())
	batch := ecstest.Gen("bench", 100, 1024)
	var pend []*ecsclient.Pending
	b.SetBytes(100 * 1024)
	for b.Loop() {
		p, err := c.SendAsync(context.Background(), batch)
		if err != nil {
			b.Fatal(err)
		}
		if pend = append(pend, p); len(pend) == 8 {
			wait(b, pend[:1]) // a sliding window of 8 batches
			pend = pend[1:]
		}
	}
	wait(b, pend)
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "msgs/s")
}

func wait(b *testing.B, pend []*ecsclient.Pending) {
	for _, p := range pend {
		if r, err := p.Wait(context.Background()); err != nil || r[99].Status != ecsclient.Accepted {
			b.Fatal(err)
		}
	}
}
