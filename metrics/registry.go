package metrics

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultListen is Metrics_Listen's default: loopback only, apart from
// every ingress port.
const DefaultListen = "127.0.0.1:9025"

// New returns a registry with sluice's collector over src plus the Go and
// process collectors. src is called once per scrape.
func New(src Source) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{src: src},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves reg's exposition (for the HTTP_Listener's /metrics too).
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Serve listens on addr ("" means DefaultListen) and serves /metrics on its
// own goroutine, on Go's net/http: it shares nothing with the engine's
// ingress path. It returns the server (Close or Shutdown it) and the
// address bound, so port 0 works in tests.
func Serve(addr string, reg *prometheus.Registry) (*http.Server, net.Addr, error) {
	if addr == "" {
		addr = DefaultListen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		var oe *net.OpError // "listen tcp ADDR: bind: …" names the address again
		if errors.As(err, &oe) {
			err = oe.Err
		}
		return nil, nil, fmt.Errorf("metrics: Metrics_Listen %s: %w (choose a free address with -metrics or Metrics_Listen)", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", Handler(reg))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	go srv.Serve(ln) // returns ErrServerClosed on Close; nothing else to report
	return srv, ln.Addr(), nil
}
