package validate

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sigforge/sigforge/compiler/attack"
	"github.com/sigforge/sigforge/compiler/source"
)

// IsUUID reports whether s is a UUID in its canonical 8-4-4-4-12 hex form.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// Statuses are the allowed values of status.
var Statuses = []string{"stable", "test", "experimental", "deprecated", "unsupported"}

// Levels are the allowed values of level.
var Levels = []string{"informational", "low", "medium", "high", "critical"}

// Severities are the allowed values of the pack's severity.
var Severities = []string{"low", "medium", "high", "critical"}

// RelatedTypes are the allowed types of a related entry.
var RelatedTypes = []string{"derived", "obsolete", "merged", "renamed", "similar"}

// IsDate reports whether s is a real calendar date written YYYY-MM-DD.
// (SigmaHQ also has YYYY/MM/DD dates in old rules: those are rejected, as
// the specification's schema does.)
func IsDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	if y, m, d, ok := dateDigits(s); ok {
		// time.Parse's checks, without its layout machinery: a month
		// 1-12, a day that month has.
		if m < 1 || m > 12 || d < 1 {
			return false
		}
		return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	}
	_, err := time.Parse("2006-01-02", s) // signed years and the like
	return err == nil
}

// dateDigits reads NNNN-NN-NN.
func dateDigits(s string) (y, m, d int, ok bool) {
	num := func(t string) (int, bool) {
		n := 0
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return 0, false
			}
			n = n*10 + int(t[i]-'0')
		}
		return n, true
	}
	if s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	return y, m, d, ok1 && ok2 && ok3
}

// IsTag reports whether a tag has the specification's namespace.name form
// (^[a-z0-9_-]+\.[a-z0-9._-]+$).
func IsTag(s string) bool {
	ns, name, ok := strings.Cut(s, ".")
	if !ok || ns == "" || name == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Tag checks one tag and reports at pos. ATT&CK tags are checked against
// the catalog; other namespaces only for their form.
func Tag(tag string, pos source.Pos, ds *source.Diagnostics) {
	if !IsTag(tag) {
		ds.Add(pos, BadTag, "tag %q is not namespace.name in lowercase letters, digits, '.', '_' and '-'", tag)
		return
	}
	name, ok := strings.CutPrefix(tag, "attack.")
	if !ok {
		return
	}
	switch kind, e := attack.ClassifyTag(name); kind {
	case attack.TagInvalid:
		ds.Add(pos, UnknownAttack, "tag %q is not an ATT&CK tactic short name, technique ID (tNNNN, tNNNN.NNN) or group/software/data source ID", tag)
	case attack.TagUnknown:
		ds.Add(pos, UnknownAttack, "tag %q: %s is not in the ATT&CK Enterprise v%s catalog", tag, attackName(name), attack.Version)
	case attack.TagNewer:
		// Common in rule sets that follow ATT&CK closely: built without fmt.
		ds.Append(&source.Diagnostic{Pos: pos, Code: OutdatedAttack, Severity: source.Warning,
			Message: "tag " + strconv.Quote(tag) + ": " + attackName(name) + " is newer than the built-in ATT&CK v" + attack.Version + " catalog; it is not mapped"})
	case attack.TagTechnique:
		t := e.(*attack.Technique)
		switch {
		case t.Revoked && t.RevokedBy != "":
			ds.Warn(pos, OutdatedAttack, "tag %q: %s %s was revoked in ATT&CK; use attack.%s", tag, t.ID, t.Name, strings.ToLower(attack.Current(t).ID))
		case t.Revoked:
			ds.Warn(pos, OutdatedAttack, "tag %q: %s %s was revoked in ATT&CK", tag, t.ID, t.Name)
		case t.Deprecated:
			ds.Warn(pos, OutdatedAttack, "tag %q: %s %s is deprecated in ATT&CK", tag, t.ID, t.Name)
		}
	}
}

func attackName(name string) string {
	if name != "" && name[0] == 't' && len(name) > 1 && name[1] >= '0' && name[1] <= '9' {
		return "technique " + strings.ToUpper(name)
	}
	return "tactic " + strconv.Quote(name)
}

var fieldPathRE = regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_@$-]*(\.[A-Za-z0-9_@$-]+)*$`)

// IsFieldPath reports whether s is a dotted field path such as
// userIdentity.arn or requestParameters.dBInstanceIdentifier.
func IsFieldPath(s string) bool { return fieldPathRE.MatchString(s) }

// RiskFromSeverity is the default risk score of a severity.
func RiskFromSeverity(sev string) int {
	switch sev {
	case "medium":
		return 47
	case "high":
		return 73
	case "critical":
		return 99
	}
	return 21
}

// SeverityFromLevel is the default severity of a Sigma level
// (informational and a missing level map to low).
func SeverityFromLevel(level string) string {
	switch level {
	case "medium", "high", "critical":
		return level
	}
	return "low"
}
