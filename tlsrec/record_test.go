package tlsrec

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"testing"
)

// pair is a server Conn and a mirrored client Conn over random secrets.
func pair(t testing.TB, id uint16) (srv, cli *Conn) {
	s, err := suiteOf(id)
	if err != nil {
		t.Fatal(err)
	}
	cs, ss := make([]byte, s.hashSz), make([]byte, s.hashSz)
	rand.Read(cs)
	rand.Read(ss)
	return pairFrom(t, id, cs, ss)
}

// pairFrom builds the pair over given client and server secrets.
func pairFrom(t testing.TB, id uint16, cs, ss []byte) (srv, cli *Conn) {
	s, err := suiteOf(id)
	if err != nil {
		t.Fatal(err)
	}
	half := func(sec []byte) halfConn {
		h, err := newHalf(s, sec)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	return &Conn{in: half(cs), out: half(ss)}, &Conn{in: half(ss), out: half(cs)}
}

// keyUpdate is what a client sends to ask for new keys both ways.
func (c *Conn) keyUpdate(dst []byte, requested byte) []byte {
	dst = c.seal(dst, typeHandshake, []byte{hsKeyUpdate, 0, 0, 1, requested})
	if err := c.out.update(); err != nil {
		panic(err)
	}
	return dst
}

func TestEchoEverySuite(t *testing.T) {
	for id, name := range suiteNames {
		t.Run(name, func(t *testing.T) {
			srv, cli := pair(t, id)
			msg := make([]byte, 40000) // three records
			rand.Read(msg)
			wire := cli.Seal(nil, msg)
			got, n, err := srv.Open(nil, wire)
			if err != nil || n != len(wire) || !bytes.Equal(got, msg) {
				t.Fatalf("server opened %d/%d bytes, %v", n, len(wire), err)
			}
			back, _, err := cli.Open(nil, srv.Seal(nil, got))
			if err != nil || !bytes.Equal(back, msg) {
				t.Fatalf("client: %v", err)
			}
		})
	}
}

func TestKeyUpdateBothWays(t *testing.T) {
	srv, cli := pair(t, tls.TLS_AES_128_GCM_SHA256)
	wire := cli.Seal(nil, []byte("before"))
	wire = cli.keyUpdate(wire, 1)
	wire = cli.Seal(wire, []byte(" after"))
	got, _, err := srv.Open(nil, wire)
	if err != nil || string(got) != "before after" {
		t.Fatalf("server: %q %v", got, err)
	}
	if !srv.Pending() {
		t.Fatal("a requested KeyUpdate left nothing to send")
	}
	reply := srv.Seal(nil, []byte("new keys"))
	if srv.Pending() {
		t.Fatal("Seal kept the KeyUpdate")
	}
	back, _, err := cli.Open(nil, reply)
	if err != nil || string(back) != "new keys" {
		t.Fatalf("client: %q %v", back, err)
	}
	// A KeyUpdate that asks for no answer gets none.
	got, _, err = srv.Open(nil, cli.keyUpdate(nil, 0))
	if err != nil || len(got) != 0 || srv.Pending() {
		t.Fatalf("unrequested update: %q %v pending=%v", got, err, srv.Pending())
	}
}

// The server moves to new keys by itself after keyUpdateAfter records.
func TestOwnKeyUpdate(t *testing.T) {
	old := keyUpdateAfter
	keyUpdateAfter = 3
	defer func() { keyUpdateAfter = old }()
	srv, cli := pair(t, tls.TLS_AES_256_GCM_SHA384)
	var wire []byte
	for i := 0; i < 10; i++ {
		wire = srv.Seal(wire, []byte{'a' + byte(i)})
	}
	got, _, err := cli.Open(nil, wire)
	if err != nil || string(got) != "abcdefghij" {
		t.Fatalf("%q %v", got, err)
	}
}

var (
	convClient = bytes.Repeat([]byte{1}, 32)
	convServer = bytes.Repeat([]byte{2}, 32)
)

// conversation is a client's records: data, a KeyUpdate, data, close_notify.
func conversation(t testing.TB) []byte {
	_, cli := pairFrom(t, tls.TLS_CHACHA20_POLY1305_SHA256, convClient, convServer)
	wire := cli.Seal(nil, []byte("MAIL FROM:<a@b>\r\n"))
	wire = cli.keyUpdate(wire, 1)
	wire = cli.Seal(wire, bytes.Repeat([]byte("x"), 300))
	wire = cli.Seal(wire, []byte("QUIT\r\n"))
	return cli.Alert(wire, AlertCloseNotify)
}

// Fed in two pieces cut at every offset, the records give the same
// plaintext and the same ending as fed whole.
func TestSplitEveryOffset(t *testing.T) {
	wire := conversation(t)
	want := 17 + 300 + 6
	for cut := 0; cut <= len(wire); cut++ {
		srv, _ := pairFrom(t, tls.TLS_CHACHA20_POLY1305_SHA256, convClient, convServer)
		plain, n, err := srv.Open(nil, wire[:cut])
		if err == nil {
			plain, _, err = srv.Open(plain, wire[n:])
		} else if cut != len(wire) {
			t.Fatalf("cut %d: first piece: n=%d %v", cut, n, err)
		}
		if !errors.Is(err, ErrCloseNotify) || len(plain) != want {
			t.Fatalf("cut %d: %d bytes, err %v", cut, len(plain), err)
		}
		if !srv.Pending() {
			t.Fatalf("cut %d: the KeyUpdate request was lost", cut)
		}
	}
}

func TestBadRecords(t *testing.T) {
	cases := []struct {
		name  string
		build func(cli *Conn) []byte
		alert uint8 // 0: a peer alert is expected instead
	}{
		{"wrong tag", func(c *Conn) []byte { w := c.Seal(nil, []byte("hello")); w[len(w)-1] ^= 1; return w }, AlertBadRecordMAC},
		{"plaintext handshake", func(*Conn) []byte { return []byte{typeHandshake, 3, 3, 0, 1, 0} }, AlertUnexpectedMessage},
		{"change cipher spec", func(*Conn) []byte { return []byte{typeChangeCipherSpec, 3, 3, 0, 1, 1} }, AlertUnexpectedMessage},
		{"record overflow", func(*Conn) []byte { return []byte{typeApplicationData, 3, 3, 0x48, 0x01} }, AlertRecordOverflow},
		{"no content type", func(c *Conn) []byte { return c.seal(nil, 0, nil) }, AlertUnexpectedMessage},
		{"unknown content type", func(c *Conn) []byte { return c.seal(nil, 99, []byte("x")) }, AlertUnexpectedMessage},
		{"malformed alert", func(c *Conn) []byte { return c.seal(nil, typeAlert, []byte{2}) }, AlertDecodeError},
		{"bad KeyUpdate value", func(c *Conn) []byte { return c.seal(nil, typeHandshake, []byte{hsKeyUpdate, 0, 0, 1, 7}) }, AlertDecodeError},
		{"KeyUpdate length", func(c *Conn) []byte { return c.seal(nil, typeHandshake, []byte{hsKeyUpdate, 0, 0, 2, 0, 0}) }, AlertDecodeError},
		{"NewSessionTicket from a client", func(c *Conn) []byte { return c.seal(nil, typeHandshake, []byte{4, 0, 0, 0}) }, AlertUnexpectedMessage},
		{"empty handshake record", func(c *Conn) []byte { return c.seal(nil, typeHandshake, nil) }, AlertUnexpectedMessage},
		{"fatal alert from the peer", func(c *Conn) []byte { return c.Alert(nil, 40) }, 0},
	}
	for _, tc := range cases {
		srv, cli := pairFrom(t, tls.TLS_AES_128_GCM_SHA256, convClient, convServer)
		_, _, err := srv.Open(nil, tc.build(cli))
		var ae *AlertError
		var pe *PeerAlertError
		switch {
		case tc.alert == 0 && (!errors.As(err, &pe) || pe.Alert != 40):
			t.Errorf("%s: %v, want the peer's alert 40", tc.name, err)
		case tc.alert != 0 && (!errors.As(err, &ae) || ae.Alert != tc.alert):
			t.Errorf("%s: %v, want alert %d", tc.name, err, tc.alert)
		}
		if _, _, err := srv.Open(nil, cli.Seal(nil, []byte("more"))); err == nil {
			t.Errorf("%s: the Conn still works after a fatal error", tc.name)
		}
	}
	// A truncated record is not an error: it waits for the rest.
	srv, cli := pairFrom(t, tls.TLS_AES_128_GCM_SHA256, convClient, convServer)
	good := cli.Seal(nil, []byte("hello"))
	if p, n, err := srv.Open(nil, good[:len(good)-1]); err != nil || n != 0 || len(p) != 0 {
		t.Fatalf("truncated: n=%d %v", n, err)
	}
	if p, n, err := srv.Open(nil, good); err != nil || n != len(good) || string(p) != "hello" {
		t.Fatalf("completed: %q n=%d %v", p, n, err)
	}
}

// Open and Seal allocate nothing once dst has room.
func TestNoAllocs(t *testing.T) {
	srv, cli := pair(t, tls.TLS_AES_128_GCM_SHA256)
	msg := make([]byte, 1024)
	wire := make([]byte, 0, 4096)
	plain := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(200, func() {
		wire = cli.Seal(wire[:0], msg)
		plain, _, _ = srv.Open(plain[:0], wire)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per Seal+Open", allocs)
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(conversation(f))
	f.Add([]byte{typeApplicationData, 3, 3, 0, 17})
	f.Add([]byte{typeHandshake, 3, 3, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		srv, _ := pairFrom(t, tls.TLS_CHACHA20_POLY1305_SHA256, convClient, convServer)
		plain, n, err := srv.Open(nil, in)
		if n < 0 || n > len(in) || len(plain) > len(in) {
			t.Fatalf("n=%d plain=%d of %d input bytes", n, len(plain), len(in))
		}
		if err == nil && len(in)-n >= headerLen+maxCiphertext {
			t.Fatalf("a full record left unconsumed without an error")
		}
	})
}
