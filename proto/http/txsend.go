package http

import (
	"encoding/json"
	"strconv"

	"sluice/proto"
	"sluice/proto/http/tmpl"
)

// txState is a transmission's per-request state in the session.
type txState struct {
	scratch txScratch
	rej     []rcptErr // recipients refused, reported with a 200
	data    tmpl.Data
	keyFile string // API_Keys of the connection's policy
	target  []byte // the request target of a templates request, query included
}

// rcptErr is a refused recipient: its index and why.
type rcptErr struct {
	i int
	e *apiErr
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
	s.grow(len(rcpts))
	budget := s.f.o.MaxBuilt
	for i := range rcpts {
		r := &rcpts[i]
		msg, e := s.txOne(s.bufs[len(s.msgs)][:0], p, &req, r)
		if e != nil {
			s.tx.rej = append(s.tx.rej, rcptErr{i, e})
			continue
		}
		if budget -= int64(len(msg.Data)); budget < 0 {
			return s.apiError(out, &apiErr{status: 413, msg: "transmission too large",
				desc: "the messages built for this transmission exceed " +
					strconv.FormatInt(s.f.o.MaxBuilt>>20, 10) + " MiB; send fewer recipients per request"})
		}
		s.bufs[len(s.msgs)] = msg.Data
		s.msgs = append(s.msgs, msg)
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

// txOne builds one recipient's message.
func (s *session) txOne(dst []byte, p *txPlan, req *txReq, r *txRcpt) (proto.Message, *apiErr) {
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
	d := &s.tx.data
	*d = tmpl.Data{Email: a.email, Name: a.name, EnvFrom: sender,
		Layers: [4]map[string]any{r.SubstitutionData, r.Metadata, req.SubstitutionData, req.Metadata}}
	if sender == "" {
		var e *apiErr
		if sender, e = p.envSender(d, &s.tx.scratch); e != nil {
			return proto.Message{}, e
		}
		d.EnvFrom = sender
	}
	data, e := s.buildTx(dst, p, req, r, a, sender, d)
	if e != nil {
		return proto.Message{}, e
	}
	return proto.Message{Protocol: "http", Sender: sender, Recipients: []string{a.email}, Data: data}, nil
}
