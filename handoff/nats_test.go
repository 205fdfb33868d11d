package handoff

import (
	"context"
	"fmt"
	ht "sluice/handoff/handofftest"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sluice/internal/testport"
)

func streamMsgs(t *testing.T, url, stream string) []*jetstream.RawStreamMsg {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := st.Info(ctx)
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// Every message is published once with Nats-Msg-Id = spool id, byte for
// byte, with the envelope in headers; a second hand-off of the same record
// (as after a crash before the ack) is not stored twice. The server is
// restarted mid-run: nothing is lost.
func TestJetStreamTarget(t *testing.T) {
	port := testport.Free(t)
	jsDir := t.TempDir()
	srv := ht.StartNATS(t, jsDir, port)
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	st, c := testSpool(t, t.TempDir())
	defer st.Close()
	defer c.Close()
	js := NewJetStream(JetStreamOptions{URL: url, Stream: "MAIL", Subject: "mail.in", Timeout: 5 * time.Second})
	d := start(t, st, c, Options{RetryInterval: 50 * time.Millisecond, MaxRetryInterval: 200 * time.Millisecond},
		TargetSpec{Name: "nats", Target: js, Connections: 4})
	defer d.Close(context.Background())
	want := map[string]string{}
	for i := 0; i < 100; i++ {
		want[put(t, st, "s@x", []string{"a@x", "b@x"}, msg(i)).String()] = msg(i)
	}
	eventually(t, "first half", func() bool { return st.Len() == 0 })
	srv.Shutdown()
	srv.WaitForShutdown()
	for i := 100; i < 200; i++ {
		want[put(t, st, "s@x", []string{"a@x"}, msg(i)).String()] = msg(i)
	}
	time.Sleep(200 * time.Millisecond)
	srv = ht.StartNATS(t, jsDir, port)
	defer srv.Shutdown()
	d.Flush()
	eventually(t, "second half after restart", func() bool { return st.Len() == 0 })
	// A repeat of an acknowledged message within the duplicate window.
	for id, body := range want {
		var m Message
		m.ID, _ = parseID(id)
		m.Sender, m.Recipients, m.Data = "s@x", []string{"a@x"}, []byte(body)
		if sts, err := js.Deliver(context.Background(), &m); err != nil || !sts[0].OK() {
			t.Fatalf("repeat: %v %v", sts, err)
		}
		break
	}
	msgs := streamMsgs(t, url, "MAIL")
	if len(msgs) != len(want) {
		t.Fatalf("%d messages in the stream, want %d", len(msgs), len(want))
	}
	for _, m := range msgs {
		id := m.Header.Get("Nats-Msg-Id")
		if want[id] != string(m.Data) || m.Header.Get("Sluice-Sender") != "s@x" || m.Header.Values("Sluice-Recipient")[0] != "a@x" {
			t.Fatalf("stream message %s: %q %v", id, m.Data, m.Header)
		}
	}
}
