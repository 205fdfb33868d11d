package http

// route is an endpoint.
type route uint8

const (
	rNone route = iota
	rInject
	rTransmissions
	rMessages
	rSummary
	rHealthz
	rReadyz
	rMetrics
	rTemplates // /api/v1/templates
	rTemplate  // /api/v1/templates/{id} and /api/v1/templates/{id}/preview
	rCluster   // /stats/cluster
)

// routeOf maps a path (query already stripped) to its endpoint; one
// trailing slash is accepted, as Momentum does.
func routeOf(p []byte) route {
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	switch string(p) {
	case "/v1.0/inject":
		return rInject
	case "/api/v1/transmissions":
		return rTransmissions
	case "/api/v1/messages":
		return rMessages
	case "/stats/summary":
		return rSummary
	case "/healthz":
		return rHealthz
	case "/readyz":
		return rReadyz
	case "/metrics":
		return rMetrics
	case "/stats/cluster":
		return rCluster
	case "/api/v1/templates":
		return rTemplates
	}
	if len(p) > len(tplPrefix) && string(p[:len(tplPrefix)]) == tplPrefix {
		return rTemplate
	}
	return rNone
}

// allows reports whether rt accepts m, and the Allow header value for 405.
func (f *Factory) allows(rt route, m method) (bool, string) {
	switch rt {
	case rInject:
		return m == mGET || m == mHEAD || m == mPOST, "GET, HEAD, POST"
	case rTransmissions, rMessages:
		return m == mPOST, "POST"
	case rTemplates:
		return m == mGET || m == mHEAD || m == mPOST, "GET, HEAD, POST"
	case rTemplate:
		return m == mGET || m == mHEAD || m == mPOST || m == mPUT || m == mDELETE, "GET, HEAD, POST, PUT, DELETE"
	case rSummary:
		if f.o.ResetSummary == nil {
			return m == mGET || m == mHEAD, "GET, HEAD"
		}
		return m == mGET || m == mHEAD || m == mDELETE, "GET, HEAD, DELETE"
	}
	return m == mGET || m == mHEAD, "GET, HEAD"
}

// exists reports whether the endpoint is served by this factory: operator
// endpoints whose callback the daemon did not give answer 404.
func (f *Factory) exists(rt route) bool {
	switch rt {
	case rNone:
		return false
	case rSummary:
		return f.o.Summary != nil
	case rMetrics:
		return f.o.Metrics != nil
	case rTemplates, rTemplate:
		return f.o.Templates != nil
	case rCluster:
		return f.o.Cluster != nil
	}
	return true
}

// public reports whether rt is reachable without credentials (probes).
// Always_Deny still applies.
func public(rt route) bool { return rt == rHealthz || rt == rReadyz }

// consumesBody reports whether the endpoint reads the request body; other
// endpoints discard it.
func consumesBody(rt route, m method) bool {
	return (m == mPOST || m == mPUT) &&
		(rt == rInject || rt == rTransmissions || rt == rMessages || rt == rTemplates || rt == rTemplate)
}
