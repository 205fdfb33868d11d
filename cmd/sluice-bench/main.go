// Command sluice-bench is sluice's load generator and peer-comparison
// report tool (bench/cli has the usage). It is wiring only.
package main

import (
	"os"

	"sluice/bench/cli"
)

func main() {
	fi, err := os.Stdout.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr, tty))
}
