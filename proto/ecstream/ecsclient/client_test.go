package ecsclient_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"sluice/proto"
	"sluice/proto/ecstream"
	"sluice/proto/ecstream/ecsclient"
	"sluice/proto/ecstream/ecstest"
	"sluice/proto/prototest"
)

func dial(t *testing.T, s *pipeServer, opts ...ecsclient.Option) *ecsclient.Client {
	c, err := ecsclient.Dial(ecstest.Ctx(t), "pipe", "server", append(opts, ecsclient.WithDialer(s.dial))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func TestSendBatches(t *testing.T) {
	s := newPipeServer(t, 10000, 0)
	c := dial(t, s)
	if l := c.Limits(); l.Version != 1 || l.MaxBatch != 10000 || l.MaxFrame != ecstream.DefaultMaxFrame || l.Idle != 300*time.Second {
		t.Fatalf("limits %+v", l)
	}
	var sent [][]ecsclient.Message
	for _, n := range []int{1, 3, 100, 0} {
		b := ecstest.Gen(fmt.Sprint("b", n), n, 1024)
		replies, err := c.Send(ecstest.Ctx(t), b)
		if err != nil {
			t.Fatal(err)
		}
		ecstest.CheckAccepted(t, replies, n)
		sent = append(sent, b)
	}
	if err := c.Close(ecstest.Ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ecstest.Ctx(t), ecstest.Gen("late", 1, 10)); !errors.Is(err, ecsclient.ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}
	if err := prototest.SameMessages(s.messages(), ecstest.AsProto(sent...)); err != nil {
		t.Fatal(err)
	}
}

func TestPipelinedAsync(t *testing.T) {
	s := newPipeServer(t, 10000, 0)
	c := dial(t, s, ecsclient.WithWindow(4))
	var pend []*ecsclient.Pending
	var sent [][]ecsclient.Message
	for i := range 20 {
		b := ecstest.Gen(fmt.Sprint("p", i), 1+i%5, 300)
		p, err := c.SendAsync(ecstest.Ctx(t), b)
		if err != nil {
			t.Fatal(err)
		}
		pend, sent = append(pend, p), append(sent, b)
	}
	for i, p := range pend {
		replies, err := p.Wait(ecstest.Ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		ecstest.CheckAccepted(t, replies, len(sent[i]))
	}
	if err := prototest.SameMessages(s.messages(), ecstest.AsProto(sent...)); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentSends(t *testing.T) {
	s := newPipeServer(t, 10000, 0)
	c := dial(t, s, ecsclient.WithWindow(3))
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 10 {
				replies, err := c.Send(ecstest.Ctx(t), ecstest.Gen(fmt.Sprint("g", g, "-", i), 2, 100))
				if err == nil && (len(replies) != 2 || replies[1].Status != ecsclient.Accepted) {
					err = fmt.Errorf("replies %+v", replies)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.messages()); n != 160 {
		t.Fatalf("%d messages stored, want 160", n)
	}
}

func TestPerMessageFailure(t *testing.T) {
	s := newPipeServer(t, 10000, 0)
	c := dial(t, s)
	b := ecstest.Gen("f", 3, 50)
	b[1].Recipients = []string{"bad address"}
	replies, err := c.Send(ecstest.Ctx(t), b)
	if err != nil {
		t.Fatal(err)
	}
	if replies[0].Status != ecsclient.Accepted || replies[1].Status != ecsclient.PermFail ||
		replies[1].Code != 553 || replies[2].Status != ecsclient.Accepted {
		t.Fatalf("replies %+v", replies)
	}
	if len(s.messages()) != 2 {
		t.Fatalf("%d stored", len(s.messages()))
	}
}

func TestTooLarge(t *testing.T) {
	s := newPipeServer(t, 5, 4096)
	c := dial(t, s)
	if _, err := c.Send(ecstest.Ctx(t), ecstest.Gen("x", 6, 10)); !errors.Is(err, ecsclient.ErrTooLarge) {
		t.Fatalf("6 > max batch: %v", err)
	}
	if _, err := c.Send(ecstest.Ctx(t), ecstest.Gen("x", 1, 5000)); !errors.Is(err, ecsclient.ErrTooLarge) {
		t.Fatalf("frame > max frame: %v", err)
	}
	replies, err := c.Send(ecstest.Ctx(t), ecstest.Gen("x", 5, 10)) // the connection is still fine
	if err != nil {
		t.Fatal(err)
	}
	ecstest.CheckAccepted(t, replies, 5)
}

func TestRefusedAtAccept(t *testing.T) {
	f := ecstream.NewFactory(ecstream.FactoryOptions{})
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		cli, srv := net.Pipe()
		go func() {
			srv.Write(f.Refuse(nil, proto.RefuseSessionCap, nil))
			srv.Close()
		}()
		return cli, nil
	}
	_, err := ecsclient.Dial(ecstest.Ctx(t), "pipe", "x", ecsclient.WithDialer(dialer))
	var se *ecsclient.ServerError
	if !errors.As(err, &se) || se.Code != 421 || !se.Temporary() {
		t.Fatalf("dial: %v", err)
	}
}
