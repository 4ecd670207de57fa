// Package scan hunts over CloudTrail archives with a rule set: it reads the
// files AWS writes (gzip-compressed or plain CloudTrail documents
// {"Records":[...]}, single records, JSON arrays, NDJSON) and directory
// trees in the S3 layout AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/,
// and evaluates every detection and correlation rule with the native
// evaluator (compiler/eval), so its verdicts are the reference semantics of
// the ir package.
//
// How it is fast while staying exact:
//
//   - Files are read by a pool of workers, one file at a time each (a file
//     of up to 64 MB compressed is read at once, larger ones are streamed):
//     a hand-written scanner walks the decompressed Records array record by
//     record (only the current record is held decompressed), checking JSON
//     structure and picking out the raw values of a few top-level keys
//     without decoding anything.
//   - A prefilter derived from the rules (see prefilter) drops, from those
//     raw values, every rule that cannot match the record: a rule whose
//     detection requires eventSource = "rds.amazonaws.com" cannot match an
//     S3 record. Only records left with a candidate rule are decoded into
//     maps (event.Decode) and evaluated, and only by their candidate rules.
//     When the prefilter cannot tell (escapes, non-ASCII text, numbers) the
//     rule stays a candidate, so results never differ from evaluating every
//     rule on every record.
//   - Correlations need their events in time order across files, which
//     parallel workers do not give. Workers keep the (few) events that match
//     a detection rule some correlation references; after the last file,
//     those events, in file and record order, are handed to each
//     correlation (eval.Correlator.Run, which sorts them stably by time).
//     This is exact for any file order and any delivery delay, and its
//     memory is proportional to the correlation base-rule hits only.
//
// Output order is deterministic: files are visited in lexical path order,
// detection alerts are emitted in file and record order whatever the number
// of workers, and correlation alerts follow, by correlation rule order then
// time.
package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Scanner is a compiled rule set ready to scan files.
type Scanner struct {
	rules   []*ir.Rule // scanned, in the order given
	skipped []*ir.Rule

	dets     []*eval.Evaluator
	detRules []*ir.Rule
	corrBase bitset // detection rules some correlation references
	corrs    []*eval.Correlator
	pf       *prefilter
	keys     []string // pf.fields, then eventTime
	timeKey  int
	hitIndex map[*ir.Rule]int // rule → index in rules
	names    map[*ir.Rule]string
	// keep are the paths correlations read from a collected event (all
	// fields when keepAll): the rest of the event is dropped before it is
	// held until the end of the scan.
	keep    []string
	keepAll bool
}

// AppliesToCloudTrail reports whether a rule reads CloudTrail records: a
// detection rule whose logsource product is aws (or unset) and service
// cloudtrail (or unset), without a category; a correlation rule whose
// referenced rules all do.
func AppliesToCloudTrail(r *ir.Rule) bool {
	if r.IsCorrelation() {
		for _, ref := range r.Correlation.Rules {
			if ref == nil || !AppliesToCloudTrail(ref) {
				return false
			}
		}
		return true
	}
	ls := r.Logsource
	return (ls.Product == "" || strings.EqualFold(ls.Product, "aws")) &&
		(ls.Service == "" || strings.EqualFold(ls.Service, "cloudtrail")) &&
		ls.Category == ""
}

// New compiles the rules that apply to CloudTrail (the others are listed by
// Skipped). Rules referenced by a correlation but absent from rules are
// compiled through the correlation only.
func New(rules []*ir.Rule) (*Scanner, error) {
	s := &Scanner{hitIndex: map[*ir.Rule]int{}}
	for _, r := range rules {
		if !AppliesToCloudTrail(r) {
			s.skipped = append(s.skipped, r)
			continue
		}
		s.hitIndex[r] = len(s.rules)
		s.rules = append(s.rules, r)
	}
	s.assignKeys()
	for _, r := range s.rules {
		if r.IsCorrelation() {
			c, err := eval.CompileCorrelation(r)
			if err != nil {
				return nil, err
			}
			s.corrs = append(s.corrs, c)
			continue
		}
		e, err := eval.Compile(r)
		if err != nil {
			return nil, err
		}
		s.dets = append(s.dets, e)
		s.detRules = append(s.detRules, r)
	}
	// Correlation parts that are not in the set themselves still need their
	// events collected: add them as non-alerting detection rules.
	var bases []*ir.Rule
	for _, c := range s.corrs {
		bases = appendBases(bases, c.Rule())
	}
	for _, b := range bases {
		if !slices.Contains(s.detRules, b) {
			e, err := eval.Compile(b)
			if err != nil {
				return nil, err
			}
			s.dets = append(s.dets, e)
			s.detRules = append(s.detRules, b)
		}
	}
	for _, c := range s.corrs {
		s.addKeep(c.Rule())
	}
	s.corrBase = newBitset(len(s.detRules))
	for i, r := range s.detRules {
		if slices.Contains(bases, r) {
			s.corrBase.set(i)
		}
	}
	pf, err := newPrefilter(s.detRules)
	if err != nil {
		return nil, err
	}
	s.pf = pf
	s.keys = append(slices.Clone(s.pf.fields), "eventTime")
	s.timeKey = len(s.keys) - 1
	return s, nil
}

