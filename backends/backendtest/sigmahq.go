package backendtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/ir"
)

// SigmaHQRules parses every rule file of SigmaHQ's corpus beside the
// checkout (corpus "sigmahq-rules"; tb is skipped when it is absent) and
// returns the rules that parse, file by file in walk order; files with
// errors add only their valid rules.
func SigmaHQRules(tb testing.TB) []*ir.Rule {
	tb.Helper()
	dir := corpus.Dir(tb, "sigmahq-rules")
	var rules []*ir.Rule
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		set, _ := compiler.Parse(p, data, compiler.Options{})
		rules = append(rules, set.Rules...)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return rules
}
