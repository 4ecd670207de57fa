package hunt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	sqlb "github.com/sigforge/sigforge/backends/sql"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/scan"
)

// AthenaAPI is the part of the Athena client hunt uses (the SDK's
// *athena.Client; tests pass a fake).
type AthenaAPI interface {
	StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, opts ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, opts ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error)
	GetQueryResults(ctx context.Context, in *athena.GetQueryResultsInput, opts ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error)
}

// NewAthenaClient returns an Athena client configured from the
// environment (AWS_REGION, credentials chain, profiles).
func NewAthenaClient(ctx context.Context) (*athena.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("athena: AWS configuration: %w", err)
	}
	return athena.NewFromConfig(cfg), nil
}

// AthenaOptions say where queries run and how they are reported.
type AthenaOptions struct {
	WorkGroup      string
	Database       string
	OutputLocation string
	// PricePerTB is the USD price of a terabyte scanned (default 5); Athena
	// bills at least 10 MB per query.
	PricePerTB float64
	// Poll is the first wait between status checks (default 500ms,
	// doubling up to 5s).
	Poll time.Duration
	// Report, when set, receives one line per rule: alerts, bytes scanned,
	// cost estimate.
	Report io.Writer
}

// QueryStats are the figures of one finished Athena query.
type QueryStats struct {
	ID      string
	Scanned int64
	Cost    float64
	Elapsed time.Duration
}

// Athena runs the plan's queries (a plan of the athena dialect) on Athena,
// one query per rule: it starts the query, polls until it ends, pages the
// results, and calls sink for every alert. A correlation query returns the
// hits of its alerting groups, replayed through the native evaluator
// (Replay); its alert's fields come from its group values only (reading
// the window's events would be another scan of the table).
func Athena(ctx context.Context, api AthenaAPI, p *Plan, opts AthenaOptions, sink func(*scan.Alert) error) (*scan.Result, error) {
	if p.backend.Dialect().Name() != "athena" {
		return nil, fmt.Errorf("hunt: Athena needs a plan of the athena dialect, not %s", p.backend.Dialect().Name())
	}
	if opts.PricePerTB == 0 {
		opts.PricePerTB = 5
	}
	start := time.Now()
	res := &scan.Result{}
	var total QueryStats
	for i, r := range p.Rules {
		q := p.Queries[i]
		if !r.IsCorrelation() {
			q = athenaRecordQuery(q)
		}
		rows, st, err := RunAthena(ctx, api, q, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", r.Pos, r.Title, err)
		}
		alerts, err := athenaAlerts(r, rows)
		if err != nil {
			return nil, err
		}
		for _, a := range alerts {
			a.Key = p.key(r)
			if err := sink(a); err != nil {
				return nil, err
			}
		}
		res.Alerts += len(alerts)
		res.Hits = append(res.Hits, scan.RuleHits{Rule: r, Key: p.key(r), Hits: len(alerts)})
		res.Bytes += st.Scanned
		total.Scanned += st.Scanned
		total.Cost += st.Cost
		if opts.Report != nil {
			fmt.Fprintf(opts.Report, "athena: %s: %d alerts, %s scanned, ~$%.4f (query %s, %s)\n",
				p.key(r), len(alerts), bytesText(st.Scanned), st.Cost, st.ID, st.Elapsed.Round(time.Millisecond))
		}
	}
	if opts.Report != nil {
		fmt.Fprintf(opts.Report, "athena: %d queries, %s scanned, ~$%.4f in total\n", len(p.Rules), bytesText(total.Scanned), total.Cost)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// athenaRecordQuery selects, from a detection query, the columns that
// rebuild each matched record.
func athenaRecordQuery(q string) string {
	var cols []string
	for _, c := range sqlb.AthenaRecordColumns() {
		cols = append(cols, c.SQL)
	}
	return "SELECT " + strings.Join(cols, ", ") + "\nFROM (\n" + q + "\n) q\nORDER BY eventtime, eventid"
}

// RunAthena runs one query and returns its rows (column name → text, nil
// for NULL) and figures.
func RunAthena(ctx context.Context, api AthenaAPI, query string, opts AthenaOptions) ([]map[string]any, QueryStats, error) {
	in := &athena.StartQueryExecutionInput{QueryString: aws.String(query)}
	if opts.WorkGroup != "" {
		in.WorkGroup = aws.String(opts.WorkGroup)
	}
	if opts.Database != "" {
		in.QueryExecutionContext = &types.QueryExecutionContext{Database: aws.String(opts.Database)}
	}
	if opts.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(opts.OutputLocation)}
	}
	started, err := api.StartQueryExecution(ctx, in)
	if err != nil {
		return nil, QueryStats{}, fmt.Errorf("athena: start query: %w", err)
	}
	id := aws.ToString(started.QueryExecutionId)
	st := QueryStats{ID: id}
	wait := opts.Poll
	if wait == 0 {
		wait = 500 * time.Millisecond
	}
	for {
		out, err := api.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			return nil, st, fmt.Errorf("athena: query %s: %w", id, err)
		}
		qe := out.QueryExecution
		if qe == nil || qe.Status == nil {
			return nil, st, fmt.Errorf("athena: query %s: no status", id)
		}
		if s := qe.Statistics; s != nil {
			st.Scanned = aws.ToInt64(s.DataScannedInBytes)
			st.Elapsed = time.Duration(aws.ToInt64(s.TotalExecutionTimeInMillis)) * time.Millisecond
		}
		done := false
		switch qe.Status.State {
		case types.QueryExecutionStateSucceeded:
			done = true
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			return nil, st, fmt.Errorf("athena: query %s %s: %s", id, strings.ToLower(string(qe.Status.State)), aws.ToString(qe.Status.StateChangeReason))
		}
		if done {
			break
		}
		select {
		case <-ctx.Done():
			return nil, st, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
	// Athena bills at least 10 MB per query.
	st.Cost = float64(max(st.Scanned, 10<<20)) / 1e12 * opts.PricePerTB
	var rows []map[string]any
	var names []string
	var token *string
	first := true
	for {
		page, err := api.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id), NextToken: token})
		if err != nil {
			return nil, st, fmt.Errorf("athena: results of %s: %w", id, err)
		}
		if page.ResultSet == nil {
			return nil, st, errors.New("athena: results without a result set")
		}
		if names == nil && page.ResultSet.ResultSetMetadata != nil {
			for _, c := range page.ResultSet.ResultSetMetadata.ColumnInfo {
				names = append(names, aws.ToString(c.Name))
			}
		}
		for k, row := range page.ResultSet.Rows {
			if first && k == 0 && isHeader(row, names) {
				continue // a SELECT's first row holds the column names
			}
			m := map[string]any{}
			for j, d := range row.Data {
				if j < len(names) {
					if d.VarCharValue == nil {
						m[names[j]] = nil
					} else {
						m[names[j]] = *d.VarCharValue
					}
				}
			}
			rows = append(rows, m)
		}
		first = false
		token = page.NextToken
		if token == nil || *token == "" {
			break
		}
	}
	return rows, st, nil
}

