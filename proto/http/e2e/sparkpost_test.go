package e2e_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"sluice/config"
	"sluice/engine/enginetest"
	"sluice/internal/extbin"
	"sluice/proto"
	sluicehttp "sluice/proto/http"
	"sluice/proto/http/apikey"
	"sluice/tplstore"
)

// sparkpostModules is where scripts/npm-sparkpost.sh installs the client.
func sparkpostModules(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", ".cache", "npm", "node_modules")
	if _, err := os.Stat(filepath.Join(dir, "sparkpost", "package.json")); err != nil {
		if extbin.Required() {
			t.Fatalf("sparkpost npm client missing in %s: run scripts/npm-sparkpost.sh", dir)
		}
		t.Skipf("sparkpost npm client missing in %s: run scripts/npm-sparkpost.sh", dir)
	}
	return dir
}

var (
	pngData = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image bytes \xff\xfe")
	txtData = []byte("quarterly numbers: 1, 2, 3\n")
)

// TestE2ESparkPostClient drives the official Node.js client (sparkpost
// 2.1.4) against the real engine: substitution per recipient, a stored
// template by id, email_rfc822, attachments and inline images, CC/BCC, a
// bad key (401) and a template error (422). Every spooled message is
// compared byte for byte and parsed by Python's email package, ripmime and
// munpack.
func TestE2ESparkPostClient(t *testing.T) {
	node := extbin.Need(t, "node", "nodejs")
	mods := sparkpostModules(t)
	backends(t, func(t *testing.T, backend string) {
		keys := filepath.Join(t.TempDir(), "keys")
		key := apikey.NewKey()
		if err := apikey.Save(keys, []apikey.Entry{apikey.NewEntry(key,
			apikey.TransmissionsModify|apikey.TemplatesModify|apikey.TemplatesView, "e2e")}); err != nil {
			t.Fatal(err)
		}
		store, err := tplstore.Open(filepath.Join(t.TempDir(), "templates"))
		if err != nil {
			t.Fatal(err)
		}
		sp, addr := startEngineOpts(t, backend,
			map[string]*config.Value{"api_keys": {Kind: config.KindString, Raw: keys}},
			enginetest.NewSpool(t.TempDir()),
			func(o *sluicehttp.FactoryOptions) { o.Templates = store })
		cmd := exec.Command(node, "testdata/sparkpost.js")
		cmd.Env = append(os.Environ(), "NODE_PATH="+mods, "ORIGIN=http://"+addr, "KEY="+key,
			"BADKEY=bad-key-000000000000", "PNG="+base64.StdEncoding.EncodeToString(pngData),
			"TXT="+base64.StdEncoding.EncodeToString(txtData))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		steps := map[string]map[string]any{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var v map[string]any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("node output %q: %v", line, err)
			}
			steps[v["step"].(string)] = v
		}
		checkSteps(t, steps)
		msgs := sp.Messages()
		if len(msgs) != 8 {
			t.Fatalf("%d messages spooled, want 8", len(msgs))
		}
		for _, m := range msgs {
			checkSpooled(t, m)
		}
		checkMIME(t, msgs)
	})
}

// checkSteps checks what the client saw.
func checkSteps(t *testing.T, steps map[string]map[string]any) {
	t.Helper()
	js := func(v any) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(b.String())
	}
	want := map[string]string{
		"template":     `{"results":{"id":"welcome"}}`,
		"substitution": `"total_accepted_recipients":2,"total_rejected_recipients":0`,
		"stored":       `"total_accepted_recipients":1`,
		"rfc822":       `"total_accepted_recipients":1`,
		"attachments":  `"total_accepted_recipients":1`,
		"ccbcc":        `"total_accepted_recipients":3`,
		"preview":      `"html":"<p>Hi &lt;Zed&gt;</p>"`,
	}
	for step, frag := range want {
		s := steps[step]
		if s == nil || s["status"] != 200.0 || !strings.Contains(js(s["body"]), frag) {
			t.Errorf("%s: %s, want 200 with %s", step, js(s), frag)
		}
	}
	if s := steps["badkey"]; s == nil || s["status"] != 401.0 || !strings.Contains(js(s["errors"]), "Unauthorized") {
		t.Errorf("badkey: %s", js(s))
	}
	if s := steps["tplerror"]; s == nil || s["status"] != 422.0 || js(s["errors"]) !=
		`[{"code":"3000","description":"Error while compiling part text: line 2: syntax error near '}'","line":2,"message":"substitution language syntax error in template content","part":"text"}]` {
		t.Errorf("tplerror: %s", js(s))
	}
}

