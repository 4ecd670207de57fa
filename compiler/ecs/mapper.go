package ecs

import (
	"encoding/json"
	"net/netip"
	"strings"
	"time"

	"github.com/sigforge/sigforge/compiler/event"
)

// Dataset is the data stream dataset of CloudTrail documents.
const Dataset = "aws.cloudtrail"

// ECSVersion is the ecs.version the pipeline sets.
const ECSVersion = "8.11.0"

// maxFlattenedLength is the limit under which the pipeline also stores the
// object form (a keyword's maximum length in bytes, compared with the
// string's UTF-16 length).
const maxFlattenedLength = 32766

// Map returns the ECS document that Elastic's aws.cloudtrail ingest
// pipeline makes of one raw CloudTrail record (as decoded by event.Decode:
// numbers as json.Number), as nested objects. The input is not modified.
// Objects inside request parameters carry no key order in a Go map, so
// Map inserts their keys in sorted order; use MapJSON to reproduce the flat
// strings byte for byte.
func Map(fields map[string]any) map[string]any {
	src, _ := fromGo(fields).(*object)
	if src == nil {
		src = newObject()
	}
	return mapObject(src)
}

// MapJSON is Map on the raw JSON text of one record, keeping the key order
// of the text so that the flat strings come out exactly as Elasticsearch
// writes them.
func MapJSON(raw []byte) (map[string]any, error) {
	src, err := decodeOrdered(raw)
	if err != nil {
		return nil, err
	}
	return mapObject(src), nil
}

// MapEvent maps an event's fields and keeps its time and origin.
func MapEvent(ev event.Event) event.Event {
	return event.Event{Fields: Map(ev.Fields), Time: ev.Time, Origin: ev.Origin}
}

// doc builds the nested output document.
type doc map[string]any

