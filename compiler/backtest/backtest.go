package backtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/query/kql"
)

// CaseField is the keyword field that tags each indexed document with its
// fixture file, so that a query runs on one fixture at a time.
const CaseField = "sigforge.case"

// Config says how to reach Elasticsearch.
type Config struct {
	URL, APIKey, Username, Password, CAFile string
}

// ConfigFromEnv reads SIGFORGE_ES_URL, SIGFORGE_ES_API_KEY,
// SIGFORGE_ES_USERNAME, SIGFORGE_ES_PASSWORD and SIGFORGE_ES_CA_FILE.
func ConfigFromEnv() Config {
	return Config{
		URL:      os.Getenv("SIGFORGE_ES_URL"),
		APIKey:   os.Getenv("SIGFORGE_ES_API_KEY"),
		Username: os.Getenv("SIGFORGE_ES_USERNAME"),
		Password: os.Getenv("SIGFORGE_ES_PASSWORD"),
		CAFile:   os.Getenv("SIGFORGE_ES_CA_FILE"),
	}
}

// NewClient builds a go-elasticsearch client from the configuration.
func NewClient(cfg Config) (*elasticsearch.Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("backtest: no Elasticsearch URL (set SIGFORGE_ES_URL)")
	}
	esCfg := elasticsearch.Config{Addresses: []string{cfg.URL}, APIKey: cfg.APIKey, Username: cfg.Username, Password: cfg.Password}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("backtest: CA file: %w", err)
		}
		esCfg.CACert = pem
	}
	return elasticsearch.NewClient(esCfg)
}

// Runner indexes fixtures and runs compiled queries on them.
type Runner struct {
	ES          *elasticsearch.Client
	Targets     []backends.Backend // eql, esql and/or kql
	FixturesDir string
	// Keep leaves the data stream and its template in place.
	Keep bool
	// Name is the data stream (default logs-sigforge.backtest-<random>).
	Name string
}

// Verdict is the outcome of one rule, target and fixture file.
type Verdict struct {
	Rule     string
	Target   string
	Fixture  string
	Positive bool
	// Elasticsearch is whether the real engine fired.
	Elasticsearch bool
	// InProcess is what sigforge's own evaluator of the target said, when the
	// target has one.
	InProcess *bool
	Err       error
}

// OK reports whether Elasticsearch agreed with the in-process evaluator (or,
// for a target without one, with the fixture's kind).
func (v Verdict) OK() bool {
	if v.Err != nil {
		return false
	}
	if v.InProcess != nil {
		return v.Elasticsearch == *v.InProcess
	}
	return v.Elasticsearch == v.Positive
}

// Report is the whole run.
type Report struct {
	Verdicts []Verdict
	Skipped  []string // rules a target cannot express, with the reason
	Indexed  int
}

// Failed counts the verdicts that are not OK.
func (r *Report) Failed() int {
	n := 0
	for _, v := range r.Verdicts {
		if !v.OK() {
			n++
		}
	}
	return n
}

// Print writes one line per disagreement and per checked rule and target,
// then "N passed, N failed".
func (r *Report) Print(w io.Writer) {
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "SKIP  %s\n", s)
	}
	for _, v := range r.Verdicts {
		status := "PASS"
		if !v.OK() {
			status = "FAIL"
		}
		detail := fmt.Sprintf("elasticsearch fired=%t", v.Elasticsearch)
		if v.InProcess != nil {
			detail += fmt.Sprintf(", sigforge fired=%t", *v.InProcess)
		}
		detail += fmt.Sprintf(", fixture is %s", map[bool]string{true: "positive", false: "negative"}[v.Positive])
		if v.Err != nil {
			detail = v.Err.Error()
		}
		fmt.Fprintf(w, "%s  %s  %s  %s: %s\n", status, v.Rule, v.Target, v.Fixture, detail)
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", len(r.Verdicts)-r.Failed(), r.Failed())
}

