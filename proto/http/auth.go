package http

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// authMode is the outcome of the IP ACL and Enable_Authentication, decided
// once per connection (momentum-spec §5: always_deny beats always_allow,
// then enable_authentication, then Basic).
type authMode uint8

const (
	authOpen  authMode = iota // always_allow, or authentication not enabled
	authDeny                  // always_deny: 403 whatever the credentials
	authBasic                 // HTTP Basic against AuthPlainParameters
)

// userDB is an immutable snapshot of one password file: user -> password.
type userDB map[string]string

// recheck is how often a password file's mtime is looked at again, so a
// busy listener does not stat the file for every connection.
const recheck = time.Second

type credEntry struct {
	db      userDB
	mtime   time.Time
	size    int64
	checked time.Time
}

// credCache loads AuthPlainParameters password files, keyed by path and
// reloaded when the file's mtime or size changes.
type credCache struct {
	mu  sync.Mutex
	m   map[string]*credEntry
	log *slog.Logger
}

// dictGet looks key up case-insensitively (configuration keys are written
// in any case).
func dictGet(d map[string]string, key string) string {
	if v, ok := d[key]; ok {
		return v
	}
	for k, v := range d {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// authFilePath turns uri = "file:///etc/x" or a bare path into a path.
func authFilePath(uri string) string {
	return strings.TrimPrefix(uri, "file://")
}

// get returns the users of path, loading or reloading the file if needed.
// A missing or unreadable file yields an empty set: every login fails.
func (c *credCache) get(path string, now time.Time) userDB {
	if path == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*credEntry)
	}
	e := c.m[path]
	if e != nil && now.Sub(e.checked) < recheck && !now.Before(e.checked) {
		return e.db
	}
	fi, err := os.Stat(path)
	if err != nil {
		c.log.Error("http: cannot read AuthPlainParameters file; every login will fail",
			"path", path, "err", err)
		c.m[path] = &credEntry{checked: now}
		return nil
	}
	if e != nil && e.db != nil && fi.ModTime().Equal(e.mtime) && fi.Size() == e.size {
		e.checked = now
		return e.db
	}
	db, err := loadUsers(path)
	if err != nil {
		c.log.Error("http: cannot load AuthPlainParameters file; every login will fail",
			"path", path, "err", err)
	}
	c.m[path] = &credEntry{db: db, mtime: fi.ModTime(), size: fi.Size(), checked: now}
	return db
}

// loadUsers parses "user:password" lines; blank lines and # comments are
// skipped, and so are lines without a colon.
func loadUsers(path string) (userDB, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	db := make(userDB)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		if ok && user != "" {
			db[user] = pass
		}
	}
	return db, sc.Err()
}

// checkBasic validates an Authorization header value against db without
// allocating; buf is scratch space for the decoded credentials.
func checkBasic(db userDB, hdr []byte, buf []byte) bool {
	const scheme = "basic "
	if len(db) == 0 || len(hdr) <= len(scheme) || !bytes.EqualFold(hdr[:len(scheme)], []byte(scheme)) {
		return false
	}
	enc := bytes.TrimSpace(hdr[len(scheme):])
	if base64.StdEncoding.DecodedLen(len(enc)) > len(buf) {
		return false
	}
	n, err := base64.StdEncoding.Decode(buf, enc)
	if err != nil {
		return false
	}
	user, pass, ok := bytes.Cut(buf[:n], []byte{':'})
	if !ok {
		return false
	}
	want, found := db[string(user)]
	// Compare even when the user is unknown, so timing says little.
	eq := subtle.ConstantTimeCompare(pass, []byte(want)) == 1
	return found && eq
}
