package proto

// AuthReporter is implemented by a session that knows whether its client
// has authenticated (SMTP AUTH). When the fd reserve is in use the engine
// sheds the newest connection that has not (engine/reserve.go).
type AuthReporter interface {
	Authenticated() bool
}
