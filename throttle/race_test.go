//go:build race

package throttle

// raceBuild: the race detector makes the million-address bound tests ~30x
// slower; under it they run a tenth of the addresses (the bound is the same
// property), the plain run does the full million.
const raceBuild = true
