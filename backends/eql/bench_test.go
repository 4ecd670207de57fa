package eql

import (
	"errors"
	"testing"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/ecs"
)

// BenchmarkCompileSigmaHQ compiles every SigmaHQ rule to EQL (the
// CloudTrail→ECS rewrite refuses most non-AWS rules, which is part of the
// work) and reports rules per second and how many compiled.
func BenchmarkCompileSigmaHQ(b *testing.B) {
	rules := backendtest.SigmaHQRules(b)
	be, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	// Compile on ECS-named fields as well, so that the EQL emitter itself
	// is measured on the whole corpus and not only on AWS rules.
	raw := &Backend{opts: be.opts, ecs: ecs.Options{Mapping: ecs.MappingNone}}
	b.ReportAllocs()
	compiled := 0
	for b.Loop() {
		compiled = 0
		for _, r := range rules {
			for _, target := range []*Backend{be, raw} {
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

// TestSigmaHQCompiledParses compiles SigmaHQ's corpus with the EQL emitter
// (field names kept, so that every rule reaches the emitter) and requires
// each output to parse: thousands of real-world values (paths with
// backslashes, quotes, wildcards, regexes) through the quoting rules.
func TestSigmaHQCompiledParses(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus-wide test")
	}
	be := &Backend{opts: Options{Category: "any"}, ecs: ecs.Options{Mapping: ecs.MappingNone}}
	compiled, refused := 0, map[string]int{}
	for _, r := range backendtest.SigmaHQRules(t) {
		out, err := be.Compile(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			refused[u.Construct]++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", r.File, err)
			continue
		}
		if _, err := be.Prepare(out); err != nil {
			t.Errorf("%s: compiled EQL does not parse: %v\n%s", r.File, err, out.Text)
			continue
		}
		compiled++
	}
	t.Logf("%d rules compiled and parsed; refusals: %v", compiled, refused)
	if compiled < 2000 {
		t.Errorf("only %d SigmaHQ rules compiled", compiled)
	}
}
