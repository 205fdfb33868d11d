// Package spooltest holds the pieces of spool crash tests that do not need
// the spool itself, so that a daemon-level test (SMTP client, SIGKILLed
// sluiced) can reuse them: self-checking payloads, the "committed" line a
// child prints for every acknowledged message, and a run-then-SIGKILL helper.
package spooltest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// Payload is a deterministic, self-describing message of exactly size bytes
// (at least 64): a header line naming seed and size, then CRLF-terminated
// lines of pseudo-random letters (valid as SMTP DATA: no line starts with a
// dot). The same seed and size always give the same bytes.
func Payload(seed uint64, size int) []byte {
	size = max(size, 64)
	b := fmt.Appendf(nil, "X-Spooltest: %d %d\r\n", seed, size)
	x := seed*0x9E3779B97F4A7C15 + 1
	col := 0
	for len(b) < size {
		if col == 76 || len(b) >= size-2 && col > 0 {
			b = append(b, '\r', '\n')
			col = 0
			continue
		}
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b = append(b, alphabet[x%64])
		col++
	}
	return b[:size]
}

// Seed reads the seed back from a Payload and checks that data is that
// whole payload, byte for byte.
func Seed(data []byte) (uint64, error) {
	line, _, ok := bytes.Cut(data, []byte("\r\n"))
	f := strings.Fields(strings.TrimPrefix(string(line), "X-Spooltest:"))
	if !ok || !bytes.HasPrefix(line, []byte("X-Spooltest:")) || len(f) != 2 {
		return 0, fmt.Errorf("spooltest: no payload header in %.40q", data)
	}
	seed, err1 := strconv.ParseUint(f[0], 10, 64)
	size, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("spooltest: bad payload header %q", line)
	}
	if !bytes.Equal(data, Payload(seed, size)) {
		return seed, fmt.Errorf("spooltest: payload %d is damaged or partial (%d of %d bytes)", seed, len(data), size)
	}
	return seed, nil
}

// Committed is one line a child prints after a message became durable.
type Committed struct {
	ID   string
	Sum  string // sha256 hex of the message bytes
	Size int
}

// Line formats the line for an acknowledged message, newline included.
func Line(id string, data []byte) string {
	sum := sha256.Sum256(data)
	return fmt.Sprintf("ok %s %s %d\n", id, hex.EncodeToString(sum[:]), len(data))
}

// Matches reports whether data is the message c describes.
func (c Committed) Matches(data []byte) bool {
	sum := sha256.Sum256(data)
	return len(data) == c.Size && hex.EncodeToString(sum[:]) == c.Sum
}

// ParseLines reads a child's output; a last line cut by the kill is
// ignored, any other malformed line is an error.
func ParseLines(out []byte) ([]Committed, error) {
	var cs []Committed
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "ok" {
			if !bytes.HasSuffix(out, []byte("\n")) && bytes.HasSuffix(out, sc.Bytes()) {
				break // the torn last line
			}
			return nil, fmt.Errorf("spooltest: bad line %q", sc.Text())
		}
		n, err := strconv.Atoi(f[3])
		if err != nil {
			return nil, fmt.Errorf("spooltest: bad size in %q", sc.Text())
		}
		cs = append(cs, Committed{ID: f[1], Sum: f[2], Size: n})
	}
	return cs, sc.Err()
}

// RunAndKill starts cmd, sends it SIGKILL after the given time, and returns
// everything it wrote to stdout. cmd.Stdout must be unset.
func RunAndKill(cmd *exec.Cmd, after time.Duration) ([]byte, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := time.AfterFunc(after, func() { cmd.Process.Signal(syscall.SIGKILL) })
	b, rerr := io.ReadAll(out)
	t.Stop()
	cmd.Process.Signal(syscall.SIGKILL) // in case it ended the read early
	werr := cmd.Wait()
	if rerr != nil {
		return b, rerr
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		return b, fmt.Errorf("spooltest: child was not killed: %v", werr)
	}
	return b, nil
}

// Verify checks a spool's contents against what was acknowledged: every
// committed message is present and byte-identical; every stored message is
// a whole payload; no payload seed appears twice. stored maps ID to bytes.
func Verify(committed []Committed, stored map[string][]byte) error {
	for _, c := range committed {
		data, ok := stored[c.ID]
		if !ok {
			return fmt.Errorf("spooltest: acknowledged message %s is missing", c.ID)
		}
		if !c.Matches(data) {
			return fmt.Errorf("spooltest: acknowledged message %s differs from what was sent", c.ID)
		}
	}
	seen := map[uint64]string{}
	for id, data := range stored {
		seed, err := Seed(data)
		if err != nil {
			return fmt.Errorf("spooltest: message %s: %v", id, err)
		}
		if other, dup := seen[seed]; dup {
			return fmt.Errorf("spooltest: payload %d stored twice, as %s and %s", seed, other, id)
		}
		seen[seed] = id
	}
	return nil
}

// StripTrace removes the Received: header (and its folded continuation
// lines) that sluice prepends to every SMTP message, returning the message
// as the client sent it. ok is false when m does not start with one.
func StripTrace(m []byte) (body []byte, ok bool) {
	if !bytes.HasPrefix(m, []byte("Received:")) {
		return nil, false
	}
	i := bytes.Index(m, []byte("\r\n"))
	for i >= 0 && i+2 < len(m) && (m[i+2] == ' ' || m[i+2] == '\t') {
		j := bytes.Index(m[i+2:], []byte("\r\n"))
		if j < 0 {
			return nil, false
		}
		i += 2 + j
	}
	if i < 0 {
		return nil, false
	}
	return m[i+2:], true
}
