package ecs

import (
	"regexp"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

// fixedCase are ECS fields whose values have one case, fixed by AWS or by
// the pipeline: event names, service names, enums, identifiers AWS
// generates, and the flat parameter strings (AWS's key names and enum
// values; RDS stores the identifiers users choose in lower case). On them
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
	"aws.cloudtrail.request_parameters":                                      true, "aws.cloudtrail.response_elements": true,
	"aws.cloudtrail.additional_eventdata": true, "aws.cloudtrail.service_event_details": true,
}

// servicePrincipal is an AWS service principal as AWS writes it in
// sourceIPAddress and userAgent when a service acts (backup.amazonaws.com).
var servicePrincipal = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$`)

// CaseFixed reports whether matching value v on the ECS field
// case-sensitively gives the same verdicts as Sigma's case-insensitive
// match on CloudTrail data: the field's values have a fixed case (see
// fixedCase, and the flattened parameters), v has no cased letters, or v is
// an AWS service principal on user_agent.original or source.address.
// Non-string values (numbers, booleans) are always safe.
func CaseFixed(field string, v ir.Value) bool {
	if v.Kind != ir.KindString || fixedCase[field] || strings.HasPrefix(field, "aws.cloudtrail.flattened.") {
		return true
	}
	text := v.Text()
	if strings.ToLower(text) == strings.ToUpper(text) {
		return true
	}
	return (field == "source.address" || field == "user_agent.original") && servicePrincipal.MatchString(text)
}
