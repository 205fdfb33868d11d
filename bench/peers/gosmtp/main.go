// Command gosmtp is the emersion/go-smtp reference peer for sluice-bench: a
// discard server whose sessions accept every MAIL and RCPT and drain DATA
// into io.Discard. It stores nothing, so it prices the protocol and the
// kernel path only (sluiced also writes and fsyncs each message).
//
// Settings match performance-anchors §8.4: ReadTimeout 30s, MaxMessageBytes
// 10 MiB, stdlib net with one goroutine per connection. GOMAXPROCS follows
// the CPU affinity mask (taskset), and is logged at start.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

type backend struct{}

func (backend) NewSession(*smtp.Conn) (smtp.Session, error) { return session{}, nil }

type session struct{}

func (session) Reset()                               {}
func (session) Logout() error                        { return nil }
func (session) Mail(string, *smtp.MailOptions) error { return nil }
func (session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (session) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "listen address (TCP)")
	flag.Parse()
	s := smtp.NewServer(backend{})
	s.Domain = "gosmtp.bench"
	s.ReadTimeout = 30 * time.Second
	s.WriteTimeout = 30 * time.Second
	s.MaxMessageBytes = 10 << 20
	s.MaxRecipients = 1000
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosmtp: listen:", err, "(is the port taken? pick another with -addr)")
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gosmtp: listening on %s GOMAXPROCS=%d\n", l.Addr(), runtime.GOMAXPROCS(0))
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; s.Close() }()
	if err := s.Serve(l); err != nil && err != smtp.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "gosmtp:", err)
		os.Exit(1)
	}
}
