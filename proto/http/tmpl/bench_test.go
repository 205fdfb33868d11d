package tmpl

import "testing"

const benchTpl = `<html><body><p>Hi {{address.name or 'there'}},</p>
{{if vip}}<p>Thanks for being a VIP, {{name}} from {{user.city}}.</p>{{else}}<p>Hello.</p>{{end}}
<ul>
{{each items}}
<li>{{loop_var.name}} x {{loop_var.qty}}</li>
{{end}}
</ul>
<a href="https://shop.example/u?e={{address.email}}">unsubscribe</a> {{html}}
</body></html>`

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchTpl)))
	for b.Loop() {
		if _, err := Parse(benchTpl); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender is one recipient's html part: the per-recipient cost of
// substitution in a transmission.
func BenchmarkRender(b *testing.B) {
	tp, err := Parse(benchTpl)
	if err != nil {
		b.Fatal(err)
	}
	d := data(b, sub)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out, err := tp.Render(buf[:0], d, HTML)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(out)))
	}
}
