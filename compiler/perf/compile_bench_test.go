package perf_test

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/corpus"
)

// pySigmaSeconds is pySigma 1.5.0 converting SigmaHQ's 3,141 rules to
// Lucene in one process on an idle 2-core machine (see
// ../shared/docs/sigma-spec.md; not measured here: pySigma is not
// installable in this environment).
const pySigmaSeconds = 9.4

// elasticTargets are the targets that write for Elastic.
var elasticTargets = []string{"kql", "lucene", "eql", "esql", "kibana", "detection-rules"}

// BenchmarkSigmaHQToElastic loads SigmaHQ's rules tree from disk (read,
// parse, validate, lower) and compiles every rule to the targets, as
// `sigforge compile` does. lucene is pySigma's measured task; elastic is all
// six Elastic targets. x-pySigma is how many times faster than pySigma's
// 9.4 s in wall time, x-pySigma-cpu in CPU time (pySigma runs on one core;
// on a busy machine wall time measures the load). The Elastic targets
// rewrite CloudTrail fields to ECS and refuse rules of other log sources
// (most of SigmaHQ), which is part of the work measured.
func BenchmarkSigmaHQToElastic(b *testing.B) {
	dir := corpus.Dir(b, "sigmahq-rules")
	targets, err := all.Targets(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		names []string
	}{{"lucene", []string{"lucene"}}, {"elastic", elasticTargets}} {
		var chosen []backends.Backend
		for _, t := range targets {
			if slices.Contains(tc.names, t.Name()) {
				chosen = append(chosen, t)
			}
		}
		if len(chosen) != len(tc.names) {
			b.Fatalf("targets %v: found %d", tc.names, len(chosen))
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var rules, compiled, refused int
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for range b.N {
				set, _ := compiler.Load([]string{dir}, compiler.Options{})
				rules, compiled, refused = len(set.Rules), 0, 0
				for _, r := range set.Rules {
					for _, t := range chosen {
						_, err := t.Compile(r)
						var u *backends.Unsupported
						switch {
						case err == nil:
							compiled++
						case errors.As(err, &u):
							refused++
						default:
							b.Fatalf("%s: %s: %v", r.File, t.Name(), err)
						}
					}
				}
			}
			secs := b.Elapsed().Seconds() / float64(b.N)
			cpu := (cpuSeconds() - cpu0) / float64(b.N)
			b.ReportMetric(float64(rules)/secs, "rules/s")
			b.ReportMetric(float64(rules)/cpu, "rules/cpu-s")
			b.ReportMetric(float64(rules), "rules")
			b.ReportMetric(float64(compiled), "outputs")
			b.ReportMetric(float64(refused), "refused")
			b.ReportMetric(pySigmaSeconds/secs, "x-pySigma")
			b.ReportMetric(pySigmaSeconds/cpu, "x-pySigma-cpu")
			b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
		})
	}
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

// peakRSSMB reads the process's peak resident set (VmHWM) in MB.
func peakRSSMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
