// Package handoff passes accepted mail on: a Dispatcher follows the spool,
// hands each durable record to one of its targets (SMTP, LMTP, NATS
// JetStream, Maildir) and acknowledges it in the spool only after the
// target took responsibility for every recipient.
//
// # Invariants
//
//   - At least once, never lost: a record is acknowledged (spool.Ack, which
//     is durable when it returns) only after a 250 for every recipient, a
//     JetStream PubAck, or the fsync of a Maildir file and its directory; or
//     after it was buried in the dead-letter area (durable first) with a DSN
//     for its sender made durable in the spool first. A crash anywhere
//     before the Ack hands the record off again after restart.
//   - The dispatcher runs on its own goroutines and never blocks an engine
//     worker: the only thing a worker does for hand-off is spool.publish,
//     a short critical section appending IDs (see spool.Follow).
//   - One goroutine (the loop) owns the queue state: ready IDs, deferred
//     IDs with their retry time, and what is in flight. Delivery goroutines
//     (Connections per target) only read records and talk to targets;
//     results come back to the loop on a channel.
//   - Per-recipient progress (LMTP and SMTP partial success) and the retry
//     schedule are kept in the state file "handoff.state" in the spool
//     directory, so a restart neither retries early nor re-delivers to a
//     recipient that already has the message (best effort: the file is not
//     fsynced; a lost update costs a duplicate, never a loss).
//
// # Buffer lifetimes
//
// A Message's Data is the caller's copy from spool.Read; a Target must not
// keep it after Deliver returns.
package handoff
