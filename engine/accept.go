package engine

import (
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"sluice/acl"
	"sluice/proto"
)

var unixPeer = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 0)

// onAccept takes a new connection from s: ACL lookup, caps, then the
// session. sa may be nil (io_uring multishot accept); then the peer address
// is asked for.
func (w *worker) onAccept(s *lsock, fd int, sa unix.Sockaddr) {
	l := s.l
	spec := l.spec.Load()
	ct := l.ctrs[w.id]
	info := proto.ConnInfo{ID: w.e.connID.Add(1), Worker: w.id, Listener: spec.Listener,
		Listen: spec.Address, PeerUID: -1, Generation: w.e.gen.Load(), Accepted: w.now}
	if spec.Network == "unix" {
		info.Unix, info.Local, info.Remote = true, unixPeer, unixPeer
		if cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
			info.PeerUID = int(cred.Uid)
		}
	} else {
		if sa == nil {
			sa, _ = unix.Getpeername(fd)
		}
		info.Remote = addrPort(sa)
		info.Local, _ = netip.ParseAddrPort(spec.Address)
		if !info.Local.Addr().IsValid() || info.Local.Addr().IsUnspecified() {
			if la, err := unix.Getsockname(fd); err == nil {
				info.Local = addrPort(la)
			}
		}
	}
	var m *acl.Match
	if spec.Peers != nil {
		m = spec.Peers.Lookup(info.Remote.Addr().Unmap())
	}
	if m != nil {
		info.Policy = m.Policy
	}
	switch {
	// During a handover (KeepSocketFiles) a connection this process still
	// took from the shared accept queue is served and drained, not
	// refused: the successor would have accepted it.
	case w.e.down.Load() && !w.e.keepFiles.Load():
		ct.RefusedDown.Add(1)
		w.refuse(spec, &info, proto.RefuseShutdown, fd)
		return
	case denied(m):
		ct.RefusedACL.Add(1)
		w.refuse(spec, &info, proto.RefuseACL, fd)
		return
	}
	if w.e.inReserve(fd) && !w.reserveAdmits(spec, &info) {
		ct.RefusedCap.Add(1)
		w.refuse(spec, &info, proto.RefuseSessionCap, fd)
		return
	}
	held, ok := w.e.takeCaps(m, spec)
	if !ok {
		ct.RefusedCap.Add(1)
		w.refuse(spec, &info, proto.RefuseSessionCap, fd)
		return
	}
	proxied := proxyWanted(m) // the limits are judged for the client, after the header
	var hold rateHold
	if !proxied {
		if hold, ok = w.limitConn(&info); !ok {
			giveCaps(held)
			ct.RefusedRate.Add(1)
			w.refuse(spec, &info, proto.RefuseRate, fd)
			return
		}
	}
	c := &conn{w: w, fd: fd, l: l, ctrs: ct, info: info, caps: held, rate: hold}
	c.tl.slot = -1
	c.idle = info.Policy.Duration("idle_time")
	c.minRate = info.Policy.Int("min_data_rate")
	w.file(c)
	ct.Accepted.Add(1)
	ct.Active.Add(1)
	l.open.Add(1)
	w.nconns.Add(1)
	c.tlsCfg = spec.TLS
	c.info.TLS = spec.UseSSL && spec.TLS != nil
	if w.gateWanted(m, &c.info) {
		w.newGate(c, spec, m) // the session starts once the gate opens (gate.go)
	} else {
		c.d.S = spec.Factory.NewSession(&c.info, c)
	}
	if c.info.TLS {
		w.onDetached(c) // implicit TLS: the fd never joins the loop
		return
	}
	if err := w.b.open(c); err != nil {
		c.phase, c.reason = connTorn, proto.CloseError
		closeFd(fd)
		w.onGone(c)
		return
	}
	c.readOn = true
	if c.d.Start() {
		w.settle(c)
	}
}

// file gives c a slot; the generation changes on every reuse so a late
// completion for the slot's previous tenant is recognised and dropped.
func (w *worker) file(c *conn) {
	if n := len(w.cfree); n > 0 {
		c.slot = w.cfree[n-1]
		w.cfree = w.cfree[:n-1]
	} else {
		c.slot = uint32(len(w.conns))
		w.conns = append(w.conns, nil)
		w.cgen = append(w.cgen, 0)
	}
	w.cgen[c.slot] = (w.cgen[c.slot] + 1) & genMask
	c.gen = w.cgen[c.slot]
	c.d.R = c
	w.conns[c.slot] = c
}

// denied: Always_Deny without Always_Allow refuses at accept.
func denied(m *acl.Match) bool {
	return m != nil && m.Policy.Bool("always_deny") && !m.Policy.Bool("always_allow")
}

// refuse writes the protocol's refusal line and closes. The line is a few
// bytes on a fresh socket, so one non-blocking send always takes it.
func (w *worker) refuse(spec *ListenSpec, info *proto.ConnInfo, why proto.RefuseReason, fd int) {
	if spec.Factory != nil {
		if b := spec.Factory.Refuse(info, why, w.scratch[:0]); len(b) > 0 {
			sendNoSignal(fd, b)
			w.scratch = b[:0]
		}
	}
	closeFd(fd)
}

func addrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// acceptBackoff is how long a listen socket rests after an accept error
// (EMFILE and friends). Without it a level-triggered or re-armed accept
// would spin on the same error.
const acceptBackoff = 100 * time.Millisecond

// acceptError logs a failing accept at most once a second per worker and
// parks the socket; the back end has stopped accepting on it.
func (w *worker) acceptError(s *lsock, err error) {
	if w.now.Sub(w.lastAcceptLog) >= time.Second {
		w.lastAcceptLog = w.now
		w.e.log.Error("engine: accept failed; pausing this listen socket", "listen", s.l.key,
			"worker", w.id, "err", err, "pause", acceptBackoff)
	}
	if s.parked || !s.armed {
		return
	}
	s.parked, s.until = true, w.nowNano+int64(acceptBackoff)
	w.parked = append(w.parked, s)
}

func (w *worker) unpark(s *lsock) {
	s.parked = false
	for i, p := range w.parked {
		if p == s {
			w.parked = append(w.parked[:i], w.parked[i+1:]...)
			return
		}
	}
}

// rearmParked re-arms the listens whose rest is over.
func (w *worker) rearmParked() {
	for i := 0; i < len(w.parked); i++ {
		s := w.parked[i]
		if s.until > w.nowNano {
			continue
		}
		w.parked = append(w.parked[:i], w.parked[i+1:]...)
		i--
		s.parked = false
		if err := w.b.addListen(s); err != nil {
			w.acceptError(s, err)
		}
	}
}
