package engine

import (
	"testing"

	"sluice/engine/echo"
)

func TestEchoBasic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newEngine(t, backend, 2, nil)
		f := &echo.Factory{Greeting: "HELLO\r\n"}
		apply(t, e, 1, tcpSpec("echo", "127.0.0.1:0", f))
		c := dial(t, "tcp", addrOf(t, e, "echo"))
		if got := c.line(t); got != "HELLO" {
			t.Fatalf("greeting %q", got)
		}
		c.send(t, "one\r\ntwo\r\nthr")
		if a, b := c.line(t), c.line(t); a != "one" || b != "two" {
			t.Fatalf("got %q %q", a, b)
		}
		c.send(t, "ee\r\nQUIT\r\n")
		if a, b := c.line(t), c.line(t); a != "three" || b != "BYE" {
			t.Fatalf("got %q %q", a, b)
		}
		c.expectEOF(t)
		eventually(t, 2e9, "conn closed", func() bool { return openConns(e) == 0 })
	})
}
