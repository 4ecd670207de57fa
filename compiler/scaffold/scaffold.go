// Package scaffold is `sigforge new`: it writes a new rule of the pack and
// its fixture folders, ready to be filled in.
//
// The rule has a fresh UUIDv4 id, today's date, a detection on the chosen
// CloudTrail event (eventSource and eventName, successful calls only) and
// every field the pack requires in strict mode. The fields only the author
// can write — description, references, author, falsepositives, ATT&CK tags
// and investigation_guide — are left empty with a "TODO" comment saying what
// they need, so `sigforge validate --strict` rejects the rule (SF150
// missing-pack-field, SF154 missing-attack-tags) until they are filled,
// while plain validation and `sigforge test` already pass. The fixtures are
// CloudTrail files: a positive one with the event, a negative near miss with
// the same call denied (errorCode AccessDenied).
package scaffold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/google/uuid"

	"github.com/sigforge/sigforge/compiler/format"
)

// Options describe the rule to create.
type Options struct {
	// Name is the rule's file name without .yml, also its fixture folder.
	Name        string
	Title       string // default: derived from the event
	EventName   string // e.g. ModifyDBInstance
	EventSource string // e.g. rds.amazonaws.com
	Level       string // default medium
	RulesDir    string
	FixturesDir string
	// Now and NewID default to time.Now and uuid.NewString (tests fix
	// them).
	Now   func() time.Time
	NewID func() string
}

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
	eventRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	sourceRE = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$`)
	levels   = map[string]int{"informational": 21, "low": 21, "medium": 47, "high": 73, "critical": 99}
)

func (o *Options) check() error {
	var errs []error
	if !nameRE.MatchString(o.Name) {
		errs = append(errs, fmt.Errorf("rule name %q: use lower-case letters, digits and underscores (e.g. aws_rds_db_instance_modified)", o.Name))
	}
	if !eventRE.MatchString(o.EventName) {
		errs = append(errs, fmt.Errorf("event name %q is not a CloudTrail API name (e.g. ModifyDBInstance)", o.EventName))
	}
	if !sourceRE.MatchString(o.EventSource) {
		errs = append(errs, fmt.Errorf("event source %q is not an AWS service endpoint (e.g. rds.amazonaws.com)", o.EventSource))
	}
	if _, ok := levels[o.Level]; !ok {
		errs = append(errs, fmt.Errorf("level %q is not informational, low, medium, high or critical", o.Level))
	}
	return errors.Join(errs...)
}

// Files are the paths a scaffold writes.
type Files struct {
	Rule, Positive, Negative string
}

// Plan returns the paths Create would write.
func Plan(o Options) Files {
	fix := filepath.Join(o.FixturesDir, o.Name)
	ev := strings.ToLower(o.EventName)
	return Files{
		Rule:     filepath.Join(o.RulesDir, o.Name+".yml"),
		Positive: filepath.Join(fix, "positive", ev+".json"),
		Negative: filepath.Join(fix, "negative", ev+"_access_denied.json"),
	}
}

// Create writes the rule and its two fixtures. It refuses to overwrite:
// when any of the files exists, nothing is written.
func Create(o Options) (Files, error) {
	o.defaults()
	if err := o.check(); err != nil {
		return Files{}, err
	}
	files := Plan(o)
	for _, p := range []string{files.Rule, files.Positive, files.Negative} {
		if _, err := os.Stat(p); err == nil {
			return Files{}, fmt.Errorf("%s already exists", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return Files{}, err
		}
	}
	rule, err := Rule(o)
	if err != nil {
		return Files{}, err
	}
	pos, neg, err := Fixtures(o)
	if err != nil {
		return Files{}, err
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{files.Rule, rule}, {files.Positive, pos}, {files.Negative, neg}} {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return Files{}, err
		}
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			return Files{}, err
		}
	}
	return files, nil
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewID == nil {
		o.NewID = uuid.NewString
	}
	if o.Level == "" {
		o.Level = "medium"
	}
	if o.EventSource == "" {
		o.EventSource = "rds.amazonaws.com"
	}
	if o.RulesDir == "" {
		o.RulesDir = "rules"
	}
	if o.FixturesDir == "" {
		o.FixturesDir = "fixtures"
	}
	if o.Title == "" {
		o.Title = fmt.Sprintf("AWS %s %s", serviceName(o.EventSource), o.EventName)
	}
}

func serviceName(src string) string {
	s, _, _ := strings.Cut(src, ".")
	if len(s) <= 4 {
		return strings.ToUpper(s)
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var ruleTemplate = template.Must(template.New("rule").Funcs(template.FuncMap{"quote": quote}).Parse(`title: {{quote .Title}}
id: {{.ID}}
status: experimental
description: "" # TODO: what the rule detects, why it matters, and what it deliberately leaves out
references: [] # TODO: the AWS API reference of {{.EventName}}, runbooks, threat reports
author: "" # TODO: your name or team
date: {{.Date}}
tags: [] # TODO: the ATT&CK tactic and technique, e.g. attack.impact and attack.t1485
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventSource: {{.EventSource}}
        eventName: {{.EventName}}
    success:
        errorCode: null
    condition: selection and success
