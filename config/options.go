package config

// The option table: momentum-spec §3.1-§3.5 and §9 for the six listener
// types, plus the globals sluice uses. Defaults follow the spec, except the
// TCP buffer sizes: sluice defaults them to 0 (OS auto-sizing) where
// Momentum says 4096/32768. Options without .acts() are accepted and make
// -check warn "has no effect yet".
func init() {
	register(
		// §3.1 netlistener knobs.
		opt("Enable", KindBool, "true").in(tyAll).acts(),
		opt("Listen_Backlog", KindInt, "500").in(tyNet).acts(),
		opt("Accept_Queue_Backlog", KindInt, "0").in(tyAll),
		opt("Concurrency", KindInt, "0").in(tyNet),
		optNoDef("Pool_Name", KindString).in(tyNet),
		opt("Events_Per_Iter", KindInt, "0").in(tyNet),
		opt("File_Mode", KindPerms, "0660").in(tyAll).acts(),
		opt("TCP_Recv_Buffer_Size", KindSize, "0").in(tyNet).acts(),
		opt("TCP_Send_Buffer_Size", KindSize, "0").in(tyNet).acts(),
		opt("Disable_Nagle_Algorithm", KindBool, "false").in(tyNet).global().acts(),
		optNoDef("Event_Loop", KindString).in(tyTLS).restart(),
		opt("Proxy_Protocol", KindBool, "false").both(tyCSH).acts(),
		opt("Proxy_Protocol_Timeout", KindSeconds, "60").both(tyCSH).acts(),
		optNoDef("Duravip_Follow", KindString).in(tyAll).listenOnly(),
		optNoDef("Duravip_Preference", KindString).in(tyAll).listenOnly(),
		opt("Enable_Duravip", KindBool, "false").in(tyAll).listenOnly(),
		opt("Listener_Sessions", KindInt, "0").both(tyCSH).acts(),
		opt("Service_Sessions", KindInt, DefaultServiceSessions).both(tyCSH).acts(),

		// §3.2 Control_Listener and the shared authentication knobs.
		opt("Always_Allow", KindBool, "false").both(tyControl|tyESMTP|tyHTTP).acts(),
		opt("Always_Deny", KindBool, "false").both(tyControl|tyESMTP|tyHTTP).acts(),
		optNoDef("AuthCramMD5Parameters", KindDict).in(tyControl|tyESMTP),
		optNoDef("AuthDigestMD5Parameters", KindDict).both(tyControl|tyESMTP|tyHTTP),
		optNoDef("AuthLoginParameters", KindDict).in(tyControl|tyESMTP).acts(),
		optNoDef("AuthPlainParameters", KindDict).in(tyESMTP|tyHTTP).acts(),
		optNoDef("AuthorizationParameters", KindDict).in(tyControl|tyESMTP),
		opt("Enable_Authentication", KindBool, "false").both(tyControl|tyESMTP|tyHTTP).acts(),
		opt("Enable_Authorization", KindBool, "false").both(tyControl),
		opt("Timeout", KindSeconds, "60").in(tyControl).acts(),

		// §3.3 ESMTP_Listener.
		opt("Allow_IP_Literal", KindBool, "true").both(tyESMTP).global().acts(),
		opt("Allow_Null_Envelope_Sender", KindBool, "true").both(tyESMTP).acts(),
		opt("Allow_Trailing_Whitespace_In_Commands", KindBool, "false").both(tyESMTP).acts(),
		optNoDef("Banner_Hostname", KindString).both(tyESMTP).acts(),
		optNoDef("Static_Banner", KindString).both(tyESMTP).acts(),
		optNoDef("Received_Hostname", KindString).both(tyESMTP).acts(),
		optNoDef("Context", KindDict).both(tyESMTP),
		optNoDef("Domain_For_Unqualified_Recipient_Addresses", KindString).both(tyESMTP),
		optNoDef("Domain_For_Unqualified_Sender_Address", KindString).both(tyESMTP),
		opt("Idle_Time", KindSeconds, "300").both(tyESMTP|tyHTTP).acts(),
		opt("Max_Message_Size", KindSize, DefaultMaxMessageSize).both(tyESMTP).in(tyECStream|tyHTTP).acts(),
		opt("Max_Receptions_Per_Connection", KindInt, "0").both(tyESMTP).acts(),
		opt("Max_Recipients_Per_Connection", KindInt, "0").both(tyESMTP).acts(),
		opt("Max_Recipients_Per_Message", KindInt, DefaultMaxRecipients).both(tyESMTP).acts(),
		opt("Open_Relay", KindBool, "false").both(tyESMTP).acts(),
		optNoDef("Relay_For_Sending_Domains", KindArray).both(tyESMTP).acts(),
		optNoDef("Relay_Hosts", KindArray).elem(KindCIDR).both(tyESMTP).global().acts(),
		opt("Require_EHLO", KindBool, "false").both(tyESMTP).acts(),
		optNoDef("SMTP_Extensions", KindArray).both(tyESMTP).acts(),
		opt("STARTTLS_Injection_Policy", KindString, "reject").both(tyESMTP).enum("allow", "ignore", "reject").acts(),
		optNoDef("Pathway", KindString).both(tyESMTP|tyECStream),
		opt("MCMT_Reception", KindString, "passthru").both(tyESMTP),
		opt("Click_Tracking_Enabled", KindBool, "false").both(tyESMTP),
		opt("Open_Tracking_Enabled", KindBool, "false").both(tyESMTP),
		opt("Tracking_Domain", KindString, "localhost:8080").both(tyESMTP),
		opt("Tracking_Link_Expiry", KindSeconds, "31536000").both(tyESMTP),
		opt("Reconfig_Message", KindString, "4.3.2 Reconfiguration in progress").in(tyESMTP).top().acts(),

		// TLS (§3.3-§3.5). Peer-level TLS exists only for ESMTP.
		optNoDef("TLS_Certificate", KindArray).both(tyTLS).acts(),
		optNoDef("TLS_Key", KindArray).both(tyTLS).acts(),
		opt("TLS_Session_Tickets", KindBool, "true").both(tyTLS).acts(),
		opt("TLS_Ticket_Key_Period", KindSeconds, "43200").both(tyTLS).acts(),
		optNoDef("TLS_Client_CA", KindString).both(tyTLS).acts(),
		optNoDef("TLS_Ciphers", KindString).both(tyTLS),
		optNoDef("TLS_Protocols", KindString).both(tyTLS),
		optNoDef("TLSv13_Ciphersuites", KindString).both(tyESMTP|tyHTTP),
		optNoDef("TLS_Verify_Mode", KindString).both(tyTLS).acts(),
		opt("TLS_Allow_Renegotiation", KindBool, "true").both(tyTLS),
		opt("TLS_Verified_Peer_Can_Relay", KindBool, "false").both(tyESMTP|tyECStream).acts(),
		opt("TLS_Verified_Peer_Is_Authorized", KindBool, "false").both(tyHTTP),
		opt("Use_SSL", KindBool, "false").both(tyTLS).acts(),

		// §3.4 ECStream_Listener.
		opt("ECStream_Idle_Time", KindSeconds, "300").both(tyECStream).acts(),
		opt("ECStream_Max_Batch_Size", KindInt, "10000").both(tyECStream).acts(),

		// §3.5 HTTP_Listener.
		opt("Disable_Chunked", KindBool, "false").both(tyHTTP).acts(),
		opt("Log_Requests_To_Paniclog", KindBool, "false").both(tyHTTP),
		opt("Max_Request_Size", KindSize, "0").both(tyHTTP).acts(),
	)
	registerGlobals()
	narrowPeers()
}

