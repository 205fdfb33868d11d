package metrics

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"sluice/metrics/stat"
)

func fakeSnapshot() Snapshot {
	p := stat.NewProto(2)
	p.Session(0)
	p.Received(1, 2, 3000)
	p.RejectRecipient(0, 550)
	p.Reply(0, stat.Class2xx)
	p.Duration.Observe(0, 1.5e9)
	return Snapshot{
		Backend: BackendInfo{Name: "epoll", Reason: "forced by configuration"},
		Config:  ConfigStat{Generation: 3, ReloadOK: 2, ReloadFailed: 1},
		Listens: []ListenStat{{Listener: "ESMTP_Listener", Listen: "127.0.0.1:2525", Enabled: true, Up: true,
			Accepted: 5, RefusedACL: 1, RefusedCap: 2, Active: 1, ClosedClient: 4, BytesIn: 100, BytesOut: 200}},
		Protocols: []ProtocolStat{ProtocolStatOf("esmtp", p)},
		Workers:   []LoopStat{{Worker: 0, Turns: 10, EpollWaits: 9}},
		Spool: SpoolStat{Commits: 1, Records: 1, CommitLatency: stat.HistogramSnapshot{
			Bounds: []float64{0.001, 0.01}, Counts: []uint64{0, 1, 0}, Sum: 0.004}},
	}
}

func TestCollectorExposition(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&collector{src: SourceFunc(fakeSnapshot)})
	want := `
# HELP sluice_listen_connections_refused_total Connections refused at accept, by reason (acl, session_cap, shutdown).
# TYPE sluice_listen_connections_refused_total counter
sluice_listen_connections_refused_total{listen="127.0.0.1:2525",listener="ESMTP_Listener",reason="acl"} 1
sluice_listen_connections_refused_total{listen="127.0.0.1:2525",listener="ESMTP_Listener",reason="session_cap"} 2
sluice_listen_connections_refused_total{listen="127.0.0.1:2525",listener="ESMTP_Listener",reason="shutdown"} 0
# HELP sluice_config_last_reload_successful 1 if the last reload attempt succeeded (or none was made).
# TYPE sluice_config_last_reload_successful gauge
sluice_config_last_reload_successful 0
# HELP sluice_protocol_recipients_rejected_total Recipients rejected, by reply class (4xx, 5xx).
# TYPE sluice_protocol_recipients_rejected_total counter
sluice_protocol_recipients_rejected_total{class="4xx",protocol="esmtp"} 0
sluice_protocol_recipients_rejected_total{class="5xx",protocol="esmtp"} 1
# HELP sluice_spool_commit_duration_seconds Group-commit latency, write to fsync done.
# TYPE sluice_spool_commit_duration_seconds histogram
sluice_spool_commit_duration_seconds_bucket{le="0.001"} 0
sluice_spool_commit_duration_seconds_bucket{le="0.01"} 1
sluice_spool_commit_duration_seconds_bucket{le="+Inf"} 1
sluice_spool_commit_duration_seconds_sum 0.004
sluice_spool_commit_duration_seconds_count 1
# HELP sluice_backend_info Event-loop back end in use and why it was chosen (always 1).
# TYPE sluice_backend_info gauge
sluice_backend_info{backend="epoll",reason="forced by configuration"} 1
`
	names := []string{"sluice_listen_connections_refused_total", "sluice_config_last_reload_successful",
		"sluice_protocol_recipients_rejected_total", "sluice_spool_commit_duration_seconds", "sluice_backend_info"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestProtocolHistogramsAreCumulative(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{src: SourceFunc(fakeSnapshot)})
	text := gatherText(t, reg)
	for _, line := range []string{
		`sluice_protocol_session_duration_seconds_bucket{protocol="esmtp",le="1"} 0`,
		`sluice_protocol_session_duration_seconds_bucket{protocol="esmtp",le="2.5"} 1`,
		`sluice_protocol_session_duration_seconds_bucket{protocol="esmtp",le="600"} 1`,
		`sluice_protocol_session_duration_seconds_sum{protocol="esmtp"} 1.5`,
		`sluice_protocol_message_size_bytes_bucket{protocol="esmtp",le="4096"} 1`,
		`sluice_protocol_message_size_bytes_sum{protocol="esmtp"} 3000`,
		`sluice_protocol_recipients_received_total{protocol="esmtp"} 2`,
		`sluice_epoll_waits_total{worker="0"} 9`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("missing %q", line)
		}
	}
}

func TestServeMetrics(t *testing.T) {
	srv, addr, err := Serve("127.0.0.1:0", New(SourceFunc(fakeSnapshot)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, s := range []string{"sluice_listen_up{", "go_goroutines ", "process_cpu_seconds_total "} {
		if !strings.Contains(string(body), s) {
			t.Errorf("/metrics lacks %q", s)
		}
	}
	if _, _, err := Serve(addr.String(), New(SourceFunc(fakeSnapshot))); err == nil ||
		!strings.Contains(err.Error(), "metrics: Metrics_Listen") {
		t.Fatalf("a busy address must fail with a hint, got %v", err)
	}
}
