package http

import (
	"encoding/json"
	"strconv"
	"time"

	"sluice/proto"
	"sluice/proto/http/tmpl"
)

// txState is a transmission's per-request state in the session.
type txState struct {
	b       txBuild   // builds on the worker (small transmissions)
	job     *txBuild  // a large transmission being built off the worker
	rej     []rcptErr // recipients refused, reported with a 200
	keyFile string    // API_Keys of the connection's policy
	target  []byte    // the request target of a templates request, query included
}

// rcptErr is a refused recipient: its index and why.
type rcptErr struct {
	i int
	e *apiErr
}

// offloadAt is the recipient count above which a transmission is built
// off the worker (Host.Go): rendering 10,000 recipients takes a few
// hundred milliseconds, which must not stall the worker's other
// connections.
const offloadAt = 100

// txBuild renders and builds a transmission's messages. It holds
// everything the build needs, so a large one can run on another goroutine
// while the session is suspended; the session takes the results back on
// the worker.
type txBuild struct {
	p       *txPlan
	req     *txReq
	rcpts   []txRcpt
	scratch txScratch
	data    tmpl.Data
	now     time.Time
	date    string
	conn    uint64
	host    string
	seq     uint64
	max     int64 // MaxBuilt

	bufs   [][]byte
	msgs   []proto.Message
	rej    []rcptErr
	tooBig bool
}

// run builds every recipient's message into b.msgs, or stops with tooBig.
func (b *txBuild) run() {
	for len(b.bufs) < len(b.rcpts) {
		b.bufs = append(b.bufs, nil)
	}
	budget := b.max
	for i := range b.rcpts {
		msg, e := b.one(b.bufs[len(b.msgs)][:0], &b.rcpts[i])
		if e != nil {
			b.rej = append(b.rej, rcptErr{i, e})
			continue
		}
		if budget -= int64(len(msg.Data)); budget < 0 {
			b.tooBig = true
			return
		}
		b.bufs[len(b.msgs)] = msg.Data
		b.msgs = append(b.msgs, msg)
	}
}

// transmit serves POST /api/v1/transmissions: one message per recipient,
// rendered with that recipient's data, submitted together; recipients that
// cannot be built are reported, not sent.
func (s *session) transmit(out []byte) ([]byte, proto.Action) {
	s.tx.rej = s.tx.rej[:0]
	var req txReq
	if err := json.Unmarshal(s.body.data, &req); err != nil {
		return s.apiError(out, badData("invalid JSON: "+err.Error()))
	}
	rcpts, e := s.txPrepare(&req)
	if e != nil {
		return s.apiError(out, e)
	}
	c := &req.Content
	if c.TemplateID != "" {
		if c, e = s.f.storedContent(c.TemplateID, c.UseDraft); e != nil {
			return s.apiError(out, e)
		}
	}
	subst := req.Options.PerformSubstitutions == nil || *req.Options.PerformSubstitutions
	p, e := compile(c, subst)
	if e != nil {
		return s.apiError(out, e)
	}
	p.meta = req.CampaignID != "" || len(req.Metadata) > 0
	now := s.h.Now()
	setup := func(b *txBuild) {
		b.p, b.req, b.rcpts, b.now, b.conn, b.host, b.seq, b.max =
			p, &req, rcpts, now, s.c.ID, s.f.o.Hostname, s.seq, s.f.o.MaxBuilt
		b.date = now.Format(time.RFC1123Z)
	}
	if len(rcpts) > offloadAt {
		job := &txBuild{}
		setup(job)
		s.tx.job = job
		return s.call(out, func() (string, error) { job.run(); return "", nil })
	}
	b := &s.tx.b
	setup(b)
	b.bufs, b.msgs, b.rej = s.bufs, s.msgs[:0], s.tx.rej[:0]
	b.run()
	return s.txBuilt(out, b)
}

// txBuilt takes a finished build back on the worker and submits it.
func (s *session) txBuilt(out []byte, b *txBuild) ([]byte, proto.Action) {
	s.tx.job = nil
	s.bufs, s.msgs, s.tx.rej, s.seq = b.bufs, b.msgs, b.rej, b.seq
	b.p, b.req, b.rcpts, b.bufs, b.msgs, b.rej = nil, nil, nil, nil, nil, nil
	if b.tooBig {
		s.msgs = s.msgs[:0]
		return s.apiError(out, &apiErr{status: 413, msg: "transmission too large",
			desc: "the messages built for this transmission exceed " +
				strconv.FormatInt(s.f.o.MaxBuilt>>20, 10) + " MiB; send fewer recipients per request"})
	}
	if len(s.msgs) == 0 {
		return s.apiError(out, s.tx.rej[0].e)
	}
	return s.submit(out)
}

// txPrepare checks the transmission as a whole and decodes its recipients.
func (s *session) txPrepare(req *txReq) ([]txRcpt, *apiErr) {
	if e := checkOptions(&req.Options, s.h.Now()); e != nil {
		return nil, e
	}
	if req.Content.ABTestID != "" {
		return nil, notFound("ab_test '" + req.Content.ABTestID + "' does not exist (sluice has no A/B tests)")
	}
	if e := checkKeys("substitution_data", req.SubstitutionData); e != nil {
		return nil, e
	}
	if e := checkKeys("metadata", req.Metadata); e != nil {
		return nil, e
	}
	if len(req.CampaignID) > 64 {
		return nil, badData("campaign_id is longer than 64 bytes")
	}
	if len(req.Recipients) > 0 && req.Recipients[0] == '{' {
		var l struct {
			ListID string `json:"list_id"`
		}
		json.Unmarshal(req.Recipients, &l)
		return nil, notFound("recipient list '" + l.ListID + "' does not exist (sluice has no stored recipient lists)")
	}
	var rcpts []txRcpt
	if err := json.Unmarshal(req.Recipients, &rcpts); err != nil || len(rcpts) == 0 {
		return nil, missing("recipients must be an array of 1 to 10000 recipients")
	}
	if len(rcpts) > maxRecipients {
		return nil, badData("recipients must hold 1 to 10000 entries")
	}
	return rcpts, nil
}

// one builds one recipient's message.
func (b *txBuild) one(dst []byte, r *txRcpt) (proto.Message, *apiErr) {
	p, req := b.p, b.req
	a, err := parseRcptAddr(r.Address)
	if err != nil {
		return proto.Message{}, badData("address: " + err.Error())
	}
	if e := checkKeys("substitution_data", r.SubstitutionData); e != nil {
		return proto.Message{}, e
	}
	if e := checkKeys("metadata", r.Metadata); e != nil {
		return proto.Message{}, e
	}
	sender := req.ReturnPath
	if r.ReturnPath != "" {
		sender = r.ReturnPath
	}
	if sender != "" {
		rp, ok := cleanAddr(sender, false)
		if !ok {
			return proto.Message{}, badData("invalid return_path " + strconv.Quote(sender))
		}
		sender = rp
	}
	d := &b.data
	*d = tmpl.Data{Email: a.email, Name: a.name, EnvFrom: sender,
		Layers: [4]map[string]any{r.SubstitutionData, r.Metadata, req.SubstitutionData, req.Metadata}}
	if sender == "" {
		var e *apiErr
		if sender, e = p.envSender(d, &b.scratch); e != nil {
			return proto.Message{}, e
		}
		d.EnvFrom = sender
	}
	data, e := b.message(dst, p, req, r, a, sender, d)
	if e != nil {
		return proto.Message{}, e
	}
	return proto.Message{Protocol: "http", Sender: sender, Recipients: []string{a.email}, Data: data}, nil
}
