package scan_test

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/sigforge/sigforge/compiler/gencorpus"
	"github.com/sigforge/sigforge/compiler/scan"
)

// The benchmark archive: SIGFORGE_BENCH_MB megabytes (decompressed,
// default 64) generated once per test binary with seed 1, or the archive
// at SIGFORGE_BENCH_DIR (as written by `sigforge gen-corpus`).
var (
	benchOnce  sync.Once
	benchDir   string
	benchFiles []scan.File
	benchBytes int64
	benchErr   error
)

func benchArchive(b *testing.B) ([]scan.File, int64) {
	b.Helper()
	benchOnce.Do(func() {
		benchDir = os.Getenv("SIGFORGE_BENCH_DIR")
		if benchDir == "" {
			mb := int64(64)
			if s := os.Getenv("SIGFORGE_BENCH_MB"); s != "" {
				mb, benchErr = strconv.ParseInt(s, 10, 64)
				if benchErr != nil {
					return
				}
			}
			benchDir, benchErr = os.MkdirTemp("", "sigforge-bench-")
			if benchErr != nil {
				return
			}
			_, benchErr = gencorpus.Generate(benchDir, gencorpus.Options{Size: mb << 20, Seed: 1})
			if benchErr != nil {
				return
			}
		}
		benchFiles, benchErr = scan.Files([]string{benchDir}, time.Time{}, time.Time{})
		if benchErr != nil {
			return
		}
		// Decompressed size.
		for _, f := range benchFiles {
			fh, err := os.Open(f.Path)
			if err != nil {
				benchErr = err
				return
			}
			zr, err := gzip.NewReader(fh)
			if err != nil {
				benchErr = err
				return
			}
			n, err := io.Copy(io.Discard, zr)
			fh.Close()
			if err != nil {
				benchErr = err
				return
			}
			benchBytes += n
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFiles, benchBytes
}

// TestMain removes the generated benchmark archive.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" && os.Getenv("SIGFORGE_BENCH_DIR") == "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func maxRSSMB() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux: KB
}

// BenchmarkScan runs the whole pack over the archive: MB/s is of
// decompressed CloudTrail JSON. cpu-MB/s divides by the CPU time the scan
// used (user+system), which is what "per core" means on a shared machine.
func BenchmarkScan(b *testing.B) {
	files, size := benchArchive(b)
	sc, err := scan.New(packRules(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		for _, mode := range []struct {
			name string
			opts scan.Options
		}{{"prefilter", scan.Options{}}, {"decode-all", scan.Options{NoPrefilter: true}}} {
			b.Run(mode.name+"/workers="+strconv.Itoa(workers), func(b *testing.B) {
				opts := mode.opts
				opts.Workers = workers
				b.SetBytes(size)
				cpu0 := cpuTime()
				var events int64
				for b.Loop() {
					res, err := sc.Scan(files, opts, func(*scan.Alert) error { return nil })
					if err != nil {
						b.Fatal(err)
					}
					events = res.Events
				}
				cpu := cpuTime() - cpu0
				b.ReportMetric(float64(size)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
				b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(maxRSSMB(), "peak-RSS-MB")
			})
		}
	}
}

// BenchmarkGunzip is the floor: decompressing the archive, nothing else.
func BenchmarkGunzip(b *testing.B) {
	files, size := benchArchive(b)
	b.SetBytes(size)
	cpu0 := cpuTime()
	for b.Loop() {
		for _, f := range files {
			fh, err := os.Open(f.Path)
			if err != nil {
				b.Fatal(err)
			}
			zr, err := gzip.NewReader(fh)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				b.Fatal(err)
			}
			fh.Close()
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/(cpuTime()-cpu0).Seconds()/1e6, "cpu-MB/s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
