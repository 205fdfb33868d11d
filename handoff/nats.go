package handoff

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStreamOptions configure a NATS JetStream target.
type JetStreamOptions struct {
	URL     string // nats://host:port
	Stream  string // must capture Subject; created (file storage) if missing
	Subject string
	Timeout time.Duration // connect and PubAck wait; default 60 s
	Name    string        // client connection name
}

// JetStream publishes each message to a stream and counts it delivered on
// the PubAck. The message id (Nats-Msg-Id) is the spool id, so a message
// handed off again after a crash, within the stream's duplicate window, is
// not stored twice. Envelope in headers: Sluice-Sender, Sluice-Recipient
// (one value per recipient), Sluice-Received (RFC 3339, nanoseconds).
type JetStream struct {
	o    JetStreamOptions
	mu   sync.Mutex
	nc   *nats.Conn
	js   jetstream.JetStream
	seen bool // stream checked
}

// NewJetStream returns a target; it connects on the first Deliver.
func NewJetStream(o JetStreamOptions) *JetStream {
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.Name == "" {
		o.Name = "sluice"
	}
	return &JetStream{o: o}
}

func (j *JetStream) conn(ctx context.Context) (jetstream.JetStream, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.nc == nil || j.nc.IsClosed() {
		nc, err := nats.Connect(j.o.URL, nats.Name(j.o.Name), nats.Timeout(j.o.Timeout),
			nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond), nats.RetryOnFailedConnect(false))
		if err != nil {
			return nil, fmt.Errorf("handoff: nats connect %s: %w", j.o.URL, err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			nc.Close()
			return nil, err
		}
		j.nc, j.js, j.seen = nc, js, false
	}
	if !j.seen {
		_, err := j.js.Stream(ctx, j.o.Stream)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			_, err = j.js.CreateStream(ctx, jetstream.StreamConfig{Name: j.o.Stream,
				Subjects: []string{j.o.Subject}, Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute})
		}
		if err != nil {
			return nil, fmt.Errorf("handoff: JetStream stream %s: %w", j.o.Stream, err)
		}
		j.seen = true
	}
	return j.js, nil
}

// Deliver implements Target.
func (j *JetStream) Deliver(ctx context.Context, m *Message) ([]Status, error) {
	ctx, cancel := context.WithTimeout(ctx, j.o.Timeout)
	defer cancel()
	js, err := j.conn(ctx)
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(j.o.Subject)
	msg.Data = m.Data
	msg.Header.Set("Sluice-Sender", m.Sender)
	for _, r := range m.Recipients {
		msg.Header.Add("Sluice-Recipient", r)
	}
	msg.Header.Set("Sluice-Received", m.Received.UTC().Format(time.RFC3339Nano))
	ack, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(m.ID.String()), jetstream.WithExpectStream(j.o.Stream))
	if err != nil {
		if errors.Is(err, nats.ErrMaxPayload) { // larger than the server takes: never will
			return all(Status{Code: 554, Enhanced: "5.3.4", Text: "JetStream: " + err.Error()}, len(m.Recipients)), nil
		}
		return nil, fmt.Errorf("handoff: JetStream publish: %w", err)
	}
	st := Delivered
	st.Text = fmt.Sprintf("stored in %s seq %d", ack.Stream, ack.Sequence)
	if ack.Duplicate {
		st.Text += " (duplicate)"
	}
	return all(st, len(m.Recipients)), nil
}

// Close implements Target.
func (j *JetStream) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.nc != nil {
		j.nc.Close()
	}
	return nil
}