type fixtureCase struct {
	id      string // the value of CaseField
	rule    *ir.Rule
	fixture *harness.Fixture
}

// Run indexes every fixture of the rules and checks every target.
func (rn *Runner) Run(ctx context.Context, rules []*ir.Rule) (*Report, error) {
	if rn.Name == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		rn.Name = "logs-sigforge.backtest-" + hex.EncodeToString(b[:])
	}
	var cases []fixtureCase
	for _, r := range harness.Tested(rules) {
		fixtures, err := harness.LoadDir(filepath.Join(rn.FixturesDir, harness.Key(r)))
		if err != nil {
			return nil, err
		}
		for _, f := range fixtures {
			id, err := filepath.Rel(rn.FixturesDir, f.Path)
			if err != nil {
				id = f.Path
			}
			cases = append(cases, fixtureCase{id: filepath.ToSlash(id), rule: r, fixture: f})
		}
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("backtest: no fixtures under %s", rn.FixturesDir)
	}
	if err := rn.setUp(ctx); err != nil {
		return nil, err
	}
	if !rn.Keep {
		defer rn.tearDown(context.WithoutCancel(ctx))
	}
	report := &Report{}
	n, err := rn.index(ctx, cases)
	report.Indexed = n
	if err != nil {
		return report, err
	}
	for _, t := range rn.Targets {
		for _, r := range harness.Tested(rules) {
			out, err := t.Compile(r)
			var un *backends.Unsupported
			if errors.As(err, &un) {
				report.Skipped = append(report.Skipped, fmt.Sprintf("%s  %s  %s", harness.Key(r), t.Name(), un.Construct))
				continue
			}
			var q backends.Query
			if ex, ok := t.(backends.Executor); ok && err == nil {
				q, err = ex.Prepare(out)
			}
			for _, c := range cases {
				if c.rule != r {
					continue
				}
				v := Verdict{Rule: harness.Key(r), Target: t.Name(), Fixture: c.id, Positive: c.fixture.Positive}
				if err != nil {
					v.Err = err
					report.Verdicts = append(report.Verdicts, v)
					continue
				}
				if q != nil {
					fired, qerr := q.Fires(c.fixture.Events)
					if qerr == nil {
						v.InProcess = &fired
					}
				}
				v.Elasticsearch, v.Err = rn.fires(ctx, t.Name(), out.Text, c.id)
				report.Verdicts = append(report.Verdicts, v)
			}
		}
	}
	return report, nil
}

// setUp creates an index template for the data stream, mapping strings as
// keyword (as the aws.cloudtrail integration does for the fields detections
// use), source.ip as ip, the object forms as flattened, and every ECS field
// of sigforge's table up front, so that ES|QL can name fields no fixture
// holds.
func (rn *Runner) setUp(ctx context.Context) error {
	props := map[string]any{
		"@timestamp":     map[string]any{"type": "date"},
		"event.ingested": map[string]any{"type": "date"},
		CaseField:        map[string]any{"type": "keyword"},
	}
	for _, f := range ecs.Fields {
		if f.ECS != "" && !f.Time {
			props[f.ECS] = map[string]any{"type": "keyword"}
		}
		if f.IP != "" {
			props[f.IP] = map[string]any{"type": "ip"}
		}
	}
	for _, flat := range []string{"request_parameters", "response_elements", "additional_eventdata", "service_event_details"} {
		props["aws.cloudtrail."+flat] = map[string]any{"type": "keyword"}
		props["aws.cloudtrail.flattened."+flat] = map[string]any{"type": "flattened"}
	}
	props["source.ip"] = map[string]any{"type": "ip"}
	tmpl := map[string]any{
		"index_patterns": []string{rn.Name},
		"data_stream":    map[string]any{},
		"priority":       500,
		"template": map[string]any{
			"settings": map[string]any{"number_of_replicas": 0},
			"mappings": map[string]any{
				"dynamic_templates": []any{map[string]any{"strings": map[string]any{
					"match_mapping_type": "string",
					"mapping":            map[string]any{"type": "keyword", "ignore_above": 8191},
				}}},
				"properties": props,
			},
		},
	}
	body, _ := json.Marshal(tmpl)
	res, err := rn.ES.Indices.PutIndexTemplate(rn.Name, bytes.NewReader(body), rn.ES.Indices.PutIndexTemplate.WithContext(ctx))
	if err := check(res, err, "put index template"); err != nil {
		return err
	}
	res, err = rn.ES.Indices.CreateDataStream(rn.Name, rn.ES.Indices.CreateDataStream.WithContext(ctx))
	return check(res, err, "create data stream")
}

