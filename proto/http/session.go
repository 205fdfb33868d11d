package http

import (
	"time"

	"sluice/internal/creds"
	"sluice/internal/membudget"
	"sluice/proto"
)

type state uint8

const (
	stHead   state = iota // reading a request head
	stBody                // reading (or discarding) a body
	stWait                // suspended on Submit or Go
	stClosed              // asked the engine to close
)

// session is one HTTP connection. See the package doc for its contract.
type session struct {
	f *Factory
	c *proto.ConnInfo
	h proto.Host

	// per-connection policy, read once
	idle      time.Duration
	max       int64
	maxMsg    int64 // Max_Message_Size: a bigger message is refused with 413; 0 none
	built     int64 // message-data budget held by built messages until answered (budget.go)
	noChunked bool
	auth      authMode
	users     *creds.Users

	st       state
	scan     int // where scanHead resumes in the unconsumed head
	req      request
	rt       route
	answered bool // the response went out at head time; the body is discarded
	env      envelope
	body     bodyReader
	date     dateCache
	resp     []byte    // response body scratch
	log      reqLog    // Log_Requests_To_Paniclog
	cred     [768]byte // decoded Basic credentials

	// an injection waiting for the spool
	msgs    []proto.Message
	bufs    [][]byte
	rcpts   []string
	results []proto.Result
	seq     uint64 // Message-ID counter
	tx      txState
}

// bufKeep is the largest buffer a session keeps between requests, and
// bufsKeep the most message buffers.
const (
	bufKeep  = 64 << 10
	bufsKeep = 64
)

func (s *session) reset() {
	s.st, s.scan, s.answered = stHead, 0, false
}

func (s *session) Start(out []byte) ([]byte, proto.Action) { return out, proto.Continue }

func (s *session) Timeout() time.Duration { return s.idle }

func (s *session) Closed(proto.CloseReason) {
	s.st = stClosed
	s.body.data, s.resp, s.bufs, s.msgs = nil, nil, nil, nil
	membudget.Release(&s.body.held)
	membudget.Release(&s.built)
}

// Feed handles as many complete requests as in holds, stopping at the first
// that must wait for the spool or an operator callback.
func (s *session) Feed(in, out []byte) (int, []byte, proto.Action) {
	n := 0
	for n < len(in) {
		var a proto.Action
		switch s.st {
		case stHead:
			if s.scan == 0 && (in[n] == '\r' || in[n] == '\n') {
				k, ok := skipBlank(in[n:])
				if !ok {
					return len(in), s.fail(out, errBadReqLine), proto.CloseAfterFlush
				}
				if k == 0 {
					return n, out, proto.Continue
				}
				n += k
				continue
			}
			end, e := scanHead(in[n:], &s.scan)
			if e != nil {
				return len(in), s.fail(out, e), proto.CloseAfterFlush
			}
			if end == 0 {
				return n, out, proto.Continue
			}
			head := in[n : n+end]
			n += end
			out, a = s.onHead(head, out)
		case stBody:
			k, done, e := s.body.feed(in[n:])
			n += k
			if e != nil {
				return len(in), s.fail(out, e), proto.CloseAfterFlush
			}
			if !done {
				return n, out, proto.Continue
			}
			out, a = s.onBody(out)
		case stWait:
			return n, out, proto.Suspend
		default:
			return len(in), out, proto.Close
		}
		switch a {
		case proto.Suspend:
			return n, out, a
		case proto.CloseAfterFlush, proto.Close:
			return len(in), out, a
		}
	}
	return n, out, proto.Continue
}

// skipBlank consumes the empty lines a client may send between requests.
// k == 0 with ok means a lone CR waits for its LF.
func skipBlank(in []byte) (k int, ok bool) {
	switch {
	case in[0] == '\n':
		return 1, true
	case len(in) == 1:
		return 0, true
	case in[1] == '\n':
		return 2, true
	}
	return 0, false
}

// fail answers a framing error and closes.
func (s *session) fail(out []byte, e *herr) []byte {
	s.st = stClosed
	s.resp = appendErrorJSON(s.resp[:0], e.why)
	s.logResponse(e.code, len(s.resp))
	return appendResponse(out, e.code, s.date.get(s.h.Now()), ctJSON, s.resp, "", true, false)
}

