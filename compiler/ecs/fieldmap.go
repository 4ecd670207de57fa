package ecs

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
)

// Field is one entry of the CloudTrail → ECS field table.
type Field struct {
	Raw string // CloudTrail name, dotted (userIdentity.arn)
	ECS string // ECS name (aws.cloudtrail.user_identity.arn)
	// IP is the ip-typed field used for |cidr when ECS is not one
	// (sourceIPAddress: source.address holds host names too, source.ip only
	// IPs).
	IP string
	// Lossy says why the ECS field does not hold the raw value as it is;
	// Rewrite refuses such a field unless the configuration maps it
	// explicitly.
	Lossy string
	// Time marks timestamps the pipeline re-formats: only exists/null and
	// time-part comparisons carry over.
	Time bool
}

// Fields is the built-in table, from the aws.cloudtrail ingest pipeline.
var Fields = []Field{
	{Raw: "eventSource", ECS: "event.provider"},
	{Raw: "eventName", ECS: "event.action"},
	{Raw: "eventID", ECS: "event.id"},
	{Raw: "eventTime", ECS: "@timestamp", Time: true},
	{Raw: "eventType", ECS: "aws.cloudtrail.event_type"},
	{Raw: "eventVersion", ECS: "aws.cloudtrail.event_version"},
	{Raw: "eventCategory", ECS: "aws.cloudtrail.event_category"},
	{Raw: "awsRegion", ECS: "cloud.region"},
	{Raw: "sourceIPAddress", ECS: "source.address", IP: "source.ip"},
	{Raw: "userAgent", ECS: "user_agent.original"},
	{Raw: "errorCode", ECS: "aws.cloudtrail.error_code"},
	{Raw: "errorMessage", ECS: "aws.cloudtrail.error_message"},
	{Raw: "requestID", ECS: "aws.cloudtrail.request_id"},
	{Raw: "readOnly", ECS: "aws.cloudtrail.read_only"},
	{Raw: "managementEvent", ECS: "aws.cloudtrail.management_event"},
	{Raw: "apiVersion", ECS: "aws.cloudtrail.api_version"},
	{Raw: "recipientAccountId", ECS: "aws.cloudtrail.recipient_account_id"},
	{Raw: "vpcEndpointId", ECS: "aws.cloudtrail.vpc_endpoint_id"},
	{Raw: "sharedEventID", Lossy: "the pipeline renames sharedEventId (lower-case d), so CloudTrail's sharedEventID is not stored"},
	{Raw: "userIdentity.type", ECS: "aws.cloudtrail.user_identity.type"},
	{Raw: "userIdentity.arn", ECS: "aws.cloudtrail.user_identity.arn"},
	{Raw: "userIdentity.accessKeyId", ECS: "aws.cloudtrail.user_identity.access_key_id"},
	{Raw: "userIdentity.invokedBy", ECS: "aws.cloudtrail.user_identity.invoked_by"},
	{Raw: "userIdentity.principalId", ECS: "user.id"},
	{Raw: "userIdentity.accountId", ECS: "cloud.account.id"},
	{Raw: "userIdentity.userName", ECS: "user.name", Lossy: "user.name holds the session issuer's role name for assumed roles and only the part before \"@\" of an e-mail-like name"},
	{Raw: "userIdentity.sessionContext.sessionIssuer.userName", ECS: "user.name", Lossy: "user.name also holds IAM users' own names"},
	{Raw: "userIdentity.sessionContext.sessionIssuer.type", ECS: "aws.cloudtrail.user_identity.session_context.session_issuer.type"},
	{Raw: "userIdentity.sessionContext.sessionIssuer.principalId", ECS: "aws.cloudtrail.user_identity.session_context.session_issuer.principal_id"},
	{Raw: "userIdentity.sessionContext.sessionIssuer.arn", ECS: "aws.cloudtrail.user_identity.session_context.session_issuer.arn"},
	{Raw: "userIdentity.sessionContext.sessionIssuer.accountId", ECS: "aws.cloudtrail.user_identity.session_context.session_issuer.account_id"},
	{Raw: "userIdentity.sessionContext.attributes.mfaAuthenticated", ECS: "aws.cloudtrail.user_identity.session_context.mfa_authenticated"},
	{Raw: "userIdentity.sessionContext.attributes.creationDate", ECS: "aws.cloudtrail.user_identity.session_context.creation_date", Time: true},
	{Raw: "tlsDetails.cipherSuite", ECS: "tls.cipher"},
	{Raw: "tlsDetails.clientProvidedHostHeader", ECS: "tls.client.server_name"},
	{Raw: "tlsDetails.tlsVersion", ECS: "tls.version", Lossy: "the pipeline splits TLSv1.3 into tls.version_protocol (tls) and tls.version (1.3)"},
}