func (rn *Runner) tearDown(ctx context.Context) {
	res, err := rn.ES.Indices.DeleteDataStream([]string{rn.Name}, rn.ES.Indices.DeleteDataStream.WithContext(ctx))
	_ = check(res, err, "")
	res, err = rn.ES.Indices.DeleteIndexTemplate(rn.Name, rn.ES.Indices.DeleteIndexTemplate.WithContext(ctx))
	_ = check(res, err, "")
}

// index bulk-indexes the ECS form of every fixture event with create
// actions (the only action a data stream accepts), then refreshes.
func (rn *Runner) index(ctx context.Context, cases []fixtureCase) (int, error) {
	var failures []string
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{Client: rn.ES, Index: rn.Name, NumWorkers: 1, FlushBytes: 1 << 20})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cases {
		for _, ev := range c.fixture.Events {
			doc, err := Document(ev, c.id)
			if err != nil {
				return n, fmt.Errorf("%s: %w", ev.Origin, err)
			}
			item := esutil.BulkIndexerItem{
				Action: "create",
				Body:   bytes.NewReader(doc),
				OnFailure: func(_ context.Context, _ esutil.BulkIndexerItem, res esutil.BulkIndexerResponseItem, err error) {
					if err == nil {
						err = fmt.Errorf("%s: %s", res.Error.Type, res.Error.Reason)
					}
					failures = append(failures, fmt.Sprintf("%s: %v", c.id, err))
				},
			}
			if err := bi.Add(ctx, item); err != nil {
				return n, err
			}
			n++
		}
	}
	if err := bi.Close(ctx); err != nil {
		return n, err
	}
	if len(failures) > 0 {
		return n, fmt.Errorf("backtest: %d documents were not indexed, first: %s", len(failures), failures[0])
	}
	res, err := rn.ES.Indices.Refresh(rn.ES.Indices.Refresh.WithIndex(rn.Name), rn.ES.Indices.Refresh.WithContext(ctx))
	return n, check(res, err, "refresh")
}

