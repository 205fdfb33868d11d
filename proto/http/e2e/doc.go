// Package e2e holds the HTTP_Listener's end-to-end tests: the real engine
// with proto/http's factory on 127.0.0.1:0, driven by Go's net/http client,
// curl and Python's urllib. It is a separate package so that proto/http's
// own tests do not depend on the engine building.
package e2e
