package hunt_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sqlb "github.com/sigforge/sigforge/backends/sql"
	"github.com/sigforge/sigforge/compiler/hunt"
	"github.com/sigforge/sigforge/compiler/scan"
)

// fakeAthena answers like Athena: a query runs for two polls, then
// succeeds; results come in pages of two rows, the first page led by the
// header row. Rows are produced by rows(query).
type fakeAthena struct {
	rows    func(query string) ([]string, [][]*string)
	queries []string
	polls   map[string]int
	fail    string // a query containing this text fails
}

func (f *fakeAthena) StartQueryExecution(_ context.Context, in *athena.StartQueryExecutionInput, _ ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error) {
	f.queries = append(f.queries, *in.QueryString)
	if aws.ToString(in.WorkGroup) != "wg" || in.QueryExecutionContext == nil || aws.ToString(in.QueryExecutionContext.Database) != "db" {
		return nil, fmt.Errorf("InvalidRequestException: workgroup or database missing")
	}
	return &athena.StartQueryExecutionOutput{QueryExecutionId: aws.String(fmt.Sprintf("q%d", len(f.queries)))}, nil
}

func (f *fakeAthena) GetQueryExecution(_ context.Context, in *athena.GetQueryExecutionInput, _ ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error) {
	id := *in.QueryExecutionId
	f.polls[id]++
	state := types.QueryExecutionStateRunning
	var reason *string
	if f.polls[id] > 2 {
		state = types.QueryExecutionStateSucceeded
		if f.fail != "" && strings.Contains(f.query(id), f.fail) {
			state, reason = types.QueryExecutionStateFailed, aws.String("COLUMN_NOT_FOUND: line 3:7")
		}
	}
	return &athena.GetQueryExecutionOutput{QueryExecution: &types.QueryExecution{
		QueryExecutionId: aws.String(id),
		Status:           &types.QueryExecutionStatus{State: state, StateChangeReason: reason},
		Statistics:       &types.QueryExecutionStatistics{DataScannedInBytes: aws.Int64(3 << 30), TotalExecutionTimeInMillis: aws.Int64(1200)},
	}}, nil
}

func (f *fakeAthena) query(id string) string {
	var n int
	fmt.Sscanf(id, "q%d", &n)
	return f.queries[n-1]
}

func (f *fakeAthena) GetQueryResults(_ context.Context, in *athena.GetQueryResultsInput, _ ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error) {
	names, data := f.rows(f.query(*in.QueryExecutionId))
	all := [][]*string{}
	var header []*string
	for _, n := range names {
		header = append(header, aws.String(n))
	}
	all = append(all, header)
	all = append(all, data...)
	start := 0
	if in.NextToken != nil {
		fmt.Sscan(*in.NextToken, &start)
	}
	end := min(start+2, len(all))
	out := &athena.GetQueryResultsOutput{ResultSet: &types.ResultSet{ResultSetMetadata: &types.ResultSetMetadata{}}}
	for _, n := range names {
		out.ResultSet.ResultSetMetadata.ColumnInfo = append(out.ResultSet.ResultSetMetadata.ColumnInfo, types.ColumnInfo{Name: aws.String(n)})
	}
	for _, r := range all[start:end] {
		row := types.Row{}
		for _, v := range r {
			row.Data = append(row.Data, types.Datum{VarCharValue: v})
		}
		out.ResultSet.Rows = append(out.ResultSet.Rows, row)
	}
	if end < len(all) {
		out.NextToken = aws.String(fmt.Sprint(end))
	}
	return out, nil
}

