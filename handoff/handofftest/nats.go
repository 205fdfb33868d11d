package handofftest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StartNATS runs an embedded nats-server with JetStream (storage under a
// temp dir) on a loopback port.
func StartNATS(t *testing.T, dir string, port int) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	return s
}

// StreamData returns the data of every message in stream.
func StreamData(t *testing.T, url, stream string) [][]byte {
	t.Helper()
	out, err := TryStreamData(url, stream)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TryStreamData is StreamData for callers that retry: a cluster whose
// JetStream is still electing a leader answers with an error for a while.
func TryStreamData(url, stream string) ([][]byte, error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	c, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for uint64(len(out)) < info.State.Msgs {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b, err := c.FetchNoWait(1000)
		if err != nil {
			return nil, err
		}
		got := 0
		for m := range b.Messages() {
			out = append(out, m.Data())
			got++
		}
		if got == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return out, nil
}
