package main

// Zero-downtime upgrade (SIGUSR2, console "upgrade", sluicectl upgrade).
//
// The running process (old) and its successor (new) talk over a Unix
// socketpair passed to new as fd 3 ($SLUICE_UPGRADE_FD):
//
//	old → new  one JSON line (workers, one entry per fd) and the fds
//	           (SCM_RIGHTS, at most 200 per message): every listening
//	           socket and every port claim, duplicated
//	new → old  "bound"     new loaded its config and holds every socket;
//	                       the kernel queues connections meanwhile
//	old        stops accepting, lets its sessions finish their commits
//	           (up to -drain), closes its spool (releasing the lock)
//	old → new  "released"
//	new        opens and recovers the spool, starts accepting
//	new → old  "serving"
//	old        tells systemd MAINPID=new, exits 0
//	old → new  "bye"       new sends READY=1
//
// The listening sockets are the same kernel objects in both processes, so
// no connection attempt is refused at any point: until new accepts, they
// wait in the accept queue. If new fails before "bound" (a binary that
// does not start, a config that does not load), old closes the duplicates
// and keeps serving. A failure of new after "released" leaves nobody
// serving; the log says so and the process manager restarts the unit.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"sluice/daemon"
	"sluice/internal/systemd"
)

const (
	upgradeEnv     = "SLUICE_UPGRADE_FD"
	fdsPerMessage  = 200
	upgradeTimeout = 60 * time.Second
)

type handoverMeta struct {
	Workers int                      `json:"workers"`
	Entries []daemon.InheritedSocket `json:"entries"`
}

// upgrade runs the old side. It returns true when the successor serves
// (this process exits) and false when the upgrade failed before this
// process stopped serving.
func upgrade(d *daemon.Daemon, log *slog.Logger, drain time.Duration, exe string, args []string) (done bool) {
	log.Info("upgrade: starting successor", "binary", exe)
	h, err := d.Handover()
	if err != nil {
		log.Error("upgrade failed; still serving", "err", err)
		return false
	}
	defer h.Close()
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		log.Error("upgrade failed; still serving", "err", fmt.Errorf("socketpair: %w", err))
		return false
	}
	mine, theirs := os.NewFile(uintptr(sp[0]), "upgrade"), os.NewFile(uintptr(sp[1]), "upgrade-child")
	defer mine.Close()
	cmd := exec.Command(exe, args...)
	// WATCHDOG_PID names this process; the successor, once MAINPID, pings
	// for itself (systemd.WatchdogInterval accepts an unset WATCHDOG_PID).
	cmd.Env = append(withoutEnv(os.Environ(), "WATCHDOG_PID"), upgradeEnv+"=3")
	cmd.ExtraFiles = []*os.File{theirs}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		log.Error("upgrade failed; still serving", "err", err)
		return false
	}
	fail := func(what string, err error) bool {
		cmd.Process.Kill()
		cmd.Wait()
		log.Error("upgrade failed; still serving", "step", what, "err", err, "successor_pid", cmd.Process.Pid)
		return false
	}
	fc, err := net.FileConn(mine)
	if err != nil {
		return fail("handover socket", err)
	}
	conn := fc.(*net.UnixConn)
	defer conn.Close()
	if err := sendHandover(conn, h); err != nil {
		return fail("sending the sockets", err)
	}
	h.Close()
	h.FDs = nil
	r := bufio.NewReader(conn)
	if err := expect(conn, r, "bound"); err != nil {
		return fail("successor start-up", err)
	}
	log.Info("upgrade: successor holds the sockets; draining", "successor_pid", cmd.Process.Pid, "drain", drain)
	systemd.Notify("STATUS=upgrading: draining for pid " + strconv.Itoa(cmd.Process.Pid))
	d.PrepareHandover()
	ctx, cancel := context.WithTimeout(context.Background(), drain)
	if err := d.Shutdown(ctx); err != nil {
		log.Warn("upgrade: drain", "err", err)
	}
	cancel()
	if _, err := conn.Write([]byte("released\n")); err != nil {
		log.Error("upgrade: successor lost after this process released the spool; nobody serves", "err", err)
		return true
	}
	if err := expect(conn, r, "serving"); err != nil {
		log.Error("upgrade: successor failed after this process released the spool; nobody serves", "err", err)
		return true
	}
	systemd.Notify("MAINPID=" + strconv.Itoa(cmd.Process.Pid))
	conn.Write([]byte("bye\n"))
	log.Info("upgrade: successor serves; exiting", "successor_pid", cmd.Process.Pid)
	return true
}

