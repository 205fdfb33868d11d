package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
)

// Addr is one Listen socket.
//
// Wildcards: "*:25", ":25" and "0.0.0.0:25" are the IPv4 wildcard
// (INADDR_ANY only); "[*]:25", "[::]:25" and "[0:0:0:0:0:0:0:0]:25" are the
// IPv6 wildcard, bound with IPV6_V6ONLY=1. Every IPv6 socket is V6Only, so
// a v4 and a v6 wildcard on one port are two sockets that coexist.
type Addr struct {
	Network  string     // "tcp" or "unix"
	IP       netip.Addr // 0.0.0.0 or :: for wildcards; invalid for unix
	Port     uint16
	Wildcard bool
	V6Only   bool   // true for IPv6 sockets
	Path     string // unix: absolute, cleaned path
}

// String is the canonical form: "0.0.0.0:25", "[::]:25",
// "[2001:db8::1:0:0:1]:25" (RFC 5952) or "/abs/path". Two Listens name the
// same socket exactly when their Strings are equal.
func (a Addr) String() string {
	if a.Network == "unix" {
		return a.Path
	}
	if !a.IP.IsValid() {
		return ""
	}
	return netip.AddrPortFrom(a.IP, a.Port).String()
}

// ParseListenAddr parses a Listen name. A name with no ':' or one starting
// with '/' or '.' is a Unix socket path; a relative path is joined to baseDir
// (the directory of the config file; "" means the working directory).
// IPv6 addresses must be in brackets.
func ParseListenAddr(s, baseDir string) (Addr, error) {
	if s == "" {
		return Addr{}, fmt.Errorf("empty Listen address")
	}
	if s[0] == '/' || s[0] == '.' || !strings.Contains(s, ":") {
		return unixAddr(s, baseDir)
	}
	var host, port string
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 || end+1 >= len(s) || s[end+1] != ':' {
			return Addr{}, fmt.Errorf("Listen %q: write an IPv6 address as [address]:port", s)
		}
		host, port = s[1:end], s[end+2:]
	} else {
		i := strings.LastIndexByte(s, ':')
		host, port = s[:i], s[i+1:]
		if strings.Contains(host, ":") {
			return Addr{}, fmt.Errorf("Listen %q: an IPv6 address needs brackets, as in \"[%s]:%s\"", s, host, port)
		}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return Addr{}, fmt.Errorf("Listen %q: port %q is not a number from 0 to 65535", s, port)
	}
	a := Addr{Network: "tcp", Port: uint16(p)}
	bracketed := s[0] == '['
	switch {
	case bracketed && host == "*":
		a.IP, a.Wildcard = netip.IPv6Unspecified(), true
	case !bracketed && (host == "*" || host == ""):
		a.IP, a.Wildcard = netip.IPv4Unspecified(), true
	default:
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return Addr{}, fmt.Errorf("Listen %q: %q is not an IP address (host names are not resolved)", s, host)
		}
		if bracketed && !ip.Is6() {
			return Addr{}, fmt.Errorf("Listen %q: brackets are for IPv6; write %q", s, fmt.Sprintf("%s:%d", ip, p))
		}
		a.IP, a.Wildcard = ip, ip.IsUnspecified()
	}
	a.V6Only = a.IP.Is6()
	return a, nil
}

func unixAddr(s, baseDir string) (Addr, error) {
	path := s
	if !filepath.IsAbs(path) {
		if baseDir == "" {
			baseDir = "."
		}
		abs, err := filepath.Abs(filepath.Join(baseDir, path))
		if err != nil {
			return Addr{}, fmt.Errorf("Listen %q: %v", s, err)
		}
		path = abs
	}
	path = filepath.Clean(path)
	if strings.HasSuffix(s, "/") {
		return Addr{}, fmt.Errorf("Listen %q: a Unix socket path must name a file, not a directory", s)
	}
	// sun_path holds 108 bytes including the terminating NUL.
	if len(path) > 107 {
		return Addr{}, fmt.Errorf("Listen %q: Unix socket path %q is longer than 107 bytes", s, path)
	}
	return Addr{Network: "unix", Path: path}, nil
}
