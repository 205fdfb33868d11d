package tlsrec

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

var (
	certOnce sync.Once
	testCert tls.Certificate
)

// cert is a throwaway ECDSA P-256 certificate for 127.0.0.1.
func cert(t testing.TB) tls.Certificate {
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		testCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return testCert
}

var (
	srvOnce sync.Once
	srvCfg  *tls.Config
)

// serverConfig is shared by every test connection, so that a session
// ticket one connection got resumes on the next.
func serverConfig(t testing.TB) *tls.Config {
	srvOnce.Do(func() {
		srvCfg = &tls.Config{Certificates: []tls.Certificate{cert(t)}, MinVersion: tls.VersionTLS13, KeyLogWriter: &KeyLog{}}
	})
	return srvCfg
}

// handshake is one server connection taken over after crypto/tls's handshake.
type handshake struct {
	server   *Conn
	early    []byte   // application data crypto/tls had buffered
	tail     []byte   // a partial record to feed first
	raw      net.Conn // the server's socket, now driven by Conn
	client   *tls.Conn
	clientKL *KeyLog
}

// takeover runs a real crypto/tls handshake over loopback TCP and takes the
// server side over. hello, when set, is written by the client right after
// its handshake, so it may land in crypto/tls's buffer on the server.
func takeover(t *testing.T, cache tls.ClientSessionCache, hello []byte) *handshake {
	return takeoverSlow(t, cache, hello, 0)
}

// slowConn waits before each read, so that what the client sends right
// after its Finished is already there when crypto/tls reads the Finished.
type slowConn struct {
	net.Conn
	delay time.Duration
}

func (s slowConn) Read(p []byte) (int, error) {
	time.Sleep(s.delay)
	return s.Conn.Read(p)
}

func takeoverSlow(t *testing.T, cache tls.ClientSessionCache, hello []byte, delay time.Duration) *handshake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srvCfg := serverConfig(t)
	keys := srvCfg.KeyLogWriter.(*KeyLog)
	clientKL := &KeyLog{}
	cliCfg := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", ClientSessionCache: cache, KeyLogWriter: clientKL}
	type result struct {
		h   *handshake
		err error
	}
	done := make(chan result, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		rec := &Recorder{Conn: slowConn{raw, delay}}
		srv := tls.Server(rec, srvCfg)
		if err := srv.Handshake(); err != nil {
			done <- result{err: err}
			return
		}
		c, early, tail, err := Takeover(srv.ConnectionState(), keys, rec)
		done <- result{&handshake{server: c, early: early, tail: tail, raw: raw}, err}
	}()
	cl, err := tls.Dial("tcp", ln.Addr().String(), cliCfg)
	if err != nil {
		t.Fatal(err)
	}
	if hello != nil {
		if _, err := cl.Write(hello); err != nil {
			t.Fatal(err)
		}
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	r.h.client, r.h.clientKL = cl, clientKL
	t.Cleanup(func() { cl.Close(); r.h.raw.Close() })
	return r.h
}

// readPlain reads from the raw socket through the server's record layer
// until want bytes of application data have arrived.
func (h *handshake) readPlain(t *testing.T, want int) []byte {
	t.Helper()
	plain := append([]byte(nil), h.early...)
	pend := append([]byte(nil), h.tail...)
	buf := make([]byte, 32<<10)
	h.raw.SetReadDeadline(time.Now().Add(90 * time.Second))
	for len(plain) < want {
		var n int
		var err error
		plain, n, err = h.server.Open(plain, pend)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		pend = pend[n:]
		if len(plain) >= want {
			break
		}
		m, err := h.raw.Read(buf)
		if err != nil && err != io.EOF {
			t.Fatalf("read: %v", err)
		}
		if m == 0 && err == io.EOF {
			t.Fatalf("EOF after %d of %d bytes", len(plain), want)
		}
		pend = append(pend, buf[:m]...)
	}
	h.early, h.tail = nil, pend
	return plain
}
