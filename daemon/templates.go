package daemon

import (
	"path/filepath"
	"sync"

	httpproto "sluice/proto/http"
	"sluice/tplstore"
)

// templates is the HTTP_Listener's template store, opened once for the
// daemon's life (every generation's factory shares it).
type templates struct {
	once  sync.Once
	store httpproto.TemplateStore
}

// templateStore opens the stored templates beside the spool: a directory
// "templates" next to Spoolbase (var/spool → var/templates). If it cannot
// be opened the error is logged and the templates endpoints answer 404.
func (d *Daemon) templateStore() httpproto.TemplateStore {
	d.tpl.once.Do(func() {
		dir := filepath.Join(filepath.Dir(d.spoolDir), "templates")
		st, err := tplstore.Open(dir)
		if err != nil {
			d.log.Error("daemon: stored templates unavailable", "dir", dir, "err", err)
			return
		}
		d.tpl.store = st
	})
	return d.tpl.store
}
