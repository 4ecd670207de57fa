package perf_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
)

// pySigmaSeconds is pySigma 1.5.0 converting SigmaHQ's 3,141 rules to
// Lucene in one process on an idle 2-core machine, YAML loading included
// (see ../shared/docs/sigma-spec.md; not measured here: pySigma is not
// installable in this environment).
const pySigmaSeconds = 9.4

// rawConfig is the configuration that compiles SigmaHQ's rules on their own
// field names, as pySigma's Elasticsearch backend does without a processing
// pipeline; KQL may then match case-sensitively (pySigma has no KQL
// target; its Lucene output is case-insensitive through regexes).
const rawConfig = `targets:
    elastic:
        mapping: none
    kql:
        case: exact
`

// BenchmarkSigmaHQToElastic loads SigmaHQ's rules tree from disk (read,
// parse, validate, lower: compiler.Load) and compiles every rule for the
// targets (backends.CompileAll), as `sigforge compile` does, and reports
// rules per second and the multiple of pySigma's 9.4 s in wall time
// (x-pySigma) and in CPU time (x-pySigma-cpu; pySigma runs on one core).
//
// lucene is pySigma's measured task; kql and eql (each alone and both from
// one load) are the issue's; these use mapping: none so that, as in
// pySigma, every rule of every log source is converted. ecs-6 is all six
// Elastic targets with the default CloudTrail→ECS mapping, which refuses
// most of SigmaHQ (other log sources): sigforge's own use.
//
// Each pass runs with the collector settings of `sigforge compile`
// (compiler.OneShotGC) and starts from a collected heap, as a new process
// would; the default-gc cases keep Go's default collector. Peak memory is
// measured on the real command by `make bench-compile` (a process's peak
// RSS cannot be reset between benchmarks here).
func BenchmarkSigmaHQToElastic(b *testing.B) {
	dir := corpus.Dir(b, "sigmahq-rules")
	cfgPath := filepath.Join(b.TempDir(), "raw.yml")
	if err := os.WriteFile(cfgPath, []byte(rawConfig), 0o644); err != nil {
		b.Fatal(err)
	}
	raw, err := config.Load(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		cfg       *config.Config
		names     []string
		defaultGC bool
	}{
		{"lucene", raw, []string{"lucene"}, false},
		{"kql", raw, []string{"kql"}, false},
		{"eql", raw, []string{"eql"}, false},
		{"kql+eql", raw, []string{"kql", "eql"}, false},
		{"ecs-6", nil, []string{"kql", "lucene", "eql", "esql", "kibana", "detection-rules"}, false},
		{"lucene/default-gc", raw, []string{"lucene"}, true},
		{"kql+eql/default-gc", raw, []string{"kql", "eql"}, true},
	} {
		chosen := chooseTargets(b, tc.cfg, tc.names)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var rules, compiled, refused int
			var cpu float64
			for range b.N {
				b.StopTimer()
				runtime.GC()
				restore := func() {}
				if !tc.defaultGC {
					restore = compiler.OneShotGC()
				}
				cpu0 := cpuSeconds()
				b.StartTimer()
				set, _ := compiler.Load([]string{dir}, compiler.Options{Config: tc.cfg})
				rules, compiled, refused = len(set.Rules), 0, 0
				for _, t := range chosen {
					for i, res := range backends.CompileAll(t, set.Rules) {
						var u *backends.Unsupported
						switch {
						case res.Err == nil:
							compiled++
						case errors.As(res.Err, &u):
							refused++
						default:
							b.Fatalf("%s: %s: %v", set.Rules[i].File, t.Name(), res.Err)
						}
					}
				}
				b.StopTimer()
				cpu += cpuSeconds() - cpu0
				restore()
				b.StartTimer()
			}
			secs := b.Elapsed().Seconds() / float64(b.N)
			cpu /= float64(b.N)
			b.ReportMetric(float64(rules)/secs, "rules/s")
			b.ReportMetric(float64(rules)/cpu, "rules/cpu-s")
			b.ReportMetric(float64(rules), "rules")
			b.ReportMetric(float64(compiled), "outputs")
			b.ReportMetric(float64(refused), "refused")
			b.ReportMetric(pySigmaSeconds/secs, "x-pySigma")
			b.ReportMetric(pySigmaSeconds/cpu, "x-pySigma-cpu")
		})
	}
}

// chooseTargets returns the named targets configured from cfg.
func chooseTargets(b *testing.B, cfg *config.Config, names []string) []backends.Backend {
	targets, err := all.Targets(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var chosen []backends.Backend
	for _, n := range names {
		for _, t := range targets {
			if t.Name() == n {
				chosen = append(chosen, t)
			}
		}
	}
	if len(chosen) != len(names) {
		b.Fatalf("targets %v: found %d", names, len(chosen))
	}
	return chosen
}

// cpuSeconds is the CPU time (user + system) the process has used: on a
// shared machine it measures the work, where wall time measures the load.
func cpuSeconds() float64 {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name (which is in parentheses): utime is
	// the 14th field of the line, stime the 15th, in clock ticks (100/s).
	rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
	f := strings.Fields(rest)
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}