// addKeep records the paths a correlation (and what it references) reads:
// its referenced rules' detection fields, group-by and value fields, and its
// alert fields.
func (s *Scanner) addKeep(r *ir.Rule) {
	c := r.Correlation
	s.keep = append(s.keep, r.Meta.AlertFields...)
	for _, ref := range c.Rules {
		for _, g := range c.GroupBy {
			s.keep = append(s.keep, c.FieldFor(g, ref))
		}
		if c.Condition.Field != "" {
			s.keep = append(s.keep, c.FieldFor(c.Condition.Field, ref))
		}
		if ref.IsCorrelation() {
			s.addKeep(ref)
			continue
		}
		for _, m := range ir.Matches(ref.Detection) {
			if m.IsKeyword() {
				s.keepAll = true
			}
			s.keep = append(s.keep, m.Field)
			if m.Op == ir.OpFieldRef {
				for _, v := range m.Values {
					s.keep = append(s.keep, v.Text())
				}
			}
		}
	}
}

// prune keeps, at every level, only the keys through which a kept path can
// be reached (the key itself or a dotted prefix of what is left of the
// path, as event.Lookup resolves paths; arrays are followed element by
// element), so the correlations see exactly what they would in the full
// event, and a held event costs a few small maps.
func (s *Scanner) prune(fields map[string]any) map[string]any {
	if s.keepAll {
		return fields
	}
	return pruneObject(fields, s.keep)
}

func pruneObject(obj map[string]any, paths []string) map[string]any {
	out := make(map[string]any, 4)
	var rest []string
	for k, v := range obj {
		rest = rest[:0]
		whole := false
		for _, p := range paths {
			switch {
			case p == k:
				whole = true
			case len(p) > len(k) && p[len(k)] == '.' && p[:len(k)] == k:
				rest = append(rest, p[len(k)+1:])
			}
		}
		switch {
		case whole:
			out[k] = v
		case len(rest) > 0:
			out[k] = pruneValue(v, rest)
		}
	}
	return out
}

func pruneValue(v any, paths []string) any {
	switch x := v.(type) {
	case map[string]any:
		return pruneObject(x, paths)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pruneValue(e, paths)
		}
		return out
	}
	return v // a scalar: the path ends nowhere below it
}

