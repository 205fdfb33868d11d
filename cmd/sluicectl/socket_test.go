package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDefaultSocket: $SLUICE_SOCKET wins, then the unit's configuration
// when it exists, then the embedded default's var/control.sock.
func TestDefaultSocket(t *testing.T) {
	dir := t.TempDir()
	old := unitConfig
	defer func() { unitConfig = old }()
	unitConfig = filepath.Join(dir, "missing.conf")
	t.Setenv("SLUICE_SOCKET", "")
	got, err := defaultSocket()
	wd, _ := os.Getwd()
	if err != nil || got != filepath.Join(wd, "var/control.sock") {
		t.Errorf("embedded default: %q %v", got, err)
	}
	unitConfig = filepath.Join(dir, "ecelerity.conf")
	os.WriteFile(unitConfig, []byte("Control_Listener { Listen \"127.0.0.1:2025\" { Enable_Authentication = true }\n Listen \"/run/sluice/control.sock\" { } }\n"), 0o644)
	if got, err := defaultSocket(); err != nil || got != "/run/sluice/control.sock" {
		t.Errorf("unit config: %q %v", got, err)
	}
	t.Setenv("SLUICE_SOCKET", "/tmp/x.sock")
	if got, _ := defaultSocket(); got != "/tmp/x.sock" {
		t.Errorf("$SLUICE_SOCKET: %q", got)
	}
}
