package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The dead-letter area is the directory "dead" inside the spool: one file
// per message that failed permanently, named "<id>.dead". A file holds a
// 4-byte length and the reason text, then the record exactly as a segment
// holds it (CRC seeded with 0 instead of a segment salt). Files are written
// to a temporary name, synced, renamed and the directory synced, so a dead
// message is durable before its spool record is acknowledged.

// DeadDir is the dead-letter directory of the spool in dir.
func DeadDir(dir string) string { return filepath.Join(dir, "dead") }

// Dead is one message in the dead-letter area.
type Dead struct {
	Record
	Reason string
	Buried time.Time // when it was moved there
}

// Bury moves live record r to the dead-letter area with reason and then
// acknowledges it in the spool. A crash in between leaves it in both
// places (the spool copy is handed off again): never in neither.
func (s *Store) Bury(r *Record, reason string) error {
	if s.opt.ReadOnly {
		return &Error{Op: "bury", Err: ErrReadOnly}
	}
	if err := WriteDead(s.dir, r, reason); err != nil {
		return err
	}
	return s.Ack(r.ID)
}

// WriteDead stores r in the dead-letter area of the spool in dir.
func WriteDead(dir string, r *Record, reason string) error {
	dd := DeadDir(dir)
	if err := os.MkdirAll(dd, 0o700); err != nil {
		return &Error{Op: "bury", Path: dd, Err: err}
	}
	if len(reason) > 4096 {
		reason = reason[:4096]
	}
	buf := binary.LittleEndian.AppendUint32(nil, uint32(len(reason)))
	buf = append(buf, reason...)
	buf = appendRecord(buf, 0, r.ID, &r.Env, r.Data)
	final := filepath.Join(dd, r.ID.String()+".dead")
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		_, err = f.Write(buf)
		err = errors.Join(err, f.Sync(), f.Close())
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err == nil {
		err = syncDir(dd)
	}
	if err != nil {
		os.Remove(tmp)
		return &Error{Op: "bury", Path: final, Err: err}
	}
	return nil
}

// ReadDead reads one dead message of the spool in dir.
func ReadDead(dir string, id ID) (*Dead, error) {
	path := filepath.Join(DeadDir(dir), id.String()+".dead")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &Error{Op: "dead", Err: ErrNotFound}
	}
	if err != nil {
		return nil, &Error{Op: "dead", Path: path, Err: err}
	}
	d := &Dead{}
	if st, err := os.Stat(path); err == nil {
		d.Buried = st.ModTime()
	}
	if len(b) < 4 || int(binary.LittleEndian.Uint32(b)) > len(b)-4 {
		return nil, &Error{Op: "dead", Path: path, Err: ErrCorrupt}
	}
	n := int(binary.LittleEndian.Uint32(b))
	d.Reason, b = string(b[4:4+n]), b[4+n:]
	size, err := checkRecord(b, 0)
	if err != nil || size != len(b) || decodeRecord(b, &d.Record) != nil || d.ID != id {
		return nil, &Error{Op: "dead", Path: path, Err: ErrCorrupt}
	}
	return d, nil
}

// ListDead returns the IDs in the dead-letter area, oldest first.
func ListDead(dir string) ([]ID, error) {
	ents, err := os.ReadDir(DeadDir(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("spool: dead-letter area: %w", err)
	}
	var ids []ID
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".dead")
		if !ok {
			continue
		}
		if id, err := ParseID(name); err == nil {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareID)
	return ids, nil
}

// RemoveDead deletes one dead message (purge, or after a retry stored it
// back in the spool).
func RemoveDead(dir string, id ID) error {
	path := filepath.Join(DeadDir(dir), id.String()+".dead")
	if err := os.Remove(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &Error{Op: "dead", Err: ErrNotFound}
		}
		return &Error{Op: "dead", Path: path, Err: err}
	}
	return syncDir(DeadDir(dir))
}