// registerGlobals adds the global options sluice uses.
func registerGlobals() {
	register(
		opt("Spoolbase", KindString, "var/spool").global().acts().restart(),
		opt("Metrics_Listen", KindSockAddr, "127.0.0.1:9025").global().orOff().acts(),
		opt("Workers", KindInt, "0").global().acts().restart(),
		opt("Event_Loop_Backend", KindString, "auto").global().enum("auto", "io_uring", "epoll").acts().restart(),
		opt("TLS_Record_Layer", KindString, "worker").global().enum("worker", "goroutine").acts().restart(),
		optNoDef("Hostname", KindString).global().acts(),
		optNoDef("Relay_Domains", KindArray).global().acts(),
		opt("Log_Format", KindString, "text").global().enum("text", "json").acts().restart(),
		optNoDef("Pidfile", KindString).global().acts().restart(),
		opt("RFC2821_Allow_Whitespace_In_Envelope", KindBool, "false").global().acts(),
		opt("RFC2821_Pedantic_Address_Rules", KindBool, "true").global(),
		opt("RFC2822_Lone_LF_In_Body", KindString, "ignore").global().enum("ignore", "pedantic", "fix").acts(),
		opt("RFC2822_Lone_LF_In_Headers", KindString, "pedantic").global().enum("pedantic", "fix").acts(),
		opt("RFC2822_Max_Line_Length", KindString, "ignore").global().enum("ignore", "pedantic", "fix").orNumber().acts(),
		opt("RFC2822_Max_Line_Length_Policy", KindString, "none").global().enum("none", "fix", "reject").acts(),
		optNoDef("RFC2822_Missing_Headers", KindString).global().enum("reject", "allow"),
		optNoDef("RFC2822_Date_Header", KindString).global().enum("ifneeded", "pedantic", "ignore"),
		optNoDef("RFC2822_Messageid_Header", KindString).global().enum("ifneeded", "ignore"),
		opt("RFC2822_Trace_Headers", KindBool, "true").global().acts(),
	)
}

// narrowPeers applies the spec's per-type Peer subsets: a Control Peer takes
// only the authentication knobs, an ECStream Peer only the two ECStream
// options, and the password-file dictionaries are never valid in a Peer.
func narrowPeers() {
	controlPeer := map[string]bool{"always_allow": true, "always_deny": true,
		"authdigestmd5parameters": true, "enable_authentication": true,
		"enable_authorization": true, "proxy_protocol": true, "proxy_protocol_timeout": true}
	ecsPeer := map[string]bool{"ecstream_idle_time": true, "ecstream_max_batch_size": true,
		"proxy_protocol": true, "proxy_protocol_timeout": true}
	for k, d := range registry {
		if !controlPeer[k] {
			d.Peer &^= tyControl
		}
		if !ecsPeer[k] {
			d.Peer &^= tyECStream
		}
	}
}
