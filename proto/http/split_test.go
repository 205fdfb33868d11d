package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"sluice/proto/prototest"
)

// pipeline is a whole keep-alive conversation: several requests written
// back to back, with Content-Length and chunked bodies, 100-continue, a
// refused body that must be skipped, blank lines between requests, and a
// final Connection: close followed by bytes that must be ignored.
func pipeline() string {
	inject, _ := json.Marshal(map[string]any{"template": "Subject: <%= :s %>\n\nhi\n",
		"recipients": []any{map[string]any{"to": "b@example.org", "from": "a@example.com", "keys": map[string]any{"s": "x"}},
			map[string]any{"to": "c@example.org", "from": "a@example.com"}}})
	trans := `{"recipients":[{"address":"b@example.org"}],"content":{"from":"a@example.com","subject":"s","text":"t","html":"<b>h</b>"}}`
	return "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n" + envHdrs[0] + envHdrs[1] +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(rawMsg)) + rawMsg +
		"POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + envHdrs[0] + envHdrs[1] +
		"\r\n5;ext=1\r\nFrom:\r\n" + chunked(rawMsg, 11)[:len(chunked(rawMsg, 11))-2] + "X-Trailer: 1\r\n\r\n" +
		post("/v1.0/inject", string(inject)) +
		post("/api/v1/transmissions", trans) +
		post("/nope", "skipped body") +
		"\r\n\r\nGET /stats/summary HTTP/1.1\r\nHost: x\r\n\r\n" +
		"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
}

func TestPipelineWhole(t *testing.T) {
	res, h := run(t, testFactory(), testPolicy(nil), pipeline())
	rs, err := parseResponses(res.Out, false, false, false, false, false, false, false, false, true)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Out)
	}
	var codes []int
	for _, r := range rs {
		codes = append(codes, r.StatusCode)
	}
	want := []int{200, 100, 200, 200, 200, 200, 404, 200, 200, 200}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("codes %v, want %v\n%s", codes, want, res.Out)
	}
	if !res.Closed {
		t.Error("not closed after Connection: close")
	}
	if len(h.Submitted) != 5 {
		t.Fatalf("%d messages, want 5", len(h.Submitted))
	}
	if string(h.Submitted[0].Data) != rawMsg {
		t.Errorf("message 0: %q", h.Submitted[0].Data)
	}
	if string(h.Submitted[1].Data) != "From:"+rawMsg {
		t.Errorf("chunked message: %q", h.Submitted[1].Data)
	}
}

// TestPipelineSplitEverywhere: the same conversation split into two reads at
// every byte offset answers and submits exactly as in one read.
func TestPipelineSplitEverywhere(t *testing.T) {
	if err := prototest.SplitEvery(mk(testFactory(), testPolicy(nil)), []byte(pipeline())); err != nil {
		t.Fatal(err)
	}
}

// TestPipelineByteAtATime: one byte per read, the worst case for the
// head scanner and the chunk decoder.
func TestPipelineByteAtATime(t *testing.T) {
	in := []byte(pipeline())
	want, wh := run(t, testFactory(), testPolicy(nil), string(in))
	s, h := mk(testFactory(), testPolicy(nil))()
	got, err := prototest.ByteAtATime(s, h, in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Out, want.Out) {
		t.Fatalf("output differs\n got %q\nwant %q", got.Out, want.Out)
	}
	if err := prototest.SameMessages(h.Submitted, wh.Submitted); err != nil {
		t.Fatal(err)
	}
}

// TestSplitRefusals: conversations that end in an error answer the same
// however they are split.
func TestSplitRefusals(t *testing.T) {
	long := strings.Repeat("v", 8190)
	for _, in := range []string{
		"GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + long + "\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X: "+long[:5000]+"\r\n", 4) + "\r\n",
		"POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeXX",
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\rGET",
	} {
		if err := prototest.SplitEvery(mk(testFactory(), testPolicy(opts{"max_request_size": intV(100)})), []byte(in)); err != nil {
			t.Errorf("%.60q: %v", in, err)
		}
	}
}
