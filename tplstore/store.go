// Package tplstore keeps the HTTP_Listener's stored templates durably in a
// directory beside the spool: one JSON document per template id, written
// to a temporary file, fsynced, renamed into place, and the directory
// fsynced, so a crash leaves either the old or the new document.
//
// The store does not know what a document means (drafts and published
// versions are proto/http's business): it is a small key/value interface
// that a cluster can later back with NATS KV.
//
// Concurrency: safe for concurrent use. Get and List read memory under a
// read lock and never touch the disk, so a worker may call them; Put and
// Delete do file I/O and must run off the worker.
package tplstore

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Store is a directory of documents.
type Store struct {
	dir string
	mu  sync.RWMutex
	m   map[string][]byte
}

// Open loads every document of dir, creating dir if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("tplstore: %w (the templates directory sits beside the spool; check its permissions)", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("tplstore: %w", err)
	}
	s := &Store{dir: dir, m: map[string][]byte{}}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		id, err := hex.DecodeString(strings.TrimSuffix(name, ".json"))
		if err != nil {
			continue
		}
		doc, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("tplstore: %w", err)
		}
		s.m[string(id)] = doc
	}
	return s, nil
}

// Get returns the document of id. The slice must not be changed.
func (s *Store) Get(id string) ([]byte, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	doc, ok := s.m[id]
	return doc, ok
}

// List returns every document, ordered by id.
func (s *Store) List() [][]byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.m))
	for id := range s.m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([][]byte, len(ids))
	for i, id := range ids {
		out[i] = s.m[id]
	}
	return out
}

// Put stores doc under id durably before it returns.
func (s *Store) Put(id string, doc []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tmp, err := os.CreateTemp(s.dir, ".tpl-*")
	if err != nil {
		return fmt.Errorf("tplstore: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(doc)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path(id))
	}
	if err == nil {
		err = s.syncDir()
	}
	if err != nil {
		return fmt.Errorf("tplstore: %w", err)
	}
	s.m[id] = append([]byte(nil), doc...)
	return nil
}

// Delete removes id durably; it reports whether id existed.
func (s *Store) Delete(id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		return false, nil
	}
	if err := os.Remove(s.path(id)); err != nil && !os.IsNotExist(err) {
		return true, fmt.Errorf("tplstore: %w", err)
	}
	delete(s.m, id)
	return true, s.syncDir()
}

func (s *Store) path(id string) string {
	return filepath.Join(s.dir, hex.EncodeToString([]byte(id))+".json")
}

func (s *Store) syncDir() error {
	d, err := os.Open(s.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
