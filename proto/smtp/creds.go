package smtp

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// userDB maps a user name to its password. It is immutable once loaded and
// shared by every session that read it.
type userDB map[string]string

type credEntry struct {
	mtime   time.Time
	size    int64
	checked time.Time
	db      userDB
}

// credCache holds password files by path. A file is stat'ed at most once a
// second (by the worker clock) and re-read when its mtime or size changes,
// so editing the file takes effect for new sessions without a reload.
type credCache struct {
	mu  sync.Mutex
	m   map[string]*credEntry
	log *slog.Logger
}

const credRecheck = time.Second

// authFilePath returns the path of a "file://path" uri, "" for any other
// scheme (digest://, ecauth:// are not implemented).
func authFilePath(uri string) string {
	p, ok := strings.CutPrefix(uri, "file://")
	if !ok {
		return ""
	}
	return p
}

// get returns the users of path, nil when the file cannot be read.
func (c *credCache) get(path string, now time.Time) userDB {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*credEntry)
	}
	e := c.m[path]
	if e != nil && now.Sub(e.checked) < credRecheck && now.Sub(e.checked) >= 0 {
		return e.db
	}
	fi, err := os.Stat(path)
	if err != nil {
		if e == nil || e.db != nil {
			c.log.Error("smtp: cannot read password file; AUTH is not offered until it is fixed", "path", path, "err", err)
		}
		c.m[path] = &credEntry{checked: now}
		return nil
	}
	if e != nil && e.db != nil && fi.ModTime().Equal(e.mtime) && fi.Size() == e.size {
		e.checked = now
		return e.db
	}
	db, err := loadUsers(path)
	if err != nil {
		c.log.Error("smtp: bad password file; AUTH is not offered until it is fixed", "path", path, "err", err)
	}
	c.m[path] = &credEntry{mtime: fi.ModTime(), size: fi.Size(), checked: now, db: db}
	return db
}

// loadUsers reads "user:password" lines; blank lines and "#" comments are
// skipped. The password is everything after the first colon.
func loadUsers(path string) (userDB, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	db := userDB{}
	sc := bufio.NewScanner(fh)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if t := strings.TrimSpace(line); t == "" || t[0] == '#' {
			continue
		}
		u, pw, ok := strings.Cut(line, ":")
		if !ok || u == "" {
			return nil, fmt.Errorf("smtp: %s:%d: want user:password", path, ln)
		}
		db[u] = pw
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("smtp: %s: %w", path, err)
	}
	return db, nil
}
