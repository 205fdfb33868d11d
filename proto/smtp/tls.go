package smtp

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"sluice/proto"
)

// The session learns when TLS is up; the factory terminates TLS.
var (
	_ proto.TLSStarter    = (*session)(nil)
	_ proto.TLSConfigurer = (*Factory)(nil)
)

// tlsCache holds one *tls.Config per (certificate, key, client CA, verify
// mode), re-read when a file's mtime changes.
type tlsCache struct {
	mu sync.Mutex
	m  map[string]*tlsEntry
}

type tlsEntry struct {
	stamp string // mtimes of the files, to notice a renewed certificate
	conf  *tls.Config
}

// TLSConfig returns the server TLS configuration for a connection, from
// its policy's TLS_Certificate, TLS_Key, TLS_Client_CA and TLS_Verify_Mode.
// The engine calls it (it is not part of proto.Factory) when a session
// returns proto.StartTLS and when a Use_SSL connection is accepted. It does
// file I/O and must not be called on a worker's hot path more than once per
// handshake; results are cached.
func (f *Factory) TLSConfig(c *proto.ConnInfo) (*tls.Config, error) {
	p := c.Policy
	cert, key := p.String("tls_certificate"), p.String("tls_key")
	if cert == "" || key == "" {
		return nil, fmt.Errorf("smtp: TLS needs TLS_Certificate and TLS_Key in %s", p.Listen)
	}
	ca, mode := p.String("tls_client_ca"), strings.ToLower(p.String("tls_verify_mode"))
	k := cert + "\x00" + key + "\x00" + ca + "\x00" + mode
	stamp := mtime(cert) + mtime(key) + mtime(ca)
	f.tlsConf.mu.Lock()
	defer f.tlsConf.mu.Unlock()
	if e := f.tlsConf.m[k]; e != nil && e.stamp == stamp {
		return e.conf, nil
	}
	conf, err := buildTLS(cert, key, ca, mode)
	if err != nil {
		return nil, err
	}
	if f.tlsConf.m == nil {
		f.tlsConf.m = make(map[string]*tlsEntry)
	}
	f.tlsConf.m[k] = &tlsEntry{stamp: stamp, conf: conf}
	return conf, nil
}

func buildTLS(cert, key, ca, mode string) (*tls.Config, error) {
	kp, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("smtp: loading TLS_Certificate/TLS_Key: %w (check both paths and that the key matches)", err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{kp}, MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("smtp: reading TLS_Client_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("smtp: TLS_Client_CA %s holds no PEM certificate", ca)
		}
		conf.ClientCAs = pool
		conf.ClientAuth = tls.VerifyClientCertIfGiven
	}
	switch mode {
	case "require":
		conf.ClientAuth = tls.RequireAndVerifyClientCert
	case "none":
		conf.ClientAuth = tls.NoClientCert
	}
	return conf, nil
}

func mtime(path string) string {
	if path == "" {
		return ""
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fi.ModTime().Format(time.RFC3339Nano)
}