// objectFields are the CloudTrail objects stored both as a flat Java
// Map.toString() string and as a flattened object.
var objectFields = map[string]string{
	"requestParameters":   "request_parameters",
	"responseElements":    "response_elements",
	"additionalEventData": "additional_eventdata",
	"serviceEventDetails": "service_event_details",
}

// ecsOnly are ECS fields a rule may name directly (they have no single
// CloudTrail source, or the rule was written for Elastic).
var ecsOnly = []string{
	"@timestamp", "data_stream.dataset", "event.dataset", "event.kind", "event.type", "event.category",
	"event.outcome", "ecs.version", "user.email", "user.domain", "source.ip", "tls.version_protocol",
}

// ParamForm says how a condition on one request parameter (or response
// element) is compiled.
type ParamForm string

const (
	// ParamsFlat matches "key=value" as a substring of the flat string, as
	// Elastic's own RDS rules do (stringContains(aws.cloudtrail.
	// request_parameters, "publiclyAccessible=true")). Like theirs, it also
	// matches a key that ends in the name (otherKey=value) and a value that
	// starts with the wanted one (prod matches prod-2).
	ParamsFlat ParamForm = "flat"
	// ParamsFlatBounded anchors the pattern on the flat string's
	// delimiters: the key follows "{" or ", " and the value is followed by
	// ", " or "}". A string value that itself holds ", key=value" can still
	// match.
	ParamsFlatBounded ParamForm = "flat-bounded"
	// ParamsFlattened matches aws.cloudtrail.flattened.request_parameters.
	// <key>, a flattened field: every leaf is a keyword (true is "true"), no
	// numeric ranges, no cidr; absent when the flat string reaches 32766
	// characters.
	ParamsFlattened ParamForm = "flattened"
)

// Options configure Rewrite. They are read from the "elastic" section of
// the configuration:
//
//	targets:
//	  elastic:
//	    mapping: ecs              # ecs (default) | none
//	    parameters: flat          # flat (default) | flat-bounded | flattened
//	    field_mappings:           # raw CloudTrail name: ECS name
//	      userIdentity.userName: user.name
type Options struct {
	// Mapping is MappingECS (empty means that) or MappingNone.
	Mapping string `yaml:"mapping"`
	// Parameters is the form of request/response parameter conditions;
	// empty means ParamsFlat.
	Parameters ParamForm `yaml:"parameters"`
	// FieldMappings adds or overrides table entries. An explicit mapping is
	// trusted: it also accepts a field the table marks lossy.
	FieldMappings map[string]string `yaml:"field_mappings"`
}

// Field mappings of the Elastic targets.
const (
	// MappingECS rewrites CloudTrail field names to the ECS fields of
	// Elastic's AWS integration and refuses what has no ECS field.
	MappingECS = "ecs"
	// MappingNone keeps the field names the rule writes, for data indexed
	// under those names (or rules of log sources the table does not
	// cover), as pySigma's Elasticsearch backend does without a
	// processing pipeline. Executors then run on the raw event.
	MappingNone = "none"
)

