package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	gm "github.com/d--j/go-milter"

	"sluice/config"
)

// TestMain doubles as the no-op filter process of BenchmarkFilters: with
// SLUICE_NOOP_FILTERS set it serves a policy service that answers DUNNO
// and a milter that accepts, prints their addresses, and runs until its
// stdin closes. Running them in a child keeps their CPU out of the
// benchmark's figure.
func TestMain(m *testing.M) {
	if os.Getenv("SLUICE_NOOP_FILTERS") != "" {
		noopFilters()
		return
	}
	os.Exit(m.Run())
}

func noopFilters() {
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ml, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			c, err := pl.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadSlice('\n')
					if err != nil {
						return
					}
					if len(line) == 1 {
						if _, err := io.WriteString(c, "action=DUNNO\n\n"); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	srv := gm.NewServer(gm.WithMilter(func() gm.Milter { return gm.NoOpMilter{} }))
	go srv.Serve(ml)
	fmt.Printf("inet:%s inet:%s\n", pl.Addr(), ml.Addr())
	io.Copy(io.Discard, os.Stdin)
}

// BenchmarkFilters measures per-message CPU of sluice (engine, SMTP
// session, spool commit, and the in-process net/smtp client, which costs
// the same in every case) with no filter, a no-op policy service, a no-op
// milter, and both, in the same run on each back end. The filters run in a
// child process. Report: cpu-us/msg from getrusage(RUSAGE_SELF).
//
//	go test ./filter/e2e -run '^$' -bench Filters -benchtime 3000x
func BenchmarkFilters(b *testing.B) {
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), "SLUICE_NOOP_FILTERS=1")
	stdin, _ := cmd.StdinPipe()
	var out bytes.Buffer
	cmd.Stderr = &out
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		b.Fatalf("no-op filters: %v %s", err, out.String())
	}
	go io.Copy(io.Discard, pr)
	svcs := strings.Fields(line)
	pol, mil := svcs[0], svcs[1]
	variants := []struct {
		name string
		kv   []any
	}{
		{"none", nil},
		{"policy", []any{"policy_service", pol}},
		{"milter", []any{"milter", []string{mil}}},
		{"policy+milter", []any{"policy_service", pol, "milter", []string{mil}}},
	}
	body := []byte("From: a@example.org\r\nTo: b@local.test\r\nSubject: bench\r\n\r\n" + strings.Repeat("0123456789abcdef", 64) + "\r\n")
	for _, backend := range backends {
		for _, v := range variants {
			b.Run(backend+"/"+v.name, func(b *testing.B) {
				benchSend(b, backend, opts(v.kv...), body)
			})
		}
	}
}

func benchSend(b *testing.B, backend string, vals map[string]*config.Value, body []byte) {
	addr, _, _ := sluice(b, backend, vals)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "mx.local.test")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("bench.local.test"); err != nil {
		b.Fatal(err)
	}
	var r0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Mail("a@example.org"); err != nil {
			b.Fatal(err)
		}
		if err := c.Rcpt("b@local.test"); err != nil {
			b.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			b.Fatal(err)
		}
		w.Write(body)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var r1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	cpu := time.Duration(r1.Utime.Nano()-r0.Utime.Nano()) + time.Duration(r1.Stime.Nano()-r0.Stime.Nano())
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/msg")
	c.Quit()
}
