package config

import (
	"net/netip"
	"os"
)

// Socket is everything the engine needs to create a Listen's socket, typed,
// computed once per Listen when the configuration is built (like Enabled).
// The engine compares two with == to decide whether a reload must rebind,
// and Diff reports a Listen as changed on the same comparison, so the set of
// socket options is listed here only.
type Socket struct {
	Network  string      // "tcp" or "unix"
	Address  string      // bound: an explicit IP for wildcards ("0.0.0.0:25", "[::]:25") or the path
	V6Only   bool        // IPV6_V6ONLY (every IPv6 socket)
	Backlog  int         // Listen_Backlog; 0 = OS maximum
	FileMode os.FileMode // File_Mode, unix only; 0 = the umask's choice
	NoDelay  bool        // Disable_Nagle_Algorithm
	RecvBuf  int         // TCP_Recv_Buffer_Size; 0 = OS default
	SendBuf  int         // TCP_Send_Buffer_Size; 0 = OS default
}

// socketOf reads l's socket options from its resolved policy p.
func socketOf(a Addr, p *Policy) Socket {
	return Socket{
		Network:  a.Network,
		Address:  bindAddress(a),
		V6Only:   a.V6Only,
		Backlog:  int(p.Int("listen_backlog")),
		FileMode: os.FileMode(p.Int("file_mode")),
		NoDelay:  p.Bool("disable_nagle_algorithm"),
		RecvBuf:  int(p.Int("tcp_recv_buffer_size")),
		SendBuf:  int(p.Int("tcp_send_buffer_size")),
	}
}

// bindAddress is the address the engine binds: an explicit IP for the
// wildcards, so "*:25" binds 0.0.0.0:25 and "[*]:25" binds [::]:25.
func bindAddress(a Addr) string {
	if a.Network == "unix" {
		return a.Path
	}
	ip := a.IP
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
		if a.V6Only {
			ip = netip.IPv6Unspecified()
		}
	}
	return netip.AddrPortFrom(ip, a.Port).String()
}