// ConfigSection is the configuration section the Elastic targets share.
const ConfigSection = "elastic"

// OptionsFromConfig reads targets.elastic from cfg (nil means defaults).
func OptionsFromConfig(cfg *config.Config) (Options, error) {
	var o Options
	if err := cfg.Target(ConfigSection, &o); err != nil {
		return o, err
	}
	switch o.Mapping {
	case "", MappingECS, MappingNone:
	default:
		return o, fmt.Errorf("targets.%s.mapping: %q is not one of ecs, none", ConfigSection, o.Mapping)
	}
	if o.Mapping == MappingNone && len(o.FieldMappings) > 0 {
		return o, fmt.Errorf("targets.%s: field_mappings need mapping: ecs", ConfigSection)
	}
	switch o.Parameters {
	case "", ParamsFlat, ParamsFlatBounded, ParamsFlattened:
	default:
		return o, fmt.Errorf("targets.%s.parameters: %q is not one of flat, flat-bounded, flattened", ConfigSection, o.Parameters)
	}
	return o, nil
}

// Error says that a rule's field or construct has no ECS equivalent.
type Error struct {
	Pos       source.Pos
	Field     string // the rule's field name
	Construct string // e.g. "field userIdentity.userName", "|cidr on requestParameters.x"
	Reason    string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s cannot be mapped to ECS", e.Pos, e.Construct)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Unsupported converts an *Error from Rewrite into the backends'
// *backends.Unsupported for target and rule r; other errors are returned
// unchanged.
func Unsupported(err error, target string, r *ir.Rule) error {
	e, ok := err.(*Error) // what Rewrite returns; errors.As is for wrapped ones
	if !ok && !errors.As(err, &e) {
		return err
	}
	name := r.Title
	if name == "" {
		name = r.ID
	}
	return &backends.Unsupported{Pos: e.Pos, Target: target, Rule: name, Construct: e.Construct, Reason: e.Reason}
}

// FlatField returns the flat-string ECS field of a CloudTrail object field
// (requestParameters → aws.cloudtrail.request_parameters), or "".
func FlatField(raw string) string {
	if n, ok := objectFields[raw]; ok {
		return "aws.cloudtrail." + n
	}
	return ""
}

// IsFlatString reports whether an ECS field is one of the flat Java
// Map.toString() strings.
func IsFlatString(ecs string) bool {
	name, ok := strings.CutPrefix(ecs, "aws.cloudtrail.")
	if !ok {
		return false
	}
	for _, n := range objectFields {
		if name == n {
			return true
		}
	}
	return false
}

// mapper resolves names with the options applied.
type mapper struct {
	opts   Options
	byRaw  map[string]Field
	direct map[string]bool // ECS names accepted as they are
}

// builtin is the mapper of the built-in table, built once and shared (read
// only) by every Rewrite without configured mappings.
var builtin = sync.OnceValue(func() *mapper {
	m := &mapper{byRaw: map[string]Field{}, direct: map[string]bool{}}
	for _, f := range Fields {
		m.byRaw[f.Raw] = f
		if f.ECS != "" {
			m.direct[f.ECS] = true
		}
	}
	for _, n := range ecsOnly {
		m.direct[n] = true
	}
	return m
})

func newMapper(opts Options) *mapper {
	b := builtin()
	m := &mapper{opts: opts, byRaw: b.byRaw, direct: b.direct}
	if len(opts.FieldMappings) > 0 {
		m.byRaw = maps.Clone(b.byRaw)
		m.direct = maps.Clone(b.direct)
		for raw, ecs := range opts.FieldMappings {
			m.byRaw[raw] = Field{Raw: raw, ECS: ecs}
			m.direct[ecs] = true
		}
	}
	if m.opts.Parameters == "" {
		m.opts.Parameters = ParamsFlat
	}
	return m
}

// Lookup returns the ECS field for a raw CloudTrail name under opts, for
// plain (non-parameter) fields: the table entry, a configured mapping, or
// the name itself when it is already an ECS name.
func Lookup(raw string, opts Options) (Field, bool) {
	m := newMapper(opts)
	if f, ok := m.byRaw[raw]; ok {
		return f, f.ECS != ""
	}
	if m.direct[raw] {
		return Field{Raw: raw, ECS: raw}, true
	}
	return Field{}, false
}

// param splits requestParameters.a.b into the object field and the path.
func param(raw string) (object string, path []string, ok bool) {
	head, rest, found := strings.Cut(raw, ".")
	if _, isObj := objectFields[head]; !isObj || !found || rest == "" {
		return "", nil, false
	}
	return head, strings.Split(rest, "."), true
}

// Rewrite returns a copy of r whose Matches name ECS fields. Conditions on
// request/response parameters become patterns on the flat string or
// Matches on the flattened field (Options.Parameters). Keyword searches are
// kept. A field or construct with no exact ECS equivalent is an *Error.
// Correlation rules get their group-by fields, condition field, aliases and
// referenced rules rewritten.
func Rewrite(r *ir.Rule, opts Options) (*ir.Rule, error) {
	return newMapper(opts).rule(r, map[*ir.Rule]*ir.Rule{})
}

func (m *mapper) rule(r *ir.Rule, done map[*ir.Rule]*ir.Rule) (*ir.Rule, error) {
	if out, ok := done[r]; ok {
		return out, nil
	}
	// The detection first: most rules that fail, fail there, and need no
	// copy. (It refers to no other rule.)
	var det ir.Expr
	if r.Detection != nil {
		d, err := m.expr(r.Detection)
		if err != nil {
			return nil, err
		}
		det = d
	}
	out := *r
	done[r] = &out
	out.Detection = det
	if c := r.Correlation; c != nil {
		nc := *c
		nc.Rules = make([]*ir.Rule, len(c.Rules))
		for i, sub := range c.Rules {
			rs, err := m.rule(sub, done)
			if err != nil {
				return nil, err
			}
			nc.Rules[i] = rs
		}
		nc.GroupBy = make([]string, len(c.GroupBy))
		for i, g := range c.GroupBy {
			if _, alias := c.Aliases[g]; alias {
				nc.GroupBy[i] = g
				continue
			}
			f, err := m.plainField(g, r.Pos, "group-by field")
			if err != nil {
				return nil, err
			}
			nc.GroupBy[i] = f
		}
		if c.Aliases != nil {
			nc.Aliases = map[string]map[string]string{}
			for alias, per := range c.Aliases {
				np := map[string]string{}
				for id, f := range per {
					ef, err := m.plainField(f, r.Pos, "alias field")
					if err != nil {
						return nil, err
					}
					np[id] = ef
				}
				nc.Aliases[alias] = np
			}
		}
		if c.Condition.Field != "" {
			f, err := m.plainField(c.Condition.Field, r.Pos, "condition field")
			if err != nil {
				return nil, err
			}
			nc.Condition.Field = f
		}
		out.Correlation = &nc
	}
	return &out, nil
}

// plainField maps a field used as a whole value (group-by, field
// reference): parameters only in the flattened form.
func (m *mapper) plainField(raw string, pos source.Pos, what string) (string, error) {
	if obj, path, ok := param(raw); ok {
		if m.opts.Parameters != ParamsFlattened {
			return "", &Error{Pos: pos, Field: raw, Construct: what + " " + raw,
				Reason: "a parameter inside the flat string aws.cloudtrail." + objectFields[obj] + " cannot be used as a whole value; set targets.elastic.parameters: flattened"}
		}
		return "aws.cloudtrail.flattened." + objectFields[obj] + "." + strings.Join(path, "."), nil
	}
	f, err := m.field(raw, pos)
	if err != nil {
		return "", err
	}
	return f.ECS, nil
}

func (m *mapper) field(raw string, pos source.Pos) (Field, error) {
	if f, ok := m.byRaw[raw]; ok {
		if f.ECS == "" {
			return f, &Error{Pos: pos, Field: raw, Construct: "field " + raw, Reason: f.Lossy}
		}
		if f.Lossy != "" {
			return f, &Error{Pos: pos, Field: raw, Construct: "field " + raw,
				Reason: fmt.Sprintf("%s; to accept %s anyway, map it in targets.elastic.field_mappings", f.Lossy, f.ECS)}
		}
		return f, nil
	}
	if m.direct[raw] {
		return Field{Raw: raw, ECS: raw}, nil
	}
	if FlatField(raw) != "" {
		return Field{Raw: raw, ECS: FlatField(raw)}, nil
	}
	return Field{}, &Error{Pos: pos, Field: raw, Construct: "field " + raw,
		Reason: "no ECS field is known for it; add it to targets.elastic.field_mappings"}
}

func (m *mapper) expr(e ir.Expr) (ir.Expr, error) {
	switch n := e.(type) {
	case *ir.And:
		args, err := m.exprs(n.Args)
		if err != nil {
			return nil, err
		}
		return &ir.And{Pos: n.Pos, Args: args}, nil
	case *ir.Or:
		args, err := m.exprs(n.Args)
		if err != nil {
			return nil, err
		}
		return &ir.Or{Pos: n.Pos, Args: args}, nil
	case *ir.Not:
		a, err := m.expr(n.Arg)
		if err != nil {
			return nil, err
		}
		return &ir.Not{Pos: n.Pos, Arg: a}, nil
	case *ir.Match:
		return m.match(n)
	}
	return nil, fmt.Errorf("ecs: unknown expression %T", e)
}

func (m *mapper) exprs(in []ir.Expr) ([]ir.Expr, error) {
	if len(in) == 0 {
		return []ir.Expr{}, nil
	}
	var out []ir.Expr // made once the first argument maps: most failures are there
	for i, a := range in {
		x, err := m.expr(a)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = make([]ir.Expr, len(in))
		}
		out[i] = x
	}
	return out, nil
}