// expected is each recipient's message with DATE and MID standing for the
// Date and Message-ID the server chose.
var expected = map[string]struct{ sender, data string }{
	"ann@example.org": {"shop@example.com", hdr("shop@example.com", "<shop@example.com>", `"Ann" <ann@example.org>`, "Hello Ann") +
		`X-MSYS-API: {"campaign_id":"spring","metadata":{"batch":"7"},"tags":["vip"]}` + "\r\n" +
		alt("Dear Ann, you have 2 items.", "<p>Dear Ann</p>")},
	"bob@example.org": {"shop@example.com", hdr("shop@example.com", "<shop@example.com>", "<bob@example.org>", "Hello Bob & Co") +
		`X-MSYS-API: {"campaign_id":"spring","metadata":{"batch":"7"}}` + "\r\n" +
		alt("Dear Bob & Co.", "<p>Dear Bob &amp; Co</p>")},
	"carol@example.org": {"news@example.com", hdr("news@example.com", `"News" <news@example.com>`, "<carol@example.org>", "Welcome Carol") +
		alt("Hi Carol", "<p>Hi Carol</p>")},
	"dan@example.org": {"ops@example.com", "From: ops@example.com\r\nTo: dan@example.org\r\nSubject: raw X1\r\n\r\nYour code is X1.\r\n"},
	"erin@example.org": {"reports@example.com", hdr("reports@example.com", "<reports@example.com>", "<erin@example.org>", "Report") +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_m_MID\"\r\n\r\n--=_m_MID\r\n" +
		"Content-Type: multipart/related; boundary=\"=_r_MID\"\r\n\r\n--=_r_MID\r\n" +
		strings.TrimPrefix(alt("See the report.", `<p><img src=3D"cid:logo.png"> report</p>`), "MIME-Version: 1.0\r\n") +
		"--=_r_MID\r\nContent-Type: image/png; name=logo.png\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: inline; filename=logo.png\r\nContent-ID: <logo.png>\r\n\r\n" +
		base64.StdEncoding.EncodeToString(pngData) + "\r\n--=_r_MID--\r\n" +
		"--=_m_MID\r\nContent-Type: text/plain; name=report.txt\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=report.txt\r\n\r\n" +
		base64.StdEncoding.EncodeToString(txtData) + "\r\n--=_m_MID--\r\n"},
	"to@example.org":  {"team@example.com", ccMsg(`"To Person" <to@example.org>`)},
	"cc@example.org":  {"team@example.com", ccMsg(`"To Person" <to@example.org>`)},
	"bcc@example.org": {"team@example.com", ccMsg(`"To Person" <to@example.org>`)},
}

func hdr(sender, from, to, subject string) string {
	return "Return-Path: <" + sender + ">\r\nDate: DATE\r\nMessage-ID: <MID@e2e.example>\r\n" +
		"From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n"
}

func alt(text, html string) string {
	return "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"=_a_MID\"\r\n\r\n" +
		"--=_a_MID\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		text + "\r\n--=_a_MID\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		html + "\r\n--=_a_MID--\r\n"
}

func ccMsg(to string) string {
	return hdr("team@example.com", "<team@example.com>", to, "All") + "CC: \"CC Person\" <cc@example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhello all\r\n"
}

