// Package cloudwatch is sigforge's CloudWatch Logs target: every rule becomes
// one or more metric filters (a JSON filter pattern over the CloudTrail log
// group, or a term pattern over a DB engine log group) publishing one metric,
// and a CloudWatch alarm on that metric.
//
// The output comes in four forms, chosen with the format option:
//
//   - json: the PutMetricFilter and PutMetricAlarm request bodies;
//   - cloudformation: a template with AWS::Logs::MetricFilter and
//     AWS::CloudWatch::Alarm resources, log groups and the SNS topic as
//     parameters;
//   - terraform: aws_cloudwatch_log_metric_filter and
//     aws_cloudwatch_metric_alarm resources, written with hclwrite;
//   - cli: a POSIX shell script of aws logs put-metric-filter and aws
//     cloudwatch put-metric-alarm calls.
//
// The filter-pattern language cannot say everything Sigma can. What it cannot
// say is refused with a *backends.Unsupported naming the rule and the
// construct; what it can say only approximately is documented in
// docs/cloudwatch.md. The backend is also an Executor: Prepare reads the
// patterns and the alarm back from the compiled text (in any of the four
// forms) and Fires runs them with the matcher of compiler/query/cloudwatch.
package cloudwatch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
)

// Name is the target's key for --target and the configuration section.
const Name = "cloudwatch"

// Output forms.
const (
	FormatJSON           = "json"
	FormatCloudFormation = "cloudformation"
	FormatTerraform      = "terraform"
	FormatCLI            = "cli"
)

// Formats lists the output forms, the default first.
func Formats() []string {
	return []string{FormatJSON, FormatCloudFormation, FormatTerraform, FormatCLI}
}

// Options is the target's configuration section (targets.cloudwatch in
// rules/.sigforge.yml). The zero value of a field means its default.
type Options struct {
	// Format is the output form (json, cloudformation, terraform, cli).
	Format string `yaml:"format"`
	// Namespace is the metrics' namespace (default "Sigforge").
	Namespace string `yaml:"namespace"`
	// NamePrefix starts every filter and alarm name (default "sigforge-").
	NamePrefix string `yaml:"name_prefix"`
	// LogGroups gives the log group of each kind of log: "cloudtrail" for
	// CloudTrail rules, and the logsource service (e.g. "rds") for DB
	// engine log rules. They become parameter/variable defaults in the
	// CloudFormation and Terraform forms.
	LogGroups map[string]string `yaml:"log_groups"`
	// AlarmTopicARN is the SNS topic the alarms notify (json form; the
	// other forms take it as a parameter or environment variable).
	AlarmTopicARN string `yaml:"alarm_topic_arn"`
	// Period is the alarm period in seconds of detection rules (default
	// 300). Correlation rules use their timespan.
	Period int `yaml:"period"`
	// DefaultValue is published when a log event matches no filter
	// (default 0; "none" in YAML is not supported: use omit_default_value).
	DefaultValue float64 `yaml:"default_value"`
	// OmitDefaultValue leaves defaultValue out of the metric transformation.
	OmitDefaultValue bool `yaml:"omit_default_value"`
	// GroupByDimensions opts in to turning a correlation's group-by fields
	// into metric dimensions (at most three). Each distinct value is a
	// separate metric, billed and counted towards the 1000-values limit
	// that gets a filter disabled. Without it such a correlation is refused.
	GroupByDimensions bool `yaml:"group_by_dimensions"`
	// PrincipalDimension adds a dimension with the acting principal
	// (userIdentity.arn) to CloudTrail rules.
	PrincipalDimension bool `yaml:"principal_dimension"`
	// DBIdentifierDimension adds a dimension with the DB identifier
	// (DBIdentifierField) to CloudTrail rules.
	DBIdentifierDimension bool `yaml:"db_identifier_dimension"`
	// DBIdentifierField is the field of the DB identifier (default
	// requestParameters.dBInstanceIdentifier).
	DBIdentifierField string `yaml:"db_identifier_field"`
	// CaseSensitiveFields are fields, beyond the built-in list of
	// CloudTrail fields whose values AWS writes in one canonical case, whose
	// values may be matched case-sensitively.
	CaseSensitiveFields []string `yaml:"case_sensitive_fields"`
	// CaseInsensitive says what to do with a case-insensitive match on any
	// other field: "regex" (default) spells each letter as [Aa] in a
	// %regex%, within the regex quotas; "refuse"; or "verbatim" (match the
	// value as written, case-sensitively).
	CaseInsensitive string `yaml:"case_insensitive"`
	// KeywordCase says how keywords of DB engine log rules match:
	// "variants" (default) matches the keyword as written, in lower and
	// upper case and capitalized, word by word; "exact" as written only.
	KeywordCase string `yaml:"keyword_case"`
	// ArrayFields are fields, beyond the built-in list, that hold JSON
	// arrays in CloudTrail records.
	ArrayFields []string `yaml:"array_fields"`
	// ArrayElements is how many elements of an array a condition checks
	// (default 5): a filter pattern must name each index.
	ArrayElements int `yaml:"array_elements"`
}

