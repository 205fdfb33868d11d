// Package e2e runs the console over the real engine (epoll and io_uring)
// with real sockets: Unix peer credentials, TCP login, refusal at accept,
// Host.Go on real goroutines and many clients at once. It lives apart so
// the unit tests of proto/control do not need the engine.
package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sluice/config"
	"sluice/engine"
	"sluice/engine/enginetest"
	"sluice/proto/control"
	"sluice/proto/control/controltest"
)

// start runs an engine with one Unix console (open policy) and one TCP
// console whose policy is vals; it returns the socket path and TCP address.
func start(t *testing.T, backend string, b control.Backend, vals map[string]*config.Value) (string, string) {
	e := enginetest.Start(t, backend, nil)
	f := control.NewFactory(control.FactoryOptions{Backend: b, PID: 4321, Version: "sluice e2e"})
	sock := filepath.Join(t.TempDir(), "control.sock")
	tcpPol := config.NewPolicy("Control_Listener", "127.0.0.1:0", vals)
	spec := &engine.Spec{Generation: 1, Listens: []engine.ListenSpec{
		{Key: "Control_Listener " + sock, Listener: "Control_Listener", Service: "Control",
			Socket: config.Socket{Network: "unix", Address: sock, FileMode: 0o600}, Enabled: true, Factory: f},
		{Key: "Control_Listener 127.0.0.1:0", Listener: "Control_Listener", Service: "Control",
			Socket: config.Socket{Network: "tcp", Address: "127.0.0.1:0"}, Enabled: true,
			Peers: enginetest.Peers(tcpPol), Factory: f},
	}}
	if err := e.Apply(spec); err != nil {
		t.Fatal(err)
	}
	addr := ""
	for _, l := range e.Listeners() {
		if l.Key == "Control_Listener 127.0.0.1:0" && l.State == "bound" {
			addr = l.Bound
		}
	}
	if addr == "" {
		t.Fatalf("TCP console not bound: %+v", e.Listeners())
	}
	return sock, addr
}

func backends(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range []string{"epoll", "io_uring"} {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

func dial(t *testing.T, addr string) *control.Client {
	t.Helper()
	cl, err := control.Dial(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cl.Conn().SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { cl.Close() })
	return cl
}

// The daemon's own uid (this test's) is let in on the Unix socket, and 50
// pipelining clients at once each get their own answers, in order.
func TestUnixConsoleManyClients(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		b := &controltest.Backend{}
		sock, _ := start(t, backend, b, nil)
		if st, body, err := dial(t, sock).Do("pid"); err != nil || st != control.StatusOK || string(body) != "4321\n" {
			t.Fatalf("pid: %v %q %v", st, body, err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			wg.Go(func() {
				cl, err := control.Dial(sock, 5*time.Second)
				if err != nil {
					errs <- err
					return
				}
				defer cl.Close()
				cl.Conn().SetDeadline(time.Now().Add(20 * time.Second))
				rs, err := cl.Pipeline(fmt.Sprintf("config eval c%d enable", i), "version", fmt.Sprintf("count svc %d", i%129), "json listeners")
				if err != nil {
					errs <- err
					return
				}
				want := []string{fmt.Sprintf("eval [c%d enable]\n", i), "sluice e2e\n", fmt.Sprintf("count svc %d\n", i%129), `{"call":"listeners"}` + "\n"}
				for j, r := range rs {
					if r.Status != control.StatusOK || string(r.Body) != want[j] {
						errs <- fmt.Errorf("client %d answer %d: %v %q", i, j, r.Status, r.Body)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestTCPLoginAndRefusals(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	if err := os.WriteFile(pw, []byte("admin:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	login := map[string]*config.Value{
		"enable_authentication": {Kind: config.KindBool, Bool: true},
		"authloginparameters":   {Kind: config.KindDict, Dict: map[string]string{"uri": "file://" + pw}},
		"timeout":               {Kind: config.KindSeconds, Dur: 30 * time.Second},
	}
	backends(t, func(t *testing.T, backend string) {
		b := &controltest.Backend{}
		_, addr := start(t, backend, b, login)
		cl := dial(t, addr)
		if st, _, err := cl.Do("config reload"); err != nil || st != control.StatusNotAuthenticated {
			t.Fatalf("before login: %v %v", st, err)
		}
		if err := cl.Login("admin", "wrong"); err == nil {
			t.Fatal("wrong password accepted")
		}
		if err := cl.Login("admin", "s3cret"); err != nil {
			t.Fatal(err)
		}
		if st, body, err := cl.Do("config reload"); err != nil || st != control.StatusOK || string(body) != `reload ""`+"\n" {
			t.Fatalf("after login: %v %q %v", st, body, err)
		}
		// Three wrong passwords close the connection; the listener serves on.
		cl2 := dial(t, addr)
		bad := "auth login admin " + base64.StdEncoding.EncodeToString([]byte("x"))
		rs, err := cl2.Pipeline(bad, bad, bad)
		if err != nil || len(rs) != 3 || rs[2].Status != control.StatusNotAuthenticated {
			t.Fatalf("lockout: %+v %v", rs, err)
		}
		if _, _, err := cl2.Do("pid"); err == nil {
			t.Fatal("connection still open after three failed logins")
		}
		if st, _, err := dial(t, addr).Do("pid"); err != nil || st != control.StatusNotAuthenticated {
			t.Fatalf("listener after lockout: %v %v", st, err)
		}
	})
}

// Always_Deny (without Always_Allow) is refused by the engine at accept
// with the console's not-authorized frame.
func TestAlwaysDenyAtAccept(t *testing.T) {
	deny := map[string]*config.Value{"always_deny": {Kind: config.KindBool, Bool: true}}
	backends(t, func(t *testing.T, backend string) {
		b := &controltest.Backend{}
		_, addr := start(t, backend, b, deny)
		st, body, err := dial(t, addr).Do("shutdown")
		if err != nil || st != control.StatusNotAuthorized || string(body) != "Not Authorized for this command\n" {
			t.Fatalf("denied: %v %q %v", st, body, err)
		}
		if len(b.Calls) != 0 {
			t.Fatalf("backend reached: %q", b.Calls)
		}
	})
}