// onHead routes and authorises a parsed head, answering at once when the
// request is refused, and otherwise starts reading its body.
func (s *session) onHead(head, out []byte) ([]byte, proto.Action) {
	s.env.reset()
	s.log.note(head, s.h.Now())
	r := &s.req
	if e := parseHead(head, r, &s.env); e != nil {
		return s.fail(out, e), proto.CloseAfterFlush
	}
	s.rt, s.answered = routeOf(r.path), false
	if s.rt == rTemplates || s.rt == rTemplate {
		s.tx.target = appendTarget(s.tx.target[:0], head) // r.path dies with this Feed
	}
	e, extra := s.check()
	if e != nil {
		// A refused body is skipped only if the client is sending it anyway
		// and it is not huge; after a 100-continue offer, or with no usable
		// framing, closing is the only safe way on.
		closing := r.close || s.h.ShuttingDown() || s.c.Reserve ||
			(r.hasBody() && (r.expect || e.code == 411 || e.code == 413 || r.clen > s.max))
		s.resp = appendErrorJSON(s.resp[:0], e.why)
		s.logResponse(e.code, len(s.resp))
		out = appendResponse(out, e.code, s.date.get(s.h.Now()), ctJSON, s.resp, extra,
			closing, r.method == mHEAD)
		if closing {
			s.st = stClosed
			return out, proto.CloseAfterFlush
		}
		if !r.hasBody() {
			return out, proto.Continue
		}
		s.answered = true
		s.body.start(r, true, 0)
		s.st = stBody
		return out, proto.Continue
	}
	if !r.hasBody() {
		s.body.data = s.body.data[:0]
		return s.dispatch(out)
	}
	if r.expect {
		out = append(out, continue100...)
	}
	s.body.start(r, !consumesBody(s.rt, r.method), s.max)
	s.st = stBody
	return out, proto.Continue
}

// check applies, in order: Momentum's IP ACL (always_deny beats
// everything), routing, authentication (always_allow or
// enable_authentication = false let everyone in; otherwise Basic, except on
// the probes), the method, then the body framing and size limits.
func (s *session) check() (*herr, string) {
	r := &s.req
	if s.auth == authDeny {
		return errForbidden, ""
	}
	if s.c.Reserve && s.rt != rHealthz && s.rt != rReadyz {
		return errReserve, "" // on the fd reserve: health checks only
	}
	if !s.f.exists(s.rt) {
		return errNotFound, ""
	}
	if s.tx.keyFile != "" && s.auth != authOpenAllow && keyRoute(s.rt) {
		if e := s.checkKey(); e != nil {
			return e, ""
		}
	} else if s.auth == authBasic && !public(s.rt) && !checkBasic(s.users, r.auth, s.cred[:]) {
		return errAuth, `WWW-Authenticate: Basic realm="sluice"` + "\r\n"
	}
	if ok, allow := s.f.allows(s.rt, r.method); !ok {
		return errMethod, "Allow: " + allow + "\r\n"
	}
	if r.chunked && s.noChunked {
		return errChunkedOff, ""
	}
	if r.clen > s.max && consumesBody(s.rt, r.method) {
		return errTooLarge, ""
	}
	return nil, ""
}

var (
	errNotFound  = &herr{404, "not found"}
	errMethod    = &herr{405, "method not allowed"}
	errForbidden = &herr{403, "forbidden"}
	errNoMem     = &herr{503, "insufficient system storage for the request body, retry later"}
	errReserve   = &herr{503, "file descriptors nearly exhausted: only /healthz and /readyz are served now"}
	errAuth      = &herr{401, "authentication required"}
)

// onBody runs once a body is complete.
func (s *session) onBody(out []byte) ([]byte, proto.Action) {
	if s.answered {
		s.answered = false
		s.st = stHead
		return out, proto.Continue
	}
	return s.dispatch(out)
}

// reply sends the final response of the current request and readies the
// session for the next one.
func (s *session) reply(out []byte, code int, ctype string, body []byte, extra string) ([]byte, proto.Action) {
	closing := s.req.close || s.h.ShuttingDown() || s.c.Reserve
	s.logResponse(code, len(body))
	out = appendResponse(out, code, s.date.get(s.h.Now()), ctype, body, extra, closing,
		s.req.method == mHEAD)
	s.release()
	if closing {
		s.st = stClosed
		return out, proto.CloseAfterFlush
	}
	s.reset()
	return out, proto.Continue
}

// release drops per-request state and large buffers.
func (s *session) release() {
	if cap(s.body.data) > bufKeep {
		s.body.data = nil
		membudget.Release(&s.body.held)
	}
	if cap(s.resp) > bufKeep {
		s.resp = nil
	}
	if len(s.bufs) > bufsKeep { // a 10,000-recipient transmission must not stay resident
		clear(s.bufs[bufsKeep:])
		s.bufs = s.bufs[:bufsKeep]
	}
	for i := range s.bufs {
		if cap(s.bufs[i]) > bufKeep {
			s.bufs[i] = nil
		}
	}
	membudget.Release(&s.built)
	clear(s.msgs)
	s.msgs, s.results = s.msgs[:0], s.results[:0]
	clear(s.rcpts)
	s.rcpts = s.rcpts[:0]
}

// InContent implements proto.ContentReceiver: a request body.
func (s *session) InContent() bool { return s.st == stBody }
