// Package hunt runs the whole rule pack where the data is, as SQL: on an
// embedded DuckDB over local or mounted CloudTrail archives, or on Amazon
// Athena over the CloudTrail table (athena.go). Each rule is compiled by
// backends/sql and its query's rows become the same alerts `sigforge scan`
// prints (scan.Alert, written by scan.Writer), so the two can be compared
// line for line.
//
// DuckDB: the files are read with scan's reader (gzip, {"Records":[...]}
// documents, NDJSON; bad files are reported and skipped like scan does) and
// appended to DuckDB's events table; every rule then runs as one query over
// the cloudtrail view. Detection alerts come out in file and record order
// (as scan's), then correlation alerts by rule and window end.
//
// A correlation runs as backends/sql's CorrelationHits query: the engine
// matches the referenced rules, evaluates the sliding windows and returns
// the hits of the groups that have a window meeting the condition; hunt
// replays those hits through the native evaluator (compiler/eval), which
// clears a group's window after each alert, so correlation alerts are the
// evaluator's (and scan's) exactly.
package hunt

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sigforge/sigforge/backends"
	sqlb "github.com/sigforge/sigforge/backends/sql"
	"github.com/sigforge/sigforge/backends/sql/duckdb"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/scan"
)

// Options bound a hunt.
type Options struct {
	// Since (inclusive) and Until (exclusive) bound eventTime; zero means
	// unbounded.
	Since, Until time.Time
	// Counters, when set, is updated while files are loaded.
	Counters *scan.Counters
}

// Refused is a rule the SQL target cannot express, with the reason.
type Refused struct {
	Rule *ir.Rule
	Err  *backends.Unsupported
}

// Plan is the rule set of a hunt: the rules that read CloudTrail, each
// compiled or refused.
type Plan struct {
	Rules   []*ir.Rule // compiled, in order
	Queries []string   // the SQL of each of Rules
	Refused []Refused
	Skipped []*ir.Rule // rules that do not read CloudTrail
	backend *sqlb.Backend
	names   *scan.Scanner // names rules in reports as scan does
}

// key names a rule in alerts and summaries, as scan does.
func (p *Plan) key(r *ir.Rule) string { return p.names.Key(r) }

// NewPlan compiles the rules for a SQL dialect's backend, restricted to
// the range.
func NewPlan(b *sqlb.Backend, rules []*ir.Rule, opts Options) (*Plan, error) {
	names, err := scan.New(rules)
	if err != nil {
		return nil, err
	}
	p := &Plan{backend: b, names: names}
	for _, r := range rules {
		if !scan.AppliesToCloudTrail(r) {
			p.Skipped = append(p.Skipped, r)
			continue
		}
		rng := sqlb.Range{Since: opts.Since, Until: opts.Until}
		var q string
		var err error
		if r.IsCorrelation() {
			q, err = b.CorrelationHits(r, rng)
		} else {
			q, err = b.Query(r, rng)
		}
		var u *backends.Unsupported
		switch {
		case errors.As(err, &u):
			p.Refused = append(p.Refused, Refused{Rule: r, Err: u})
			continue
		case err != nil:
			return nil, fmt.Errorf("%s: %w", r.Pos, err)
		}
		p.Rules = append(p.Rules, r)
		p.Queries = append(p.Queries, q)
	}
	return p, nil
}

