package milter

import (
	"strings"
	"testing"
)

const trace = "Received: from c.test ([127.0.0.1]:1)\r\n\tby mx (sluice) with ESMTP;\r\n\tMon, 23 Nov 2026 12:00:00 +0000\r\n"

func TestParseRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		fields   []string
		body     string
	}{
		{"plain", "From: a@b\r\nSubject: hi\r\n\r\nbody\r\n", []string{"From", "Subject"}, "body\r\n"},
		{"folded", "Subject: a\r\n b\r\nX: y\r\n\r\n", []string{"Subject", "X"}, ""},
		{"no body", "Subject: a\r\n", []string{"Subject"}, ""},
		{"no header", "\r\nbody\r\n", nil, "body\r\n"},
		{"not a field", "just text\r\nmore\r\n", nil, "just text\r\nmore\r\n"},
	} {
		m := Parse([]byte(trace+tc.in), len(trace))
		var names []string
		for _, f := range m.Fields {
			names = append(names, f.Name)
		}
		if strings.Join(names, ",") != strings.Join(tc.fields, ",") || string(m.Body) != tc.body || string(m.Trace) != trace {
			t.Errorf("%s: fields %v body %q", tc.name, names, m.Body)
		}
		if tc.name == "plain" || tc.name == "folded" {
			if got := string(m.Bytes()); got != trace+tc.in {
				t.Errorf("%s: round trip %q", tc.name, got)
			}
		}
	}
	m := Parse([]byte("Subject:  two spaces\r\n b\r\n\r\n"), 0)
	if v := m.Fields[0].Value(); v != " two spaces\r\n b" {
		t.Errorf("Value %q", v)
	}
}

func TestEdits(t *testing.T) {
	in := "From: a@b\r\nX-Spam: old1\r\nSubject: s\r\nx-spam: old2\r\n\r\nbody\r\n"
	f := func(n, v string) Field { x, _ := NewField(n, v); return x }
	for _, tc := range []struct {
		name string
		edit func(m *Message)
		want string
	}{
		{"add", func(m *Message) { m.Add(f("X-New", "v")) }, "From: a@b\r\nX-Spam: old1\r\nSubject: s\r\nx-spam: old2\r\nX-New: v\r\n"},
		{"insert top", func(m *Message) { m.Insert(0, f("DKIM-Signature", "v=1")) }, "DKIM-Signature: v=1\r\nFrom: a@b\r\nX-Spam: old1\r\nSubject: s\r\nx-spam: old2\r\n"},
		{"insert 1", func(m *Message) { m.Insert(1, f("A", "1")) }, "From: a@b\r\nA: 1\r\nX-Spam: old1\r\nSubject: s\r\nx-spam: old2\r\n"},
		{"insert past end", func(m *Message) { m.Insert(99, f("A", "1")) }, "From: a@b\r\nX-Spam: old1\r\nSubject: s\r\nx-spam: old2\r\nA: 1\r\n"},
		{"change 2nd", func(m *Message) { m.Change("X-SPAM", 2, "new") }, "From: a@b\r\nX-Spam: old1\r\nSubject: s\r\nx-spam: new\r\n"},
		{"change 0 is 1", func(m *Message) { m.Change("x-spam", 0, "new") }, "From: a@b\r\nX-Spam: new\r\nSubject: s\r\nx-spam: old2\r\n"},
		{"delete", func(m *Message) { m.Change("X-Spam", 1, "") }, "From: a@b\r\nSubject: s\r\nx-spam: old2\r\n"},
		{"change missing adds", func(m *Message) { m.Change("X-Other", 1, "v") }, "From: a@b\r\nX-Spam: old1\r\nSubject: s\r\nx-spam: old2\r\nX-Other: v\r\n"},
		{"delete missing", func(m *Message) { m.Change("X-Other", 1, "") }, "From: a@b\r\nX-Spam: old1\r\nSubject: s\r\nx-spam: old2\r\n"},
	} {
		m := Parse([]byte(trace+in), len(trace))
		tc.edit(m)
		if got := string(m.Bytes()); got != trace+tc.want+"\r\nbody\r\n" {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, trace+tc.want+"\r\nbody\r\n")
		}
	}
}

// TestNewFieldCannotInject: line breaks in a milter's value become folds.
func TestNewFieldCannotInject(t *testing.T) {
	for _, v := range []string{"a\nEvil: 1", "a\r\n\r\nbody", "a\n\tb", "a\x00b", "x\n"} {
		f, ok := NewField("X-Test", v)
		if !ok {
			t.Fatalf("%q refused", v)
		}
		m := Parse(append(f.Raw, "\r\nbody"...), 0)
		if len(m.Fields) != 1 || string(m.Body) != "body" {
			t.Errorf("%q produced %q", v, f.Raw)
		}
	}
	for _, n := range []string{"", "a b", "a:b", "é"} {
		if _, ok := NewField(n, "v"); ok {
			t.Errorf("name %q accepted", n)
		}
	}
}

// FuzzParse: any message parses, round-trips, and survives edits with a
// well-formed header section.
func FuzzParse(f *testing.F) {
	f.Add([]byte("From: a\r\nSubject: b\r\n c\r\n\r\nbody\r\n"), "X-A", "v\nw", uint8(1))
	f.Add([]byte("\r\n"), "B", "", uint8(0))
	f.Add([]byte("garbage"), "C", "\r\n\r\n", uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, name, value string, idx uint8) {
		m := Parse(data, 0)
		n := len(m.Fields)
		nf, ok := NewField(name, value)
		if !ok {
			return
		}
		m.Insert(int(idx), nf)
		m.Change(name, int(idx%3), value)
		out := m.Bytes()
		m2 := Parse(out, 0)
		if len(m2.Fields) < n || string(m2.Body) != string(m.Body) {
			t.Fatalf("edits broke the header section: %d -> %d fields, body %q vs %q", n, len(m2.Fields), m2.Body, m.Body)
		}
	})
}
