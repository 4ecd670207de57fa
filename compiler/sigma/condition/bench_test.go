package condition

import (
	"testing"

	"github.com/sigforge/sigforge/compiler/source"
)

func BenchmarkParse(b *testing.B) {
	const src = "(selection_img or selection_cli) and not 1 of filter_main_* and not (filter_optional_a and filter_optional_b)"
	base := source.Pos{File: "r.yml", Line: 40, Col: 16}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(src, base, Plain); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("participle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, err := parser.ParseString("", src)
			if err != nil {
				b.Fatal(err)
			}
			m := mapper{base: base}
			if _, d := g.convert(&m); d != nil {
				b.Fatal(d)
			}
		}
	})
}
