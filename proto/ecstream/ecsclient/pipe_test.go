package ecsclient_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/ecstream"
	"sluice/proto/prototest"
)

// pipeServer runs real ECStream sessions over net.Pipe, driven by
// prototest.Driver the way the engine drives them (no socket).
type pipeServer struct {
	t  testing.TB
	f  *ecstream.Factory
	p  *config.Policy
	wg sync.WaitGroup
	// hook runs in the connection's goroutine before each read is fed
	// (before=true) and after it (before=false, output not yet written).
	// Returning true drops the connection at once.
	hook func(conn int, before bool, h *prototest.Host) bool

	mu     sync.Mutex
	conns  int
	stored []proto.Message // every submitted message, across connections
}

func newPipeServer(t testing.TB, maxBatch int64, maxFrame int) *pipeServer {
	p := config.NewPolicy("ECStream_Listener", "127.0.0.1:1825", map[string]*config.Value{
		"ecstream_max_batch_size": {Kind: config.KindInt, Int: maxBatch},
		"ecstream_idle_time":      {Kind: config.KindSeconds, Dur: 300 * time.Second},
	})
	s := &pipeServer{t: t, f: ecstream.NewFactory(ecstream.FactoryOptions{MaxFrame: maxFrame}), p: p}
	t.Cleanup(s.wg.Wait)
	return s
}

func (s *pipeServer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	cli, srv := net.Pipe()
	s.mu.Lock()
	idx := s.conns
	s.conns++
	s.mu.Unlock()
	s.wg.Add(1)
	go s.serve(idx, srv)
	return cli, nil
}

func (s *pipeServer) serve(idx int, conn net.Conn) {
	defer s.wg.Done()
	defer conn.Close()
	h := prototest.NewHost()
	d := prototest.NewDriver(s.f.NewSession(prototest.Conn("ECStream_Listener", "127.0.0.1:1825",
		"127.0.0.1:40000", s.p), h), h)
	off, seen := 0, 0
	flush := func() bool {
		r := d.Finish()
		if _, err := conn.Write(r.Out[off:]); err != nil {
			return true
		}
		off = len(r.Out)
		return r.Closed
	}
	buf := make([]byte, 8192)
	for done := flush(); !done; done = flush() {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		if s.hook != nil && s.hook(idx, true, h) {
			return
		}
		if err := d.Feed(buf[:n]); err != nil {
			s.t.Errorf("server conn %d: %v", idx, err)
			return
		}
		s.mu.Lock()
		s.stored = append(s.stored, h.Submitted[seen:]...)
		seen = len(h.Submitted)
		s.mu.Unlock()
		if s.hook != nil && s.hook(idx, false, h) {
			return
		}
	}
}

func (s *pipeServer) messages() []proto.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]proto.Message(nil), s.stored...)
}
