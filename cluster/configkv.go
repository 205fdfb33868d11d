package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The pushed shared configuration lives in this KV bucket under this key;
// History keeps the last pushes for "cluster config status" and audits.
const (
	ConfigBucket = "sluice_config"
	ConfigKey    = "cluster"
)

// Hash is the short content hash the heartbeat carries for a shared config.
func Hash(text []byte) string {
	s := sha256.Sum256(text)
	return hex.EncodeToString(s[:6])
}

// configState is this node's view of the pushed configuration.
type configState struct {
	mu     sync.Mutex
	hash   string
	rev    uint64
	result string
}

func (c *configState) get() (string, uint64, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.result
	if r == "" {
		r = "none"
	}
	return c.hash, c.rev, r
}

func (c *configState) set(hash string, rev uint64, result string) {
	c.mu.Lock()
	if hash != "" {
		c.hash = hash
	}
	c.rev, c.result = rev, result
	c.mu.Unlock()
}

// SetLocalHash records the hash of the shared config file this node
// started with (before any push arrived).
func (n *Node) SetLocalHash(h string) { n.cfg.set(h, 0, "") }

// replicas is the KV bucket's replication: up to 3 over the configured
// peers of an embedded cluster; an external NATS gets 3, falling back to 1.
func (n *Node) replicas() []int {
	if n.o.External != "" {
		return []int{3, 1}
	}
	r := len(n.o.Peers)
	if r > 3 {
		r = 3
	}
	if r < 1 {
		r = 1
	}
	return []int{r}
}

// bucket opens the config bucket, creating it when it does not exist yet.
// The handle is kept: it is bound to the stream name, not to a server, so
// it outlives leader changes.
func (n *Node) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	n.kvMu.Lock()
	defer n.kvMu.Unlock()
	if n.kv != nil {
		return n.kv, nil
	}
	kv, err := n.openBucket(ctx)
	if err == nil {
		n.kv = kv
	}
	return kv, err
}

func (n *Node) openBucket(ctx context.Context) (jetstream.KeyValue, error) {
	js, err := n.jetStream()
	if err != nil {
		return nil, err
	}
	if kv, err := js.KeyValue(ctx, ConfigBucket); err == nil {
		return kv, nil
	}
	var last error
	for _, r := range n.replicas() {
		kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: ConfigBucket,
			Description: "sluice shared configuration (sluicectl cluster config push)",
			History:     16, Replicas: r, Storage: jetstream.FileStorage})
		if err == nil || errors.Is(err, jetstream.ErrBucketExists) {
			if err != nil {
				return js.KeyValue(ctx, ConfigBucket)
			}
			return kv, nil
		}
		last = err
	}
	return nil, fmt.Errorf("%w: %v", errNotReady, last)
}

// Push stores text as the new shared configuration and returns its
// revision. Every node (this one too) picks it up within a second.
func (n *Node) Push(ctx context.Context, text []byte) (uint64, error) {
	kv, err := n.bucket(ctx)
	if err != nil {
		return 0, err
	}
	// A Put can fail while the stream elects a new leader (a node just
	// died); retry until ctx ends. Put is idempotent for our purpose.
	for {
		rev, err := kv.Put(ctx, ConfigKey, text)
		if err == nil {
			return rev, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("cluster: storing the config: %w", err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Latest returns the newest pushed config and its revision (0 = none).
func (n *Node) Latest(ctx context.Context) ([]byte, uint64, error) {
	kv, err := n.bucket(ctx)
	if err != nil {
		return nil, 0, err
	}
	e, err := kv.Get(ctx, ConfigKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return e.Value(), e.Revision(), nil
}

// followConfig polls the bucket every second and applies each new
// revision once. Polling (not a KV watch) survives leader changes and
// reconnects without consumer state; a late joiner takes the latest
// revision at its first poll.
func (n *Node) followConfig() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var seen uint64
	for {
		ctx, cancel := context.WithTimeout(n.ctx, 3*time.Second)
		text, rev, err := n.Latest(ctx)
		cancel()
		if err == nil && rev != 0 && rev != seen {
			seen = rev
			n.applyPushed(rev, text)
		}
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (n *Node) applyPushed(rev uint64, text []byte) {
	h := Hash(text)
	cur, _, _ := n.cfg.get()
	if cur == h {
		// Already running this text (e.g. the file it was started with).
		n.cfg.set(h, rev, "ok")
		return
	}
	if n.h.Apply == nil {
		n.cfg.set("", rev, "refused: this node takes no pushed config")
		return
	}
	if err := n.h.Apply(rev, text); err != nil {
		n.o.Log.Error("cluster: pushed config refused; the old generation keeps serving", "rev", rev, "err", err)
		n.cfg.set("", rev, "refused: "+err.Error())
		n.beat()
		return
	}
	n.o.Log.Info("cluster: pushed config applied", "rev", rev, "hash", h)
	n.cfg.set(h, rev, "ok")
	n.beat() // tell the cluster now, not at the next tick
}