// Document is the indexed form of a fixture event: its ECS mapping (as the
// aws.cloudtrail integration would store it), event.ingested set to the
// event's time (the detection engine's timestamp override), and the case
// tag.
func Document(ev event.Event, caseID string) ([]byte, error) {
	doc := ecs.Map(ev.Fields)
	ts := ev.Time
	if ts.IsZero() {
		ts = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if _, ok := doc["@timestamp"]; !ok {
		doc["@timestamp"] = ts.Format(time.RFC3339Nano)
	}
	evObj, _ := doc["event"].(map[string]any)
	if evObj == nil {
		evObj = map[string]any{}
		doc["event"] = evObj
	}
	evObj["ingested"] = ts.Format(time.RFC3339Nano)
	doc["sigforge"] = map[string]any{"case": caseID}
	return json.Marshal(doc)
}

// fires runs one compiled query on one fixture's documents.
func (rn *Runner) fires(ctx context.Context, target, text, caseID string) (bool, error) {
	caseFilter := map[string]any{"term": map[string]any{CaseField: caseID}}
	switch target {
	case "eql":
		body, _ := json.Marshal(map[string]any{"query": text, "filter": caseFilter, "size": 10})
		res, err := rn.ES.EqlSearch(rn.Name, bytes.NewReader(body), rn.ES.EqlSearch.WithContext(ctx))
		var out struct {
			Hits struct {
				Events    []any `json:"events"`
				Sequences []any `json:"sequences"`
			} `json:"hits"`
		}
		if err := decode(res, err, "eql search", &out); err != nil {
			return false, err
		}
		return len(out.Hits.Events)+len(out.Hits.Sequences) > 0, nil
	case "esql":
		q, err := ScopeESQL(text, rn.Name, caseID)
		if err != nil {
			return false, err
		}
		body, _ := json.Marshal(map[string]any{"query": q})
		res, err := rn.ES.EsqlQuery(bytes.NewReader(body), rn.ES.EsqlQuery.WithContext(ctx))
		var out struct {
			Values []any `json:"values"`
		}
		if err := decode(res, err, "esql query", &out); err != nil {
			return false, err
		}
		return len(out.Values) > 0, nil
	case "kql":
		n, err := kql.Parse(strings.TrimSpace(text))
		if err != nil {
			return false, err
		}
		dsl, err := KQLToDSL(n)
		if err != nil {
			return false, err
		}
		body, _ := json.Marshal(map[string]any{
			"size": 0, "track_total_hits": true,
			"query": map[string]any{"bool": map[string]any{"filter": []any{dsl, caseFilter}}},
		})
		res, err := rn.ES.Search(rn.ES.Search.WithIndex(rn.Name), rn.ES.Search.WithBody(bytes.NewReader(body)), rn.ES.Search.WithContext(ctx))
		var out struct {
			Hits struct {
				Total struct {
					Value int `json:"value"`
				} `json:"total"`
			} `json:"hits"`
		}
		if err := decode(res, err, "search", &out); err != nil {
			return false, err
		}
		return out.Hits.Total.Value > 0, nil
	}
	return false, fmt.Errorf("backtest: target %s has no Elasticsearch API", target)
}

// ScopeESQL points a compiled ES|QL query at the data stream and keeps only
// one fixture's rows: the source command's index pattern is replaced and a
// WHERE on the case field is inserted right after it, before any STATS.
func ScopeESQL(query, index, caseID string) (string, error) {
	query = strings.TrimSpace(query)
	head, rest, _ := strings.Cut(query, "|")
	fields := strings.Fields(head)
	if len(fields) < 2 || !strings.EqualFold(fields[0], "FROM") {
		return "", fmt.Errorf("backtest: ES|QL query does not start with FROM: %q", firstLine(query))
	}
	if strings.HasSuffix(fields[1], ",") || (len(fields) > 2 && strings.HasPrefix(fields[2], ",")) {
		return "", fmt.Errorf("backtest: ES|QL query reads several sources: %q", firstLine(query))
	}
	fields[1] = index
	scoped := strings.Join(fields, " ") + "\n| WHERE `" + CaseField + "` == " + strconvQuote(caseID)
	if rest != "" {
		scoped += "\n|" + rest
	}
	return scoped, nil
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s) // ES|QL strings take JSON-style escapes
	return string(b)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// check turns a failed call or an error status into an error (none for an
// empty what: best-effort clean-up).
func check(res *esapi.Response, err error, what string) error {
	if err != nil {
		if what == "" {
			return nil
		}
		return fmt.Errorf("backtest: %s: %w", what, err)
	}
	defer res.Body.Close()
	if res.IsError() && what != "" {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("backtest: %s: %s %s", what, res.Status(), oneLine(string(body)))
	}
	return nil
}

func decode(res *esapi.Response, err error, what string, out any) error {
	if err != nil {
		return fmt.Errorf("backtest: %s: %w", what, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("backtest: %s: %s %s", what, res.Status(), oneLine(string(body)))
	}
	return json.NewDecoder(res.Body).Decode(out)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}
