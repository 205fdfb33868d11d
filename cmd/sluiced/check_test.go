package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runCheck(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestCheckStrictMomentumConfigs: the realistic Momentum configurations
// load with warnings, and -strict fails them.
func TestCheckStrictMomentumConfigs(t *testing.T) {
	for _, f := range []string{"m4_default.conf", "supercharger.conf", "policy.conf"} {
		path := filepath.Join("../../config/testdata/momentum", f)
		code, out, errs := runCheck(t, "-check", "-config", path)
		if code != 0 || !strings.HasPrefix(out, "configuration valid\n") || !strings.Contains(out, "understood but not applicable") {
			t.Errorf("%s: -check exit %d\n%s%s", f, code, out, errs)
		}
		code, out, errs = runCheck(t, "-check", "-strict", "-config", path)
		if code != 1 || out != "" || !strings.Contains(errs, "warnings are errors") ||
			!strings.Contains(errs, "error: ") {
			t.Errorf("%s: -check -strict exit %d\n%s%s", f, code, out, errs)
		}
	}
	// A file without warnings passes -strict, and -check creates nothing.
	dir := t.TempDir()
	wd, _ := os.Getwd()
	before, _ := os.ReadDir(wd)
	clean := filepath.Join(dir, "clean.conf")
	os.WriteFile(clean, []byte("ESMTP_Listener { Listen \"127.0.0.1:2525\" { } }\nHandoff { Target \"smtp://127.0.0.1:2526\" { } }\n"), 0o644)
	if code, out, errs := runCheck(t, "-check", "-strict", "-config", clean); code != 0 || out != "configuration valid\n" {
		t.Errorf("clean config under -strict: exit %d\n%s%s", code, out, errs)
	}
	if after, _ := os.ReadDir(wd); len(after) != len(before) {
		t.Errorf("-check created files in the working directory: %d entries before, %d after", len(before), len(after))
	}
}

// TestCheckLoadsTLS: -check loads the TLS files as start-up does, so a
// missing key, a key that does not match, or a missing client CA fails it.
func TestCheckLoadsTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir, "a")
	cert2, _ := writeCert(t, dir, "b")
	conf := func(c, k, extra string) string {
		p := filepath.Join(dir, "tls.conf")
		os.WriteFile(p, []byte(`ESMTP_Listener {
  Listen "127.0.0.1:2587" {
    SMTP_Extensions = ( "STARTTLS" )
    TLS_Certificate = "`+c+`"
    TLS_Key = "`+k+`"
    `+extra+`
  }
}
`), 0o644)
		return p
	}
	if code, out, errs := runCheck(t, "-check", "-config", conf(cert, key, "")); code != 0 {
		t.Fatalf("good pair: exit %d\n%s%s", code, out, errs)
	}
	bad := []struct{ c, k, extra, want string }{
		{cert, filepath.Join(dir, "missing.key"), "", "missing.key"},
		{cert2, key, "", "private key does not match"},
		{cert, key, `TLS_Client_CA = "` + filepath.Join(dir, "no-ca.pem") + `"`, "TLS_Client_CA"},
	}
	for _, b := range bad {
		code, out, errs := runCheck(t, "-check", "-config", conf(b.c, b.k, b.extra))
		if code != 1 || !strings.Contains(errs, b.want) || !strings.Contains(errs, "TLS for ESMTP_Listener 127.0.0.1:2587") {
			t.Errorf("want %q: exit %d\n%s%s", b.want, code, out, errs)
		}
	}
}

// TestCheckMetricsOffAndAuthorization: Metrics_Listen = off is a valid
// value, and Enable_Authorization = true warns that it is not enforced.
func TestCheckMetricsOffAndAuthorization(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.conf")
	os.WriteFile(p, []byte(`Metrics_Listen = off
Control_Listener { Enable_Authorization = true  Listen "127.0.0.1:2025" { } }
`), 0o644)
	code, out, errs := runCheck(t, "-check", "-config", p)
	if code != 0 || !strings.Contains(out, "Enable_Authorization = true is not enforced") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	os.WriteFile(p, []byte("Metrics_Listen = of\n"), 0o644)
	if code, _, errs := runCheck(t, "-check", "-config", p); code != 1 || !strings.Contains(errs, "Metrics_Listen") {
		t.Errorf("Metrics_Listen = of: exit %d %s", code, errs)
	}
}

// TestHelpNamesRealOptions: the -h text names options that exist.
func TestHelpNamesRealOptions(t *testing.T) {
	code, _, errs := runCheck(t, "-h")
	if code != 2 || !strings.Contains(errs, "Event_Loop_Backend") || strings.Contains(errs, "config Event_Loop,") ||
		!strings.Contains(errs, "-strict") || !strings.Contains(errs, "config Log_Format") {
		t.Errorf("-h: exit %d\n%s", code, errs)
	}
}

// writeCert writes a self-signed ECDSA certificate and key for localhost.
func writeCert(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(k)
	cp, kp := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600)
	return cp, kp
}

// TestCheckDirectories: -check warns about a Unix Listen or a Pidfile
// whose directory does not exist (start-up would fail on it), and -strict
// refuses it.
func TestCheckDirectories(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "d.conf")
	os.WriteFile(p, []byte("Pidfile = \""+dir+"/nope/sluiced.pid\"\nControl_Listener { Listen \""+dir+"/run/ctl.sock\" { } }\nHandoff { Target \"smtp://127.0.0.1:2526\" { } }\n"), 0o644)
	code, out, errs := runCheck(t, "-check", "-config", p)
	if code != 0 || !strings.Contains(out, "warning: Control_Listener Listen "+dir+"/run/ctl.sock: the directory "+dir+"/run does not exist here") ||
		!strings.Contains(out, "warning: Pidfile "+dir+"/nope/sluiced.pid: the directory") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := runCheck(t, "-check", "-strict", "-config", p); code != 1 {
		t.Fatalf("-strict with missing directories: exit %d", code)
	}
	os.Mkdir(filepath.Join(dir, "run"), 0o755)
	os.Mkdir(filepath.Join(dir, "nope"), 0o755)
	if code, out, errs := runCheck(t, "-check", "-strict", "-config", p); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}
