package engine

import "errors"

// Placeholder until the ring package lands; replaced by the io_uring back end.
func uringUsable() (bool, string) { return false, "ring package not built yet" }

func newUring(w *worker) (backend, error) {
	return nil, errors.New("engine: io_uring back end unavailable")
}

type uringConn struct{}