// appendBases adds the detection rules a correlation references, through
// chained correlations.
func appendBases(out []*ir.Rule, r *ir.Rule) []*ir.Rule {
	for _, ref := range r.Correlation.Rules {
		if ref.IsCorrelation() {
			out = appendBases(out, ref)
		} else if !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}

// Rules returns the rules the scanner evaluates, in order.
func (s *Scanner) Rules() []*ir.Rule { return s.rules }

// Skipped returns the rules left out because their logsource is not
// CloudTrail.
func (s *Scanner) Skipped() []*ir.Rule { return s.skipped }

// PrefilterFields returns the top-level fields the prefilter reads.
func (s *Scanner) PrefilterFields() []string { return s.pf.fields }

// Options tune a scan.
type Options struct {
	// Since (inclusive) and Until (exclusive) bound the events' eventTime;
	// zero means unbounded. With a bound, records without a readable
	// eventTime are left out.
	Since, Until time.Time
	// Workers is the number of files read at once (default GOMAXPROCS).
	Workers int
	// Counters, when set, is updated while the scan runs (for progress).
	Counters *Counters
	// NoPrefilter decodes and evaluates every record with every rule (the
	// slow path, for comparisons and checks; results are the same).
	NoPrefilter bool
}

// Counters are live figures of a running scan.
type Counters struct {
	Files      atomic.Int64 // files finished
	Compressed atomic.Int64 // bytes read from disk
	Bytes      atomic.Int64 // bytes after decompression
	Events     atomic.Int64 // records read
}

// Alert is one firing of a rule.
type Alert struct {
	Rule *ir.Rule
	// Key names the rule (Scanner.Key).
	Key string
	// Time is the event's time (for a correlation, the end of its window).
	Time time.Time
	// Origin is path#record (path:line for NDJSON); empty for correlations.
	Origin string
	// Fields are the rule's alert fields (Meta.AlertFields) with the values
	// found: in the event, or for a correlation in its group and in the
	// events of its window.
	Fields []Field
	// Event is the matched record, compact JSON (nil for correlations).
	Event json.RawMessage
	// Correlation is set for correlation alerts.
	Correlation *eval.Alert
}

// Field is one alert field and its values (scalar texts, distinct, in
// order of appearance; empty when absent).
type Field struct {
	Name   string
	Values []string
}

// RuleHits counts the alerts of one rule.
type RuleHits struct {
	Rule *ir.Rule
	Key  string
	Hits int
}

// Problem is a bad file or record, reported and skipped.
type Problem struct {
	Path      string
	Line, Col int
	Msg       string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", p.Path, p.Line, p.Col, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Msg)
}

// Result sums up a scan.
type Result struct {
	Files      int
	BadFiles   int
	Compressed int64 // bytes read from disk
	Bytes      int64 // bytes after decompression
	Events     int64 // records read
	Outside    int64 // records outside Since/Until
	Decoded    int64 // records the prefilter let through (decoded and evaluated)
	Alerts     int
	Hits       []RuleHits // every scanned rule, in order
	Problems   []Problem  // in file order
	Elapsed    time.Duration
}

// fileResult is what a worker hands back for one file.
type fileResult struct {
	idx       int
	alerts    []*Alert
	collected []event.Event
	problems  []Problem
	bad       bool
	bytes     int64
	events    int64
	outside   int64
	decoded   int64
}

// Scan reads the files and calls sink for every alert, in a deterministic
// order (see the package doc). A sink error stops the scan and is returned;
// bad files are not errors: they are listed in Result.Problems.
func (s *Scanner) Scan(files []File, opts Options, sink func(*Alert) error) (*Result, error) {
	start := time.Now()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(files)))
	res := &Result{Files: len(files), Hits: make([]RuleHits, len(s.rules))}
	for i, r := range s.rules {
		res.Hits[i].Rule, res.Hits[i].Key = r, s.Key(r)
	}
	jobs := make(chan int)
	results := make(chan *fileResult, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := s.newWorkerState()
			for idx := range jobs {
				fr := s.scanFile(files[idx], opts, ws)
				fr.idx = idx
				results <- fr
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case jobs <- i:
			case <-stop:
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	var sinkErr error
	emit := func(a *Alert) {
		if sinkErr != nil {
			return
		}
		res.Alerts++
		res.Hits[s.hitIndex[a.Rule]].Hits++
		if err := sink(a); err != nil {
			sinkErr = err
			close(stop)
		}
	}
	pending := map[int]*fileResult{}
	next := 0
	var collected []event.Event
	for fr := range results {
		pending[fr.idx] = fr
		for {
			cur, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for _, a := range cur.alerts {
				emit(a)
			}
			collected = append(collected, cur.collected...)
			res.Problems = append(res.Problems, cur.problems...)
			if cur.bad {
				res.BadFiles++
			}
			res.Compressed += files[cur.idx].Size
			res.Bytes += cur.bytes
			res.Events += cur.events
			res.Outside += cur.outside
			res.Decoded += cur.decoded
		}
	}
	if sinkErr != nil {
		return res, sinkErr
	}
	for _, c := range s.corrs {
		for _, ca := range c.Run(collected) {
			emit(s.correlationAlert(c, ca, collected))
		}
	}
	res.Elapsed = time.Since(start)
	return res, sinkErr
}

type workerState struct {
	cand   bitset
	values *values
	reader *Reader      // reused from file to file
	file   bytes.Buffer // a compressed file read at once
}

// maxInMemory is the largest file read into memory before decompression;
// larger ones are streamed.
const maxInMemory = 64 << 20

func (s *Scanner) newWorkerState() *workerState {
	return &workerState{cand: newBitset(len(s.detRules)), values: newValues(len(s.pf.fields), len(s.pf.checks))}
}

// countingReader counts the bytes read from disk.
type countingReader struct {
	r io.Reader
	c *Counters
}

func (cr countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.c.Compressed.Add(int64(n))
	return n, err
}

func (s *Scanner) scanFile(f File, opts Options, ws *workerState) *fileResult {
	fr := &fileResult{}
	defer func() {
		if opts.Counters != nil {
			opts.Counters.Files.Add(1)
		}
	}()
	problem := func(line, col int, msg string) {
		fr.problems = append(fr.problems, Problem{Path: f.Path, Line: line, Col: col, Msg: msg})
		fr.bad = true
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		problem(0, 0, err.Error())
		return fr
	}
	defer fh.Close()
	var src io.Reader = fh
	if opts.Counters != nil {
		src = countingReader{fh, opts.Counters}
	}
	if f.Size <= maxInMemory {
		// CloudTrail files are small: read the compressed bytes at once
		// (into the worker's buffer) for the faster decompression path.
		ws.file.Reset()
		if _, err := ws.file.ReadFrom(src); err != nil {
			problem(0, 0, err.Error())
			return fr
		}
		src = bytes.NewReader(ws.file.Bytes())
	}
	if ws.reader == nil {
		ws.reader, err = NewReader(src, f.Lines, s.keys)
	} else {
		err = ws.reader.Reset(src, f.Lines)
	}
	if err != nil {
		problem(0, 0, err.Error())
		return fr
	}
	rd := ws.reader
	filtered := !opts.Since.IsZero() || !opts.Until.IsZero()
	var flushed int64
	flush := func() {
		if opts.Counters != nil {
			opts.Counters.Events.Add(fr.events - flushed)
			flushed = fr.events
			opts.Counters.Bytes.Add(rd.Bytes - fr.bytes)
		}
		fr.bytes = rd.Bytes
	}
	defer flush()
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if se, ok := err.(*SyntaxError); ok {
				msg := se.Msg
				if se.Fatal && rd.index > 0 {
					msg += fmt.Sprintf(" (rest of the file skipped after record %d)", rd.index)
				}
				problem(se.Line, se.Col, msg)
				continue
			}
			problem(0, 0, err.Error())
			break
		}
		fr.events++
		if fr.events&1023 == 0 {
			flush()
		}
		if filtered {
			t, ok := recordTime(rec.Values[s.timeKey])
			if !ok || (!opts.Since.IsZero() && t.Before(opts.Since)) || (!opts.Until.IsZero() && !t.Before(opts.Until)) {
				fr.outside++
				continue
			}
		}
		if opts.NoPrefilter {
			copy(ws.cand, s.pf.all)
		} else if !s.pf.candidates(rec, ws.cand, ws.values) {
			continue
		}
		fr.decoded++
		origin := fmt.Sprintf("%s#%d", f.Path, rec.Index)
		if rec.Line > 0 {
			origin = fmt.Sprintf("%s:%d", f.Path, rec.Line)
		}
		fields, err := decode(rec.Raw)
		if err != nil {
			problem(rec.Line, 0, fmt.Sprintf("record %d: %v", rec.Index, err))
			continue
		}
		ev := event.New(fields, origin)
		collect := false
		var compact json.RawMessage
		for i, det := range s.dets {
			if !ws.cand.has(i) || !det.MatchFields(fields) {
				continue
			}
			if s.corrBase.has(i) {
				collect = true
			}
			r := s.detRules[i]
			if _, scanned := s.hitIndex[r]; !scanned {
				continue
			}
			if compact == nil {
				compact = oneLine(rec.Raw)
			}
			fr.alerts = append(fr.alerts, &Alert{Rule: r, Key: s.Key(r), Time: ev.Time, Origin: origin, Fields: AlertFields(r, []map[string]any{fields}), Event: compact})
		}
		if collect {
			// Correlation alerts name no origin: hold only time and fields.
			fr.collected = append(fr.collected, event.Event{Fields: s.prune(fields), Time: ev.Time})
		}
	}
	return fr
}