func (m *mapper) match(n *ir.Match) (ir.Expr, error) {
	if n.IsKeyword() {
		c := copyMatch(n)
		return c, nil
	}
	// An explicit mapping of the exact name wins over the parameter forms.
	if _, explicit := m.opts.FieldMappings[n.Field]; !explicit {
		if obj, path, ok := param(n.Field); ok {
			return m.paramMatch(n, obj, path)
		}
	}
	f, err := m.field(n.Field, n.Pos)
	if err != nil {
		return nil, err
	}
	c := copyMatch(n)
	c.Field = f.ECS
	switch {
	case IsFlatString(f.ECS) && n.Op != ir.OpExists && n.Op != ir.OpNull:
		return nil, &Error{Pos: n.Pos, Field: n.Field, Construct: opConstruct(n),
			Reason: "the whole object is stored as a Java Map.toString() string; compare its parameters (" + n.Field + ".<name>) instead"}
	case f.Time && n.TimePart == "" && n.Op != ir.OpExists && n.Op != ir.OpNull:
		return nil, &Error{Pos: n.Pos, Field: n.Field, Construct: opConstruct(n),
			Reason: "the pipeline stores it re-formatted as a date (" + f.ECS + "); only exists/null and time parts carry over"}
	case n.Op == ir.OpCIDR && f.IP != "":
		c.Field = f.IP
	case n.Op == ir.OpFieldRef:
		refs := make([]ir.Value, len(n.Values))
		for i, v := range n.Values {
			ef, err := m.plainField(v.Text(), n.Pos, "referenced field")
			if err != nil {
				return nil, err
			}
			refs[i] = ir.Str(ef)
		}
		c.Values = refs
	}
	return c, nil
}

