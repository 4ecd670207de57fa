package compiler_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/validate"
)

// TestLoad runs the txtar cases of testdata/load: every section is written
// to a folder, which is loaded (strict when the archive has a "strict"
// section, with placeholders from a ".sigforge.yml" section). out/diagnostics
// holds the diagnostics, out/rules a summary of the loaded rules.
func TestLoad(t *testing.T) {
	golden.RunTxtar(t, "testdata/load/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		dir := t.TempDir()
		opts := compiler.Options{}
		for _, f := range a.Files {
			if strings.HasPrefix(f.Name, "out/") {
				continue
			}
			if f.Name == "strict" {
				opts.Strict = true
				continue
			}
			p := filepath.Join(dir, filepath.FromSlash(f.Name))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, f.Data, 0o644))
			if f.Name == config.FileName {
				cfg, err := config.Load(p)
				require.NoError(t, err)
				opts.Config = cfg
			}
		}
		set, ds := compiler.Load([]string{dir}, opts)
		diags := strings.ReplaceAll(ds.Error(), dir+string(filepath.Separator), "")
		return map[string]string{
			"diagnostics": diags,
			"rules":       summary(set, dir),
		}
	})
}

// summary renders the loaded rules compactly for golden files.
func summary(set *compiler.Set, dir string) string {
	var b strings.Builder
	rel := func(p string) string { r, _ := filepath.Rel(dir, p); return filepath.ToSlash(r) }
	for _, f := range set.Files {
		fmt.Fprintf(&b, "file %s\n", rel(f))
	}
	for _, r := range set.Rules {
		fmt.Fprintf(&b, "%s %q", strings.TrimPrefix(r.Pos.String(), dir+string(filepath.Separator)), r.Title)
		if r.ID != "" {
			fmt.Fprintf(&b, " id=%s", r.ID)
		}
		if r.Name != "" {
			fmt.Fprintf(&b, " name=%s", r.Name)
		}
		b.WriteByte('\n')
		if r.Detection != nil {
			fmt.Fprintf(&b, "  detection: %s\n", ir.Format(r.Detection))
		}
		if c := r.Correlation; c != nil {
			var refs []string
			for _, x := range c.Rules {
				refs = append(refs, x.Title)
			}
			fmt.Fprintf(&b, "  correlation: %s rules=%q group-by=%q timespan=%s condition=%v field=%q generate=%v aliases=%v\n",
				c.Type, refs, c.GroupBy, c.Timespan, c.Condition.Compare, c.Condition.Field, c.Generate, c.Aliases)
		}
		m := r.Meta
		fmt.Fprintf(&b, "  meta: risk=%d severity=%s alert_fields=%q guide=%t\n", m.RiskScore, m.Severity, m.AlertFields, m.Guide != "")
		for _, tac := range m.Threat {
			fmt.Fprintf(&b, "  threat: %s %s (%s)", tac.ID, tac.ShortName, tac.Name)
			for _, tech := range tac.Techniques {
				fmt.Fprintf(&b, " %s", tech.ID)
				for _, s := range tech.Subtechniques {
					fmt.Fprintf(&b, " %s", s.ID)
				}
			}
			b.WriteByte('\n')
		}
		if len(r.Custom) > 0 {
			fmt.Fprintf(&b, "  custom: %v\n", r.Custom)
		}
	}
	return b.String()
}

