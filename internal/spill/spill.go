// Package spill moves a large message buffer out of the heap as it
// arrives (issue 21 item 1): past Threshold the buffer becomes a shared
// mapping of an unlinked file in the spool's directory (O_TMPFILE), its
// space reserved with fallocate so a full disk is an error at growth, never
// a SIGBUS at a write. Every Chunk written, the filled part is handed to
// writeback and dropped from this process's resident set (MADV_DONTNEED on
// a shared file mapping keeps the data in the page cache and the file), so
// a session's anonymous memory stays at about Threshold whatever the
// message size. The slice stays valid and readable until Release.
//
// Lifetime: the owner must not Release while anything may still read the
// slice. The SMTP session uses it only where the engine copies a message
// synchronously at Submit (a plain-text session without end-of-message
// filters) and releases after Resume or at Closed.
package spill

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

const (
	// Threshold is the buffer size past which a message spills.
	Threshold = 1 << 20
	// Chunk is how much is written between two writeback hand-offs.
	Chunk = 1 << 20
)

var (
	dir     atomic.Pointer[string]
	files   atomic.Int64 // open spill files
	spilled atomic.Uint64
)

// SetDir enables spilling into dir ("" disables it). The directory must
// exist, on a file system with O_TMPFILE (ext4, xfs, btrfs, tmpfs).
func SetDir(d string) { dir.Store(&d) }

// Enabled reports whether a directory is set.
func Enabled() bool { p := dir.Load(); return p != nil && *p != "" }

// Open is the number of spill files open now; Spilled counts buffers that
// ever spilled.
func Open() int64     { return files.Load() }
func Spilled() uint64 { return spilled.Load() }

// Buf is one spilled buffer; the zero value is not spilled.
type Buf struct {
	fd    int
	m     []byte // the whole mapping
	flush int    // bytes handed to writeback and dropped so far
}

// Active reports whether b holds a spill file.
func (b *Buf) Active() bool { return b.m != nil }

// Grow returns buf with room for n more bytes in the spill file, moving
// buf there on the first call. On failure (no directory, disk full) it
// returns buf unchanged and false; nothing is lost.
func (b *Buf) Grow(buf []byte, n int) ([]byte, bool) {
	need := len(buf) + n
	if b.m != nil && need <= len(b.m) {
		return b.m[:len(buf)], true
	}
	size := max(2*Threshold, need+need/2)
	if b.m == nil {
		p := dir.Load()
		if p == nil || *p == "" {
			return buf, false
		}
		fd, err := unix.Open(*p, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return buf, false
		}
		if unix.Fallocate(fd, 0, 0, int64(size)) != nil {
			unix.Close(fd)
			return buf, false
		}
		m, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			unix.Close(fd)
			return buf, false
		}
		copy(m, buf)
		b.fd, b.m, b.flush = fd, m, 0
		files.Add(1)
		spilled.Add(1)
		return m[:len(buf)], true
	}
	if unix.Fallocate(b.fd, 0, 0, int64(size)) != nil {
		return buf, false
	}
	m, err := unix.Mmap(b.fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return buf, false
	}
	// The file holds everything written so far: the new mapping sees it.
	unix.Munmap(b.m)
	b.m = m
	return m[:len(buf)], true
}

// Written tells b that its buffer now holds n bytes; every Chunk the
// filled part is handed to writeback and dropped from the resident set.
func (b *Buf) Written(n int) {
	if b.m == nil || n-b.flush < Chunk {
		return
	}
	end := n &^ (4096 - 1)
	unix.SyncFileRange(b.fd, int64(b.flush), int64(end-b.flush), unix.SYNC_FILE_RANGE_WRITE)
	unix.Madvise(b.m[b.flush:end], unix.MADV_DONTNEED)
	b.flush = end
}

// Release unmaps and closes the spill file (its blocks are freed: the file
// was never linked). The slice from Grow must not be used after it.
func (b *Buf) Release() {
	if b.m == nil {
		return
	}
	unix.Munmap(b.m)
	unix.Close(b.fd)
	b.m, b.fd, b.flush = nil, 0, 0
	files.Add(-1)
}
