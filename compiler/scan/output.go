package scan

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sigforge/sigforge/compiler/eval"
)

// Writer renders alerts as they come and the summary at the end. Formats:
//
//   - text: one line per alert on w; the summary goes to the summary
//     writer (stderr in the CLI) so that w holds only alerts;
//   - ndjson: one JSON object per alert on w; the summary as text, like
//     text;
//   - json: one document {"alerts":[...],"summary":{...}} on w, streamed
//     (alerts are not held in memory).
type Writer struct {
	format  string
	w       *bufio.Writer
	summary io.Writer
	n       int
}

// Formats are the output formats NewWriter accepts.
var Formats = []string{"text", "json", "ndjson"}

// NewWriter returns a Writer for a format.
func NewWriter(format string, w, summary io.Writer) (*Writer, error) {
	switch format {
	case "text", "json", "ndjson":
	default:
		return nil, fmt.Errorf("unknown format %q (want text, json or ndjson)", format)
	}
	return &Writer{format: format, w: bufio.NewWriterSize(w, 64<<10), summary: summary}, nil
}

// Alert writes one alert.
func (wr *Writer) Alert(a *Alert) error {
	switch wr.format {
	case "text":
		wr.w.WriteString(TextLine(a))
		wr.w.WriteByte('\n')
	case "ndjson", "json":
		b, err := json.Marshal(alertJSON(a))
		if err != nil {
			return err
		}
		if wr.format == "json" {
			if wr.n == 0 {
				wr.w.WriteString("{\"alerts\": [\n")
			} else {
				wr.w.WriteString(",\n")
			}
		}
		wr.w.Write(b)
		if wr.format == "ndjson" {
			wr.w.WriteByte('\n')
		}
	}
	wr.n++
	if wr.w.Buffered() > 32<<10 {
		return wr.w.Flush()
	}
	return nil
}

// Close writes the summary and flushes.
func (wr *Writer) Close(res *Result, skipped int) error {
	if wr.format == "json" {
		if wr.n == 0 {
			wr.w.WriteString("{\"alerts\": [")
		} else {
			wr.w.WriteString("\n")
		}
		b, err := json.MarshalIndent(summaryJSON(res, skipped), "", "  ")
		if err != nil {
			return err
		}
		wr.w.WriteString("],\n\"summary\": ")
		wr.w.Write(b)
		wr.w.WriteString("}\n")
		return wr.w.Flush()
	}
	if err := wr.w.Flush(); err != nil {
		return err
	}
	return WriteSummary(wr.summary, res, skipped)
}

// TextLine renders an alert on one line:
//
//	TIME  SEVERITY  RULE  field=value ...  ORIGIN
//
// A correlation shows its aggregate and window instead of an origin.
func TextLine(a *Alert) string {
	var b strings.Builder
	b.WriteString(a.Time.UTC().Format(time.RFC3339))
	b.WriteString("  ")
	b.WriteString(a.Rule.Meta.Severity)
	b.WriteString("  ")
	b.WriteString(a.Key)
	for _, f := range a.Fields {
		if len(f.Values) == 0 {
			continue
		}
		b.WriteString("  ")
		b.WriteString(f.Name)
		b.WriteByte('=')
		b.WriteString(quoteIfNeeded(strings.Join(f.Values, ",")))
	}
	if c := a.Correlation; c != nil {
		fmt.Fprintf(&b, "  %s=%g  window=%s..%s", a.Rule.Correlation.Type, c.Value, c.Start.UTC().Format(time.RFC3339), c.End.UTC().Format(time.RFC3339))
	} else {
		b.WriteString("  ")
		b.WriteString(a.Origin)
	}
	return b.String()
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"") {
		b, _ := json.Marshal(s)
		return string(b)
	}
	return s
}

