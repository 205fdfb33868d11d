package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Options configure a Checker.
type Options struct {
	// Servers are "host:port" DNS servers, tried in order. Empty: the
	// nameservers of /etc/resolv.conf.
	Servers   []string
	CacheSize int // answers kept; 0 = 100,000
	Log       *slog.Logger
}

// Checker looks addresses up. It is safe for concurrent use.
type Checker struct {
	servers []string
	cache   *cache
	log     *slog.Logger
	zones   sync.Map // joined list -> []Zone, parsed once per distinct list

	Queries, Listed, Timeouts, Errors, CacheHits atomic.Uint64
	hits                                         sync.Map // domain -> *atomic.Uint64: listings per zone
}

// New returns a Checker; it fails only when no server is configured and
// /etc/resolv.conf cannot be read.
func New(o Options) (*Checker, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	servers := o.Servers
	if len(servers) == 0 {
		cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil {
			return nil, fmt.Errorf("dnsbl: no DNS_Servers and /etc/resolv.conf unreadable (%v): set DNS_Servers", err)
		}
		for _, s := range cc.Servers {
			servers = append(servers, net.JoinHostPort(s, cc.Port))
		}
	}
	for i, s := range servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			servers[i] = net.JoinHostPort(s, "53")
		}
	}
	return &Checker{servers: servers, cache: newCache(o.CacheSize), log: o.Log}, nil
}

// Verdict is the score of one address against a set of lists.
type Verdict struct {
	Score   int
	Listed  bool   // Score >= threshold
	Allowed bool   // Score < 0: an allowlist matched
	Zone    string // the heaviest positive list that matched
}

// Zones parses a DNSBL_Zones list once; bad entries are logged and skipped.
func (c *Checker) Zones(list []string) []Zone {
	key := strings.Join(list, "\x00")
	if z, ok := c.zones.Load(key); ok {
		return z.([]Zone)
	}
	var out []Zone
	for _, s := range list {
		z, err := ParseZone(s)
		if err != nil {
			c.log.Error("dnsbl: ignoring a DNSBL_Zones entry", "err", err)
			continue
		}
		out = append(out, z)
	}
	c.zones.Store(key, out)
	return out
}

// Cached returns the verdict when every list's answer is cached.
func (c *Checker) Cached(zones []Zone, threshold int, addr netip.Addr, now time.Time) (Verdict, bool) {
	answers := make([]Answer, len(zones))
	for i, z := range zones {
		a, ok := c.cache.get(cacheKey{z.Domain, addr}, now)
		if !ok {
			return Verdict{}, false
		}
		answers[i] = a
	}
	c.CacheHits.Add(1)
	return c.score(zones, answers, threshold), true
}

// Lookup queries every list for addr on its own goroutines and calls done
// with the verdict once all have answered or timed out.
func (c *Checker) Lookup(zones []Zone, threshold int, timeout time.Duration, addr netip.Addr, done func(Verdict)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		answers := make([]Answer, len(zones))
		var wg sync.WaitGroup
		for i, z := range zones {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = c.query(ctx, z, addr)
			}()
		}
		wg.Wait()
		done(c.score(zones, answers, threshold))
	}()
}

// query asks the servers in turn; a failure is "not listed", uncached.
func (c *Checker) query(ctx context.Context, z Zone, addr netip.Addr) Answer {
	if a, ok := c.cache.get(cacheKey{z.Domain, addr}, time.Now()); ok {
		return a
	}
	c.Queries.Add(1)
	qname := QueryName(addr, z.Domain)
	m := new(dns.Msg)
	m.SetQuestion(qname, dns.TypeA)
	cl := &dns.Client{Net: "udp"}
	var err error
	for _, srv := range c.servers {
		var r *dns.Msg
		if r, _, err = cl.ExchangeContext(ctx, m, srv); err != nil {
			continue
		}
		var a Answer
		if a, err = ParseReply(r, qname); err != nil {
			continue
		}
		c.cache.put(cacheKey{z.Domain, addr}, a, time.Now())
		return a
	}
	var ne net.Error
	if ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
		c.Timeouts.Add(1)
	} else {
		c.Errors.Add(1)
	}
	return Answer{}
}

// score adds each matching list's weight once.
func (c *Checker) score(zones []Zone, answers []Answer, threshold int) Verdict {
	var v Verdict
	best := 0
	for i := range zones {
		z := &zones[i]
		for _, code := range answers[i].Codes {
			if z.Matches(code) {
				v.Score += z.Weight
				if z.Weight > best {
					best, v.Zone = z.Weight, z.Domain
				}
				break
			}
		}
	}
	v.Listed = v.Score >= threshold && v.Score > 0
	v.Allowed = v.Score < 0
	if v.Listed {
		c.Listed.Add(1)
		h, _ := c.hits.LoadOrStore(v.Zone, new(atomic.Uint64))
		h.(*atomic.Uint64).Add(1)
	}
	return v
}

// CacheLen is the number of cached answers.
func (c *Checker) CacheLen() int { return c.cache.len() }

// ZoneHits returns the listings per zone, most first.
func (c *Checker) ZoneHits() []ZoneHit {
	var out []ZoneHit
	c.hits.Range(func(k, v any) bool {
		out = append(out, ZoneHit{Zone: k.(string), Hits: v.(*atomic.Uint64).Load()})
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Hits > out[j].Hits })
	return out
}

// ZoneHit is one zone's count of listings.
type ZoneHit struct {
	Zone string
	Hits uint64
}
