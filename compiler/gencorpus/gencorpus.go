// Package gencorpus writes a realistic, seeded CloudTrail archive for
// benchmarks and end-to-end tests of `sigforge scan`: gzip-compressed
// CloudTrail documents {"Records":[...]} in the S3 layout
// AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/, one file per account,
// region and five minutes, named as CloudTrail names them.
//
// The background traffic mixes services (EC2, S3, STS, KMS, IAM, Lambda,
// CloudWatch, and a small share of read-only RDS calls that fire no pack
// rule but the informational discovery rule). Into it the generator plants
// scenarios that fire known rules of the RDS pack (a DB instance made
// public, a snapshot shared outside the organisation, backups disabled,
// ...), near misses that must not fire (a failed deletion, an automated
// snapshot), and bursts across file boundaries for the correlation rules
// (denied calls, reconnaissance): one over the threshold, others just
// under. It writes every alert the pack must raise (planted and background)
// to a manifest, so a test can check that a scan finds exactly them.
//
// The same seed and size always give byte-identical files.
package gencorpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Options say what to generate.
type Options struct {
	// Size is the target size of the archive after decompression, in bytes.
	// Generation stops at the first file that reaches it, once every file
	// holding planted events is written (a tiny archive can be larger).
	Size int64
	// Seed makes the archive reproducible.
	Seed uint64
	// Start is the time of the first file (default 2026-10-01T00:00:00Z).
	Start time.Time
	// Workers compress files in parallel (default GOMAXPROCS); the output
	// does not depend on it.
	Workers int
	// Alerts reports whether a rule (by its key, harness.Key) alerts on
	// its own; the manifest lists only the matches of those rules. Rules
	// that only feed correlations (compiler.Alerting) match planted events
	// without alerting. Nil lists every rule's matches.
	Alerts func(rule string) bool
}

// Interval is the time one file covers.
const Interval = 5 * time.Minute

// ManifestName is the manifest's file name in the output folder; its
// leading underscore keeps directory scans from reading it.
const ManifestName = "_manifest.json"

// Manifest describes a generated archive and the alerts a scan with the
// pack must raise on it.
type Manifest struct {
	Seed   uint64     `json:"seed"`
	Size   int64      `json:"size"`
	Files  int        `json:"files"`
	Events int64      `json:"events"`
	Bytes  int64      `json:"bytes"`
	Start  time.Time  `json:"start"`
	End    time.Time  `json:"end"`
	Alerts []Expected `json:"alerts"`
}

// Expected is one alert the archive must raise: a detection alert on the
// event EventID, or a correlation alert for the Group values.
type Expected struct {
	Rule    string            `json:"rule"`
	EventID string            `json:"eventID,omitempty"`
	Group   map[string]string `json:"group,omitempty"`
}

// Key is a stable text form of the expectation, for comparisons.
func (e Expected) Key() string {
	if e.EventID != "" {
		return e.Rule + " " + e.EventID
	}
	var parts []string
	for k, v := range e.Group {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return e.Rule + " " + strings.Join(parts, ",")
}

type stream struct {
	account, region string
}

var streams = []stream{
	{"111122223333", "us-east-1"},
	{"111122223333", "eu-west-1"},
	{"777788889999", "us-east-1"},
	{"777788889999", "eu-west-1"},
}

// streamGen holds what one file's generator needs.
type streamGen struct {
	account, region string
	people          []*principal
}

func people(r *rand.Rand, account, region string) []*principal {
	var out []*principal
	for _, role := range []string{"app-deployer", "lambda-exec", "ci-runner", "rds-monitoring", "data-pipeline"} {
		session := "i-0" + lowerID(r, 16)
		if role == "ci-runner" {
			session = "GitHubActions"
		}
		pid := randID(r, "AROA", 17)
		out = append(out, &principal{account: account, idType: "AssumedRole", principal: pid + ":" + session,
			arn: "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session, keyID: randID(r, "ASIA", 16),
			userName: role, issuerArn: "arn:aws:iam::" + account + ":role/" + role,
			agent: userAgents[r.IntN(len(userAgents))], ip: fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))})
	}
	for _, user := range []string{"alice", "bob", "carol"} {
		out = append(out, &principal{account: account, idType: "IAMUser", principal: randID(r, "AIDA", 17),
			arn: "arn:aws:iam::" + account + ":user/" + user, keyID: randID(r, "AKIA", 16), userName: user,
			agent: userAgents[r.IntN(len(userAgents))], ip: fmt.Sprintf("203.0.113.%d", 1+r.IntN(254))})
	}
	return out
}

// fileTarget is the decompressed size one file aims at: 256 KB to 1.25 MB
// (CloudTrail files range from a few KB to a few MB), smaller for small
// archives so that they still have several files per stream.
func fileTarget(r *rand.Rand, size int64) int {
	return int(min(int64(256<<10+r.IntN(1<<20)), max(16<<10, size/32)))
}

func avgFileTarget(size int64) int64 { return min(256<<10+1<<19, max(16<<10, size/32)) }

