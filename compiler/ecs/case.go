package ecs

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/sigforge/sigforge/compiler/ir"
)

// fixedCase are ECS fields whose values have one case, fixed by AWS or by
// the pipeline: event names, service names, enums, identifiers AWS
// generates. On them
// a case-sensitive match (KQL, Lucene terms, EQL ==) means what Sigma's
// case-insensitive match means.
var fixedCase = map[string]bool{
	"event.provider": true, "event.action": true, "event.outcome": true, "event.kind": true,
	"event.type": true, "event.category": true, "event.dataset": true, "data_stream.dataset": true,
	"event.id": true, "cloud.region": true, "cloud.account.id": true, "source.ip": true,
	"aws.cloudtrail.event_type": true, "aws.cloudtrail.event_category": true, "aws.cloudtrail.event_version": true,
	"aws.cloudtrail.error_code": true, "aws.cloudtrail.read_only": true, "aws.cloudtrail.management_event": true,
	"aws.cloudtrail.request_id": true, "aws.cloudtrail.recipient_account_id": true,
	"aws.cloudtrail.user_identity.type": true, "aws.cloudtrail.user_identity.access_key_id": true,
	"aws.cloudtrail.user_identity.session_context.session_issuer.type":       true,
	"aws.cloudtrail.user_identity.session_context.session_issuer.account_id": true,
	"aws.cloudtrail.user_identity.session_context.mfa_authenticated":         true,
}

// flatStrings are the Java Map.toString() forms of the request and
// response objects. Their keys have AWS's fixed case, but their values are
// what the caller sent: identifiers and free-form parameter values keep the
// caller's case (RDS lower-cases identifiers in its responses, not in the
// recorded request). So a pattern on them is case-fixed only when its value
// part is (see flatCaseFixed).
var flatStrings = map[string]bool{
	"aws.cloudtrail.request_parameters": true, "aws.cloudtrail.response_elements": true,
	"aws.cloudtrail.additional_eventdata": true, "aws.cloudtrail.service_event_details": true,
}

// enumKeys are parameter keys whose values are AWS enums or account IDs,
// written in one case (restore, all, audit, postgresql, tcp,
// MARIADB_AUDIT_PLUGIN, manual, ...). Values of other keys (parameterValue,
// identifiers, descriptions) keep the caller's case.
var enumKeys = map[string]bool{
	"attributeName": true, "valuesToAdd": true, "valuesToRemove": true,
	"disableLogTypes": true, "enableLogTypes": true, "parameterName": true, "applyMethod": true,
	"ipProtocol": true, "IpProtocol": true, "optionsToRemove": true, "optionName": true,
	"engine": true, "snapshotType": true, "featureName": true, "status": true,
}

// servicePrincipal is an AWS service principal as AWS writes it in
// sourceIPAddress and userAgent when a service acts (backup.amazonaws.com).
var arnPrefix = regexp.MustCompile(`^arn(:[a-z0-9-]*){0,2}`)

var servicePrincipal = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$`)

// CaseFixed reports whether matching value v on the ECS field
// case-sensitively gives the same verdicts as Sigma's case-insensitive
// match on CloudTrail data: the field's values have a fixed case (see
// fixedCase; on the request and response parameters, only the values of
// enum-valued keys), v has no cased letters, or v is
// an AWS service principal on user_agent.original or source.address.
// Non-string values (numbers, booleans) are always safe.
func CaseFixed(field string, v ir.Value) bool {
	if v.Kind != ir.KindString || fixedCase[field] {
		return true
	}
	text := valueText(v)
	if flatStrings[field] {
		return flatCaseFixed(text)
	}
	if rest, ok := strings.CutPrefix(field, "aws.cloudtrail.flattened."); ok {
		// The object forms hold the same caller-sent values.
		return valueCaseFixed(rest[strings.LastIndexByte(rest, '.')+1:], text)
	}
	if caseless(text) {
		return true
	}
	return (field == "source.address" || field == "user_agent.original") && servicePrincipal.MatchString(text)
}

// flatCaseFixed reports whether a pattern on a flat parameter string
// ("*key=value*", "*key=[*value*") keeps its meaning when matched
// case-sensitively: its value part has no cased letters, is a Java boolean
// (always lower case), or belongs to an enum-valued key.
func flatCaseFixed(pattern string) bool {
	i := strings.LastIndexByte(pattern, '=')
	if i < 0 {
		return caseless(pattern)
	}
	key, value := pattern[:i], pattern[i+1:]
	if i := strings.LastIndexFunc(key, func(r rune) bool { return !isKeyRune(r) }); i >= 0 {
		key = key[i+1:]
	}
	return valueCaseFixed(key, value)
}

// valueCaseFixed reports whether a value pattern of parameter key keeps its
// meaning when matched case-sensitively.
func valueCaseFixed(key, value string) bool {
	v := strings.Trim(value, "*?[]{}, ")
	// The partition and service of an ARN are lower case by definition.
	v = arnPrefix.ReplaceAllString(v, "")
	if caseless(v) || v == "true" || v == "false" {
		return true
	}
	return enumKeys[key]
}

func isKeyRune(r rune) bool {
	return r == '_' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

// caseless reports whether s has no cased letter: strings.ToLower(s) ==
// strings.ToUpper(s), rune by rune and without building either.
func caseless(s string) bool {
	for _, r := range s {
		if unicode.ToLower(r) != unicode.ToUpper(r) {
			return false
		}
	}
	return true
}

// valueText is v.Text() without a copy for a plain literal.
func valueText(v ir.Value) string {
	if len(v.Parts) == 1 && v.Parts[0].Kind == ir.Literal {
		return v.Parts[0].Text
	}
	return v.Text()
}
