// Package systemd speaks the two small systemd protocols sluiced needs,
// written by hand (each is a few lines; no library is worth the
// dependency):
//
//   - sd_notify: one datagram per state change to the AF_UNIX socket named
//     by $NOTIFY_SOCKET ("/path", or "@name" for the abstract namespace):
//     READY=1, RELOADING=1, STOPPING=1, WATCHDOG=1, MAINPID=N, STATUS=….
//     Without $NOTIFY_SOCKET every call is a no-op.
//   - socket activation: $LISTEN_PID and $LISTEN_FDS say that fds 3 … 3+N-1
//     are listening sockets passed to this process.
//
// Both read the environment once per call and keep no state, so any
// goroutine may call them.
package systemd

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Notify sends state (newline-separated assignments) to $NOTIFY_SOCKET.
// It returns nil when the variable is unset: not run by systemd.
func Notify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	if path[0] != '/' && path[0] != '@' {
		return fmt.Errorf("systemd: NOTIFY_SOCKET %q is neither a path nor @abstract", path)
	}
	addr := &net.UnixAddr{Name: path, Net: "unixgram"}
	if path[0] == '@' {
		addr.Name = "\x00" + path[1:]
	}
	c, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return fmt.Errorf("systemd: notify: %w", err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("systemd: notify: %w", err)
	}
	return nil
}

// WatchdogInterval is how often WATCHDOG=1 must be sent ($WATCHDOG_USEC,
// meant for this process when $WATCHDOG_PID is unset or names it), or 0
// when the unit has no WatchdogSec.
func WatchdogInterval() time.Duration {
	us, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || us <= 0 {
		return 0
	}
	if p := os.Getenv("WATCHDOG_PID"); p != "" && p != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// Watchdog sends WATCHDOG=1 every half interval while alive reports true,
// until stop is closed. alive should prove the process does its work (the
// daemon asks every worker); a stuck process stops pinging and systemd
// restarts it. It returns at once when there is no watchdog.
func Watchdog(stop <-chan struct{}, alive func() bool) {
	iv := WatchdogInterval()
	if iv == 0 {
		return
	}
	t := time.NewTicker(iv / 2)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if alive() {
				Notify("WATCHDOG=1")
			}
		}
	}
}

// ListenFDs returns the sockets systemd passed ($LISTEN_FDS starting at
// fd 3) when $LISTEN_PID names this process, marks them close-on-exec and
// unsets the variables so no child inherits them. Names come from
// $LISTEN_FDNAMES when set.
func ListenFDs() (fds []int, names []string) {
	defer func() {
		os.Unsetenv("LISTEN_PID")
		os.Unsetenv("LISTEN_FDS")
		os.Unsetenv("LISTEN_FDNAMES")
	}()
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return nil, nil
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n <= 0 || n > 1024 {
		return nil, nil
	}
	all := strings.Split(os.Getenv("LISTEN_FDNAMES"), ":")
	for i := 0; i < n; i++ {
		fd := 3 + i
		unix.CloseOnExec(fd)
		fds = append(fds, fd)
		if i < len(all) {
			names = append(names, all[i])
		} else {
			names = append(names, "")
		}
	}
	return fds, names
}
