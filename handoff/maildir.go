package handoff

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Maildir delivers into one Maildir: the message is written to tmp/,
// fsynced, renamed into new/, and new/ is fsynced; only then does every
// recipient count as delivered. File names are "<secs>.<spool id>.<host>":
// a message handed off twice (after a crash before its ack) lands on the
// same name, so a Maildir never holds two copies.
type Maildir struct {
	dir  string
	host string
}

// NewMaildir creates (0700) the tmp, new and cur directories of dir.
func NewMaildir(dir string) (*Maildir, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("handoff: maildir %s: %w (create it or point the Target elsewhere)", dir, err)
		}
	}
	host, _ := os.Hostname()
	host = strings.NewReplacer("/", `\057`, ":", `\072`).Replace(host)
	return &Maildir{dir: dir, host: host}, nil
}

// Deliver implements Target.
func (m *Maildir) Deliver(ctx context.Context, msg *Message) ([]Status, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%d.%s.%s", msg.ID.Time().Unix(), msg.ID, m.host)
	tmp := filepath.Join(m.dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("handoff: maildir: %w", err)
	}
	_, err = f.Write(msg.Data)
	if err = errors.Join(err, f.Sync(), f.Close()); err == nil {
		err = os.Rename(tmp, filepath.Join(m.dir, "new", name))
	}
	if err == nil {
		err = syncDir(filepath.Join(m.dir, "new"))
	}
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("handoff: maildir: %w", err)
	}
	return all(Delivered, len(msg.Recipients)), nil
}

// Close implements Target.
func (m *Maildir) Close() error { return nil }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