type ruleJSON struct {
	ID       string `json:"id"`
	Key      string `json:"key"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Risk     int    `json:"risk_score"`
	Level    string `json:"level,omitempty"`
}

type correlationJSON struct {
	Type  string            `json:"type"`
	Value float64           `json:"value"`
	Start time.Time         `json:"start"`
	End   time.Time         `json:"end"`
	Group []eval.GroupValue `json:"group"`
}

type alertOut struct {
	Rule        ruleJSON         `json:"rule"`
	Time        time.Time        `json:"time"`
	Origin      string           `json:"origin,omitempty"`
	Fields      orderedFields    `json:"fields"`
	Correlation *correlationJSON `json:"correlation,omitempty"`
	Event       json.RawMessage  `json:"event,omitempty"`
}

// orderedFields marshals as a JSON object in alert_fields order: a field
// with one value maps to it, several to an array, none to null.
type orderedFields []Field

func (o orderedFields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		b.Write(k)
		b.WriteByte(':')
		var v []byte
		switch len(f.Values) {
		case 0:
			v = []byte("null")
		case 1:
			v, _ = json.Marshal(f.Values[0])
		default:
			v, _ = json.Marshal(f.Values)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func ruleOut(a *Alert) ruleJSON {
	r := a.Rule
	return ruleJSON{ID: r.ID, Key: a.Key, Title: r.Title, Severity: r.Meta.Severity, Risk: r.Meta.RiskScore, Level: r.Level}
}

func alertJSON(a *Alert) alertOut {
	out := alertOut{Rule: ruleOut(a), Time: a.Time.UTC(), Origin: a.Origin, Fields: orderedFields(a.Fields), Event: a.Event}
	if c := a.Correlation; c != nil {
		group := c.Group
		if group == nil {
			group = []eval.GroupValue{}
		}
		out.Correlation = &correlationJSON{Type: string(a.Rule.Correlation.Type), Value: c.Value, Start: c.Start.UTC(), End: c.End.UTC(), Group: group}
	}
	return out
}

type hitJSON struct {
	ID    string `json:"id"`
	Key   string `json:"key"`
	Title string `json:"title"`
	Hits  int    `json:"hits"`
}

type summaryOut struct {
	Files        int       `json:"files"`
	BadFiles     int       `json:"bad_files"`
	Compressed   int64     `json:"bytes_read"`
	Bytes        int64     `json:"bytes"`
	Events       int64     `json:"events"`
	Outside      int64     `json:"events_outside_window"`
	Alerts       int       `json:"alerts"`
	SkippedRules int       `json:"rules_skipped"`
	Rules        []hitJSON `json:"rules"`
	Problems     []string  `json:"problems"`
}

func summaryJSON(res *Result, skipped int) summaryOut {
	out := summaryOut{Files: res.Files, BadFiles: res.BadFiles, Compressed: res.Compressed, Bytes: res.Bytes,
		Events: res.Events, Outside: res.Outside, Alerts: res.Alerts, SkippedRules: skipped, Rules: []hitJSON{}, Problems: []string{}}
	for _, h := range res.Hits {
		out.Rules = append(out.Rules, hitJSON{ID: h.Rule.ID, Key: h.Key, Title: h.Rule.Title, Hits: h.Hits})
	}
	for _, p := range res.Problems {
		out.Problems = append(out.Problems, p.String())
	}
	return out
}

// WriteSummary prints the per-rule hit counts (rules with hits, most first
// then in rule order) and the totals.
func WriteSummary(w io.Writer, res *Result, skipped int) error {
	bw := bufio.NewWriter(w)
	quiet := 0
	for _, h := range sortedHits(res.Hits) {
		if h.Hits == 0 {
			quiet++
			continue
		}
		fmt.Fprintf(bw, "%8d  %s  %s\n", h.Hits, h.Key, h.Rule.Title)
	}
	fmt.Fprintf(bw, "%d alerts from %d rules (%d rules without alerts", res.Alerts, len(res.Hits)-quiet, quiet)
	if skipped > 0 {
		fmt.Fprintf(bw, ", %d not for CloudTrail skipped", skipped)
	}
	fmt.Fprintf(bw, "); %d files, %d events, %s", res.Files, res.Events, sizeText(res.Bytes))
	if res.Outside > 0 {
		fmt.Fprintf(bw, ", %d events outside the time window", res.Outside)
	}
	if res.BadFiles > 0 {
		fmt.Fprintf(bw, "; %d bad files", res.BadFiles)
	}
	bw.WriteString("\n")
	return bw.Flush()
}

func sortedHits(hits []RuleHits) []RuleHits {
	out := slices.Clone(hits)
	slices.SortStableFunc(out, func(a, b RuleHits) int { return cmp.Compare(b.Hits, a.Hits) })
	return out
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