// TestEveryCodeHasAGoldenCase keeps the code table and the golden cases in
// step: each code is unique, in order, and produced by at least one case.
func TestEveryCodeHasAGoldenCase(t *testing.T) {
	files, err := filepath.Glob("testdata/load/*.txtar")
	require.NoError(t, err)
	var all strings.Builder
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		require.NoError(t, err)
		if out, ok := golden.Section(a, "out/diagnostics"); ok {
			all.Write(out)
		}
	}
	prev := ""
	for _, c := range validate.Codes {
		require.Greater(t, c.ID, prev, "codes must be unique and sorted")
		prev = c.ID
		require.NotEmpty(t, c.Name)
		require.NotEmpty(t, c.Doc)
		require.Contains(t, all.String(), ": "+c.ID+" ", "no golden case produces %s (%s)", c.ID, c.Name)
	}
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	rule := func(title string) []byte {
		return []byte("title: " + title + "\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n")
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "b", ".git"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b", "two.yaml"), rule("two"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b", ".git", "x.yml"), rule("hidden"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yml"), rule("one"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".sigforge.yml"), []byte("placeholders: {}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "readme.md"), []byte("# not a rule\n"), 0o644))

	// A folder, one of its files again, and a missing path.
	missing := filepath.Join(dir, "missing.yml")
	set, ds := compiler.Load([]string{filepath.Join(dir, "b"), dir, filepath.Join(dir, "a.yml"), dir + "/./a.yml", missing}, compiler.Options{})
	require.Len(t, ds, 1)
	require.Equal(t, "SF100", ds[0].Code)
	require.Equal(t, missing, ds[0].Pos.File)
	require.Equal(t, []string{filepath.Join(dir, "a.yml"), filepath.Join(dir, "b", "two.yaml")}, set.Files)
	var titles []string
	for _, r := range set.Rules {
		titles = append(titles, r.Title)
		require.Equal(t, r.File, r.Pos.File)
	}
	require.Equal(t, []string{"one", "two"}, titles)
}

// TestLoadOrderIsPathOrder: files are read on several goroutines while the
// walk goes on, yet rules come out in path order (byte order of the whole
// path, not the walk's folder-by-folder order) and the same on every run.
func TestLoadOrderIsPathOrder(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i, rel := range []string{"a/z.yml", "a-c/x.yml", "a/b/y.yml", "a0.yml", "m.yml", "a/b.yml"} {
		p := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		doc := fmt.Sprintf("title: r%d\nlogsource: {product: x}\ndetection: {s: {a: %d}, condition: s}\n", i, i)
		require.NoError(t, os.WriteFile(p, []byte(doc+"---\n"+strings.Replace(doc, "title: r", "title: second r", 1)), 0o644))
		want = append(want, p)
	}
	slices.Sort(want)
	for range 20 {
		set, ds := compiler.Load([]string{dir}, compiler.Options{})
		require.Empty(t, ds)
		require.Equal(t, want, set.Files)
		require.Len(t, set.Rules, 2*len(want))
		for i, r := range set.Rules {
			require.Equal(t, want[i/2], r.File)
			require.Equal(t, i%2 == 1, strings.HasPrefix(r.Title, "second "), r.Title)
		}
	}
}

func TestParse(t *testing.T) {
	src := []byte("title: a\nname: a\nlogsource: {product: x}\ndetection: {s: {f|contains: x}, condition: s}\n" +
		"---\ntitle: c\ncorrelation: {type: event_count, rules: [a], group-by: [user], timespan: 10m, condition: {gte: 3}}\n")
	set, ds := compiler.Parse("rules/x.yml", src, compiler.Options{})
	require.Empty(t, ds)
	require.Equal(t, []string{"rules/x.yml"}, set.Files)
	require.Len(t, set.Rules, 2)
	require.Equal(t, `f = "*x*"`, ir.Format(set.Rules[0].Detection))
	c := set.Rules[1].Correlation
	require.NotNil(t, c)
	require.Equal(t, []*ir.Rule{set.Rules[0]}, c.Rules)
	require.Equal(t, "rules/x.yml:6:1", set.Rules[1].Pos.String())

	// An error in one document drops that rule only; the diagnostics are
	// sorted.
	src = []byte("title: bad\nlogsource: {product: x}\ndetection: {s: {f|nope: x}, condition: s}\n---\ntitle: good\nlogsource: {product: x}\ndetection: {s: {f: x}, condition: s}\n")
	set, ds = compiler.Parse("y.yml", src, compiler.Options{})
	require.Equal(t, "y.yml:3:19: SF120 unknown modifier \"nope\"", ds.Error())
	require.Len(t, set.Rules, 1)
	require.Equal(t, "good", set.Rules[0].Title)
}
