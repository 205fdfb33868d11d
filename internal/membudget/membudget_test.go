package membudget

import "testing"

func TestGrowAccountsAndRefuses(t *testing.T) {
	SetLimit(1 << 20)
	defer SetLimit(0)
	var held int64
	buf, ok := Grow(nil, &held, 100)
	if !ok || cap(buf) != 4096 || held != 4096 || Used() != 4096 {
		t.Fatalf("first grow: ok=%v cap=%d held=%d used=%d", ok, cap(buf), held, Used())
	}
	for ok {
		buf, ok = Grow(buf, &held, cap(buf)-len(buf)+1)
		buf = buf[:cap(buf)]
	}
	if held > 1<<20 || Used() != held || Refused() == 0 {
		t.Fatalf("held %d used %d refused %d: the budget was passed", held, Used(), Refused())
	}
	Release(&held)
	if Used() != 0 || held != 0 {
		t.Fatalf("after release: used %d held %d", Used(), held)
	}
	if DefaultLimit() <= 0 {
		t.Fatal("no default")
	}
}

func TestLargeGrowthIsQuarter(t *testing.T) {
	var held int64
	buf := make([]byte, 4<<20)
	buf, _ = Grow(buf, &held, 1)
	if cap(buf) != 5<<20 || held != 1<<20 {
		t.Fatalf("cap %d held %d", cap(buf), held)
	}
	Release(&held)
}
