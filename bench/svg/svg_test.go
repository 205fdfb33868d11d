package svg

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

func sample() *Chart {
	return &Chart{
		Title:      `CPU per message <smtp> & "co"`,
		YLabel:     "µs",
		Categories: []string{"kept-open", "session"},
		Series: []Series{
			{Name: "sluice", Values: []float64{40, 120}, Lo: []float64{35, 100}, Hi: []float64{45, 130}},
			{Name: "smtp-sink", Values: []float64{69, 190}},
		},
		RefLine:  0.67 * 190,
		RefLabel: "target",
	}
}

// count parses the document as XML (so it must be well formed) and counts
// elements by name and class.
func count(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	n := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			n[se.Name.Local]++
			for _, a := range se.Attr {
				if a.Name.Local == "class" {
					n["."+a.Value]++
				}
			}
		}
	}
}

func TestWriteSVG(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	n := count(t, b.Bytes())
	if n["svg"] != 1 || n[".bar"] != 4 || n[".whisker"] != 2 || n[".ref"] != 1 {
		t.Fatalf("element counts %v", n)
	}
	s := b.String()
	if !strings.Contains(s, "&lt;smtp&gt; &amp; &#34;co&#34;") {
		t.Fatalf("title not escaped: %s", s)
	}
	for _, want := range []string{">kept-open<", ">smtp-sink<", ">190<", ">target<"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestBarHeightsProportional(t *testing.T) {
	c := &Chart{Categories: []string{"a"}, Series: []Series{{Name: "x", Values: []float64{50}}, {Name: "y", Values: []float64{100}}}}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	type rect struct {
		Class  string  `xml:"class,attr"`
		Height float64 `xml:"height,attr"`
	}
	var doc struct {
		Rects []rect `xml:"rect"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var h []float64
	for _, r := range doc.Rects {
		if r.Class == "bar" {
			h = append(h, r.Height)
		}
	}
	if len(h) != 2 || math.Abs(h[1]-2*h[0]) > 0.2 {
		t.Fatalf("bar heights %v, want 1:2", h)
	}
}

func TestValidate(t *testing.T) {
	bad := []*Chart{
		{},
		{Categories: []string{"a"}},
		{Categories: []string{"a", "b"}, Series: []Series{{Name: "s", Values: []float64{1}}}},
		{Categories: []string{"a"}, Series: []Series{{Name: "s", Values: []float64{1}, Lo: []float64{math.NaN()}, Hi: []float64{1}}}},
		{Categories: []string{"a"}, Series: []Series{{Name: "s", Values: []float64{math.Inf(1)}}}},
		{Categories: []string{"a"}, Series: []Series{{Name: "s", Values: []float64{-1}}}},
		{Categories: []string{"a"}, Series: []Series{{Name: "s", Values: []float64{1}, Lo: []float64{1, 2}, Hi: []float64{1}}}},
	}
	for i, c := range bad {
		if err := c.WriteSVG(io.Discard); err == nil {
			t.Errorf("chart %d accepted", i)
		}
	}
	zero := &Chart{Categories: []string{"a"}, Series: []Series{{Name: "s", Values: []float64{0}}}}
	if err := zero.WriteSVG(io.Discard); err != nil {
		t.Fatalf("all-zero chart: %v", err)
	}
}

func TestNaNMeansNoBar(t *testing.T) {
	c := &Chart{Categories: []string{"a", "b"}, Series: []Series{
		{Name: "x", Values: []float64{math.NaN(), 3}, Lo: []float64{math.NaN(), 2}, Hi: []float64{math.NaN(), 4}}}}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	if n := count(t, b.Bytes()); n[".bar"] != 1 || n[".whisker"] != 1 || strings.Contains(b.String(), "NaN") {
		t.Fatalf("counts %v:\n%s", n, b.String())
	}
}

func TestNiceCeilAndLabel(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 0.67: 1, 1: 1, 1.1: 2, 2.2: 2.5, 3: 5, 7: 10, 190: 200, 251: 500, 14000: 20000} {
		if got := NiceCeil(in); math.Abs(got-want) > 1e-9 {
			t.Errorf("NiceCeil(%v) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[float64]string{0: "0", 0.67: "0.67", 12.34: "12.3", 190: "190", 14000: "14.0k", 2.5e6: "2.5M"} {
		if got := Label(in); got != want {
			t.Errorf("Label(%v) = %q, want %q", in, got, want)
		}
	}
}
