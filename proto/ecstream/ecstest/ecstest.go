// Package ecstest holds test support for ECStream clients and servers:
// deterministic batches and the messages a server must store for them.
// The ecsclient unit tests and the end-to-end tests (proto/ecstream/e2e)
// share it.
package ecstest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sluice/proto"
	"sluice/proto/ecstream"
	"sluice/proto/ecstream/ecsclient"
)

// Gen is a batch of n messages of about size bytes each, named by prefix.
func Gen(prefix string, n, size int) []ecsclient.Message {
	out := make([]ecsclient.Message, n)
	for i := range out {
		body := fmt.Sprintf("Subject: %s %d\r\n\r\n", prefix, i)
		body += strings.Repeat("x", max(size-len(body), 0)) + "\r\n"
		out[i] = ecsclient.Message{Sender: prefix + "@example.com",
			Recipients: []string{fmt.Sprintf("r%d@example.net", i)}, Body: []byte(body)}
	}
	return out
}

// AsProto is what a server stores for the batches, in order.
func AsProto(ms ...[]ecsclient.Message) []proto.Message {
	var out []proto.Message
	for _, b := range ms {
		for _, m := range b {
			out = append(out, proto.Message{Protocol: ecstream.Protocol, Sender: m.Sender, Recipients: m.Recipients, Data: m.Body})
		}
	}
	return out
}

// CheckAccepted fails t unless replies are n acceptances.
func CheckAccepted(t testing.TB, replies []ecsclient.Reply, n int) {
	t.Helper()
	if len(replies) != n {
		t.Fatalf("%d replies, want %d", len(replies), n)
	}
	for i, r := range replies {
		if r.Status != ecsclient.Accepted || r.Code != 250 || r.Text == "" {
			t.Fatalf("reply %d: %+v", i, r)
		}
	}
}

// Ctx is a context that ends after 20 s or with the test.
func Ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
