package ecsclient_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"sluice/proto/ecstream/ecsclient"
	"sluice/proto/ecstream/ecstest"
	"sluice/proto/ecstream/wire"
	"sluice/proto/prototest"
)

// A reload on the server: the plain client sees ErrReconnect for the batches
// the server had not started; Reconnecting resends them on a new connection
// and every message lands exactly once.
func TestReconnectOnReload(t *testing.T) {
	s := newPipeServer(t, 10000, 0)
	s.hook = func(conn int, before bool, h *prototest.Host) bool {
		if conn == 0 && !before && len(h.Submitted) >= 2 {
			h.Gen = 2 // reload once two batches of one message are stored
		}
		return false
	}
	r := ecsclient.NewReconnecting("pipe", "server", ecsclient.WithDialer(s.dial), ecsclient.WithWindow(4))
	defer r.Close(context.Background())
	var sent [][]ecsclient.Message
	for i := range 6 {
		b := ecstest.Gen(fmt.Sprint("r", i), 1, 64)
		replies, err := r.Send(ecstest.Ctx(t), b)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		ecstest.CheckAccepted(t, replies, 1)
		sent = append(sent, b)
	}
	if err := prototest.SameMessages(s.messages(), ecstest.AsProto(sent...)); err != nil {
		t.Fatal(err)
	}
	if s.conns != 2 {
		t.Fatalf("%d connections, want 2", s.conns)
	}
}

func TestPlainClientSeesReconnect(t *testing.T) {
	s := newPipeServer(t, 10000, 0)
	s.hook = func(conn int, before bool, h *prototest.Host) bool {
		if !before && len(h.Submitted) >= 1 {
			h.Gen = 2
		}
		return false
	}
	c := dial(t, s)
	if _, err := c.Send(ecstest.Ctx(t), ecstest.Gen("a", 1, 10)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Send(ecstest.Ctx(t), ecstest.Gen("b", 1, 10))
	if !errors.Is(err, ecsclient.ErrReconnect) || !errors.Is(c.Err(), ecsclient.ErrReconnect) {
		t.Fatalf("second send: %v", err)
	}
	if len(s.messages()) != 1 {
		t.Fatalf("%d stored", len(s.messages()))
	}
}

// A connection dropped after the commit but before the reply: the batch is
// resent, so its messages are stored twice (at-least-once).
func TestDropResendsAtLeastOnce(t *testing.T) {
	s := newPipeServer(t, 10000, 0)
	s.hook = func(conn int, before bool, h *prototest.Host) bool {
		return conn == 0 && !before && len(h.Submitted) > 0
	}
	r := ecsclient.NewReconnecting("pipe", "server", ecsclient.WithDialer(s.dial))
	r.Backoff = time.Millisecond
	defer r.Close(context.Background())
	b := ecstest.Gen("d", 3, 100)
	replies, err := r.Send(ecstest.Ctx(t), b)
	if err != nil {
		t.Fatal(err)
	}
	ecstest.CheckAccepted(t, replies, 3)
	if err := prototest.SameMessages(s.messages(), ecstest.AsProto(b, b)); err != nil {
		t.Fatal(err)
	}
}

func TestReconnectGivesUp(t *testing.T) {
	dials := 0
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials++
		return nil, errors.New("connection refused")
	}
	r := ecsclient.NewReconnecting("pipe", "x", ecsclient.WithDialer(dialer))
	r.Attempts, r.Backoff = 3, time.Millisecond
	if _, err := r.Send(ecstest.Ctx(t), ecstest.Gen("x", 1, 1)); err == nil || dials != 3 {
		t.Fatalf("err %v after %d dials", err, dials)
	}
	r.Close(ecstest.Ctx(t))
	if _, err := r.Send(ecstest.Ctx(t), ecstest.Gen("x", 1, 1)); !errors.Is(err, ecsclient.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// fakeServer greets, reads the Hello and a batch, then answers with reply.
func fakeServer(t *testing.T, reply []byte) ecsclient.Option {
	return ecsclient.WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		cli, srv := net.Pipe()
		go func() {
			defer srv.Close()
			srv.Write(wire.AppendGreeting(nil, wire.GreetingInfo{MinVersion: 1, MaxVersion: 1, MaxFrame: 1 << 20, MaxBatch: 10}))
			buf := make([]byte, 4096)
			for n := 0; n < wire.HeaderLen+wire.HelloLen+1; {
				k, err := srv.Read(buf)
				if err != nil {
					return
				}
				n += k
			}
			if len(reply) > 0 {
				srv.Write(reply)
				srv.Read(buf) // until the client hangs up
			}
		}()
		return cli, nil
	})
}

func TestProtocolViolations(t *testing.T) {
	replyFrame := func(tag, count uint32, items ...byte) []byte {
		p := append(wire.AppendReplyHead(nil, tag, count), items...)
		return append(wire.AppendHeader(nil, wire.Reply, len(p)), p...)
	}
	ok := wire.AppendReplyItem(nil, wire.StatusAccepted, 250, "ID")
	cases := map[string]struct {
		reply []byte
		want  error
	}{
		"wrong tag":       {replyFrame(9, 1, ok...), ecsclient.ErrProtocol},
		"wrong count":     {replyFrame(0, 2, append(ok, ok...)...), ecsclient.ErrProtocol},
		"bad status":      {replyFrame(0, 1, wire.AppendReplyItem(nil, 7, 250, "ID")...), ecsclient.ErrProtocol},
		"truncated item":  {replyFrame(0, 1, ok[:len(ok)-1]...), ecsclient.ErrProtocol},
		"unexpected type": {wire.AppendHello(nil, 1), ecsclient.ErrProtocol},
		"huge notice":     {wire.AppendHeader(nil, wire.Notice, 1<<20), ecsclient.ErrProtocol},
		"reconnect":       {wire.AppendNotice(nil, wire.NoticeReconnect, "reload"), ecsclient.ErrReconnect},
		"eof":             {nil, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cl, err := ecsclient.Dial(ecstest.Ctx(t), "pipe", "x", fakeServer(t, c.reply))
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.Send(ecstest.Ctx(t), ecstest.Gen("v", 1, 10))
			if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	var se *ecsclient.ServerError
	cl, err := ecsclient.Dial(ecstest.Ctx(t), "pipe", "x", fakeServer(t, wire.AppendError(nil, 500, "malformed")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err = cl.Send(ecstest.Ctx(t), ecstest.Gen("v", 1, 10)); !errors.As(err, &se) || se.Code != 500 || se.Temporary() {
		t.Fatalf("error frame: %v", err)
	}
}