// DuckDB loads the files into an embedded DuckDB and runs the plan's
// queries (a plan of the duckdb dialect), calling sink for every alert.
// Bad files are listed in Result.Problems and skipped.
func DuckDB(p *Plan, files []scan.File, opts Options, sink func(*scan.Alert) error) (*scan.Result, error) {
	if p.backend.Dialect().Name() != "duckdb" {
		return nil, fmt.Errorf("hunt: the DuckDB engine needs a plan of the duckdb dialect, not %s", p.backend.Dialect().Name())
	}
	start := time.Now()
	// A database file in a temporary folder, so that an archive larger than
	// memory spills to disk; removed at the end.
	tmp, err := os.MkdirTemp("", "sigforge-hunt-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	eng, err := duckdb.OpenPath(filepath.Join(tmp, "hunt.duckdb"))
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	res := &scan.Result{}
	if err := load(eng, files, opts, res); err != nil {
		return nil, err
	}
	var dets []*scan.Alert
	type pos struct{ ord, rule int }
	order := map[*scan.Alert]pos{}
	var corrs []*scan.Alert
	hits := make([]int, len(p.Rules))
	for i, r := range p.Rules {
		if r.IsCorrelation() {
			as, err := correlationAlerts(eng, p, r, p.Queries[i], opts)
			if err != nil {
				return nil, err
			}
			hits[i] = len(as)
			corrs = append(corrs, as...)
			continue
		}
		rows, err := eng.Rows("SELECT _ord, _origin, _raw FROM (" + p.Queries[i] + ") q ORDER BY _ord")
		if err != nil {
			return nil, fmt.Errorf("%s: duckdb: %w", r.Pos, err)
		}
		for _, row := range rows {
			a, err := detectionAlert(r, row["_origin"].(string), []byte(row["_raw"].(string)))
			if err != nil {
				return nil, err
			}
			order[a] = pos{int(row["_ord"].(int64)), i}
			dets = append(dets, a)
		}
		hits[i] = len(rows)
	}
	slices.SortStableFunc(dets, func(a, b *scan.Alert) int {
		pa, pb := order[a], order[b]
		return cmp.Or(cmp.Compare(pa.ord, pb.ord), cmp.Compare(pa.rule, pb.rule))
	})
	for _, a := range append(dets, corrs...) {
		a.Key = p.key(a.Rule)
		if err := sink(a); err != nil {
			return nil, err
		}
		res.Alerts++
	}
	for i, r := range p.Rules {
		res.Hits = append(res.Hits, scan.RuleHits{Rule: r, Key: p.key(r), Hits: hits[i]})
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// load appends every record of the files to the events table.
func load(eng *duckdb.Engine, files []scan.File, opts Options, res *scan.Result) error {
	l, err := eng.Reset()
	if err != nil {
		return err
	}
	if err := appendFiles(l, files, opts, res); err != nil {
		l.Close()
		return err
	}
	return l.Close()
}

func appendFiles(l *duckdb.Loader, files []scan.File, opts Options, res *scan.Result) error {
	for _, f := range files {
		res.Files++
		bad := false
		problem := func(line, col int, msg string) {
			res.Problems = append(res.Problems, scan.Problem{Path: f.Path, Line: line, Col: col, Msg: msg})
			bad = true
		}
		fh, err := os.Open(f.Path)
		if err != nil {
			problem(0, 0, err.Error())
			res.BadFiles++
			continue
		}
		counted := &countReader{r: fh}
		rd, err := scan.NewReader(counted, f.Lines, nil)
		if err != nil {
			fh.Close()
			problem(0, 0, err.Error())
			res.BadFiles++
			continue
		}
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var se *scan.SyntaxError
				if errors.As(err, &se) {
					problem(se.Line, se.Col, se.Msg)
					continue
				}
				problem(0, 0, err.Error())
				break
			}
			res.Events++
			origin := fmt.Sprintf("%s#%d", f.Path, rec.Index)
			if rec.Line > 0 {
				origin = fmt.Sprintf("%s:%d", f.Path, rec.Line)
			}
			if err := l.Add(origin, rec.Raw); err != nil {
				fh.Close()
				return fmt.Errorf("duckdb: %w", err)
			}
		}
		fh.Close()
		res.Compressed += counted.n
		res.Bytes += rd.Bytes
		if bad {
			res.BadFiles++
		}
		if c := opts.Counters; c != nil {
			c.Files.Add(1)
			c.Compressed.Add(counted.n)
			c.Bytes.Add(rd.Bytes)
			c.Events.Store(res.Events)
		}
	}
	return nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// detectionAlert builds the alert of a matched record.
func detectionAlert(r *ir.Rule, origin string, raw []byte) (*scan.Alert, error) {
	fields, err := event.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	ev := event.New(fields, origin)
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return &scan.Alert{Rule: r, Time: ev.Time, Origin: origin, Fields: scan.AlertFields(r, []map[string]any{fields}), Event: buf.Bytes()}, nil
}

// correlationAlerts runs a correlation query and turns its windows into
// alerts (one per group and burst; see the package doc).
func correlationAlerts(eng *duckdb.Engine, p *Plan, r *ir.Rule, query string, opts Options) ([]*scan.Alert, error) {
	rows, err := eng.Rows(query)
	if err != nil {
		return nil, fmt.Errorf("%s: duckdb: %w", r.Pos, err)
	}
	windows, err := Replay(r, rows)
	if err != nil {
		return nil, err
	}
	var out []*scan.Alert
	for _, w := range windows {
		events, err := windowEvents(eng, p, r, w, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, correlationAlert(r, w, events))
	}
	return out, nil
}

// Replay runs the hits of a correlation (the rows of a CorrelationHits
// query: rule_no, ev, t, g1..gN, v, in order) through the native evaluator
// and returns its alerts. Each event becomes a record holding the numbers
// of the rules it matched, its group-by values and its value field, and
// the referenced rules become tests of those numbers.
func Replay(r *ir.Rule, rows []map[string]any) ([]eval.Alert, error) {
	corr := r.Correlation
	const ruleKey = "__sigforge_rule"
	synth := *corr
	synth.Aliases = nil
	synth.Rules = nil
	for i, ref := range corr.Rules {
		synth.Rules = append(synth.Rules, &ir.Rule{ID: ref.ID, Name: ref.Name, Title: ref.Title, Logsource: ref.Logsource,
			Detection: &ir.Match{Pos: ref.Pos, Field: ruleKey, Cased: true, Values: []ir.Value{ir.Str(strconv.Itoa(i + 1))}}})
	}
	rule := *r
	rule.Correlation = &synth
	c, err := eval.CompileCorrelation(&rule)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Pos, err)
	}
	var events []event.Event
	var lastKey string
	for _, row := range rows {
		t, ok := millis(row["t"])
		if !ok {
			t = time.Time{}
		}
		fields := map[string]any{}
		var key strings.Builder
		fmt.Fprintf(&key, "%v\x00%d", row["ev"], t.UnixMilli())
		for j, g := range corr.GroupBy {
			v := row[fmt.Sprintf("g%d", j+1)]
			if v == nil {
				continue
			}
			fields[g] = fmt.Sprint(v)
			key.WriteString("\x00" + fmt.Sprint(v))
		}
		if f := corr.Condition.Field; f != "" && row["v"] != nil {
			fields[f] = fmt.Sprint(row["v"])
		}
		rn := fmt.Sprint(row["rule_no"])
		// An event matched by several rules is one event with several
		// rule numbers (event_count counts it once).
		if n := len(events); n > 0 && key.String() == lastKey {
			prev := events[n-1].Fields
			prev[ruleKey] = append(prev[ruleKey].([]any), rn)
			continue
		}
		fields[ruleKey] = []any{rn}
		events = append(events, event.Event{Fields: fields, Time: t, Origin: fmt.Sprint(row["ev"])})
		lastKey = key.String()
	}
	alerts := c.Run(events)
	for i := range alerts {
		alerts[i].Rule = r
	}
	return alerts, nil
}

