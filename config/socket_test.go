package config

import (
	"testing"
)

// TestSocket: the typed description carries every socket option from the
// Listen's fallback, wildcards bind an explicit address, and Diff's notion
// of "changed" is exactly Socket (or Enabled) inequality: a different
// spelling of the same value is no change.
func TestSocket(t *testing.T) {
	c := mustParse(t, `Disable_Nagle_Algorithm = true
ESMTP_Listener {
  Listen_Backlog = 7
  Listen "*:25" { TCP_Recv_Buffer_Size = 64K }
  Listen "[*]:26" { TCP_Send_Buffer_Size = 1024 }
}
Control_Listener { Listen "/run/x.sock" { File_Mode = 0600 } }`)
	got := map[string]Socket{}
	for _, L := range c.Listeners {
		for _, l := range L.Listens {
			got[l.Addr.String()] = l.Socket
		}
	}
	want := map[string]Socket{
		"0.0.0.0:25":  {Network: "tcp", Address: "0.0.0.0:25", Backlog: 7, FileMode: 0o660, NoDelay: true, RecvBuf: 64 << 10},
		"[::]:26":     {Network: "tcp", Address: "[::]:26", V6Only: true, Backlog: 7, FileMode: 0o660, NoDelay: true, SendBuf: 1024},
		"/run/x.sock": {Network: "unix", Address: "/run/x.sock", Backlog: 500, FileMode: 0o600, NoDelay: true},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
	same := mustParse(t, `Disable_Nagle_Algorithm = yes
ESMTP_Listener {
  Listen_Backlog = 7
  Listen ":25" { TCP_Recv_Buffer_Size = 65536 }
  Listen "[::]:26" { TCP_Send_Buffer_Size = 1K }
}
Control_Listener { Listen "/run/x.sock" { File_Mode = 600 } }`)
	if d := Diff(c, same); len(d.Changed)+len(d.Added)+len(d.Removed) != 0 {
		t.Errorf("respelled values changed the sockets: %+v", d)
	}
	off := mustParse(t, `ESMTP_Listener { Listen_Backlog = 7 Listen "*:25" { TCP_Recv_Buffer_Size = 64K Enable = false } }`)
	if d := Diff(c, off); len(d.Changed) != 1 || d.Changed[0].Socket.NoDelay {
		t.Errorf("Nagle and Enable change: %+v", d)
	}
}
