// Package e2e holds the end-to-end tests of the filter hooks against the
// real third-party servers operators plug in: postgrey (policy
// delegation), rspamd and OpenDKIM (milter). Each test runs sluice's engine
// on both event-loop back ends, starts its own server with a private
// configuration and state under t.TempDir() on a testport port, and stops
// only that server, by PID. The programs are found with internal/extbin.
package e2e
