// Package perf holds sigforge's end-to-end compile benchmarks, which span
// packages: loading SigmaHQ's whole rules tree (../shared/corpus, skipped
// when absent) and compiling it to every Elastic target, reported in rules
// per second, peak RSS, and as a multiple of pySigma's time for the same
// corpus to Lucene. The figures and how to reproduce them are in
// docs/performance.md. The package has no code of its own.
package perf
