package main

import (
	"path/filepath"
	"strings"
)

// clusterPushPath makes the FILE of "cluster config push FILE" absolute:
// the daemon reads it, from its own working directory.
func clusterPushPath(w []string) []string {
	if len(w) == 4 && strings.EqualFold(w[0], "cluster") && strings.EqualFold(w[1], "config") &&
		strings.EqualFold(w[2], "push") && !filepath.IsAbs(w[3]) {
		if abs, err := filepath.Abs(w[3]); err == nil {
			w = append(w[:3:3], abs)
		}
	}
	return w
}