// expect reads one line and checks it, within upgradeTimeout.
func expect(conn *net.UnixConn, r *bufio.Reader, want string) error {
	conn.SetReadDeadline(time.Now().Add(upgradeTimeout))
	line, err := r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("waiting for %q: %w (the successor exited or hung; its log is above)", want, err)
	}
	if got := strings.TrimSpace(line); got != want {
		return fmt.Errorf("waiting for %q, got %q", want, got)
	}
	return nil
}

func sendHandover(conn *net.UnixConn, h *daemon.Handover) error {
	meta, err := json.Marshal(handoverMeta{Workers: h.Workers, Entries: h.Entries})
	if err != nil {
		return err
	}
	if _, err := conn.Write(append(meta, '\n')); err != nil {
		return err
	}
	for i := 0; i < len(h.FDs); i += fdsPerMessage {
		chunk := h.FDs[i:min(i+fdsPerMessage, len(h.FDs))]
		if _, _, err := conn.WriteMsgUnix([]byte{'F'}, unix.UnixRights(chunk...), nil); err != nil {
			return err
		}
	}
	return nil
}

// successor is the new side of an upgrade.
type successor struct {
	conn *net.UnixConn
	r    *bufio.Reader
	meta handoverMeta
}

// receiveHandover reads the sockets from the predecessor when this process
// was started by an upgrade; nil, nil otherwise.
func receiveHandover() (*successor, []daemon.InheritedSocket, error) {
	v := os.Getenv(upgradeEnv)
	if v == "" {
		return nil, nil, nil
	}
	os.Unsetenv(upgradeEnv)
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, nil, fmt.Errorf("sluiced: %s=%q", upgradeEnv, v)
	}
	unix.CloseOnExec(n)
	fc, err := net.FileConn(os.NewFile(uintptr(n), "upgrade"))
	if err != nil {
		return nil, nil, fmt.Errorf("sluiced: upgrade socket: %w", err)
	}
	s := &successor{conn: fc.(*net.UnixConn)}
	s.conn.SetReadDeadline(time.Now().Add(upgradeTimeout))
	var payload []byte
	var fds []int
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*fdsPerMessage))
	for {
		if i := strings.IndexByte(string(payload), '\n'); i >= 0 && s.meta.Entries == nil {
			if err := json.Unmarshal(payload[:i], &s.meta); err != nil {
				return nil, nil, fmt.Errorf("sluiced: upgrade header: %w", err)
			}
			if s.meta.Entries == nil {
				s.meta.Entries = []daemon.InheritedSocket{}
			}
		}
		if s.meta.Entries != nil && len(fds) >= len(s.meta.Entries) {
			break
		}
		nb, no, _, _, err := s.conn.ReadMsgUnix(buf, oob)
		if err != nil {
			closeInts(fds)
			return nil, nil, fmt.Errorf("sluiced: receiving the sockets: %w", err)
		}
		payload = append(payload, buf[:nb]...)
		if no > 0 {
			got, err := parseRights(oob[:no])
			fds = append(fds, got...)
			if err != nil {
				closeInts(fds)
				return nil, nil, err
			}
		}
	}
	in := make([]daemon.InheritedSocket, len(s.meta.Entries))
	for i, e := range s.meta.Entries {
		if e.FD < 0 || e.FD >= len(fds) {
			closeInts(fds)
			return nil, nil, errors.New("sluiced: upgrade header names an fd that was not sent")
		}
		e.FD = fds[e.FD]
		in[i] = e
	}
	s.conn.SetReadDeadline(time.Time{})
	s.r = bufio.NewReader(s.conn)
	return s, in, nil
}

func parseRights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("sluiced: upgrade control message: %w", err)
	}
	var out []int
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			return out, fmt.Errorf("sluiced: upgrade rights: %w", err)
		}
		for _, fd := range fds {
			unix.CloseOnExec(fd)
		}
		out = append(out, fds...)
	}
	return out, nil
}

// bound tells the predecessor every socket is held and waits until it has
// released the spool (daemon.Options.BeforeSpool).
func (s *successor) bound() error {
	if _, err := s.conn.Write([]byte("bound\n")); err != nil {
		return fmt.Errorf("sluiced: upgrade: %w", err)
	}
	// The predecessor drains for up to its -drain first.
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Minute))
	line, err := s.r.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "released" {
		return fmt.Errorf("sluiced: upgrade: the predecessor did not release the spool (%q, %v)", line, err)
	}
	return nil
}

// serving tells the predecessor this process serves, and waits for its
// goodbye (sent after it told systemd the new main pid).
func (s *successor) serving() {
	s.conn.SetDeadline(time.Now().Add(upgradeTimeout))
	s.conn.Write([]byte("serving\n"))
	s.r.ReadString('\n')
	s.conn.Close()
}

func closeInts(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