func isHeader(row types.Row, names []string) bool {
	if len(row.Data) != len(names) {
		return false
	}
	for j, d := range row.Data {
		if aws.ToString(d.VarCharValue) != names[j] {
			return false
		}
	}
	return true
}

// athenaAlerts turns result rows into alerts.
func athenaAlerts(r *ir.Rule, rows []map[string]any) ([]*scan.Alert, error) {
	if r.IsCorrelation() {
		windows, err := Replay(r, rows)
		if err != nil {
			return nil, err
		}
		var out []*scan.Alert
		for _, w := range windows {
			out = append(out, correlationAlert(r, w, nil))
		}
		return out, nil
	}
	var out []*scan.Alert
	for _, row := range rows {
		rec := map[string]json.RawMessage{}
		for _, c := range sqlb.AthenaRecordColumns() {
			v, ok := row[strings.ToLower(c.Key)].(string)
			if !ok {
				continue
			}
			if c.JSON {
				if !json.Valid([]byte(v)) {
					b, _ := json.Marshal(v)
					rec[c.Key] = b
					continue
				}
				rec[c.Key] = json.RawMessage(v)
				continue
			}
			b, _ := json.Marshal(v)
			rec[c.Key] = b
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		origin := "athena"
		if id, ok := row["eventid"].(string); ok {
			origin = "athena:" + id
		}
		a, err := detectionAlert(r, origin, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
