package engine

import (
	"time"

	"golang.org/x/sys/unix"

	"sluice/proto"
)

// The fd reserve (issue 21 item 5). When a flood exhausts file
// descriptors, the operator must still reach the console and a load
// balancer /healthz. Linux gives each new socket the lowest free fd
// number, so an accepted fd at or above fdEdge (RLIMIT_NOFILE − reserve)
// means every descriptor below it is in use: the connection is in the
// reserve. There only the Control listener and HTTP (restricted to its
// health endpoints, ConnInfo.Reserve) are admitted, and each admission
// sheds the worker's newest unauthenticated ordinary connection, so the
// reserve refills. Ordinary listeners get their session-cap refusal
// (421 4.4.5 for SMTP). Below the edge nothing changes; EMFILE itself is
// still logged at most once a second per worker (acceptError).

// fdEdge returns the first fd number of the reserve, 0 for none.
func fdEdge(reserve int) int {
	var lim unix.Rlimit
	if reserve < 0 || unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) != nil || lim.Cur > 1<<30 {
		return 0
	}
	n := int(lim.Cur)
	if reserve == 0 {
		reserve = max(32, n/20)
	}
	if reserve > n/2 {
		reserve = n / 2
	}
	return n - reserve
}

func (e *Engine) inReserve(fd int) bool { return e.fdEdge > 0 && fd >= e.fdEdge }

// reserveAdmits decides for a connection accepted on the reserve.
func (w *worker) reserveAdmits(spec *ListenSpec, info *proto.ConnInfo) bool {
	switch spec.Listener {
	case "Control_Listener":
	case "HTTP_Listener":
		info.Reserve = true
	default:
		w.reserveLog(spec.Listener, "refused")
		return false
	}
	w.reserveLog(spec.Listener, "admitted; shedding the newest unauthenticated connection")
	w.shedNewest()
	return true
}

// shedNewest closes this worker's newest ordinary connection that has not
// authenticated and owes its client no spool result.
func (w *worker) shedNewest() {
	var victim *conn
	for _, c := range w.conns {
		if c == nil || c.torn() || c.phase == connClosing || c.d.Pending() > 0 || c.info.Listener == "Control_Listener" {
			continue
		}
		if a, ok := c.d.S.(proto.AuthReporter); ok && a.Authenticated() {
			continue
		}
		if victim == nil || c.info.ID > victim.info.ID {
			victim = c
		}
	}
	if victim != nil {
		victim.ctrs.Shed.Add(1)
		w.closeConn(victim, proto.CloseShutdown)
	}
}

// reserveLog logs reserve use at most once a second per worker.
func (w *worker) reserveLog(listener, what string) {
	if w.now.Sub(w.lastReserveLog) < time.Second {
		return
	}
	w.lastReserveLog = w.now
	w.e.log.Warn("engine: file descriptors nearly exhausted; connection on the fd reserve "+what,
		"listener", listener, "worker", w.id, "reserve_from_fd", w.e.fdEdge)
}
