// Command sluicectl is sluice's operator tool. This minimal main only
// dispatches "spool"; the full command set replaces it.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "spool" {
		os.Exit(runSpool(os.Args[2:], os.Stdout, os.Stderr))
	}
	fmt.Fprintln(os.Stderr, "usage: sluicectl spool ls|cat|export [-dir DIR] ...")
	os.Exit(2)
}
