package metrics

import (
	"bytes"
	"testing"

	"sluice/metrics/stat"
)

// FuzzReplies checks the reply scanner against a plain reference: a line
// counts when it starts with a code 200-599 not followed by '-'.
func FuzzReplies(f *testing.F) {
	for _, s := range []string{"250 ok\r\n", "250-a\r\n250 b\r\n", "550", "354 go\n", "999 x\r\n",
		"\n\n220 x", "12\n", "250-\r\n", "abc 250 x\r\n250\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := stat.NewProto(1)
		s := &instSession{f: &instFactory{p: p, o: Options{Replies: LineReplies}}}
		s.replies(b)
		var want [stat.NumClasses]uint64
		for _, line := range bytes.Split(b, []byte("\n")) {
			if code := replyCode(line); code >= 200 && code <= 599 && (len(line) == 3 || line[3] != '-') {
				want[code/100-2]++
			}
		}
		if got := p.Snapshot().Replies; got != want {
			t.Fatalf("%q: counted %v, want %v", b, got, want)
		}
	})
}
