package smtp

import (
	"strings"
	"testing"

	"sluice/internal/membudget"
	"sluice/proto"
	"sluice/proto/prototest"
)

// TestMessageBudget: a DATA body the daemon-wide budget cannot hold is
// read to its end, dropped and answered 452 4.3.1; the budget is whole
// again afterwards, and a small message then passes.
func TestMessageBudget(t *testing.T) {
	used := membudget.Used() // sessions of other tests may still hold some
	membudget.SetLimit(used + 64<<10)
	defer membudget.SetLimit(0)
	big := envelope + strings.Repeat(strings.Repeat("z", 998)+"\r\n", 200) + ".\r\n"
	small := "MAIL FROM:<a@b.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\nSubject: s\r\n\r\nok\r\n.\r\nQUIT\r\n"
	s, h := mk(testFactory(), policy(), tRemote)()
	res, err := prototest.Run(s, h, []byte(big+small))
	if err != nil {
		t.Fatal(err)
	}
	got := string(res.Out)
	if !strings.Contains(got, "452 Insufficient system storage") || len(h.Submitted) != 1 ||
		!strings.HasSuffix(string(h.Submitted[0].Data), "Subject: s\r\n\r\nok\r\n") {
		t.Fatalf("replies %q, %d submitted", got, len(h.Submitted))
	}
	s.Closed(proto.CloseClient) // the engine's last call gives the kept buffer back
	if membudget.Used() != used {
		t.Fatalf("budget used %d after the session, was %d", membudget.Used(), used)
	}
}
