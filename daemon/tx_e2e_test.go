package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/proto/http/apikey"
)

// TestTemplatesAndKeysWired: API_Keys in the config protects the Momentum
// 4 API, stored templates land in "templates" beside the spool and survive
// a restart of the daemon, and a transmission finds them by id.
func TestTemplatesAndKeysWired(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be, func(t *testing.T) {
			port := freePort(t)
			conf := fmt.Sprintf("HTTP_Listener {\n  Listen \"127.0.0.1:%d\" {\n    API_Keys = \"{{DIR}}/keys\"\n  }\n}\n", port)
			td := start(t, be, conf)
			key := apikey.NewKey()
			if err := apikey.Save(filepath.Join(td.dir, "keys"), []apikey.Entry{apikey.NewEntry(key,
				apikey.TransmissionsModify|apikey.TemplatesModify|apikey.TemplatesView, "")}); err != nil {
				t.Fatal(err)
			}
			base := fmt.Sprintf("http://127.0.0.1:%d/api/v1/", port)
			do := func(method, path, key, body string) (int, string) {
				t.Helper()
				req, _ := nethttp.NewRequest(method, base+path, strings.NewReader(body))
				req.Close = true // no idle connection to hold up the shutdown
				if key != "" {
					req.Header.Set("Authorization", key)
				}
				waitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port)).Close()
				resp, err := nethttp.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if code, body := do("POST", "templates", "", `{}`); code != 401 {
				t.Fatalf("no key: %d %s", code, body)
			}
			if code, body := do("POST", "templates", key, `{"id":"w","published":true,`+
				`"content":{"from":"n@example.com","subject":"Hi {{first}}","text":"t"}}`); code != 200 {
				t.Fatalf("create: %d %s", code, body)
			}
			if _, err := os.Stat(filepath.Join(td.dir, "templates")); err != nil {
				t.Fatalf("templates not beside the spool: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			td.Shutdown(ctx)
			cancel()
			d, err := New(Options{ConfigPath: td.conf, EventLoop: be, Workers: 1,
				SpoolDir: filepath.Join(td.dir, "spool"), MetricsAddr: "127.0.0.1:0",
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				d.Shutdown(ctx)
			}()
			if code, body := do("GET", "templates/w", key, ""); code != 200 || !strings.Contains(body, `"subject":"Hi {{first}}"`) {
				t.Fatalf("after restart: %d %s", code, body)
			}
			code, body := do("POST", "transmissions", key, `{"recipients":[{"address":"b@example.org",`+
				`"substitution_data":{"first":"B"}}],"content":{"template_id":"w"}}`)
			if code != 200 || !strings.Contains(body, `"total_accepted_recipients":1`) {
				t.Fatalf("transmission: %d %s", code, body)
			}
		})
	}
}