func copyMatch(n *ir.Match) *ir.Match {
	c := *n
	c.Values = slices.Clone(n.Values)
	c.Modifiers = slices.Clone(n.Modifiers)
	return &c
}

func opConstruct(n *ir.Match) string {
	if n.Op == ir.OpEqual {
		return "value comparison on " + n.Field
	}
	return "|" + n.Op.String() + " on " + n.Field
}

// paramMatch compiles a condition on requestParameters.<path> (or another
// object field).
func (m *mapper) paramMatch(n *ir.Match, obj string, path []string) (ir.Expr, error) {
	name := objectFields[obj]
	if m.opts.Parameters == ParamsFlattened {
		c := copyMatch(n)
		c.Field = "aws.cloudtrail.flattened." + name + "." + strings.Join(path, ".")
		switch n.Op {
		case ir.OpCIDR, ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
			return nil, &Error{Pos: n.Pos, Field: n.Field, Construct: opConstruct(n),
				Reason: "every leaf of a flattened field is a keyword: no ip or numeric comparison"}
		case ir.OpFieldRef:
			refs := make([]ir.Value, len(n.Values))
			for i, v := range n.Values {
				ef, err := m.plainField(v.Text(), n.Pos, "referenced field")
				if err != nil {
					return nil, err
				}
				refs[i] = ir.Str(ef)
			}
			c.Values = refs
		}
		if err := noEmptyValue(n); err != nil {
			return nil, err
		}
		return c, nil
	}

	flat := "aws.cloudtrail." + name
	bounded := m.opts.Parameters == ParamsFlatBounded
	mk := func(values []ir.Value) *ir.Match {
		return &ir.Match{Pos: n.Pos, Field: flat, Op: ir.OpEqual, Values: values, Cased: n.Cased, Modifiers: slices.Clone(n.Modifiers)}
	}
	switch n.Op {
	case ir.OpEqual:
		if err := noEmptyValue(n); err != nil {
			return nil, err
		}
		if !n.All {
			var vals []ir.Value
			for _, v := range n.Values {
				vals = append(vals, flatPatterns(path, v, bounded)...)
			}
			return mk(vals), nil
		}
		and := &ir.And{Pos: n.Pos}
		for _, v := range n.Values {
			and.Args = append(and.Args, mk(flatPatterns(path, v, bounded)))
		}
		return and, nil
	case ir.OpExists:
		return mk(flatPatterns(path, ir.Pattern("*"), bounded)), nil
	case ir.OpNull:
		// The pipeline drops null values: a null parameter is an absent one.
		return &ir.Not{Pos: n.Pos, Arg: mk(flatPatterns(path, ir.Pattern("*"), bounded))}, nil
	}
	return nil, &Error{Pos: n.Pos, Field: n.Field, Construct: opConstruct(n),
		Reason: "the parameter is part of the flat string " + flat + ", which only supports wildcard patterns; set targets.elastic.parameters: flattened"}
}

