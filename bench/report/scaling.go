package report

import (
	"fmt"
	"strconv"
	"strings"
)

// ScalePrefix names the cases of scripts/bench.sh's scaling pass; their
// labels end in "-wK", K being the workers (and cores) the server had.
const ScalePrefix = "scale-"

// workersOf reads K from a "...-wK" label; 0 when the label has none.
func workersOf(label string) int {
	i := strings.LastIndex(label, "-w")
	if i < 0 {
		return 0
	}
	k, err := strconv.Atoi(label[i+2:])
	if err != nil || k < 1 {
		return 0
	}
	return k
}

// scaleTable prints throughput per core and the scaling efficiency against
// one worker: ops/s at K ÷ (K × ops/s at 1).
func scaleTable(b *strings.Builder, c Case) {
	var one float64
	for _, r := range c.Rows {
		if workersOf(r.Label) == 1 {
			one = r.OpsPerSec.Median
		}
	}
	b.WriteString("| workers = cores | ops/s | ops/s per core | efficiency vs 1 | µs CPU/op | machine µs/op |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range c.Rows {
		k := workersOf(r.Label)
		if k == 0 {
			continue
		}
		eff := "—"
		if one > 0 {
			eff = fmt.Sprintf("%.2f", r.OpsPerSec.Median/(float64(k)*one))
		}
		fmt.Fprintf(b, "| %d | %s | %.0f | %s | %s | %s |\n", k, fmtStat(r.OpsPerSec, 0), r.OpsPerSec.Median/float64(k),
			eff, fmtStat(r.CPUUsPerOp, 1), fmtStat(r.MachineUsOp, 1))
	}
}
