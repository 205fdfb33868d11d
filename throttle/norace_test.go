//go:build !race

package throttle

const raceBuild = false
