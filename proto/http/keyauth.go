package http

import (
	"sluice/proto/http/apikey"
)

// keyRoute reports whether rt is a Momentum 4 API endpoint, authenticated
// by API key when API_Keys is set.
func keyRoute(rt route) bool {
	return rt == rTransmissions || rt == rMessages || rt == rTemplates || rt == rTemplate
}

// grantFor is the grant a request to rt with method m needs.
func grantFor(rt route, m method) apikey.Grant {
	switch rt {
	case rTemplates, rTemplate:
		if m == mGET || m == mHEAD {
			return apikey.TemplatesView
		}
		if rt == rTemplate && m == mPOST { // preview
			return apikey.TemplatesView
		}
		return apikey.TemplatesModify
	}
	return apikey.TransmissionsModify
}

var (
	errKeyMissing = &herr{401, "Unauthorized: a valid API key is required in the Authorization header"}
	errKeyGrant   = &herr{403, "Forbidden: the API key lacks the grant this request needs"}
)

// checkKey applies API_Keys: the Authorization header holds the key itself
// (Momentum 4 clients send it without a scheme). It runs per request, so a
// changed key file applies to open connections too.
func (s *session) checkKey() *herr {
	set := s.f.keys.Get(s.tx.keyFile, s.h.Now())
	g, ok := set.Lookup(s.req.auth)
	if !ok {
		return errKeyMissing
	}
	if g&grantFor(s.rt, s.req.method) == 0 {
		return errKeyGrant
	}
	return nil
}
