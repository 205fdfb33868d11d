package proto

// Pressure is the back-pressure flag (the spool above Spool_High_Water):
// while On, a new message (SMTP MAIL, an HTTP injection, an ECStream
// message) gets a temporary failure; messages already past that point
// finish. On is one atomic load, called on the worker's thread. A nil
// Pressure never refuses.
type Pressure interface {
	On() bool
}
