package control

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"sluice/proto"
)

// access is what a session lets its client do.
type access uint8

const (
	accessOpen   access = iota // every command
	accessLogin                // "auth login" first (TCP, Enable_Authentication)
	accessDenied               // nothing but quit: "Not Authorized for this command"
)

// decide applies the Control_Listener rules to a new connection:
// Always_Deny beats everything; on a Unix socket root, the daemon's uid and
// Always_Allow peers are let in; on TCP Always_Allow or Enable_Authentication
// = false let in, otherwise the client must log in.
func (f *Factory) decide(c *proto.ConnInfo) (access, string) {
	p := c.Policy
	switch {
	case p.Bool("always_deny"):
		return accessDenied, ""
	case c.Unix:
		if c.PeerUID == 0 || (c.PeerUID >= 0 && c.PeerUID == f.o.DaemonUID) || p.Bool("always_allow") {
			return accessOpen, "uid=" + itoa(c.PeerUID)
		}
		return accessDenied, ""
	case p.Bool("always_allow") || !p.Bool("enable_authentication"):
		return accessOpen, ""
	}
	return accessLogin, ""
}

func itoa(n int) string { return strconv.Itoa(n) }

// errLogin is what a client learns about any failed login; the reason is
// only logged.
var errLogin = errors.New("control: authentication failed")

// checkLogin verifies user and password against the file uri names,
// relative paths from BaseDir. The file is stat'ed at every login (logins
// run off the workers, on Host.Go) and re-read when it changed.
func (f *Factory) checkLogin(uri, user string, pass []byte) error {
	u, err := f.creds.Lookup(uri, f.o.BaseDir, time.Now())
	if err != nil {
		return fmt.Errorf("control: AuthLoginParameters: %v", err)
	}
	if !u.Check([]byte(user), pass) {
		return fmt.Errorf("control: user %q: wrong password or unknown user", user)
	}
	return nil
}
