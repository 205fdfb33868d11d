package smtp

import (
	"crypto/rand"
	"sync"
	"time"
)

// ticketRing holds the session-ticket keys every TLS configuration of a
// factory shares, so a ticket issued on one worker (or for one Listen)
// resumes on any other. A new key is made every period; the previous one
// is kept for decryption only, so a ticket stays good for one to two
// periods. crypto/tls caps ticket lifetime at 7 days on its own.
type ticketRing struct {
	mu      sync.Mutex
	period  time.Duration
	keys    [][32]byte // newest first, at most two
	rotated time.Time
	now     func() time.Time
}

// DefaultTicketPeriod is TLS_Ticket_Key_Period's default.
const DefaultTicketPeriod = 12 * time.Hour

// setPeriod takes TLS_Ticket_Key_Period (the configuration's, at load).
func (r *ticketRing) setPeriod(d time.Duration) {
	r.mu.Lock()
	r.period = d
	r.mu.Unlock()
}

// current returns the keys to install, making a new one first when a
// period has passed (or none exists yet); rotated says whether it did, so
// the caller installs the keys in every configuration. Cheap otherwise: a
// lock and a clock read, run once per handshake.
func (r *ticketRing) current() (keys [][32]byte, rotated bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.now == nil {
		r.now = time.Now
	}
	if r.period <= 0 {
		r.period = DefaultTicketPeriod
	}
	if now := r.now(); len(r.keys) == 0 || now.Sub(r.rotated) >= r.period {
		var k [32]byte
		if _, err := rand.Read(k[:]); err != nil {
			panic("smtp: no randomness for a session ticket key: " + err.Error())
		}
		keep := r.keys[:min(len(r.keys), 1)]
		if now.Sub(r.rotated) >= 2*r.period {
			keep = nil // idle for two periods: the previous key has expired too
		}
		r.keys = append([][32]byte{k}, keep...)
		r.rotated, rotated = now, true
	}
	return r.keys, rotated
}