func (d doc) set(path string, v any) {
	if v == nil {
		return
	}
	m := map[string]any(d)
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

func (d doc) has(path string) bool {
	_, ok := event.Lookup(d, path)
	return ok
}

func mapObject(src *object) map[string]any {
	if dropAll(src) == nil {
		src = newObject()
	}
	if isLogLine(src) {
		return mapLogLine(src)
	}
	out := doc{}
	get := func(keys ...string) any {
		v, _ := src.path(keys...)
		return toGo(v)
	}
	// rename: copies the value when present; an ES rename onto an existing
	// field fails (ignored), so an existing target wins.
	rename := func(target string, keys ...string) {
		v := get(keys...)
		if v == nil || out.has(target) {
			return
		}
		out.set(target, v)
	}

	out.set("ecs.version", ECSVersion)
	out.set("data_stream.dataset", Dataset)
	out.set("event.dataset", Dataset)
	if s, ok := get("eventTime").(string); ok {
		if t, ok := parseISO8601(s); ok {
			out.set("@timestamp", formatDate(t))
		}
	}

	rename("aws.cloudtrail.event_version", "eventVersion")
	rename("aws.cloudtrail.user_identity.type", "userIdentity", "type")
	rename("user.name", "userIdentity", "userName")
	rename("user.id", "userIdentity", "principalId")
	rename("aws.cloudtrail.user_identity.arn", "userIdentity", "arn")
	rename("cloud.account.id", "userIdentity", "accountId")
	rename("aws.cloudtrail.user_identity.access_key_id", "userIdentity", "accessKeyId")
	rename("aws.cloudtrail.user_identity.session_context.mfa_authenticated", "userIdentity", "sessionContext", "attributes", "mfaAuthenticated")
	if s, ok := get("userIdentity", "sessionContext", "attributes", "creationDate").(string); ok {
		if t, ok := parseISO8601(s); ok {
			out.set("aws.cloudtrail.user_identity.session_context.creation_date", formatDate(t))
		}
	}
	rename("aws.cloudtrail.user_identity.session_context.session_issuer.type", "userIdentity", "sessionContext", "sessionIssuer", "type")
	// Only assumed roles have a session issuer user name: it becomes the
	// user name (the role's name).
	rename("user.name", "userIdentity", "sessionContext", "sessionIssuer", "userName")
	rename("aws.cloudtrail.user_identity.session_context.session_issuer.principal_id", "userIdentity", "sessionContext", "sessionIssuer", "principalId")
	rename("aws.cloudtrail.user_identity.session_context.session_issuer.arn", "userIdentity", "sessionContext", "sessionIssuer", "arn")
	rename("aws.cloudtrail.user_identity.session_context.session_issuer.account_id", "userIdentity", "sessionContext", "sessionIssuer", "accountId")
	rename("aws.cloudtrail.user_identity.invoked_by", "userIdentity", "invokedBy")
	splitEmail(out)

	rename("event.provider", "eventSource")
	if s, ok := event.Scalar(get("eventName")); ok && s != "" {
		out.set("event.action", s)
	}
	rename("aws.cloudtrail.event_category", "eventCategory")
	rename("cloud.region", "awsRegion")
	rename("source.address", "sourceIPAddress")
	if s, ok := get("sourceIPAddress").(string); ok && isIP(s) {
		out.set("source.ip", s)
	}
	rename("user_agent.original", "userAgent")
	rename("aws.cloudtrail.error_code", "errorCode")
	rename("aws.cloudtrail.error_message", "errorMessage")

	for _, p := range []struct{ raw, name string }{
		{"requestParameters", "request_parameters"},
		{"responseElements", "response_elements"},
		{"additionalEventData", "additional_eventdata"},
		{"serviceEventDetails", "service_event_details"},
	} {
		v, ok := src.get(p.raw)
		if !ok {
			continue
		}
		s := javaString(v)
		out.set("aws.cloudtrail."+p.name, s)
		if javaLength(s) < maxFlattenedLength {
			out.set("aws.cloudtrail.flattened."+p.name, toGo(v))
		}
	}

	rename("aws.cloudtrail.request_id", "requestID")
	rename("event.id", "eventID")
	rename("aws.cloudtrail.event_type", "eventType")
	rename("aws.cloudtrail.api_version", "apiVersion")
	rename("aws.cloudtrail.management_event", "managementEvent")
	rename("aws.cloudtrail.read_only", "readOnly")
	rename("aws.cloudtrail.recipient_account_id", "recipientAccountId")
	rename("aws.cloudtrail.shared_event_id", "sharedEventId")
	rename("aws.cloudtrail.vpc_endpoint_id", "vpcEndpointId")

	categorize(out)
	rename("cloud.account.id", "awsAccountId")

	if s, ok := get("tlsDetails", "tlsVersion").(string); ok {
		// dissect "%{tls.version_protocol}v%{tls.version}", then lowercase.
		if proto, ver, ok := strings.Cut(s, "v"); ok {
			out.set("tls.version_protocol", strings.ToLower(proto))
			out.set("tls.version", ver)
		}
	}
	rename("tls.cipher", "tlsDetails", "cipherSuite")
	rename("tls.client.server_name", "tlsDetails", "clientProvidedHostHeader")
	return out
}

// CloudWatchLogsDataset is the dataset of log lines read from CloudWatch
// Logs by Elastic's AWS integration.
const CloudWatchLogsDataset = "aws.cloudwatch_logs"

// isLogLine reports whether a record is a log line (a CloudWatch Logs
// event, or a text line seen as {"message": line}) rather than a
// CloudTrail record.
func isLogLine(src *object) bool {
	for _, k := range []string{"eventVersion", "eventSource", "eventName", "eventTime", "userIdentity"} {
		if _, ok := src.get(k); ok {
			return false
		}
	}
	_, isText := src.vals["message"].(string)
	return isText
}

// mapLogLine maps a log line as the AWS integration's CloudWatch Logs
// input stores it: the line in message, the log group and stream under
// aws.cloudwatch, the event's millisecond timestamp as @timestamp.
func mapLogLine(src *object) map[string]any {
	out := doc{}
	get := func(k string) any { v, _ := src.get(k); return toGo(v) }
	out.set("ecs.version", ECSVersion)
	out.set("data_stream.dataset", CloudWatchLogsDataset)
	out.set("event.dataset", CloudWatchLogsDataset)
	out.set("message", get("message"))
	out.set("aws.cloudwatch.log_group", get("logGroup"))
	out.set("aws.cloudwatch.log_stream", get("logStream"))
	out.set("aws.cloudwatch.ingestion_time", get("ingestionTime"))
	out.set("event.id", get("id"))
	if n, ok := get("timestamp").(json.Number); ok {
		if ms, err := n.Int64(); err == nil {
			out.set("@timestamp", formatDate(time.UnixMilli(ms)))
		}
	}
	return out
}

// splitEmail splits an e-mail-like user.name as the newest pipeline does
// (inferred from Elastic's fixtures): user.email keeps the whole name,
// user.name the part before the last "@", user.domain the part after.
func splitEmail(out doc) {
	vs, _ := event.Lookup(out, "user.name")
	if len(vs) != 1 {
		return
	}
	name, ok := vs[0].(string)
	if !ok {
		return
	}
	i := strings.LastIndexByte(name, '@')
	if i <= 0 || i == len(name)-1 {
		return
	}
	out.set("user.email", name)
	out.set("user.name", name[:i])
	out.set("user.domain", name[i+1:])
}

// categorize is the pipeline's "Add ECS categorization" script.
func categorize(out doc) {
	out.set("event.kind", "event")
	out.set("event.type", []any{"info"})
	if out.has("aws.cloudtrail.error_code") || out.has("aws.cloudtrail.error_message") {
		out.set("event.outcome", "failure")
	} else {
		out.set("event.outcome", "success")
	}
	vs, _ := event.Lookup(out, "event.action")
	if len(vs) != 1 {
		return
	}
	action, _ := vs[0].(string)
	if action == "ConsoleLogin" {
		if v, ok := event.Lookup(out, "aws.cloudtrail.flattened.response_elements.ConsoleLogin"); ok && len(v) == 1 {
			if s, ok := event.Scalar(v[0]); ok {
				out.set("event.outcome", strings.ToLower(s))
			}
		}
	}
	if c, ok := categories[action]; ok {
		out.set("event.category", []any{c.category})
		types := make([]any, len(c.types))
		for i, t := range c.types {
			types[i] = t
		}
		out.set("event.type", types)
	}
}

// isIP is grok's ^%{IP}$.
func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseISO8601 accepts the ISO 8601 forms CloudTrail writes (and a few
// more); times without a zone are UTC, as in the date processor.
func parseISO8601(s string) (time.Time, bool) {
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formatDate is the date processor's output (yyyy-MM-dd'T'HH:mm:ss.SSSXXX
// in UTC).
func formatDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
