package ecstream

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sluice/config"
	"sluice/proto"
	"sluice/proto/ecstream/wire"
	"sluice/proto/prototest"
)

// policy builds an ECStream policy with the registry defaults, overridden
// by kv pairs (name, *config.Value).
func policy(kv ...any) *config.Policy {
	vals := map[string]*config.Value{
		"ecstream_max_batch_size": {Kind: config.KindInt, Raw: "10000", Int: 10000},
		"ecstream_idle_time":      {Kind: config.KindSeconds, Raw: "300", Dur: 300 * time.Second},
	}
	for i := 0; i < len(kv); i += 2 {
		vals[kv[i].(string)] = kv[i+1].(*config.Value)
	}
	return config.NewPolicy("ECStream_Listener", "127.0.0.1:1825", vals)
}

func intVal(n int64) *config.Value {
	return &config.Value{Kind: config.KindInt, Raw: fmt.Sprint(n), Int: n}
}

// mk returns a session factory for SplitEvery and friends.
func mk(f *Factory, p *config.Policy) func() (proto.Session, *prototest.Host) {
	return func() (proto.Session, *prototest.Host) {
		h := prototest.NewHost()
		return f.NewSession(prototest.Conn("ECStream_Listener", "127.0.0.1:1825", "192.0.2.7:40000", p), h), h
	}
}

func newSession(p *config.Policy) (proto.Session, *prototest.Host) {
	return mk(NewFactory(FactoryOptions{}), p)()
}

type tmsg struct {
	from string
	to   []string
	body string
}

func hello() []byte { return wire.AppendHello(nil, wire.Version1) }

func batch(tag uint32, msgs ...tmsg) []byte {
	b, off := wire.StartFrame(nil, wire.Batch)
	b = wire.AppendBatchHead(b, tag, uint32(len(msgs)))
	for _, m := range msgs {
		var ok bool
		if b, ok = wire.AppendMessage(b, m.from, m.to, []byte(m.body)); !ok {
			panic("test message does not fit")
		}
	}
	return wire.EndFrame(b, off)
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// genMsgs makes n messages with bodies of size bytes (at least 16).
func genMsgs(n, size int) []tmsg {
	out := make([]tmsg, n)
	for i := range out {
		body := fmt.Sprintf("Subject: %d\r\n\r\n", i)
		body += strings.Repeat(string(rune('a'+i%26)), max(size-len(body), 0))
		out[i] = tmsg{from: fmt.Sprintf("s%d@example.com", i),
			to: []string{fmt.Sprintf("r%d@example.net", i), "x@example.org"}, body: body}
	}
	return out
}

func want(msgs []tmsg) []proto.Message {
	out := make([]proto.Message, len(msgs))
	for i, m := range msgs {
		out[i] = proto.Message{Protocol: Protocol, Sender: m.from, Recipients: m.to, Data: []byte(m.body)}
	}
	return out
}

// frame is one decoded server frame.
type frame struct {
	t       wire.Type
	code    uint16
	text    string
	tag     uint32
	items   []wire.ReplyItem
	greet   wire.GreetingInfo
	payload []byte
}

// frames decodes a server output stream completely.
func frames(t testing.TB, out []byte) []frame {
	t.Helper()
	var fs []frame
	for len(out) > 0 {
		ty, n, ok := wire.ParseHeader(out)
		if !ok || int(n) > len(out)-wire.HeaderLen {
			t.Fatalf("truncated server frame in %q", out)
		}
		p := out[wire.HeaderLen : wire.HeaderLen+int(n)]
		out = out[wire.HeaderLen+int(n):]
		f := frame{t: ty, payload: p}
		var err error
		switch ty {
		case wire.Greeting:
			f.greet, err = wire.ParseGreeting(p)
		case wire.Error:
			var tx []byte
			f.code, tx, err = wire.ParseError(p)
			f.text = string(tx)
		case wire.Notice:
			var k uint8
			var tx []byte
			k, tx, err = wire.ParseNotice(p)
			f.code, f.text = uint16(k), string(tx)
		case wire.Reply:
			var r wire.ReplyReader
			if err = r.Reset(p); err == nil {
				f.tag = r.Tag
				for {
					it, ok, e := r.Next()
					if err = e; e != nil || !ok {
						break
					}
					f.items = append(f.items, it)
				}
			}
		default:
			t.Fatalf("server sent frame type %d", ty)
		}
		if err != nil {
			t.Fatalf("server frame type %d: %v", ty, err)
		}
		fs = append(fs, f)
	}
	return fs
}
