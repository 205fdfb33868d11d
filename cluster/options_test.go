package cluster

import (
	"testing"

	"sluice/config"
)

// TestRouteAddr: the route address is what the ECCluster_Listener's Listen
// binds, wildcards as explicit addresses (config.Socket.Address).
func TestRouteAddr(t *testing.T) {
	for _, tc := range []struct{ listen, want string }{
		{"*:4802", "0.0.0.0:4802"},
		{"[*]:4802", "[::]:4802"},
		{"127.0.0.1:4802", "127.0.0.1:4802"},
	} {
		c, err := config.Parse("c.conf", []byte(`ECCluster_Listener { Listen "`+tc.listen+`" { } }`))
		if err != nil {
			t.Fatal(err)
		}
		o, err := FromConfig(c, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if o.RouteAddr != tc.want {
			t.Errorf("%s: RouteAddr %q, want %q", tc.listen, o.RouteAddr, tc.want)
		}
	}
}
