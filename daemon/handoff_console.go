package daemon

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"sluice/handoff"
	"sluice/proto/control"
	"sluice/spool"
)

var _ control.HandoffBackend = console{}

// Handoff answers "handoff", "handoff pause|resume [TARGET]", "handoff flush".
func (k console) Handoff(args []string) (control.Reply, error) {
	disp := k.d.Handoff()
	if disp == nil {
		return control.Reply{}, errors.New("handoff: not running")
	}
	if len(args) > 0 {
		target := ""
		if len(args) > 1 {
			target = args[1]
		}
		switch strings.ToLower(args[0]) {
		case "pause":
			return control.Reply{Text: "paused"}, disp.Pause(target)
		case "resume":
			return control.Reply{Text: "resumed"}, disp.Resume(target)
		case "flush":
			n := disp.Flush()
			return control.Reply{Text: fmt.Sprintf("%d deferred messages due now", n), Data: map[string]int{"woken": n}}, nil
		}
	}
	s := disp.Status()
	bl := k.d.store.Backlog()
	age := 0.0
	if !bl.Oldest.IsZero() {
		age = time.Since(bl.Oldest).Seconds()
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tSTATE\tOPEN/CONNS\tIN FLIGHT\tDELIVERED\tDEFERRED\tBOUNCED\tP50\tP99")
	targets := make([]map[string]any, 0, len(s.Targets))
	for _, t := range s.Targets {
		open := "-"
		if t.Open >= 0 {
			open = fmt.Sprint(t.Open)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s/%d\t%d\t%d\t%d\t%d\t%s\t%s\n", t.Name, t.State, open, t.Connections, t.InFlight,
			t.Delivered, t.Deferred, t.Bounced, t.P50, t.P99)
		targets = append(targets, map[string]any{"target": t.Name, "state": t.State, "connections": t.Connections, "open_sessions": t.Open,
			"in_flight": t.InFlight, "delivered": t.Delivered, "deferred": t.Deferred, "bounced": t.Bounced,
			"p50_seconds": t.P50.Seconds(), "p99_seconds": t.P99.Seconds()})
	}
	tw.Flush()
	if len(s.Targets) == 0 {
		b.WriteString("no Handoff targets: mail is kept in the spool (keep-only)\n")
	}
	bp := "off"
	if k.d.BackPressure() {
		bp = "ON"
	}
	fmt.Fprintf(&b, "backlog: %d messages, %d bytes, oldest %.0fs; ready %d, deferred %d, in flight %d; back-pressure %s\n",
		bl.Messages, bl.Bytes, age, s.Ready, s.Waiting, s.InFlight, bp)
	return control.Reply{Text: b.String(), Data: map[string]any{"targets": targets,
		"backlog_messages": bl.Messages, "backlog_bytes": bl.Bytes, "oldest_age_seconds": age,
		"ready": s.Ready, "deferred": s.Waiting, "in_flight": s.InFlight, "back_pressure": k.d.BackPressure()}}, nil
}

// SpoolDead answers "spool dead ls | retry ID|all | purge ID|all".
func (k console) SpoolDead(args []string) (control.Reply, error) {
	dir := k.d.spoolDir
	if strings.EqualFold(args[0], "ls") {
		text, data, err := handoff.DeadListing(dir)
		return control.Reply{Text: text, Data: data}, err
	}
	ids, err := deadIDs(dir, args[1])
	if err != nil {
		return control.Reply{}, err
	}
	var done []string
	for _, id := range ids {
		if strings.EqualFold(args[0], "purge") {
			err = spool.RemoveDead(dir, id)
		} else {
			var nid spool.ID
			nid, err = k.d.retryDead(id)
			if err == nil {
				done = append(done, fmt.Sprintf("%s -> %s", id, nid))
				continue
			}
		}
		if err != nil {
			return control.Reply{}, fmt.Errorf("spool dead %s %s: %w", args[0], id, err)
		}
		done = append(done, id.String())
	}
	return control.Reply{Text: fmt.Sprintf("%s: %d messages\n%s\n", strings.ToLower(args[0]), len(done), strings.Join(done, "\n")),
		Data: map[string]any{"done": done}}, nil
}

// retryDead stores a dead message in the spool again (a new id, handed off
// like any new message) and then removes it from the dead-letter area.
func (d *Daemon) retryDead(id spool.ID) (spool.ID, error) {
	if d.ho.dsn == nil {
		return spool.ID{}, errors.New("handoff: not running")
	}
	m, err := spool.ReadDead(d.spoolDir, id)
	if err != nil {
		return spool.ID{}, err
	}
	nid, err := d.ho.dsn.Submit(&m.Env, m.Data)
	if err != nil {
		return spool.ID{}, err
	}
	d.log.Info("handoff: dead letter retried", "id", id.String(), "new_id", nid.String())
	return nid, spool.RemoveDead(d.spoolDir, id)
}

func deadIDs(dir, which string) ([]spool.ID, error) {
	if strings.EqualFold(which, "all") {
		return spool.ListDead(dir)
	}
	id, err := spool.ParseID(which)
	if err != nil {
		return nil, err
	}
	return []spool.ID{id}, nil
}
