package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"strings"
	"testing"
	"time"
)

// TestE2ELargeTransmission: 1,000 recipients are built off the worker
// (Host.Go) and then spooled; a small request on a second connection is
// answered meanwhile, and every recipient's message is stored.
func TestE2ELargeTransmission(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		sp, addr := startEngine(t, backend, nil)
		var b strings.Builder
		b.WriteString(`{"recipients":[`)
		for i := range 1000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"address":"r%d@example.org","substitution_data":{"n":%d}}`, i, i)
		}
		b.WriteString(`],"content":{"from":"a@example.com","subject":"n={{n}}","text":"{{each l}}{{loop_var}}{{end}} {{n}}"},` +
			`"substitution_data":{"l":["x","y"]}}`)
		cl := &nethttp.Client{Timeout: 30 * time.Second}
		done := make(chan string, 1)
		go func() {
			resp, err := cl.Post("http://"+addr+"/api/v1/transmissions", "application/json", strings.NewReader(b.String()))
			if err != nil {
				done <- err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			done <- fmt.Sprint(resp.StatusCode, " ", string(body))
		}()
		resp, err := cl.Get("http://" + addr + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz during the build: %v", err)
		}
		resp.Body.Close()
		got := <-done
		var v struct {
			Results struct {
				Accepted int `json:"total_accepted_recipients"`
			}
		}
		if !strings.HasPrefix(got, "200 ") || json.Unmarshal([]byte(got[4:]), &v) != nil || v.Results.Accepted != 1000 {
			t.Fatalf("%.300s", got)
		}
		seen := map[string]bool{}
		for _, m := range sp.Messages() {
			rcpt := m.Recipients[0]
			var n int
			fmt.Sscanf(rcpt, "r%d@", &n)
			if !strings.Contains(string(m.Data), fmt.Sprintf("Subject: n=%d\r\n", n)) ||
				!strings.Contains(string(m.Data), fmt.Sprintf("\r\n\r\nxy %d\r\n", n)) {
				t.Fatalf("message to %s:\n%s", rcpt, m.Data)
			}
			seen[rcpt] = true
		}
		if len(seen) != 1000 {
			t.Fatalf("%d recipients stored", len(seen))
		}
	})
}
