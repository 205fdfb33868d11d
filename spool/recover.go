package spool

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// recover scans every segment in the directory and builds the index. It
// cuts torn tails (not in ReadOnly mode), skips damaged ranges inside a
// segment, drops acknowledged records, and removes segments with nothing
// live and ack files without a segment.
func (s *Store) recover() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("spool: read %s: %w (does the spool directory exist and is it readable?)", s.dir, err)
	}
	segNames := map[string]bool{}
	for _, e := range ents {
		seq, worker, ok := parseSegName(e.Name())
		if !ok {
			continue
		}
		segNames[strings.TrimSuffix(e.Name(), ".seg")] = true
		s.nextSeq = max(s.nextSeq, seq)
		if err := s.recoverSegment(seq, worker, s.segPath(e.Name())); err != nil {
			return err
		}
	}
	for _, e := range ents {
		base, isAck := strings.CutSuffix(e.Name(), ".ack")
		if isAck && !segNames[base] && !s.opt.ReadOnly {
			os.Remove(s.segPath(e.Name())) // its segment went first: see removeFiles
		}
	}
	return nil
}

func (s *Store) recoverSegment(seq uint64, worker int, path string) error {
	flag := os.O_RDWR
	if s.opt.ReadOnly {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return fmt.Errorf("spool: open %s: %w (check the spool directory's owner and mode)", path, err)
	}
	img, err := readAll(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("spool: read %s: %w", path, err)
	}
	res, err := scan(img)
	if errors.Is(err, errSegHeader) {
		// Created but never synced: no record can have been committed in it.
		f.Close()
		s.log.Warn("spool: recovery: dropping segment with a bad header and no record to vouch for its salt", "path", path, "size", len(img))
		if !s.opt.ReadOnly {
			os.Remove(path)
		}
		return nil
	}
	g := &segment{seq: seq, worker: worker, salt: res.salt, path: path, f: f, sealed: true}
	if res.badHeader {
		s.log.Warn("spool: recovery: segment header damaged; records vouch for its salt", "path", path)
	}
	s.reportDamage(g, res)
	acked := s.recoverAcks(g)
	for _, sp := range res.recs {
		id := sp.rec.ID
		if acked[id] {
			continue
		}
		if _, dup := s.index[id]; dup {
			s.log.Warn("spool: recovery: duplicate id skipped", "path", path, "offset", sp.off, "id", id)
			continue
		}
		s.index[id] = loc{seg: g, off: int64(sp.off), size: sp.size}
		g.live++
	}
	s.segs[seq] = g
	if s.markDeadLocked(g) {
		s.removeFiles(g)
	}
	return nil
}

// reportDamage logs what recovery found broken and cuts a torn tail.
func (s *Store) reportDamage(g *segment, res scanResult) {
	for _, d := range res.dmg {
		if !d.tail {
			s.log.Warn("spool: recovery: skipped damaged bytes inside segment",
				"path", g.path, "offset", d.off, "bytes", d.size, "reason", d.reason.Error())
			continue
		}
		s.log.Warn("spool: recovery: cut torn tail", "path", g.path, "offset", d.off,
			"bytes", d.size, "reason", d.reason.Error(), "records_kept", len(res.recs), "read_only", s.opt.ReadOnly)
		if s.opt.ReadOnly {
			continue
		}
		if err := g.f.Truncate(int64(d.off)); err != nil {
			s.log.Warn("spool: recovery: truncate failed; tail left in place, never served", "path", g.path, "err", err)
		} else {
			g.f.Sync()
		}
	}
}

// recoverAcks reads g's ack file, cutting a torn last entry.
func (s *Store) recoverAcks(g *segment) map[ID]bool {
	b, err := os.ReadFile(g.ackPath())
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("spool: recovery: unreadable ack file; its records are served again", "path", g.ackPath(), "err", err)
		}
		return nil
	}
	acked, n := parseAcks(b, g.salt)
	g.ackLen = int64(n)
	if n != len(b) {
		s.log.Warn("spool: recovery: cut torn ack tail", "path", g.ackPath(), "offset", n, "bytes", len(b)-n)
		if !s.opt.ReadOnly {
			os.Truncate(g.ackPath(), int64(n))
		}
	}
	return acked
}

// sortedLive is a snapshot of the live index in ID order.
func (s *Store) sortedLive() []ID {
	s.mu.RLock()
	ids := make([]ID, 0, len(s.index))
	for id := range s.index {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	slices.SortFunc(ids, func(a, b ID) int { return compareID(a, b) })
	return ids
}

func compareID(a, b ID) int { return bytes.Compare(a[:], b[:]) }
