package duckdb

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/compiler/harness"
)

// BenchmarkPackOnDuckDB loads every fixture record of the pack into the
// embedded DuckDB and runs every compiled pack rule once over them: the
// cost of proving the pack's SQL (reported per rule query).
func BenchmarkPackOnDuckDB(b *testing.B) {
	rules, cfg, fixtures := loadPack(b)
	be, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	e, err := be.Engine()
	if err != nil {
		b.Fatal(err)
	}
	var queries []string
	for _, r := range rules {
		if out, err := be.Compile(r); err == nil {
			queries = append(queries, strings.TrimSpace(out.Text))
		}
	}
	var raws [][]byte
	filepath.WalkDir(fixtures, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		evs, err := harness.ReadFile(p)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			raw, _ := json.Marshal(ev.Fields)
			raws = append(raws, raw)
		}
		return nil
	})
	b.ResetTimer()
	for b.Loop() {
		l, err := e.Reset()
		if err != nil {
			b.Fatal(err)
		}
		for _, raw := range raws {
			l.Add("bench", raw)
		}
		l.Close()
		for _, q := range queries {
			if _, err := e.Rows("SELECT count(*) FROM (" + q + ") q"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(queries))/1e6, "ms/query")
	b.ReportMetric(float64(len(raws)), "events")
}
