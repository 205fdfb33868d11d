package proto

// ContentReceiver is implemented by a session that receives message
// content in bulk: SMTP DATA and BDAT chunks, an HTTP request body, an
// ECStream Batch frame. While InContent reports true, the engine does not
// restart the idle clock on every byte consumed: it applies the listener's
// Min_Data_Rate (Postfix's smtpd_min_data_rate model), so a client
// trickling content slower than that rate runs out of time within about
// Idle_Time, while a slow but real link never does. InContent is called on
// the goroutine that feeds the session, before each Feed.
type ContentReceiver interface {
	InContent() bool
}