falsepositives: [] # TODO: the legitimate activity that looks the same
level: {{.Level}}
risk_score: {{.Risk}}
severity: {{.Severity}}
alert_fields:
    - userIdentity.arn
    - sourceIPAddress
    - awsRegion
investigation_guide: "" # TODO: Markdown with "## Triage", "## Correlate", "## False positives", "## Response"
`))

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Rule returns the scaffolded rule file, in canonical layout.
func Rule(o Options) ([]byte, error) {
	o.defaults()
	if err := o.check(); err != nil {
		return nil, err
	}
	severity := o.Level
	if severity == "informational" {
		severity = "low"
	}
	var buf bytes.Buffer
	err := ruleTemplate.Execute(&buf, map[string]any{
		"Title": o.Title, "ID": o.NewID(), "Date": o.Now().UTC().Format(time.DateOnly),
		"EventSource": o.EventSource, "EventName": o.EventName,
		"Level": o.Level, "Risk": levels[o.Level], "Severity": severity,
	})
	if err != nil {
		return nil, err
	}
	return format.Source(o.Name+".yml", buf.Bytes())
}

// Fixtures returns the positive and negative CloudTrail files: the event
// as a successful call, and the same call denied.
func Fixtures(o Options) (positive, negative []byte, err error) {
	o.defaults()
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	when := o.Now().UTC().Truncate(time.Second)
	record := func(denied bool) map[string]any {
		r := map[string]any{
			"eventVersion": "1.10",
			"userIdentity": map[string]any{
				"type":        "AssumedRole",
				"principalId": "AROAEXAMPLEROLEID:jane.doe",
				"arn":         "arn:aws:sts::111122223333:assumed-role/DatabaseAdmin/jane.doe",
				"accountId":   "111122223333",
				"accessKeyId": "ASIAEXAMPLEKEYID",
			},
			"eventTime":          when.Format(time.RFC3339),
			"eventSource":        o.EventSource,
			"eventName":          o.EventName,
			"awsRegion":          "us-east-1",
			"sourceIPAddress":    "203.0.113.10",
			"userAgent":          "aws-cli/2.22.0 Python/3.12.6 Linux/6.8 exe/x86_64",
			"requestParameters":  map[string]any{"TODO": "the request parameters of " + o.EventName},
			"responseElements":   map[string]any{"TODO": "the response of " + o.EventName},
			"requestID":          o.NewID(),
			"eventID":            o.NewID(),
			"readOnly":           false,
			"eventType":          "AwsApiCall",
			"managementEvent":    true,
			"recipientAccountId": "111122223333",
			"eventCategory":      "Management",
		}
		if denied {
			r["errorCode"] = "AccessDenied"
			r["errorMessage"] = "User: arn:aws:sts::111122223333:assumed-role/DatabaseAdmin/jane.doe is not authorized to perform: " +
				serviceAction(o.EventSource, o.EventName)
			r["responseElements"] = nil
		}
		return map[string]any{"Records": []any{r}}
	}
	if positive, err = json.MarshalIndent(record(false), "", "  "); err != nil {
		return nil, nil, err
	}
	if negative, err = json.MarshalIndent(record(true), "", "  "); err != nil {
		return nil, nil, err
	}
	return append(positive, '\n'), append(negative, '\n'), nil
}

func serviceAction(src, name string) string {
	s, _, _ := strings.Cut(src, ".")
	return s + ":" + name
}
