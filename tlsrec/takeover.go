package tlsrec

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"net"
	"sync"
)

// KeyLog is a tls.Config.KeyLogWriter that keeps each handshake's traffic
// secrets, keyed by the ClientHello random, until Take claims them. Secrets
// of handshakes that never complete are dropped once more than maxKeyLog
// connections are waiting, so the map stays bounded.
type KeyLog struct {
	mu sync.Mutex
	m  map[[32]byte]*Secrets
}

const maxKeyLog = 4096

// Log is the process's KeyLog: TLS configurations whose connections the
// engine may take over set it as their KeyLogWriter (proto/smtp does), and
// the engine's takeover claims each handshake's secrets from it.
var Log = &KeyLog{}

// Secrets are one connection's TLS 1.3 traffic secrets.
type Secrets struct {
	ClientHS, ServerHS, ClientApp, ServerApp []byte
}

func (s *Secrets) complete() bool {
	return s.ClientHS != nil && s.ServerHS != nil && s.ClientApp != nil && s.ServerApp != nil
}

// Write takes one NSS key log line: "LABEL <client random hex> <secret hex>".
func (k *KeyLog) Write(line []byte) (int, error) {
	f := bytes.Fields(line)
	if len(f) != 3 || hex.DecodedLen(len(f[1])) != 32 {
		return len(line), nil // not a line we use (TLS 1.2's CLIENT_RANDOM has no traffic secrets)
	}
	var random [32]byte
	secret := make([]byte, hex.DecodedLen(len(f[2])))
	if _, err := hex.Decode(random[:], f[1]); err != nil {
		return len(line), nil
	}
	if _, err := hex.Decode(secret, f[2]); err != nil {
		return len(line), nil
	}
	switch string(f[0]) {
	case "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0":
	default:
		return len(line), nil // TLS 1.2's CLIENT_RANDOM, exporter secrets: not ours
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[[32]byte]*Secrets{}
	}
	s := k.m[random]
	if s == nil {
		if len(k.m) >= maxKeyLog {
			clear(k.m) // only abandoned handshakes pile up this far
		}
		s = &Secrets{}
		k.m[random] = s
	}
	switch string(f[0]) {
	case "CLIENT_HANDSHAKE_TRAFFIC_SECRET":
		s.ClientHS = secret
	case "SERVER_HANDSHAKE_TRAFFIC_SECRET":
		s.ServerHS = secret
	case "CLIENT_TRAFFIC_SECRET_0":
		s.ClientApp = secret
	case "SERVER_TRAFFIC_SECRET_0":
		s.ServerApp = secret
	}
	return len(line), nil
}

// Take removes and returns the secrets of the handshake with this random.
func (k *KeyLog) Take(random [32]byte) (*Secrets, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.m[random]
	delete(k.m, random)
	return s, ok && s.complete()
}

// Len is the number of handshakes whose secrets wait to be taken.
func (k *KeyLog) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// Recorder wraps the connection crypto/tls handshakes over and keeps a copy
// of every byte read and written, so that the record layer can account for
// what crypto/tls consumed and sent (its session tickets, and the client's
// records it read past the Finished message into its buffer).
type Recorder struct {
	net.Conn
	In, Out []byte
	stopped bool
}

func (r *Recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	if !r.stopped {
		r.In = append(r.In, p[:n]...)
	}
	return n, err
}

func (r *Recorder) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	if !r.stopped {
		r.Out = append(r.Out, p[:n]...)
	}
	return n, err
}

// Stop ends the recording and drops what was recorded (a connection that
// stays on crypto/tls).
func (r *Recorder) Stop() { r.In, r.Out, r.stopped = nil, nil, true }

// ClientRandom reads the random of the ClientHello at the start of the
// recorded input.
func ClientRandom(in []byte) ([32]byte, error) {
	var r [32]byte
	// record header (5), handshake type and length (4), legacy_version (2)
	if len(in) < 43 || in[0] != typeHandshake || in[5] != 1 {
		return r, errors.New("tlsrec: recorded input does not start with a ClientHello")
	}
	copy(r[:], in[11:43])
	return r, nil
}

// Takeover builds the record layer of a connection whose TLS 1.3 handshake
// crypto/tls has just completed over rec. It returns the Conn, the
// application data the client had already sent (opened), and the bytes of
// a partial record the worker must feed first.
func Takeover(state tls.ConnectionState, keys *KeyLog, rec *Recorder) (*Conn, []byte, []byte, error) {
	if !Supported(state.Version, state.CipherSuite) {
		return nil, nil, nil, errors.New("tlsrec: not a TLS 1.3 connection with a known suite")
	}
	s, _ := suiteOf(state.CipherSuite)
	random, err := ClientRandom(rec.In)
	if err != nil {
		return nil, nil, nil, err
	}
	sec, ok := keys.Take(random)
	if !ok {
		return nil, nil, nil, errors.New("tlsrec: no traffic secrets logged for this handshake (is Config.KeyLogWriter the KeyLog?)")
	}
	c := &Conn{}
	if c.in, err = newHalf(s, sec.ClientApp); err != nil {
		return nil, nil, nil, err
	}
	if c.out, err = newHalf(s, sec.ServerApp); err != nil {
		return nil, nil, nil, err
	}
	// Written: the server's handshake records, then session tickets under the
	// application key: the record layer goes on from their count.
	sent, _, err := skipHandshake(s, sec.ServerHS, &c.out, rec.Out, true)
	if err != nil {
		return nil, nil, nil, err
	}
	c.out.seq = sent
	// Read: the client's handshake records; whatever follows is application
	// data crypto/tls buffered but never returned.
	_, rest, err := skipHandshake(s, sec.ClientHS, nil, rec.In, false)
	if err != nil {
		return nil, nil, nil, err
	}
	plain, n, err := c.Open(nil, rest)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, plain, rest[n:], nil
}

// skipHandshake walks recorded records: plaintext handshake and
// ChangeCipherSpec records, then records that open under the handshake
// secret. With countApp it goes on counting the records that open under
// app (session tickets) and returns their count; without, it stops at the
// first record that is not the handshake's and returns the rest.
func skipHandshake(s *suite, hsSecret []byte, app *halfConn, recs []byte, countApp bool) (uint64, []byte, error) {
	hs, err := newHalf(s, hsSecret)
	if err != nil {
		return 0, nil, err
	}
	var appSeq uint64
	var scratch []byte
	for len(recs) >= headerLen {
		length := int(recs[3])<<8 | int(recs[4])
		if len(recs) < headerLen+length {
			break
		}
		rec, body := recs[:headerLen+length], recs[headerLen:headerLen+length]
		switch recs[0] {
		case typeHandshake, typeChangeCipherSpec:
		case typeApplicationData:
			nonce := hs.nonce()
			if _, err := hs.aead.Open(scratch[:0], nonce, body, rec[:headerLen]); err == nil {
				hs.seq++
				break
			}
			if !countApp {
				return 0, recs, nil
			}
			app.seq = appSeq
			nonce = app.nonce()
			if _, err := app.aead.Open(scratch[:0], nonce, body, rec[:headerLen]); err != nil {
				return 0, nil, errors.New("tlsrec: a record crypto/tls sent opens under neither secret")
			}
			appSeq++
		default:
			return 0, nil, errors.New("tlsrec: unexpected record type in the recorded handshake")
		}
		recs = recs[headerLen+length:]
	}
	return appSeq, recs, nil
}
