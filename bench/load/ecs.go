package load

import (
	"context"
	"fmt"

	"sluice/proto/ecstream/ecsclient"
)

// ecsDoer sends one batch of Batch messages per op over one ECStream
// connection and waits for its reply (no pipelining across ops, so the
// latency is the batch's round trip including the server's group commit).
type ecsDoer struct {
	c     *Config
	cl    *ecsclient.Client
	batch []ecsclient.Message
}

func ecsFactory(c *Config) Factory {
	return func(int) (Doer, error) {
		ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
		defer cancel()
		cl, err := ecsclient.Dial(ctx, "tcp", c.Addr, ecsclient.WithWindow(1))
		if err != nil {
			return nil, err
		}
		n := c.Batch
		if lim := cl.Limits().MaxBatch; lim > 0 && n > lim {
			n = lim
		}
		m := ecsclient.Message{Sender: MailFrom, Recipients: []string{RcptTo}, Body: BuildMessage(c.Size)}
		batch := make([]ecsclient.Message, n)
		for i := range batch {
			batch[i] = m
		}
		return &ecsDoer{c: c, cl: cl, batch: batch}, nil
	}
}

func (d *ecsDoer) Do() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d.c.Timeout)
	defer cancel()
	replies, err := d.cl.Send(ctx, d.batch)
	if err != nil {
		return 0, err
	}
	for i, r := range replies {
		if r.Status != ecsclient.Accepted {
			return i, fmt.Errorf("load: ecstream message %d: %s %d %s", i, r.Status, r.Code, r.Text)
		}
	}
	return len(replies), nil
}

func (d *ecsDoer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), d.c.Timeout)
	defer cancel()
	return d.cl.Close(ctx)
}
