package dnsbl

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
)

// cache holds Answers per (domain, address), bounded.
type cache struct {
	seed     maphash.Seed
	perShard int
	shards   [32]cacheShard
}

type cacheKey struct {
	domain string
	addr   netip.Addr
}

type cacheEntry struct {
	a   Answer
	exp int64 // unix ns
}

type cacheShard struct {
	mu sync.Mutex
	m  map[cacheKey]cacheEntry
}

func newCache(max int) *cache {
	if max <= 0 {
		max = 100_000
	}
	c := &cache{seed: maphash.MakeSeed(), perShard: max/len(cache{}.shards) + 1}
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]cacheEntry)
	}
	return c
}

func (c *cache) shard(k cacheKey) *cacheShard {
	return &c.shards[maphash.Comparable(c.seed, k)%uint64(len(c.shards))]
}

func (c *cache) get(k cacheKey, now time.Time) (Answer, bool) {
	s := c.shard(k)
	s.mu.Lock()
	e, ok := s.m[k]
	s.mu.Unlock()
	if !ok || e.exp <= now.UnixNano() {
		return Answer{}, false
	}
	return e.a, true
}

func (c *cache) put(k cacheKey, a Answer, now time.Time) {
	s := c.shard(k)
	ns := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; !ok && len(s.m) >= c.perShard {
		for ek, e := range s.m { // expired first
			if e.exp <= ns {
				delete(s.m, ek)
			}
		}
		for ek := range s.m { // still full: drop an arbitrary eighth, so
			if len(s.m) <= c.perShard*7/8 { // the scan is amortised
				break
			}
			delete(s.m, ek)
		}
	}
	s.m[k] = cacheEntry{a: a, exp: ns + int64(a.TTL)}
}

func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
