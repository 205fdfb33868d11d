// Package spool is sluice's durable message store: per-worker append-only
// segment files, group commit, crash recovery, and a reader for hand-off.
//
// # Files
//
// A spool directory holds LOCK (flock'ed by the one process that writes),
// segments named "<seq:16 hex>-w<worker>.seg", and beside each segment
// that has acknowledgements an ack file of the same name ending ".ack".
// Each Writer appends to its own segment and starts a new one (fresh seq)
// once it would pass Options.SegmentSize, and on every start: recovered
// segments are never appended to. The next segment is created (header
// and directory entry synced) in the background, so rotation on the
// worker's thread is only a swap.
//
// # Segment format (all integers little-endian)
//
// Header, 16 bytes:
//
//	0   8  magic "SLSPOOL1"
//	8   4  salt: random per segment
//	12  4  CRC32C of bytes 0..11
//
// Then records, back to back, from offset 16:
//
//	0   4  magic "SLR1"
//	4   4  N: length of the body (bytes 12 .. 12+N), 30 <= N <= MaxRecord
//	8   4  CRC32C, starting from the salt, of bytes 4..7 then of the body
//	12  16 ID (see ID: ms time, worker, nonce, counter; big-endian)
//	28  8  reception time, Unix nanoseconds (int64)
//	36  .. sender, protocol, peer, listener: each a uvarint length + bytes
//	..  .. recipient count (uvarint), then each recipient as uvarint + bytes
//	..  .. data length (uvarint) + the message bytes, ending exactly at 12+N
//
// The salt makes a record valid in its own segment only, so after damage
// recovery can hunt for the next "SLR1" without ever taking a record copied
// into a message body (or another segment) for a real one.
//
// Ack file: 20-byte entries, the acknowledged ID and the CRC32C (from the
// salt) of those 16 bytes.
//
// # Durability contract
//
// A record is durable when the Commit or End covering it returns nil: its
// bytes were written with pwrite(2) and fdatasync(2) succeeded, and its
// segment's header and directory entry were synced when the segment was
// created. Only then is it visible to Read and Iter, and only then may the
// protocol acknowledge it. When a batch fails (short write, ENOSPC, EIO)
// the segment is truncated back to the batch start and synced; if even that
// fails the writer abandons the segment for a new one and recovery cuts the
// leftovers. A failed batch may, in the worst case (fdatasync failed yet
// the data reached the disk, and the truncate was lost in a crash), come
// back after a restart: at least once, never a partial message. The next
// Commit after space returns simply works.
//
// Recovery (Open) scans every segment: records with good magic, length,
// CRC and body are kept; a torn tail (short record, CRC mismatch, garbage)
// is cut and logged; damage followed by intact records is skipped and
// logged. Acknowledged records (ack file) are dropped, and segments with
// nothing live are deleted. An Ack is durable when it returns.
//
// # Concurrency contract
//
// Store methods are safe for concurrent use. A Writer belongs to one
// goroutine (the engine's worker thread); Stage never does I/O and may run
// while the previous batch is in flight (between Begin and End); at most
// one batch per Writer is in flight. Stats reads per-writer atomics and
// takes no lock a writer waits on. Committer serialises many goroutines
// onto one Writer for the blocking path.
//
// # Buffer lifetimes
//
// Stage copies env and data before returning. Batch.Buf belongs to the
// Writer and must not change until End; the engine may hand it to the
// kernel meanwhile. The Writer reuses two staging buffers (staging and in
// flight), so the steady state allocates nothing; one above 8 MiB is
// dropped after its batch. A Record from Read or Iter is the caller's own copy.
package spool
