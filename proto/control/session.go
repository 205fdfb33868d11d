package control

import (
	"bytes"
	"encoding/base64"
	"time"

	"sluice/internal/creds"
	"sluice/proto"
)

// pendKind says what a suspended session waits for.
type pendKind uint8

const (
	pendNone    pendKind = iota
	pendBackend          // Result.Text is the framed answer
	pendLogin            // Result.Err == nil means the login succeeded
)

// maxLoginFailures closes a connection after this many wrong logins.
const maxLoginFailures = 3

type session struct {
	f *Factory
	c *proto.ConnInfo
	h proto.Host

	p          parser
	body       []byte // scratch for one inline answer
	access     access
	uri        string // AuthLoginParameters uri
	user       string
	timeout    time.Duration
	pending    pendKind
	pendJSON   bool
	pendUser   string
	failures   int
	discarding bool     // inside an over-long line
	tx         []Change // tx.go: queued changes; nil = no transaction open
}

// NewSession reads the connection's policy once and decides its access.
func (f *Factory) NewSession(c *proto.ConnInfo, h proto.Host) proto.Session {
	s := &session{f: f, c: c, h: h, timeout: DefaultTimeout}
	if v, ok := c.Policy.Value("timeout"); ok {
		s.timeout = v.Dur
	}
	s.access, s.user = f.decide(c)
	if s.access == accessLogin {
		s.uri = creds.URI(c.Policy.Dict("authloginparameters"))
	}
	return s
}

// Start sends nothing: the protocol has no greeting, so every response
// answers exactly one request.
func (s *session) Start(out []byte) ([]byte, proto.Action) { return out, proto.Continue }

func (s *session) Timeout() time.Duration   { return s.timeout }
func (s *session) Closed(proto.CloseReason) {}

// Feed answers complete lines until one needs the Backend (Suspend) or
// ends the session.
func (s *session) Feed(in, out []byte) (int, []byte, proto.Action) {
	n := 0
	for n < len(in) {
		i := bytes.IndexByte(in[n:], '\n')
		if s.discarding {
			if i < 0 {
				return len(in), out, proto.Continue
			}
			n += i + 1
			s.discarding = false
			out = s.frameMsg(out, StatusFailed, false, "command line too long (limit 16384 bytes)\n")
			continue
		}
		if i < 0 {
			if len(in)-n > MaxLine {
				s.discarding = true
				return len(in), out, proto.Continue
			}
			return n, out, proto.Continue
		}
		if i > MaxLine {
			n += i + 1
			out = s.frameMsg(out, StatusFailed, false, "command line too long (limit 16384 bytes)\n")
			continue
		}
		line := in[n : n+i]
		n += i + 1
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		var a proto.Action
		if out, a = s.exec(line, out); a != proto.Continue {
			return n, out, a
		}
	}
	return n, out, proto.Continue
}

// exec answers one line.
func (s *session) exec(line, out []byte) ([]byte, proto.Action) {
	cmd, ok := s.p.parse(line)
	switch {
	case !ok:
		return s.frameBytes(out, StatusFailed, cmd.json, s.p.err), proto.Continue
	case cmd.op == opNone:
		return out, proto.Continue
	case cmd.op == opQuit:
		return s.frameMsg(out, StatusOK, cmd.json, "bye\n"), proto.CloseAfterFlush
	case s.access == accessDenied:
		return s.frameMsg(out, StatusNotAuthorized, cmd.json, msgNotAuthorized), proto.Continue
	case cmd.op == opAuthLogin:
		return s.login(cmd, out)
	case s.access == accessLogin && s.user == "":
		return s.frameMsg(out, StatusNotAuthenticated, cmd.json, msgNotAuthenticated), proto.Continue
	}
	switch cmd.op {
	case opHelp:
		return s.help(cmd, out), proto.Continue
	case opVersion:
		return s.inline(out, cmd.json, `{"version":`, s.f.version, true), proto.Continue
	case opPID:
		return s.inline(out, cmd.json, `{"pid":`, s.f.pid, false), proto.Continue
	}
	out, handled, send := s.txExec(cmd, line, out)
	if handled && !send {
		return out, proto.Continue
	}
	r := s.request(cmd, line)
	if cmd.op == opConfigCommit {
		r.changes, s.tx = s.tx, nil
	}
	f := s.f
	s.pending, s.pendJSON = pendBackend, cmd.json
	s.h.Go(func() (string, error) { return f.execute(r), nil })
	return out, proto.Suspend
}