func noEmptyValue(n *ir.Match) error {
	for _, v := range n.Values {
		if v.Kind == ir.KindString && len(v.Parts) == 0 || v.Kind == ir.KindString && v.Text() == "" {
			return &Error{Pos: n.Pos, Field: n.Field, Construct: "empty value on " + n.Field,
				Reason: "the pipeline drops empty strings, so an empty parameter never reaches Elasticsearch; use |exists or null"}
		}
	}
	return nil
}

// flatPatterns returns the wildcard patterns that find path=value in a
// Java Map.toString() string. Wildcards of the value stay wildcards.
func flatPatterns(path []string, v ir.Value, bounded bool) []ir.Value {
	var valueParts []ir.Part
	if v.Kind == ir.KindString {
		valueParts = v.Parts
	} else {
		valueParts = []ir.Part{{Kind: ir.Literal, Text: v.Text()}}
	}
	leaf := path[len(path)-1] + "="
	openEnded := len(valueParts) > 0 && valueParts[len(valueParts)-1].Kind == ir.AnyString

	lit := func(s string) ir.Part { return ir.Part{Kind: ir.Literal, Text: s} }
	star := ir.Part{Kind: ir.AnyString}
	// A parent key is followed by its map ({...}) or a list of maps
	// ([{...}, ...]): "parent=" then anything, loosely, in both forms.
	parents := []ir.Part{star}
	for _, p := range path[:len(path)-1] {
		parents = append(parents, lit(p+"="), star)
	}
	// lefts are what may come before the leaf key: anything (the loose
	// form), or the delimiters "{" and ", " of the map holding the key.
	lefts := [][]ir.Part{parents}
	if bounded {
		lefts = [][]ir.Part{
			append(slices.Clone(parents), lit("{")),
			append(slices.Clone(parents), lit(", ")),
		}
	}
	// A list value prints as [a, b]; Sigma matches any element, so the
	// value may also be an element of a list.
	type shape struct {
		before []ir.Part
		rights []string
	}
	// The loose form is Elastic's "key=value" substring; a string value may
	// also be an element of a list ("key=[*value*", as loose). Neither
	// pattern holds whitespace of its own, so KQL can carry both.
	shapes := []shape{{nil, []string{""}}}
	if !bounded && v.Kind == ir.KindString {
		shapes = append(shapes, shape{[]ir.Part{lit("["), star}, []string{""}})
	}
	if bounded && !openEnded {
		shapes = []shape{
			{nil, []string{", ", "}"}},
			{[]ir.Part{lit("[")}, []string{", ", "]"}},
			{[]ir.Part{lit("["), star, lit(", ")}, []string{", ", "]"}},
		}
	} else if bounded {
		shapes = []shape{{nil, []string{""}}, {[]ir.Part{lit("[")}, []string{""}}, {[]ir.Part{lit("["), star, lit(", ")}, []string{""}}}
	}
	if isAny(valueParts) {
		shapes = shapes[:1] // k=* already covers lists
	}
	var out []ir.Value
	for _, left := range lefts {
		for _, sh := range shapes {
			for _, right := range sh.rights {
				parts := slices.Concat(left, []ir.Part{lit(leaf)}, sh.before, valueParts, []ir.Part{lit(right), star})
				out = append(out, normalize(parts))
			}
		}
	}
	return out
}

