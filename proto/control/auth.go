package control

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"sluice/config"
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

// loginURI is the uri of AuthLoginParameters, keys compared without case.
func loginURI(p *config.Policy) string {
	for k, v := range p.Dict("authloginparameters") {
		if strings.EqualFold(k, "uri") {
			return v
		}
	}
	return ""
}

// errLogin is what a client learns about any failed login; the reason is
// only logged.
var errLogin = errors.New("control: authentication failed")

// maxPasswdFile bounds a password file read.
const maxPasswdFile = 1 << 20

// credCache holds password files by path, re-read when size or mtime
// changes. It is used only from Host.Go goroutines, never on a worker.
type credCache struct {
	baseDir string
	mu      sync.Mutex
	files   map[string]*passwdFile
}

type passwdFile struct {
	mtime time.Time
	size  int64
	users map[string][sha256.Size]byte
}

// check verifies user and password against the file uri names
// ("file://path"). Passwords are compared as SHA-256 digests in constant
// time, and an unknown user costs the same as a wrong password.
func (c *credCache) check(uri, user, pass string) error {
	path, ok := strings.CutPrefix(uri, "file://")
	if !ok || path == "" {
		return fmt.Errorf("control: AuthLoginParameters uri %q: only file://path is supported", uri)
	}
	if !filepath.IsAbs(path) && c.baseDir != "" {
		path = filepath.Join(c.baseDir, path)
	}
	pf, err := c.load(path)
	if err != nil {
		return err
	}
	want, known := pf.users[user]
	got := sha256.Sum256([]byte(pass))
	if subtle.ConstantTimeCompare(want[:], got[:]) != 1 || !known {
		return fmt.Errorf("control: user %q: wrong password or unknown user", user)
	}
	return nil
}

func (c *credCache) load(path string) (*passwdFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("control: password file: %v (create it with user:password lines)", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pf := c.files[path]; pf != nil && pf.mtime.Equal(st.ModTime()) && pf.size == st.Size() {
		return pf, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("control: password file: %v", err)
	}
	defer fh.Close()
	pf, err := parsePasswd(io.LimitReader(fh, maxPasswdFile))
	if err != nil {
		return nil, fmt.Errorf("control: %s: %v", path, err)
	}
	pf.mtime, pf.size = st.ModTime(), st.Size()
	if c.files == nil {
		c.files = make(map[string]*passwdFile)
	}
	c.files[path] = pf
	return pf, nil
}

// parsePasswd reads "user:password" lines; blank lines and lines starting
// with # are skipped; the password is everything after the first colon.
func parsePasswd(r io.Reader) (*passwdFile, error) {
	pf := &passwdFile{users: make(map[string][sha256.Size]byte)}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(line)) == 0 || line[0] == '#' {
			continue
		}
		user, pass, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(user) == 0 {
			return nil, fmt.Errorf("line %d: want user:password", n)
		}
		pf.users[string(user)] = sha256.Sum256(pass)
	}
	return pf, sc.Err()
}