// TestAthenaHunt runs the pack's plan against the fake: every query starts
// with the workgroup and database, is polled until it succeeds, its pages
// are all read (header row skipped), records are rebuilt from the columns
// (structs and JSON-text columns as JSON), correlation rows become one
// alert per burst, and each rule's scanned bytes and cost are reported.
func TestAthenaHunt(t *testing.T) {
	rules, cfg := packRules(t)
	b, err := sqlb.NewAthena(cfg)
	require.NoError(t, err)
	since := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	plan, err := hunt.NewPlan(b, rules, hunt.Options{Since: since})
	require.NoError(t, err)
	f := &fakeAthena{polls: map[string]int{}, rows: func(q string) ([]string, [][]*string) {
		switch {
		case strings.Contains(q, "WITH hits AS") && strings.Contains(q, "HAVING count(DISTINCT w.ev) >= 10"):
			// The hits of one principal: ten within 90 s (an alert), an
			// eleventh (its window was cleared: no alert), then ten more
			// three hours later (a second alert).
			names := []string{"rule_no", "ev", "t", "g1"}
			var rows [][]*string
			t0 := int64(1790000000000)
			add := func(i int, ms int64) {
				rows = append(rows, []*string{aws.String("1"), aws.String(fmt.Sprintf("e%02d", i)), aws.String(fmt.Sprint(ms)), aws.String("arn:aws:iam::1:user/a")})
			}
			for i := range 11 {
				add(i, t0+int64(i)*10000)
			}
			for i := range 10 {
				add(20+i, t0+3*3600000+int64(i)*10000)
			}
			return names, rows
		case strings.Contains(q, "'stopdbinstance'"):
			var names []string
			for _, c := range sqlb.AthenaRecordColumns() {
				names = append(names, strings.ToLower(c.Key))
			}
			row := make([]*string, len(names))
			for i, n := range names {
				switch n {
				case "eventid":
					row[i] = aws.String("e-1")
				case "eventtime":
					row[i] = aws.String("2026-10-01T10:00:00Z")
				case "eventname":
					row[i] = aws.String("StopDBInstance")
				case "useridentity":
					row[i] = aws.String(`{"type":"IAMUser","arn":"arn:aws:iam::1:user/ops"}`)
				case "requestparameters":
					row[i] = aws.String(`{"dBInstanceIdentifier":"orders"}`)
				}
			}
			return names, [][]*string{row}
		}
		return []string{"eventid"}, nil
	}}
	var out, report bytes.Buffer
	w, err := scan.NewWriter("ndjson", &out, &bytes.Buffer{})
	require.NoError(t, err)
	res, err := hunt.Athena(context.Background(), f, plan, hunt.AthenaOptions{WorkGroup: "wg", Database: "db", Poll: time.Millisecond, Report: &report}, w.Alert)
	require.NoError(t, err)
	require.NoError(t, w.Close(res, 0))
	assert.Len(t, f.queries, len(plan.Rules), "one query per rule")
	for _, q := range f.queries {
		assert.Contains(t, q, `"timestamp" >= '2026/10/01'`, "--since bounds the partitions read")
	}
	assert.Equal(t, 1, strings.Count(out.String(), `"key":"aws_rds_db_instance_stopped"`), "one detection alert")
	assert.Equal(t, 2, strings.Count(out.String(), `"key":"aws_rds_api_calls_denied_burst"`), "two correlation alerts: the eleventh hit follows a cleared window")
	assert.Equal(t, res.Alerts, len(strings.Split(strings.TrimSpace(out.String()), "\n")))
	assert.Contains(t, out.String(), `"origin":"athena:e-1"`)
	assert.Contains(t, out.String(), `"dBInstanceIdentifier":"orders"`)
	assert.Contains(t, report.String(), "aws_rds_db_instance_stopped: 1 alerts, 3.00 GB scanned, ~$0.0161")
	assert.Contains(t, report.String(), fmt.Sprintf("athena: %d queries", len(plan.Rules)))

	f.fail = "'stopdbinstance'"
	_, err = hunt.Athena(context.Background(), f, plan, hunt.AthenaOptions{WorkGroup: "wg", Database: "db", Poll: time.Millisecond}, w.Alert)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed: COLUMN_NOT_FOUND")
}

// TestAthenaLive checks every compiled pack rule with EXPLAIN on a real
// Athena (no data scanned), opt-in: SIGFORGE_ATHENA_WORKGROUP and
// SIGFORGE_ATHENA_DATABASE (the database holding the table created with
// `sigforge compile --target sql-athena --ddl`; SIGFORGE_ATHENA_TABLE names
// it, default cloudtrail_logs) and AWS credentials in the environment.
func TestAthenaLive(t *testing.T) {
	wg, db := os.Getenv("SIGFORGE_ATHENA_WORKGROUP"), os.Getenv("SIGFORGE_ATHENA_DATABASE")
	if wg == "" || db == "" {
		t.Skip("set SIGFORGE_ATHENA_WORKGROUP and SIGFORGE_ATHENA_DATABASE to run the pack's SQL on Athena")
	}
	rules, _ := packRules(t)
	plan, err := hunt.NewPlan(sqlb.New(sqlb.NameAthena, sqlb.Athena{Table: os.Getenv("SIGFORGE_ATHENA_TABLE")}), rules, hunt.Options{Since: time.Now().Add(-24 * time.Hour)})
	require.NoError(t, err)
	ctx := context.Background()
	client, err := hunt.NewAthenaClient(ctx)
	require.NoError(t, err)
	opts := hunt.AthenaOptions{WorkGroup: wg, Database: db, OutputLocation: os.Getenv("SIGFORGE_ATHENA_OUTPUT")}
	for i, r := range plan.Rules {
		_, _, err := hunt.RunAthena(ctx, client, "EXPLAIN "+plan.Queries[i], opts)
		assert.NoError(t, err, "%s:\n%s", r.Title, plan.Queries[i])
	}
}