func isAny(parts []ir.Part) bool { return len(parts) == 1 && parts[0].Kind == ir.AnyString }

// normalize joins adjacent literals, drops empty ones and collapses runs
// of "*".
func normalize(parts []ir.Part) ir.Value {
	v := ir.Value{Kind: ir.KindString}
	for _, p := range parts {
		n := len(v.Parts)
		switch {
		case p.Kind == ir.Literal && p.Text == "":
		case p.Kind == ir.Literal && n > 0 && v.Parts[n-1].Kind == ir.Literal:
			v.Parts[n-1].Text += p.Text
		case p.Kind == ir.AnyString && n > 0 && v.Parts[n-1].Kind == ir.AnyString:
		default:
			v.Parts = append(v.Parts, p)
		}
	}
	return v
}

// Document is the document a compiled query runs on for a raw event's
// fields: the ECS mapping (Map), or the fields as they are with
// MappingNone.
func (o Options) Document(fields map[string]any) map[string]any {
	if o.Mapping == MappingNone {
		return fields
	}
	return Map(fields)
}

// RewriteFor is Rewrite for a target: its errors come back as the
// *backends.Unsupported that target reports. With MappingNone the rule
// comes back as it is.
func (o Options) RewriteFor(target string, r *ir.Rule) (*ir.Rule, error) {
	if o.Mapping == MappingNone {
		return r, nil
	}
	rw, err := Rewrite(r, o)
	if err != nil {
		return nil, Unsupported(err, target, r)
	}
	return rw, nil
}