// oneLine copies a record for output on one line: as it is when it has no
// line break (JSON strings cannot hold a raw one), else compacted.
func oneLine(raw []byte) json.RawMessage {
	if bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return bytes.Clone(raw)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return nil
	}
	return buf.Bytes()
}

// recordTime parses a raw eventTime value.
func recordTime(raw []byte) (time.Time, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return time.Time{}, false
	}
	var s string
	if bytes.IndexByte(raw, '\\') >= 0 {
		if json.Unmarshal(raw, &s) != nil {
			return time.Time{}, false
		}
	} else {
		s = string(raw[1 : len(raw)-1])
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// AlertFields collects the values of the rule's alert fields in events
// (scalar texts, distinct, in order of appearance); hunt uses it too, so
// that both print the same alerts.
func AlertFields(r *ir.Rule, events []map[string]any) []Field {
	var out []Field
	for _, name := range r.Meta.AlertFields {
		f := Field{Name: name}
		for _, ev := range events {
			vals, _ := event.Lookup(ev, name)
			for _, v := range vals {
				if v == nil {
					continue
				}
				s, ok := event.Scalar(v)
				if !ok {
					b, err := json.Marshal(v)
					if err != nil {
						continue
					}
					s = string(b)
				}
				if !slices.Contains(f.Values, s) {
					f.Values = append(f.Values, s)
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// correlationAlert builds the alert of a correlation: the alert fields come
// from its group values and from the events of the window that its directly
// referenced detection rules matched in the same group.
func (s *Scanner) correlationAlert(c *eval.Correlator, ca eval.Alert, collected []event.Event) *Alert {
	r := c.Rule()
	corr := r.Correlation
	var window []map[string]any
	for _, ev := range collected {
		if ev.Time.Before(ca.Start) || ev.Time.After(ca.End) {
			continue
		}
		for _, ref := range corr.Rules {
			if ref.IsCorrelation() {
				continue
			}
			i := slices.Index(s.detRules, ref)
			if i < 0 || !s.dets[i].MatchFields(ev.Fields) || !inGroup(corr, ref, ca.Group, ev.Fields) {
				continue
			}
			window = append(window, ev.Fields)
			break
		}
	}
	group := map[string]any{}
	for _, g := range ca.Group {
		group[g.Field] = g.Value
	}
	fields := AlertFields(r, append([]map[string]any{group}, window...))
	a := ca
	return &Alert{Rule: r, Key: s.Key(r), Time: ca.End, Fields: fields, Correlation: &a}
}

// inGroup reports whether an event has the group's values.
func inGroup(corr *ir.Correlation, ref *ir.Rule, group []eval.GroupValue, fields map[string]any) bool {
	for _, g := range group {
		vals, _ := event.Lookup(fields, corr.FieldFor(g.Field, ref))
		found := false
		for _, v := range vals {
			if s, ok := event.Scalar(v); ok && v != nil && s == g.Value {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// RuleKey names a rule in reports: its name, else its file name without
// extension, else its id. A rule that shares its file with other rules and
// has no name is shown as file#id (see Scanner.Key).
func RuleKey(r *ir.Rule) string {
	if r.Name != "" {
		return r.Name
	}
	if base := fileBase(r); base != "" {
		return base
	}
	return r.ID
}

func fileBase(r *ir.Rule) string {
	if r.File == "" {
		return ""
	}
	base := filepath.Base(r.File)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".yml"), ".yaml")
}

// Key is the rule's name in this scanner's reports: RuleKey, made unique
// among the scanned rules (file#id when two rules would share a name).
func (s *Scanner) Key(r *ir.Rule) string {
	if k, ok := s.names[r]; ok {
		return k
	}
	return RuleKey(r)
}

// assignKeys computes Key for every scanned rule.
func (s *Scanner) assignKeys() {
	s.names = map[*ir.Rule]string{}
	count := map[string]int{}
	for _, r := range s.rules {
		count[RuleKey(r)]++
	}
	for _, r := range s.rules {
		k := RuleKey(r)
		if count[k] > 1 && r.Name == "" {
			k = fileBase(r) + "#" + r.ID
		}
		s.names[r] = k
	}
}
