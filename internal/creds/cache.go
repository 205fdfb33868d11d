package creds

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Cache holds credentials files by path. A file is stat'ed at most once
// per Recheck (by the caller's clock; 0: at every Get) and re-read when its
// mtime or size changes, so editing it takes effect for new sessions
// without a reload.
type Cache struct {
	Recheck time.Duration
	// OnError, if set, is told when a file becomes unreadable or invalid
	// (once, not at every Get while it stays so).
	OnError func(path string, err error)

	mu sync.Mutex
	m  map[string]*entry
}

type entry struct {
	users   *Users
	err     error
	mtime   time.Time
	size    int64
	checked time.Time
}

// Lookup is Get for the file a uri names (see Path). A uri that names no
// usable file is an error, reported once like an unreadable file.
func (c *Cache) Lookup(uri, base string, now time.Time) (*Users, error) {
	path, err := Path(uri, base)
	if err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.m == nil {
			c.m = make(map[string]*entry)
		}
		return c.fail(uri, c.m[uri], now, err)
	}
	return c.Get(path, now)
}

// Get returns the users of path; with an error (and nil Users) when the
// file cannot be read or parsed: every check then fails.
func (c *Cache) Get(path string, now time.Time) (*Users, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*entry)
	}
	e := c.m[path]
	if e != nil && now.Sub(e.checked) < c.Recheck && !now.Before(e.checked) {
		return e.users, e.err
	}
	fi, err := os.Stat(path)
	if err != nil {
		err = fmt.Errorf("creds: password file: %v (create it with name:secret lines)", err)
		return c.fail(path, e, now, err)
	}
	if e != nil && e.users != nil && fi.ModTime().Equal(e.mtime) && fi.Size() == e.size {
		e.checked = now
		return e.users, nil
	}
	u, err := load(path)
	if err != nil {
		return c.fail(path, e, now, err)
	}
	c.m[path] = &entry{users: u, mtime: fi.ModTime(), size: fi.Size(), checked: now}
	return u, nil
}

func (c *Cache) fail(path string, old *entry, now time.Time, err error) (*Users, error) {
	if c.OnError != nil && (old == nil || old.err == nil) {
		c.OnError(path, err)
	}
	c.m[path] = &entry{err: err, checked: now}
	return nil, err
}

func load(path string) (*Users, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("creds: password file: %v", err)
	}
	defer fh.Close()
	u, err := Parse(io.LimitReader(fh, MaxFile))
	if err != nil {
		return nil, fmt.Errorf("creds: %s: %v", path, err)
	}
	return u, nil
}