// checkSpooled compares a spooled message byte for byte with its
// expectation, taking only the Date and Message-ID from the message.
func checkSpooled(t *testing.T, m proto.Message) {
	t.Helper()
	rcpt := m.Recipients[0]
	want, ok := expected[rcpt]
	if !ok || len(m.Recipients) != 1 || m.Protocol != "http" {
		t.Fatalf("unexpected message to %v", m.Recipients)
	}
	data := string(m.Data)
	date, mid := field(data, "Date: ", "\r\n"), field(data, "Message-ID: <", "@")
	exp := strings.NewReplacer("DATE", date, "MID", mid).Replace(want.data)
	if rcpt == "dan@example.org" {
		exp = want.data
	}
	if m.Sender != want.sender || data != exp {
		t.Errorf("message to %s from %q:\n got %q\nwant %q", rcpt, m.Sender, data, exp)
	}
}

func field(s, start, end string) string {
	_, rest, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(rest, end)
	return v
}

// checkMIME parses every message with Python's email package and unpacks
// the attachment message with ripmime and munpack.
func checkMIME(t *testing.T, msgs []proto.Message) {
	t.Helper()
	python := extbin.Need(t, "python3", "python3")
	dir := t.TempDir()
	var files []string
	var attach string
	for _, m := range msgs {
		f := filepath.Join(dir, m.Recipients[0]+".eml")
		if err := os.WriteFile(f, m.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		if m.Recipients[0] == "erin@example.org" {
			attach = f
		}
	}
	out, err := exec.Command(python, append([]string{"testdata/mimecheck.py"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python email: %v\n%s", err, out)
	}
	tree := string(out)
	for _, frag := range []string{
		"== erin@example.org.eml to erin@example.org subject Report\nmultipart/mixed\n  multipart/related\n    multipart/alternative\n" +
			"      text/plain 'See the report.'\n      text/html '<p><img src=\"cid:logo.png\"> report</p>'\n" +
			"    image/png inline logo.png <logo.png> '" + hexs(pngData) + "'\n  text/plain attachment report.txt 'quarterly numbers: 1, 2, 3\\n'\n",
		"== ann@example.org.eml to Ann <ann@example.org> subject Hello Ann\nmultipart/alternative\n  text/plain 'Dear Ann, you have 2 items.'\n  text/html '<p>Dear Ann</p>'\n",
		"== bob@example.org.eml to bob@example.org subject Hello Bob & Co\nmultipart/alternative\n  text/plain 'Dear Bob & Co.'\n",
		"== dan@example.org.eml to dan@example.org subject raw X1\ntext/plain 'Your code is X1.\\r\\n'\n",
		"== bcc@example.org.eml to To Person <to@example.org> subject All\ntext/plain 'hello all\\r\\n'\n",
	} {
		if !strings.Contains(tree, frag) {
			t.Errorf("python email tree lacks\n%s\nin\n%s", frag, tree)
		}
	}
	for _, tool := range []struct{ bin, pkg string }{{"ripmime", "ripmime"}, {"munpack", "mpack"}} {
		bin := extbin.Need(t, tool.bin, tool.pkg)
		od := filepath.Join(dir, tool.bin)
		os.Mkdir(od, 0o700)
		args := []string{"-i", attach, "-d", od}
		if tool.bin == "munpack" {
			args = []string{"-q", "-C", od, attach}
		}
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", tool.bin, err, out)
		}
		for name, want := range map[string][]byte{"report.txt": txtData, "logo.png": pngData} {
			got, err := os.ReadFile(filepath.Join(od, name))
			if err != nil || !bytes.Equal(got, want) {
				ls, _ := os.ReadDir(od)
				t.Errorf("%s: %s = %q, %v (dir %v)", tool.bin, name, got, err, ls)
			}
		}
	}
}

func hexs(b []byte) string {
	const h = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, h[c>>4], h[c&15])
	}
	return string(out)
}
