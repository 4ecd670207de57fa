package falco

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sigforge/sigforge/compiler/source"
)

// Version is a Falco engine version (required_engine_version). Falco
// before 0.37 numbered its engine with a single integer N, which reads as
// 0.N.0.
type Version struct{ Major, Minor, Patch int }

// ParseVersion reads "0.43.0", "0.43" or the legacy integer form "10".
func ParseVersion(s string) (Version, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return Version{Minor: n}, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("invalid engine version %q: want MAJOR.MINOR.PATCH", s)
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("invalid engine version %q: want MAJOR.MINOR.PATCH", s)
		}
		v[i] = n
	}
	return Version{v[0], v[1], v[2]}, nil
}

// MustVersion is ParseVersion for constants.
func MustVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Patch < w.Patch
}

// IsZero reports whether no version is set (the evaluator then accepts
// every feature it knows).
func (v Version) IsZero() bool { return v == Version{} }

// Feature is a piece of the condition language that appeared in a given
// engine version. The versions come from the git history: the libs commit
// that added the feature, the first libs release tag holding it, the first
// Falco release built on that libs release (cmake/modules/falcosecurity-libs.cmake),
// and that release's FALCO_ENGINE_VERSION (userspace/engine/falco_engine_version.h).
type Feature struct {
	Name  string
	Since Version
	Falco string // first Falco release
}

var (
	// FeatureIGlob: iglob, libs 2c1ef6cbb (0.15.0), Falco 0.38.0.
	FeatureIGlob = Feature{"iglob", MustVersion("0.40.0"), "0.38.0"}
	// FeatureTransformers: tolower()/toupper()/b64()/val(), libs b9a0e0aeb (0.17.0), Falco 0.38.0.
	FeatureTransformers = Feature{"field transformers", MustVersion("0.40.0"), "0.38.0"}
	// FeatureRegex: regex, libs 7022182b2 (0.18.0), Falco 0.39.0.
	FeatureRegex = Feature{"regex", MustVersion("0.43.0"), "0.39.0"}
	// FeatureModifiers: oneof/anyof/allof, libs 61423475e (0.25.0), Falco 0.44.0.
	FeatureModifiers = Feature{"operator modifiers", MustVersion("0.62.0"), "0.44.0"}
)

// need fails when the engine version is set and older than the feature.
func (c *compiler) need(p source.Pos, what string, f Feature) error {
	if c.engine.IsZero() || !c.engine.Less(f.Since) {
		return nil
	}
	return errorf(p, "%s needs Falco engine version %s (Falco %s); the rules target engine %s", what, f.Since, f.Falco, c.engine)
}
