package daemon

import (
	"crypto/tls"
	"fmt"

	"sluice/config"
	"sluice/engine"
	"sluice/proto"
)

// buildSpec turns a generation into the engine's spec: one ListenSpec per
// Listen of every listener type sluice serves, each with its own ACL table
// (fallback already flattened) and the protocol factory of its type.
func (d *Daemon) buildSpec(c *config.Config) (*engine.Spec, error) {
	facs := d.factories(c)
	spec := &engine.Spec{Generation: c.Generation}
	for _, L := range c.Listeners {
		kind := config.KindOf(L.Kind)
		fac, ok := facs[kind.Protocol]
		if !ok {
			if len(L.Listens) > 0 && !clusterKind(kind.Name) {
				d.log.Warn("listener type is accepted but not served yet; its Listens are not bound",
					"listener", L.Kind)
			}
			continue
		}
		for _, l := range L.Listens {
			ls, err := listenSpec(c, l, fac)
			if err != nil {
				return nil, err
			}
			ls.Service = kind.Service
			spec.Listens = append(spec.Listens, ls)
		}
	}
	return spec, nil
}

func listenSpec(c *config.Config, l *config.Listen, fac proto.Factory) (engine.ListenSpec, error) {
	tbl, err := peerTable(c, l)
	if err != nil {
		return engine.ListenSpec{}, fmt.Errorf("daemon: Peer table for %s %s: %w", l.Listener.Kind, l.Addr, err)
	}
	if err := checkFilters(c, l); err != nil {
		return engine.ListenSpec{}, err
	}
	p := c.ListenPolicy(l)
	tlsConf, err := listenTLS(p, fac)
	if err != nil {
		return engine.ListenSpec{}, fmt.Errorf("daemon: TLS for %s %s: %w", l.Listener.Kind, l.Addr, err)
	}
	return engine.ListenSpec{
		Key:      ListenKey(l),
		Listener: l.Listener.Kind,
		Socket:   l.Socket,
		Enabled:  l.Enabled,
		Peers:    tbl,
		Factory:  fac,
		TLS:      tlsConf,
		UseSSL:   p.Bool("use_ssl") && tlsConf != nil,
	}, nil
}

// listenTLS loads the Listen's certificate when it names one, so a bad
// certificate fails the load or the reload, not the first handshake.
func listenTLS(p *config.Policy, fac proto.Factory) (*tls.Config, error) {
	if p.String("tls_certificate") == "" && p.String("tls_key") == "" {
		if p.Bool("use_ssl") {
			return nil, fmt.Errorf("Use_SSL needs TLS_Certificate and TLS_Key")
		}
		return nil, nil
	}
	tc, ok := fac.(proto.TLSConfigurer)
	if !ok {
		return nil, nil
	}
	return tc.TLSConfig(&proto.ConnInfo{Policy: p, PeerUID: -1})
}

// ListenKey names a Listen across generations: its listener type and its
// canonical address, so any spelling of the same socket is the same Listen.
func ListenKey(l *config.Listen) string { return l.Listener.Kind + " " + l.Addr.String() }

func (d *Daemon) apply0(spec *engine.Spec) error { return d.eng.Apply(spec) }

// clusterKind: the listener types the cluster package serves (cluster.go).
func clusterKind(name string) bool {
	return name == "ECCluster_Listener" || name == "msgcserver_listener"
}
