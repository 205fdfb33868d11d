package smtp

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sluice/config"
	"strings"
	"sync"
	"time"

	"sluice/proto"
	"sluice/tlsrec"
)

// The session learns when TLS is up; the factory terminates TLS.
var (
	_ proto.TLSStarter    = (*session)(nil)
	_ proto.TLSConfigurer = (*Factory)(nil)
)

// tlsCache holds one *tls.Config per (certificates, keys, client CA,
// verify mode, tickets), re-read when a file's mtime changes. Every
// configuration shares one ticket key ring.
type tlsCache struct {
	mu      sync.Mutex
	m       map[string]*tlsEntry
	tickets ticketRing
}

type tlsEntry struct {
	stamp string // mtimes of the files, to notice a renewed certificate
	conf  *tls.Config
}

// TLSConfig returns the server TLS configuration for a connection, from
// its policy's TLS_Certificate, TLS_Key, TLS_Client_CA, TLS_Verify_Mode and
// TLS_Session_Tickets. TLS_Certificate and TLS_Key may each list several
// files, paired in order (an ECDSA and an RSA certificate side by side):
// crypto/tls serves the first pair the client's ClientHello can use.
// The engine calls it (it is not part of proto.Factory) when a session
// returns proto.StartTLS and when a Use_SSL connection is accepted. It does
// file I/O and must not be called on a worker's hot path more than once per
// handshake; results are cached.
func (f *Factory) TLSConfig(c *proto.ConnInfo) (*tls.Config, error) {
	p := c.Policy
	certs, keys := TLSFiles(p, "tls_certificate"), TLSFiles(p, "tls_key")
	if len(certs) == 0 || len(keys) == 0 {
		return nil, fmt.Errorf("smtp: TLS needs TLS_Certificate and TLS_Key in %s", p.Listen)
	}
	if len(certs) != len(keys) {
		return nil, fmt.Errorf("smtp: %s lists %d TLS_Certificate files and %d TLS_Key files; they pair up in order",
			p.Listen, len(certs), len(keys))
	}
	ca, mode := p.String("tls_client_ca"), strings.ToLower(p.String("tls_verify_mode"))
	k := strings.Join(certs, "\x00") + "\x01" + strings.Join(keys, "\x00") + "\x01" + ca + "\x00" + mode
	stamp := mtime(ca)
	for i := range certs {
		stamp += mtime(certs[i]) + mtime(keys[i])
	}
	_, set := p.Value("tls_session_tickets")
	noTickets := set && !p.Bool("tls_session_tickets")
	if noTickets {
		k += "\x01notickets"
	}
	if d := p.Duration("tls_ticket_key_period"); d > 0 {
		f.tlsConf.tickets.setPeriod(d)
	}
	f.tlsConf.mu.Lock()
	defer f.tlsConf.mu.Unlock()
	if e := f.tlsConf.m[k]; e != nil && e.stamp == stamp {
		return e.conf, nil
	}
	conf, err := buildTLS(certs, keys, ca, mode)
	if err != nil {
		return nil, err
	}
	conf.SessionTicketsDisabled = noTickets
	// The configuration lives as long as its certificate (it is built at
	// load and reload), so rotation is checked per handshake, off the worker
	// (crypto/tls calls this on the TLS goroutine); nil keeps conf itself.
	conf.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		f.rotateTickets()
		return nil, nil
	}
	if f.tlsConf.m == nil {
		f.tlsConf.m = make(map[string]*tlsEntry)
	}
	f.tlsConf.m[k] = &tlsEntry{stamp: stamp, conf: conf}
	tk, rotated := f.tlsConf.tickets.current()
	conf.SetSessionTicketKeys(tk)
	if rotated {
		f.installTickets(tk)
	}
	return conf, nil
}

// rotateTickets moves the ticket keys on when a period has passed and then
// installs them in every cached configuration.
func (f *Factory) rotateTickets() {
	if tk, rotated := f.tlsConf.tickets.current(); rotated {
		f.tlsConf.mu.Lock()
		f.installTickets(tk)
		f.tlsConf.mu.Unlock()
	}
}

// installTickets gives every cached configuration the keys; f.tlsConf.mu held.
func (f *Factory) installTickets(tk [][32]byte) {
	for _, e := range f.tlsConf.m {
		e.conf.SetSessionTicketKeys(tk)
	}
}

// TLSFiles lists the files of TLS_Certificate or TLS_Key: one or several.
func TLSFiles(p *config.Policy, name string) []string {
	if l := p.List(name); len(l) > 0 {
		return l
	}
	if s := p.String(name); s != "" {
		return []string{s}
	}
	return nil
}

func buildTLS(certs, keys []string, ca, mode string) (*tls.Config, error) {
	// The engine carries TLS 1.3 records on its worker after the handshake
	// (tlsrec): it needs the traffic secrets, which it claims from tlsrec.Log
	// and drops as soon as the handshake is over.
	conf := &tls.Config{MinVersion: tls.VersionTLS12, KeyLogWriter: tlsrec.Log}
	for i := range certs {
		kp, err := tls.LoadX509KeyPair(certs[i], keys[i])
		if err != nil {
			return nil, fmt.Errorf("smtp: loading TLS_Certificate %s with TLS_Key %s: %w (check both paths and that the key matches)",
				certs[i], keys[i], err)
		}
		conf.Certificates = append(conf.Certificates, kp)
	}
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
