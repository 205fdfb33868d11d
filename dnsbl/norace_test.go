//go:build !race

package dnsbl

const raceBuild = false