// Generate writes the archive under dir and returns (and writes) its
// manifest.
func Generate(dir string, opts Options) (*Manifest, error) {
	if opts.Size <= 0 {
		return nil, fmt.Errorf("gencorpus: size must be positive")
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	estFiles := max(int(opts.Size/avgFileTarget(opts.Size)), 1)
	intervals := (estFiles + len(streams) - 1) / len(streams)
	plan := planScenarios(opts.Seed, opts.Start, intervals, opts.Size)
	lastFile := 0
	for _, p := range plan.events {
		lastFile = max(lastFile, fileIndex(opts.Start, p.stream, p.call.t))
	}

	type result struct {
		idx  int
		path string
		gz   []byte
		raw  int64
		n    int
		exp  []Expected
		err  error
	}
	jobs := make(chan int)
	results := make(chan result, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idx := range jobs {
				path, gz, raw, n, exp, err := buildFile(opts, idx, plan)
				results <- result{idx, path, gz, raw, n, exp, err}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := 0; ; i++ {
			select {
			case jobs <- i:
			case <-stop:
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	m := &Manifest{Seed: opts.Seed, Size: opts.Size, Start: opts.Start, Alerts: slices.Clone(plan.expected)}
	pending := map[int]result{}
	next := 0
	done := false
	var firstErr error
	for res := range results {
		if done {
			continue
		}
		pending[res.idx] = res
		for !done {
			cur, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if cur.err == nil {
				full := filepath.Join(dir, cur.path)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					cur.err = err
				} else {
					cur.err = os.WriteFile(full, cur.gz, 0o644)
				}
			}
			if cur.err != nil {
				firstErr, done = cur.err, true
				close(stop)
				break
			}
			m.Files++
			m.Alerts = append(m.Alerts, cur.exp...)
			m.Bytes += cur.raw
			m.Events += int64(cur.n)
			if m.Bytes >= opts.Size && cur.idx >= lastFile {
				done = true
				close(stop)
			}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if opts.Alerts != nil {
		m.Alerts = slices.DeleteFunc(m.Alerts, func(e Expected) bool { return !opts.Alerts(e.Rule) })
	}
	slices.SortFunc(m.Alerts, func(a, b Expected) int { return strings.Compare(a.Key(), b.Key()) })
	m.End = opts.Start.Add(time.Duration((m.Files+len(streams)-1)/len(streams)) * Interval)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

// fileIndex is the index of the file of a stream that holds time t.
func fileIndex(start time.Time, s int, t time.Time) int {
	k := int(t.Sub(start) / Interval)
	return k*len(streams) + s
}

// buildFile generates file idx: its relative path, gzip bytes, raw size,
// record count and the alerts its background calls raise.
func buildFile(opts Options, idx int, plan *plan) (string, []byte, int64, int, []Expected, error) {
	s := idx % len(streams)
	k := idx / len(streams)
	st := streams[s]
	from := opts.Start.Add(time.Duration(k) * Interval)
	r := rand.New(rand.NewPCG(opts.Seed, uint64(idx)+1))
	// Principals are stable per stream (same seed), not per file.
	pr := rand.New(rand.NewPCG(opts.Seed^0x5eed, uint64(s)+1))
	g := &streamGen{account: st.account, region: st.region, people: people(pr, st.account, st.region)}

	target := fileTarget(r, opts.Size)
	var calls []*call
	size := 0
	var exp []Expected
	for size < target {
		c := backgroundCall(r, g, from)
		calls = append(calls, c)
		size += 1100 + len(c.params) + len(c.response)
		for _, rule := range c.fires {
			exp = append(exp, Expected{Rule: rule, EventID: c.id})
		}
	}
	for _, p := range plan.events {
		if p.stream == s && !p.call.t.Before(from) && p.call.t.Before(from.Add(Interval)) {
			calls = append(calls, p.call)
		}
	}
	// Roughly, not strictly, ordered by time, as CloudTrail writes them.
	slices.SortStableFunc(calls, func(a, b *call) int { return a.t.Compare(b.t) })
	for i := 0; i+1 < len(calls); i++ {
		if r.IntN(20) == 0 {
			calls[i], calls[i+1] = calls[i+1], calls[i]
		}
	}
	raw := make([]byte, 0, size+size/8)
	raw = append(raw, `{"Records":[`...)
	for i, c := range calls {
		if i > 0 {
			raw = append(raw, ',')
		}
		raw = appendRecord(raw, c, uuid(r))
	}
	raw = append(raw, "]}"...)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(raw); err != nil {
		return "", nil, 0, 0, nil, err
	}
	if err := zw.Close(); err != nil {
		return "", nil, 0, 0, nil, err
	}
	delivered := from.Add(Interval)
	name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", st.account, st.region, delivered.Format("20060102T1504Z"), randID(r, "", 16))
	path := filepath.Join("AWSLogs", st.account, "CloudTrail", st.region, delivered.Format("2006/01/02"), name)
	return path, gz.Bytes(), int64(len(raw)), len(calls), exp, nil
}

func backgroundCall(r *rand.Rand, g *streamGen, from time.Time) *call {
	t := from.Add(time.Duration(r.Int64N(int64(Interval))))
	t = t.Truncate(time.Second)
	who := g.people[r.IntN(len(g.people))]
	if r.IntN(50) == 0 {
		d := nonRDSDenials[r.IntN(len(nonRDSDenials))]
		code := "AccessDenied"
		if d.source == "ec2.amazonaws.com" {
			code = "Client.UnauthorizedOperation"
		}
		return &call{t: t, source: d.source, name: d.name, who: who, region: g.region, errorCode: code,
			errorMsg: "User: " + who.arn + " is not authorized to perform this operation", readOnly: true, id: uuid(r)}
	}
	n := r.IntN(backgroundWeight)
	for i := range background {
		sc := &background[i]
		if n < sc.weight {
			c := &call{t: t, source: sc.source, name: sc.name, who: who, region: g.region, readOnly: sc.readOnly, id: uuid(r), fires: sc.fires}
			if sc.params != nil {
				c.params = sc.params(r, g)
			}
			if sc.response != nil {
				c.response = sc.response(r, g)
			}
			return c
		}
		n -= sc.weight
	}
	panic("unreachable")
}