// request copies a backend command out of the line.
func (s *session) request(cmd command, line []byte) *request {
	r := &request{op: cmd.op, json: cmd.json, bits: cmd.bits, line: string(line),
		user: s.user, remote: s.c.Remote.String()}
	if s.c.Unix {
		r.remote = "unix:" + s.c.Listen
	}
	r.args = make([]string, len(cmd.args))
	for i, t := range cmd.args {
		r.args[i] = string(s.p.lx.text(t))
	}
	if cmd.op == opConfigSet {
		r.val = s.value(cmd.val)
	}
	return r
}

// value converts the checked value tokens of "config set".
func (s *session) value(t []token) Value {
	text := func(t token) string { return string(s.p.lx.text(t)) }
	switch t[0].kind {
	case tOpen:
		v := Value{Kind: ValueArray, List: make([]string, 0, len(t)-2)}
		for _, x := range t[1 : len(t)-1] {
			v.List = append(v.List, text(x))
		}
		return v
	case tLBrack:
		v := Value{Kind: ValueDict}
		for i := 1; i+2 < len(t); i += 3 {
			v.Dict = append(v.Dict, [2]string{text(t[i]), text(t[i+2])})
		}
		return v
	}
	return Value{Kind: ValueScalar, Scalar: text(t[0])}
}

// login checks "auth login" off the worker (the password file is read there).
func (s *session) login(cmd command, out []byte) ([]byte, proto.Action) {
	if s.access == accessOpen || s.user != "" {
		return s.frameMsg(out, StatusOK, cmd.json, "already authenticated\n"), proto.Continue
	}
	user := string(s.p.lx.text(cmd.args[0]))
	pass, err := base64.StdEncoding.DecodeString(string(s.p.lx.text(cmd.args[1])))
	if err != nil {
		return s.frameMsg(out, StatusFailed, cmd.json, "auth login: the password must be base64 (RFC 4648, with padding)\n"), proto.Continue
	}
	f, uri, remote := s.f, s.uri, s.c.Remote.String()
	s.pending, s.pendJSON, s.pendUser = pendLogin, cmd.json, user
	s.h.Go(func() (string, error) {
		err := f.checkLogin(uri, user, pass)
		if err != nil {
			f.log.Warn("console login refused", "user", user, "remote", remote, "reason", err)
			return "", errLogin
		}
		f.log.Info("console login", "user", user, "remote", remote)
		return "", nil
	})
	return out, proto.Suspend
}

// Resume delivers a Backend answer or a login verdict.
func (s *session) Resume(r proto.Result, out []byte) ([]byte, proto.Action) {
	pk, asJSON := s.pending, s.pendJSON
	s.pending = pendNone
	switch {
	case pk == pendLogin && r.Err == nil:
		s.user = s.pendUser
		return s.frameMsg(out, StatusOK, asJSON, "Authenticated as "+s.user+"\n"), proto.Continue
	case pk == pendLogin:
		s.failures++
		out = s.frameMsg(out, StatusNotAuthenticated, asJSON, "Authentication failed\n")
		if s.failures >= maxLoginFailures {
			return out, proto.CloseAfterFlush
		}
		return out, proto.Continue
	case r.Err != nil:
		return s.frameMsg(out, StatusFailed, asJSON, r.Err.Error()+"\n"), proto.Continue
	}
	return append(out, r.Text...), proto.Continue
}
