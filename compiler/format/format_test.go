package format_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/format"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/source"
)

// TestGolden formats testdata/*.txtar's "in.yml" into out/fmt.yml.
func TestGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		in, ok := golden.Section(a, "in.yml")
		require.True(t, ok, "archive needs an in.yml section")
		out, err := format.Source("in.yml", in)
		if err != nil {
			return map[string]string{"fmt.yml": "error: " + err.Error() + "\n"}
		}
		again, err := format.Source("out.yml", out)
		require.NoError(t, err)
		require.Equal(t, string(out), string(again), "formatting is idempotent")
		assertSameMeaning(t, "in.yml", in, out)
		return map[string]string{"fmt.yml": string(out)}
	})
}

func TestErrorHasPosition(t *testing.T) {
	_, err := format.Source("rules/x.yml", []byte("title: x\nlogsource:\n    product: aws\n  service: cloudtrail\n"))
	require.Error(t, err)
	assert.Regexp(t, `^rules/x\.yml:4:1: SF100 YAML: `, err.Error())
}

// assertSameMeaning loads both texts as one rule file and requires the
// same rules and the same problems, positions aside.
func assertSameMeaning(t *testing.T, name string, before, after []byte) {
	t.Helper()
	cfg := packConfig(t)
	a, da := compiler.Parse(name, before, compiler.Options{Config: cfg})
	b, db := compiler.Parse(name, after, compiler.Options{Config: cfg})
	ignorePos := cmpopts.IgnoreTypes(source.Pos{})
	clearPos(reflect.ValueOf(a.Rules), map[uintptr]bool{})
	clearPos(reflect.ValueOf(b.Rules), map[uintptr]bool{})
	if reflect.DeepEqual(a.Rules, b.Rules) {
		// the same rules (go-cmp below only explains a difference: it is
		// too slow for the corpus)
	} else if diff := cmp.Diff(a.Rules, b.Rules, ignorePos, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: formatting changed the rules (-before +after):\n%s", name, diff)
	}
	if diff := cmp.Diff(codes(da), codes(db)); diff != "" {
		t.Errorf("%s: formatting changed the problems (-before +after):\n%s", name, diff)
	}
}

var posType = reflect.TypeFor[source.Pos]()

// clearPos zeroes every source.Pos reachable from v.
func clearPos(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		clearPos(v.Elem(), seen)
	case reflect.Interface:
		if !v.IsNil() {
			e := v.Elem()
			if e.Kind() == reflect.Pointer {
				clearPos(e, seen)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			clearPos(v.Index(i), seen)
		}
	case reflect.Struct:
		if v.Type() == posType {
			if v.CanSet() {
				v.Set(reflect.Zero(posType))
			}
			return
		}
		for i := range v.NumField() {
			clearPos(v.Field(i), seen)
		}
	}
}

func codes(ds source.Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code+" "+d.Message)
	}
	return out
}

var packCfg *config.Config

func packConfig(t *testing.T) *config.Config {
	if packCfg == nil {
		cfg, err := config.Find("../../rules")
		require.NoError(t, err)
		packCfg = cfg
	}
	return packCfg
}

// TestPackIsCanonical is `sigforge fmt --check rules`: the pack is kept
// canonical.
func TestPackIsCanonical(t *testing.T) {
	files, err := format.Files([]string{"../../rules"})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out, err := format.Source(f, data)
		require.NoError(t, err)
		assert.Equal(t, string(data), string(out), "%s is not canonical: run sigforge fmt rules", f)
	}
}

// TestSameMeaningSigmaHQ formats every SigmaHQ rule, requires idempotence
// and the same loaded rules before and after.
func TestSameMeaningSigmaHQ(t *testing.T) {
	dir := corpus.Dir(t, "sigmahq-rules")
	if testing.Short() {
		t.Skip("corpus-wide check skipped in -short mode")
	}
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out, err := format.Source(p, data)
		if err != nil {
			t.Errorf("%v", err)
			return nil
		}
		again, err := format.Source(p, out)
		if err != nil || !bytes.Equal(again, out) {
			t.Errorf("%s: formatting is not idempotent (%v)", p, err)
		}
		assertSameMeaning(t, p, data, out)
		n++
		return nil
	})
	require.NoError(t, err)
	t.Logf("%d SigmaHQ rule files keep their meaning", n)
}

func TestPackSameMeaning(t *testing.T) {
	files, err := format.Files([]string{"../../rules"})
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out, err := format.Source(f, data)
		require.NoError(t, err)
		assertSameMeaning(t, f, data, out)
	}
}

func TestDegenerateFiles(t *testing.T) {
	cases := map[string]string{
		"":                   "",
		"\n\n  \n":           "",
		"# only a comment\n": "# only a comment\n",
		"# a\n\n# b\n":       "# a\n\n# b\n",
		"\n\n!   ":           "",
		"title: x\n---\n":    "title: x\n",
	}
	for in, want := range cases {
		out, err := format.Source("f.yml", []byte(in))
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, string(out), "%q", in)
	}
}