func millis(v any) (time.Time, bool) {
	switch n := v.(type) {
	case int64:
		return time.UnixMilli(n).UTC(), true
	case int32:
		return time.UnixMilli(int64(n)).UTC(), true
	case float64:
		return time.UnixMilli(int64(n)).UTC(), true
	case string:
		var i int64
		if _, err := fmt.Sscan(n, &i); err == nil {
			return time.UnixMilli(i).UTC(), true
		}
	}
	return time.Time{}, false
}

// windowEvents reads the events of a correlation window that its
// referenced rules matched in the window's group.
func windowEvents(eng *duckdb.Engine, p *Plan, r *ir.Rule, w eval.Alert, opts Options) ([]map[string]any, error) {
	var out []map[string]any
	seen := map[int64]bool{}
	for _, ref := range r.Correlation.Rules {
		q, err := p.backend.Query(ref, sqlb.Range{Since: opts.Since, Until: opts.Until})
		if err != nil {
			return nil, err
		}
		rows, err := eng.Rows("SELECT _ord, _raw FROM ("+q+") q WHERE epoch_ms(TRY_CAST(eventtime AS TIMESTAMPTZ)) BETWEEN ? AND ? ORDER BY _ord",
			w.Start.UnixMilli(), w.End.UnixMilli())
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			ord := row["_ord"].(int64)
			if seen[ord] {
				continue
			}
			fields, err := event.Decode([]byte(row["_raw"].(string)))
			if err != nil {
				return nil, err
			}
			if inGroup(r.Correlation, ref, w.Group, fields) {
				seen[ord] = true
				out = append(out, fields)
			}
		}
	}
	return out, nil
}

func correlationAlert(r *ir.Rule, w eval.Alert, window []map[string]any) *scan.Alert {
	group := map[string]any{}
	for _, g := range w.Group {
		group[g.Field] = g.Value
	}
	a := w
	return &scan.Alert{Rule: r, Time: w.End, Fields: scan.AlertFields(r, append([]map[string]any{group}, window...)), Correlation: &a}
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
