package spool

import (
	"errors"
	"syscall"
)

// Error is a failed spool operation. The engine maps it to a temporary
// failure (451 for SMTP, 503 for HTTP); errors.As finds the errno.
type Error struct {
	Op   string // "stage", "create", "commit", "read", "ack"
	Path string // the file concerned, if any
	Err  error
}

func (e *Error) Error() string {
	s := "spool: " + e.Op
	if e.Path != "" {
		s += " " + e.Path
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Errno is the system error number behind e, or 0.
func (e *Error) Errno() syscall.Errno {
	var n syscall.Errno
	if errors.As(e.Err, &n) {
		return n
	}
	return 0
}

// NoSpace reports whether the disk or a quota is full.
func (e *Error) NoSpace() bool {
	n := e.Errno()
	return n == syscall.ENOSPC || n == syscall.EDQUOT
}

var (
	// ErrTooLarge: the record would exceed MaxRecord.
	ErrTooLarge = errors.New("record too large")
	// ErrNotFound: no live record has that ID (never stored, or acked).
	ErrNotFound = errors.New("no such record")
	// ErrReadOnly: the Store was opened ReadOnly.
	ErrReadOnly = errors.New("spool opened read-only")
	// ErrCorrupt: a stored record no longer checks out.
	ErrCorrupt = errors.New("record damaged on disk")
)
