package main

import (
	"fmt"
	"io"

	"sluice/config"
	"sluice/daemon"
)

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.LoadDefault()
	}
	return config.Load(path)
}

// checkConfig is -check and -dump: parse, validate, then build what
// start-up builds (Peer tables, TLS certificates and keys), binding
// nothing. With strict, every warning is an error.
func checkConfig(path string, dump, strict bool, stdout, stderr io.Writer) int {
	c, err := loadConfig(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if dump {
		fmt.Fprint(stdout, config.Dump(c))
		return 0
	}
	if err := daemon.Check(c); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	warnings := append(append([]string(nil), c.Warnings...), daemon.CheckDirs(c)...)
	if strict && len(warnings) > 0 {
		for _, w := range warnings {
			fmt.Fprintln(stderr, "error:", w)
		}
		fmt.Fprintf(stderr, "sluiced: -strict: %d warnings are errors\n", len(warnings))
		return 1
	}
	fmt.Fprintln(stdout, "configuration valid")
	for _, w := range warnings {
		fmt.Fprintln(stdout, "warning:", w)
	}
	return 0
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