func (o *Options) defaults() {
	if o.Format == "" {
		o.Format = FormatJSON
	}
	if o.Namespace == "" {
		o.Namespace = "Sigforge"
	}
	if o.NamePrefix == "" {
		o.NamePrefix = "sigforge-"
	}
	if o.Period == 0 {
		o.Period = 300
	}
	if o.DBIdentifierField == "" {
		o.DBIdentifierField = "requestParameters.dBInstanceIdentifier"
	}
	if o.CaseInsensitive == "" {
		o.CaseInsensitive = "regex"
	}
	if o.KeywordCase == "" {
		o.KeywordCase = "variants"
	}
	if o.ArrayElements == 0 {
		o.ArrayElements = 5
	}
}

func (o *Options) validate() error {
	if !slices.Contains(Formats(), o.Format) {
		return fmt.Errorf("cloudwatch: unknown format %q (want one of %s)", o.Format, strings.Join(Formats(), ", "))
	}
	if !slices.Contains([]string{"regex", "refuse", "verbatim"}, o.CaseInsensitive) {
		return fmt.Errorf("cloudwatch: case_insensitive must be regex, refuse or verbatim, not %q", o.CaseInsensitive)
	}
	if !slices.Contains([]string{"variants", "exact"}, o.KeywordCase) {
		return fmt.Errorf("cloudwatch: keyword_case must be variants or exact, not %q", o.KeywordCase)
	}
	if o.Period < 60 || o.Period%60 != 0 || o.Period > 86400 {
		return fmt.Errorf("cloudwatch: period must be a multiple of 60 seconds up to 86400, not %d", o.Period)
	}
	if o.ArrayElements < 1 || o.ArrayElements > 50 {
		return fmt.Errorf("cloudwatch: array_elements must be 1 to 50, not %d", o.ArrayElements)
	}
	if err := checkName("namespace", o.Namespace); err != nil {
		return err
	}
	return nil
}

// checkName enforces the metric name/namespace rules of MetricTransformation:
// 1 to 255 characters, none of : * $.
func checkName(what, s string) error {
	if s == "" || len(s) > 255 || strings.ContainsAny(s, ":*$") {
		return fmt.Errorf("cloudwatch: %s %q must be 1-255 characters without ':', '*' or '$'", what, s)
	}
	return nil
}

// Option changes the options after the configuration is read.
type Option func(*Options)

// Format selects the output form.
func Format(f string) Option { return func(o *Options) { o.Format = f } }

// WithOptions replaces every option (tests, embedding programs).
func WithOptions(opts Options) Option { return func(o *Options) { *o = opts } }

// Backend compiles rules to CloudWatch metric filters and alarms.
type Backend struct {
	opts Options
}

var (
	_ backends.Backend  = (*Backend)(nil)
	_ backends.Executor = (*Backend)(nil)
	_ backends.Bundler  = (*Backend)(nil)
)

// New reads the targets.cloudwatch section of cfg (cfg may be nil) and
// applies opts after it.
func New(cfg *config.Config, opts ...Option) (*Backend, error) {
	var o Options
	if err := cfg.Target(Name, &o); err != nil {
		return nil, err
	}
	for _, fn := range opts {
		fn(&o)
	}
	o.defaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &Backend{opts: o}, nil
}

// NewWithFormat is New with the output form given (the CLI's --format); an
// empty format keeps the configured one.
func NewWithFormat(cfg *config.Config, format string) (backends.Backend, error) {
	var opts []Option
	if format != "" {
		opts = append(opts, Format(format))
	}
	b, err := New(cfg, opts...)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Name returns "cloudwatch".
func (b *Backend) Name() string { return Name }

// Options returns the effective options.
func (b *Backend) Options() Options { return b.opts }
