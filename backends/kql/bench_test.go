package kql

import (
	"errors"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/ecs"
	kqlq "github.com/sigforge/sigforge/compiler/query/kql"
)

// rawBackend compiles on the rule's own field names, case-sensitively, so
// that every rule reaches the KQL emitter.
func rawBackend() *Backend {
	return &Backend{opts: Options{Case: CaseExact}, schema: kqlq.ECSSchema(), ecs: ecs.Options{Mapping: ecs.MappingNone}}
}

// BenchmarkCompileSigmaHQ compiles every SigmaHQ rule to KQL, through the
// CloudTrail→ECS rewrite (which refuses most non-AWS rules) and on the
// rules' own field names, and reports rules per second and how many
// compiled.
func BenchmarkCompileSigmaHQ(b *testing.B) {
	rules := backendtest.SigmaHQRules(b)
	be, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	compiled := 0
	for b.Loop() {
		compiled = 0
		for _, r := range rules {
			for _, target := range []*Backend{be, rawBackend()} {
				_, err := target.Compile(r)
				var u *backends.Unsupported
				switch {
				case err == nil:
					compiled++
				case !errors.As(err, &u):
					b.Fatalf("%s: %v", r.File, err)
				}
			}
		}
	}
	b.ReportMetric(float64(len(rules)*2*b.N)/b.Elapsed().Seconds(), "rules/s")
	b.ReportMetric(float64(compiled), "compiled")
}

// TestSigmaHQCompiledParses compiles SigmaHQ's corpus on its own field
// names and requires every output to parse with our KQL parser and to
// re-print identically: thousands of real values (paths with backslashes,
// quotes, colons, wildcards) through the quoting and escaping rules.
func TestSigmaHQCompiledParses(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus-wide test")
	}
	queries, refused := sigmaHQQueries(t)
	for _, q := range queries {
		n, err := kqlq.Parse(q.text)
		if err != nil {
			t.Errorf("%s: compiled KQL does not parse: %v\n%s", q.file, err, q.text)
			continue
		}
		if _, err := kqlq.Format(n); err != nil {
			t.Errorf("%s: %v", q.file, err)
		}
	}
	t.Logf("%d rules compiled and parsed; refusals: %v", len(queries), refused)
	if len(queries) < 1500 {
		t.Errorf("only %d SigmaHQ rules compiled", len(queries))
	}
}

type compiledQuery struct{ file, text string }

func sigmaHQQueries(t *testing.T) ([]compiledQuery, map[string]int) {
	be := rawBackend()
	var out []compiledQuery
	refused := map[string]int{}
	for _, r := range backendtest.SigmaHQRules(t) {
		o, err := be.Compile(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			refused[strings.SplitN(u.Construct, " ", 2)[0]]++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", r.File, err)
			continue
		}
		out = append(out, compiledQuery{r.File, strings.TrimSpace(o.Text)})
	}
	return out, refused
}
