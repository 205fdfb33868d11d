package control

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"sluice/internal/creds"
	"sluice/proto"
)

// DefaultTimeout is the idle limit when the policy has no Timeout option.
const DefaultTimeout = 60 * time.Second

// FactoryOptions is what the daemon gives the Control_Listener.
type FactoryOptions struct {
	// Backend executes every command that reads or changes the daemon.
	// nil: those commands answer "failed".
	Backend Backend
	// Logger receives one record per executed command (user, peer, line,
	// status) and password-file problems. Default: discard.
	Logger *slog.Logger
	// DaemonUID is the uid, besides root, allowed on Unix sockets. 0 means
	// the uid of this process (root is always allowed anyway).
	DaemonUID int
	// Version answers "version". Default "sluice".
	Version string
	// PID answers "pid". Default os.Getpid().
	PID int
	// BaseDir resolves a relative AuthLoginParameters "file://" path (the
	// config file's directory). "": the working directory.
	BaseDir string
}

// Factory creates console sessions. It is shared by every worker; only the
// password cache is mutable, and it is only used off the workers.
type Factory struct {
	o       FactoryOptions
	log     *slog.Logger
	pid     []byte      // decimal pid + LF
	version []byte      // version + LF
	creds   creds.Cache // Recheck 0: stat at every login
}

// NewFactory returns a Factory; zero fields of o get their defaults.
func NewFactory(o FactoryOptions) *Factory {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DaemonUID == 0 {
		o.DaemonUID = os.Getuid()
	}
	if o.Version == "" {
		o.Version = "sluice"
	}
	if o.PID == 0 {
		o.PID = os.Getpid()
	}
	f := &Factory{o: o, log: o.Logger}
	f.pid = strconv.AppendInt(nil, int64(o.PID), 10)
	f.pid = append(f.pid, '\n')
	f.version = append([]byte(o.Version), '\n')
	return f
}

// Refuse answers a connection refused at accept with one framed response,
// read by the client as the answer to its first command.
func (f *Factory) Refuse(_ *proto.ConnInfo, why proto.RefuseReason, out []byte) []byte {
	switch why {
	case proto.RefuseACL:
		return appendFrame(out, StatusNotAuthorized, []byte(msgNotAuthorized))
	case proto.RefuseShutdown:
		return appendFrame(out, StatusFailed, []byte("sluice is shutting down\n"))
	}
	return appendFrame(out, StatusFailed, []byte("too many console sessions; try again later\n"))
}

const (
	msgNotAuthorized    = "Not Authorized for this command\n"
	msgNotAuthenticated = "Authentication required: auth login <user> <password-base64>\n"
)

// request is a backend command copied out of the engine's buffers, so it
// can run on another goroutine.
type request struct {
	op      op
	json    bool
	args    []string
	val     Value
	bits    int
	changes []Change // opConfigCommit
	line    string   // for the log
	user    string
	remote  string
}

// execute runs r on the Backend and returns the framed response. It runs
// on the Host.Go goroutine; a panicking Backend answers "failed" instead of
// killing the daemon.
func (f *Factory) execute(r *request) (framed string) {
	var rep Reply
	var err error
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("control: internal error: %v", p)
			framed = frameReply(r.json, Reply{}, err)
		}
		st := "ok"
		if err != nil {
			st = "failed"
		}
		f.log.Info("console command", "user", r.user, "remote", r.remote, "command", r.line, "status", st)
	}()
	rep, err = f.call(r)
	return frameReply(r.json, rep, err)
}

func (f *Factory) call(r *request) (Reply, error) {
	b := f.o.Backend
	if b == nil {
		return Reply{}, fmt.Errorf("control: no backend is configured for this console")
	}
	switch r.op {
	case opConfigGet:
		return b.ConfigGet(r.args)
	case opConfigEval:
		return b.ConfigEval(r.args)
	case opConfigSet:
		return b.ConfigSet(r.args, r.val)
	case opConfigUnset:
		return b.ConfigUnset(r.args)
	case opConfigShow, opConfigShowRecurse:
		return b.ConfigShow(r.args, r.op == opConfigShowRecurse)
	case opConfigCommit:
		return b.ConfigCommit(r.changes)
	case opConfigReload:
		path := ""
		if len(r.args) > 0 {
			path = r.args[0]
		}
		return b.Reload(path)
	case opSummary:
		return b.Summary(), nil
	case opSummaryReset:
		return b.SummaryReset(), nil
	case opShowInbound:
		return b.ShowInbound(), nil
	case opCount:
		return b.Count(r.args[0], r.bits)
	case opListeners:
		return b.Listeners(), nil
	case opPeer:
		ip, err := netip.ParseAddr(r.args[2])
		if err != nil {
			return Reply{}, fmt.Errorf("peer: %q is not an IP address", r.args[2])
		}
		return b.Peer(r.args[0], r.args[1], ip.Unmap())
	case opShutdown:
		return b.Shutdown()
	case opUpgrade:
		return b.Upgrade()
	case opHandoff, opSpoolDead:
		return callHandoff(b, r)
	case opShowThrottles, opShowDNSBL:
		return callEdge(b, r)
	case opCluster:
		if cb, ok := b.(ClusterBackend); ok {
			return cb.Cluster(r.args)
		}
		return Reply{}, fmt.Errorf("cluster: this node is not in a cluster")
	}
	return Reply{}, fmt.Errorf("control: command %d has no backend", r.op)
}

// frameReply renders a Backend answer as one framed response.
func frameReply(asJSON bool, rep Reply, err error) string {
	var body []byte
	st := StatusOK
	switch {
	case err != nil:
		st = StatusFailed
		msg := strings.TrimRight(err.Error(), "\n")
		if asJSON {
			body = append(appendJSONString([]byte(`{"error":`), msg), "}\n"...)
		} else {
			body = []byte(msg + "\n")
		}
	case asJSON && rep.Data == nil:
		body = append(appendJSONString([]byte(`{"text":`), rep.Text), "}\n"...)
	case asJSON:
		b, jerr := json.Marshal(rep.Data)
		if jerr != nil {
			return frameReply(true, Reply{}, fmt.Errorf("control: reply is not JSON: %v", jerr))
		}
		body = append(b, '\n')
	default:
		body = []byte(rep.Text)
		if len(body) > 0 && body[len(body)-1] != '\n' {
			body = append(body, '\n')
		}
	}
	return string(appendFrame(nil, st, body))
}
