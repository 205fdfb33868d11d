package cli

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/bench/load"
)

func TestParse(t *testing.T) {
	o, err := Parse([]string{"smtp-session", "-addr", "127.0.0.1:9", "-conns", "7", "-pipelining", "on",
		"-size", "2048", "-rate", "500", "-duration", "2s", "-label", "gosmtp", "-round", "3", "-json", "x.json",
		"-case", "c1", "-perf=off"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Config
	if c.Scenario != load.SMTPSession || c.Addr != "127.0.0.1:9" || c.Conns != 7 || !c.Pipelining ||
		c.Size != 2048 || c.Rate != 500 || c.Duration != 2*time.Second || c.Label != "gosmtp" ||
		c.Round != 3 || o.JSONPath != "x.json" || c.Case != "c1" || c.Perf {
		t.Fatalf("%+v", o)
	}
	o, err = Parse([]string{"-scenario", "http", "-http-close", "-pipelining", "off"}, io.Discard)
	if err != nil || o.Config.Scenario != load.HTTP || !o.Config.HTTPClose || o.Config.Pipelining ||
		o.Config.Label != "http" || o.Config.Case != "http" {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = Parse([]string{"exec", "-ops", "100", "-server-pid", "1", "--", "smtp-source", "-d", "-s", "20"}, io.Discard)
	if err != nil || strings.Join(o.Config.Command, " ") != "smtp-source -d -s 20" || o.Config.ServerPID != 1 {
		t.Fatalf("%+v %v", o, err)
	}
	if o, err := Parse(nil, io.Discard); err != nil || o.Config.Scenario != load.SMTPKeepalive {
		t.Fatalf("defaults: %+v %v", o, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, args := range [][]string{
		{"nonsense"},
		{"smtp-keepalive", "-pipelining", "maybe"},
		{"smtp-keepalive", "-conns", "0"},
		{"smtp-keepalive", "extra"},
		{"smtp-keepalive", "-scenario", "http"},
		{"smtp-keepalive", "--", "smtp-source"},
		{"exec", "--", "smtp-source"}, // no -ops
		{"smtp-keepalive", "-progress", "sometimes"},
		{"-no-such-flag"},
	} {
		if _, err := Parse(args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestMainRunsAndWritesJSON(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // banner, then QUIT's reply: enough for connrate
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Write([]byte("220 hi\r\n"))
				buf := make([]byte, 64)
				c.Read(buf)
				c.Write([]byte("221 bye\r\n"))
			}()
		}
	}()
	js := filepath.Join(t.TempDir(), "r.json")
	var out, errs strings.Builder
	code := Main([]string{"connrate", "-addr", ln.Addr().String(), "-ops", "50", "-conns", "2",
		"-server-pid", itoa(os.Getpid()), "-perf", "off", "-json", js, "-progress", "on", "-label", "fake"}, &out, &errs, false)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "connrate fake: 50 ops") || !strings.Contains(out.String(), "µs CPU/op") {
		t.Fatalf("summary %q", out.String())
	}
	var r load.Result
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &r); err != nil || r.Ops != 50 || r.Label != "fake" || r.Server == nil {
		t.Fatalf("json %s: %v", b, err)
	}
	if code := Main([]string{"bogus"}, &out, &errs, false); code != 2 {
		t.Fatalf("bad args exit %d", code)
	}
	if code := Main([]string{"report"}, &out, &errs, false); code != 1 {
		t.Fatalf("report without -raw exit %d", code)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
