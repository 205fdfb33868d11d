// Package creds reads credentials files: "name:secret" lines, blank lines
// and "#" comments skipped, the secret being everything after the first
// colon. The HTTP, SMTP and control listeners' password files use it (and
// any later keyed secret, such as API keys, can).
//
// # Invariants
//
// A Users is immutable once parsed and shared by every session that read
// it. Secrets are kept only as SHA-256 digests and compared in constant
// time; an unknown name costs the same work as a wrong secret. Check does
// not allocate, so it may run on an event loop worker. A file is read at
// most MaxFile bytes; a line without a colon makes the whole file invalid
// (better no login than a half-read file).
//
// # Concurrency contract
//
// Cache is safe for concurrent use; Users is read-only.
package creds

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// MaxFile bounds a credentials file read.
const MaxFile = 1 << 20

// Users is one parsed file: name -> SHA-256 of the secret.
type Users struct {
	m map[string][sha256.Size]byte
}

// Len is the number of names.
func (u *Users) Len() int {
	if u == nil {
		return 0
	}
	return len(u.m)
}

// Check reports whether name and secret match an entry. A nil Users
// matches nothing.
func (u *Users) Check(name, secret []byte) bool {
	got := sha256.Sum256(secret)
	var want [sha256.Size]byte
	known := false
	if u != nil && len(name) > 0 {
		want, known = u.m[string(name)]
	}
	eq := subtle.ConstantTimeCompare(want[:], got[:]) == 1
	return known && eq
}

// Parse reads a credentials file's text.
func Parse(r io.Reader) (*Users, error) {
	u := &Users{m: make(map[string][sha256.Size]byte)}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] == '#' {
			continue
		}
		name, secret, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 {
			return nil, fmt.Errorf("line %d: want name:secret", n)
		}
		u.m[string(name)] = sha256.Sum256(secret)
	}
	return u, sc.Err()
}

// URI is the "uri" entry of an AuthPlainParameters-style dictionary, the
// key compared without case (configuration keys are written in any case).
func URI(d map[string]string) string {
	if v, ok := d["uri"]; ok {
		return v
	}
	for k, v := range d {
		if strings.EqualFold(k, "uri") {
			return v
		}
	}
	return ""
}

// Path is the file a uri names: "file://path", or a bare path. A relative
// path is taken from base when base is not "". Other schemes (digest://,
// ecauth://) are not implemented and give an error.
func Path(uri, base string) (string, error) {
	p, ok := strings.CutPrefix(uri, "file://")
	if !ok && strings.Contains(uri, "://") {
		return "", fmt.Errorf("creds: uri %q: only file://path is supported", uri)
	}
	if p == "" {
		return "", fmt.Errorf("creds: uri %q names no file", uri)
	}
	if !filepath.IsAbs(p) && base != "" {
		p = filepath.Join(base, p)
	}
	return p, nil
}
