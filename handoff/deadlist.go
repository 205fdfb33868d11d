package handoff

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"sluice/spool"
)

// DeadListing renders the dead-letter area of the spool in dir (the console's
// "spool dead ls" and sluicectl's).
func DeadListing(dir string) (string, []map[string]any, error) {
	ids, err := spool.ListDead(dir)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tBURIED\tSIZE\tSENDER\tRECIPIENTS\tREASON")
	data := []map[string]any{}
	for _, id := range ids {
		m, err := spool.ReadDead(dir, id)
		if err != nil {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%v\n", id, err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t<%s>\t%s\t%s\n", id, m.Buried.UTC().Format(time.RFC3339), len(m.Data),
			m.Env.Sender, strings.Join(m.Env.Recipients, ","), m.Reason)
		data = append(data, map[string]any{"id": id.String(), "buried": m.Buried.UTC(), "size": len(m.Data),
			"sender": m.Env.Sender, "recipients": m.Env.Recipients, "reason": m.Reason})
	}
	tw.Flush()
	return b.String(), data, nil
}
