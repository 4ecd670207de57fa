package hunt_test

import (
	"testing"
	"time"

	sqlb "github.com/sigforge/sigforge/backends/sql"
	"github.com/sigforge/sigforge/compiler/gencorpus"
	"github.com/sigforge/sigforge/compiler/hunt"
	"github.com/sigforge/sigforge/compiler/scan"
)

// BenchmarkHuntDuckDB hunts a generated 16 MB archive (decompressed) with
// the pack on DuckDB: loading the records and running every rule's query.
func BenchmarkHuntDuckDB(b *testing.B) {
	rules, cfg := packRules(b)
	dir := b.TempDir()
	m, err := gencorpus.Generate(dir, gencorpus.Options{Size: 16 << 20, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	files, err := scan.Files([]string{dir}, time.Time{}, time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	be, err := sqlb.NewDuckDB(cfg)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := hunt.NewPlan(be, rules, hunt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(m.Bytes)
	b.ResetTimer()
	for b.Loop() {
		if _, err := hunt.DuckDB(plan, files, hunt.Options{}, func(*scan.Alert) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
