package validate

import "github.com/sigforge/sigforge/compiler/source"

// The field-shape lint's codes (compiler/fieldcat): warnings, so errors in
// strict mode — except RetiredAPI, a notice the loader reports in plain mode
// only (see its Doc).
const (
	UnknownCloudTrailField = "SF170"
	FieldCasing            = "SF171"
	FieldTypeMismatch      = "SF172"
	RedactedField          = "SF173"
	RetiredAPI             = "SF174"
)

// The rows are appended here, after the front end's, so that the table
// stays in code order and in one place (Codes).
func init() {
	Codes = append(Codes,
		Code{UnknownCloudTrailField, "unknown-cloudtrail-field", source.Warning, "a CloudTrail rule names a field the field catalog does not know (suggests the nearest known field) (error in strict mode)"},
		Code{FieldCasing, "field-casing", source.Warning, "a CloudTrail field differs from a known one only in casing, e.g. dbInstanceIdentifier for requestParameters.dBInstanceIdentifier (error in strict mode)"},
		Code{FieldTypeMismatch, "field-type", source.Warning, "a boolean or number CloudTrail field is compared with a string ('true', '0') (error in strict mode)"},
		Code{RedactedField, "redacted-field", source.Warning, "a field CloudTrail redacts (masterUserPassword) is compared with a value: match on presence instead (error in strict mode)"},
		Code{RetiredAPI, "retired-api", source.Warning, "the rule matches an API call AWS retired (EC2-Classic DB security groups); a notice in plain mode, not reported in strict mode (rules kept for old accounts' history)"},
	)
}
