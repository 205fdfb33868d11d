package throttle

import (
	"hash/maphash"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Kind says which limit a Key counts.
type Kind uint8

const (
	Messages    Kind = iota // Inbound_Throttle_Messages
	Connections             // Inbound_Throttle_Connections
	Concurrent              // Inbound_Concurrent_Connections
	nKinds
)

func (k Kind) String() string {
	switch k {
	case Messages:
		return "messages"
	case Connections:
		return "connections"
	case Concurrent:
		return "concurrent"
	}
	return "unknown"
}

// Key names one counter.
type Key struct {
	Kind  Kind
	Scope string     // console path of the scope that set the limit; "" = global/default
	Addr  netip.Addr // the source, unmapped
}

// Limiter is what the engine and the protocols ask. All methods are safe
// for concurrent use and must not block.
type Limiter interface {
	// Rate counts one event for k and reports whether it is within n per
	// period; when it is not, retry is how long until the window ends.
	Rate(k Key, n int64, period time.Duration, now time.Time) (ok bool, retry time.Duration)
	// Enter takes one of max concurrent slots for k; Leave gives it back.
	// Leave must be called once for every Enter that returned true.
	Enter(k Key, max int64) bool
	Leave(k Key)
}

// MaxEntries is the default bound on sources tracked at once.
const MaxEntries = 1 << 18

const nShards = 64

type entry struct {
	key     Key
	end     int64 // window end, unix ns (rates)
	n       int64 // events in the window, or connections held (Concurrent)
	refused int64 // refusals, for the console
}

type shard struct {
	mu sync.Mutex
	m  map[uint64]*entry
	_  [40]byte // keep shards on separate cache lines
}

// Table is the in-process Limiter.
type Table struct {
	seed     maphash.Seed
	perShard int
	shards   [nShards]shard

	Allowed   [nKinds]atomic.Uint64 // events within their limit
	Refused   [nKinds]atomic.Uint64 // events over it
	Untracked atomic.Uint64         // sources let through because the table was full
}

// New returns a Table tracking at most max sources (MaxEntries when <= 0).
func New(max int) *Table {
	if max <= 0 {
		max = MaxEntries
	}
	t := &Table{seed: maphash.MakeSeed(), perShard: max/nShards + 1}
	for i := range t.shards {
		t.shards[i].m = make(map[uint64]*entry)
	}
	return t
}

func (t *Table) hash(k Key) uint64 { return maphash.Comparable(t.seed, k) }

// find returns k's entry in its locked shard, creating it when room allows;
// nil means untracked. The caller unlocks s.
func (t *Table) find(k Key, now int64) (s *shard, e *entry) {
	h := t.hash(k)
	s = &t.shards[h%nShards]
	s.mu.Lock()
	if e = s.m[h]; e != nil && e.key == k {
		return s, e
	}
	if e != nil { // a 64-bit hash collision: count it as untracked
		t.Untracked.Add(1)
		return s, nil
	}
	if len(s.m) >= t.perShard && !s.sweep(now) {
		t.Untracked.Add(1)
		return s, nil
	}
	e = &entry{key: k}
	s.m[h] = e
	return s, e
}

// sweep drops finished entries; true when it freed room.
func (s *shard) sweep(now int64) bool {
	before := len(s.m)
	for h, e := range s.m {
		if e.key.Kind == Concurrent && e.n == 0 || e.key.Kind != Concurrent && e.end <= now {
			delete(s.m, h)
		}
	}
	return len(s.m) < before
}

func (t *Table) Rate(k Key, n int64, period time.Duration, now time.Time) (bool, time.Duration) {
	ns := now.UnixNano()
	s, e := t.find(k, ns)
	if e == nil {
		s.mu.Unlock()
		t.Allowed[k.Kind].Add(1)
		return true, 0
	}
	if e.end <= ns {
		e.end, e.n = ns+int64(period), 0
	}
	e.n++
	ok, retry := e.n <= n, time.Duration(e.end-ns)
	if !ok {
		e.n-- // a refused event does not extend the punishment
		e.refused++
	}
	s.mu.Unlock()
	t.count(k.Kind, ok)
	return ok, retry
}

func (t *Table) Enter(k Key, max int64) bool {
	s, e := t.find(k, time.Now().UnixNano())
	if e == nil {
		s.mu.Unlock()
		t.Allowed[k.Kind].Add(1)
		return true
	}
	ok := e.n < max
	if ok {
		e.n++
	} else {
		e.refused++
	}
	s.mu.Unlock()
	t.count(k.Kind, ok)
	return ok
}

func (t *Table) Leave(k Key) {
	h := t.hash(k)
	s := &t.shards[h%nShards]
	s.mu.Lock()
	if e := s.m[h]; e != nil && e.key == k && e.n > 0 {
		if e.n--; e.n == 0 && e.refused == 0 {
			delete(s.m, h)
		}
	}
	s.mu.Unlock()
}

func (t *Table) count(k Kind, ok bool) {
	if ok {
		t.Allowed[k].Add(1)
	} else {
		t.Refused[k].Add(1)
	}
}

// Stat is one source as the console shows it.
type Stat struct {
	Key     Key
	Count   int64 // events in the current window, or connections held
	Refused int64
}

// Len is the number of sources tracked now.
func (t *Table) Len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// Top returns up to n sources, most refused first, then busiest; windows
// already over count as zero.
func (t *Table) Top(n int, now time.Time) []Stat {
	ns := now.UnixNano()
	var out []Stat
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for _, e := range s.m {
			c := e.n
			if e.key.Kind != Concurrent && e.end <= ns {
				c = 0
			}
			if c > 0 || e.refused > 0 {
				out = append(out, Stat{Key: e.key, Count: c, Refused: e.refused})
			}
		}
		s.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Refused != out[j].Refused {
			return out[i].Refused > out[j].Refused
		}
		return out[i].Count > out[j].Count
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
