package apikey

import (
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// recheck is how often a file's mtime is looked at again.
const recheck = time.Second

type entry struct {
	set     *Set
	mtime   time.Time
	size    int64
	checked atomic.Int64 // unix nanoseconds of the last stat
}

// Cache holds the loaded key files by path. Get is called per request from
// every worker: the common case is an atomic load and a map read under a
// read lock; the file is stat'ed at most once a second.
type Cache struct {
	Log *slog.Logger
	mu  sync.RWMutex
	m   map[string]*entry
}

// Get returns the keys of path at now.
func (c *Cache) Get(path string, now time.Time) *Set {
	c.mu.RLock()
	e := c.m[path]
	c.mu.RUnlock()
	if e != nil {
		if last := e.checked.Load(); now.UnixNano()-last < int64(recheck) && now.UnixNano() >= last {
			return e.set
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*entry{}
	}
	if e2 := c.m[path]; e2 != nil && e2 != e { // another worker reloaded
		return e2.set
	}
	fi, err := os.Stat(path)
	if err != nil {
		c.log().Error("http: cannot read API_Keys file; every API key is refused", "path", path, "err", err)
		c.store(path, &entry{}, now)
		return nil
	}
	if e != nil && e.set != nil && fi.ModTime().Equal(e.mtime) && fi.Size() == e.size {
		e.checked.Store(now.UnixNano())
		return e.set
	}
	set, err := Load(path)
	if err != nil {
		c.log().Error("http: cannot load API_Keys file; every API key is refused", "path", path, "err", err)
	}
	c.store(path, &entry{set: set, mtime: fi.ModTime(), size: fi.Size()}, now)
	return set
}

func (c *Cache) store(path string, e *entry, now time.Time) {
	e.checked.Store(now.UnixNano())
	c.m[path] = e
}

func (c *Cache) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}
