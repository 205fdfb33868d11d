// Package apikey is the HTTP_Listener's Momentum 4 API-key file: keys are
// stored as SHA-256 hashes with their grants, never in clear, and looked up
// per request without allocating.
//
// File format, one key per line (blank lines and # comments ignored):
//
//	<sha256 hex of the key> <first 4 characters> <grant,grant,...> [label words]
//
// A key is 40 hex characters from crypto/rand, like Momentum's; any string
// of printable ASCII (no spaces) is accepted as a key. Hashing with plain
// SHA-256 is sound because keys are random and long, not passwords.
//
// Invariants: a Set is immutable once loaded; Cache hands out snapshots and
// re-reads the file when its mtime or size changes, at most once a second.
// A missing or broken file yields an empty Set: every key is refused.
package apikey

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Grant is one permission of a key.
type Grant uint8

const (
	TransmissionsModify Grant = 1 << iota // POST /api/v1/transmissions, /api/v1/messages
	TemplatesModify                       // POST, PUT, DELETE /api/v1/templates
	TemplatesView                         // GET /api/v1/templates, preview
)

var grantNames = []struct {
	g    Grant
	name string
}{{TransmissionsModify, "transmissions:modify"}, {TemplatesModify, "templates:modify"}, {TemplatesView, "templates:view"}}

// ParseGrants reads "a,b,c".
func ParseGrants(s string) (Grant, error) {
	var g Grant
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		found := false
		for _, n := range grantNames {
			if strings.EqualFold(w, n.name) {
				g |= n.g
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("apikey: unknown grant %q (known: transmissions:modify, templates:modify, templates:view)", w)
		}
	}
	return g, nil
}

func (g Grant) String() string {
	var out []string
	for _, n := range grantNames {
		if g&n.g != 0 {
			out = append(out, n.name)
		}
	}
	return strings.Join(out, ",")
}

// Entry is one key of a file.
type Entry struct {
	Hash   [32]byte
	Short  string // the key's first 4 characters, to tell keys apart
	Grants Grant
	Label  string
}

// Set is an immutable, loaded key file.
type Set struct {
	Entries []Entry
	byHash  map[[32]byte]Grant
}

// Lookup returns the grants of key and whether it is known.
func (s *Set) Lookup(key []byte) (Grant, bool) {
	if s == nil || len(key) == 0 {
		return 0, false
	}
	g, ok := s.byHash[sha256.Sum256(key)]
	return g, ok
}

// Load reads a key file.
func Load(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &Set{byHash: map[[32]byte]Grant{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		e, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("apikey: %s line %d: %w", path, n, err)
		}
		s.Entries = append(s.Entries, e)
		s.byHash[e.Hash] = e.Grants
	}
	return s, sc.Err()
}

func parseLine(line string) (Entry, error) {
	f := strings.SplitN(line, " ", 4)
	if len(f) < 3 {
		return Entry{}, fmt.Errorf("want: hash short grants [label]")
	}
	var e Entry
	if b, err := hex.DecodeString(f[0]); err != nil || len(b) != 32 {
		return e, fmt.Errorf("bad sha256 hash")
	} else {
		copy(e.Hash[:], b)
	}
	g, err := ParseGrants(f[2])
	if err != nil {
		return e, err
	}
	e.Short, e.Grants = f[1], g
	if len(f) == 4 {
		e.Label = f[3]
	}
	return e, nil
}

// NewKey returns a random 40-hex-character key.
func NewKey() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidKey reports whether key can be stored: 16 to 256 printable ASCII
// characters without spaces.
func ValidKey(key string) bool {
	if len(key) < 16 || len(key) > 256 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// NewEntry hashes key.
func NewEntry(key string, g Grant, label string) Entry {
	return Entry{Hash: sha256.Sum256([]byte(key)), Short: key[:4], Grants: g,
		Label: strings.Join(strings.Fields(label), " ")}
}

// Save writes entries to path atomically (temporary file, fsync, rename),
// mode 0600.
func Save(path string, entries []Entry) error {
	var b strings.Builder
	b.WriteString("# sluice API keys (sluicectl apikey): sha256 short grants label\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "%s %s %s", hex.EncodeToString(e.Hash[:]), e.Short, e.Grants)
		if e.Label != "" {
			b.WriteString(" " + e.Label)
		}
		b.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".apikeys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
