package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"sluice/proto/control"
)

// interactive is the prompt: line editing and history come from
// golang.org/x/term's Terminal (arrows, Ctrl-A/E/K/U/W, up/down history).
func interactive(cl *control.Client, o options, in, out *os.File, stderr io.Writer) int {
	banner := "sluice"
	if st, body, err := cl.Do("version"); err == nil && st == control.StatusOK {
		banner = strings.TrimSpace(string(body))
	}
	old, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		fmt.Fprintf(stderr, "sluicectl: terminal: %v\n", err)
		return exitUsage
	}
	defer term.Restore(int(in.Fd()), old)
	w, h, _ := term.GetSize(int(out.Fd()))
	return prompt(cl, o, struct {
		io.Reader
		io.Writer
	}{in, out}, banner, w, h)
}

// prompt runs the read-eval-print loop on a terminal rw of w x h cells
// (0: unknown). It returns the exit status of the last command.
func prompt(cl *control.Client, o options, rw io.ReadWriter, banner string, w, h int) int {
	t := term.NewTerminal(rw, "sluice("+o.addr+")> ")
	if w > 0 && h > 0 {
		t.SetSize(w, h)
	}
	fmt.Fprintf(t, "Connected to %s at %s. 'help' lists commands, 'quit' or Ctrl-D leaves.\n", banner, o.addr)
	code := exitOK
	for {
		l, err := t.ReadLine()
		if err != nil { // io.EOF: Ctrl-D on an empty line, or Ctrl-C
			return code
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		st, body, err := cl.Do(line(o, l))
		if err != nil {
			fmt.Fprintf(t, "sluicectl: %v\n", err)
			return exitConnFail
		}
		show(control.Response{Status: st, Body: body}, t, t)
		code = exitOK
		if st != control.StatusOK {
			code = exitFailed
		}
		if isQuit(l) {
			return code
		}
	}
}
