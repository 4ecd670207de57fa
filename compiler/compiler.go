package compiler

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
	v "github.com/sigforge/sigforge/compiler/validate"
)

// Options configure loading.
type Options struct {
	// Strict adds the pack's metadata requirements and turns warnings into
	// errors.
	Strict bool
	// Config gives placeholder values; nil means the defaults (none).
	Config *config.Config
}

// Set is the result of loading: the rules without errors, in the order of
// their files (sorted by path) and of the documents in each file, with
// filters applied (and not listed) and correlation rules resolved.
type Set struct {
	Rules []*ir.Rule
	Files []string
}

// Load reads rule files and folders (walked recursively for *.yml and
// *.yaml files; dot files and dot folders are skipped).
func Load(paths []string, opts Options) (*Set, source.Diagnostics) {
	// Files are read and lowered while the folders are still being walked.
	found := make(chan string, 64)
	var ds source.Diagnostics
	go func() {
		defer close(found)
		ds = walk(paths, found)
	}()
	set, more := buildStream(found, opts)
	ds = append(ds, more...) // walk has returned: found is closed
	finish(&ds, opts)
	return set, ds
}

// walk sends every rule file under paths to found, once each, and returns
// the problems met.
func walk(paths []string, found chan<- string) source.Diagnostics {
	var ds source.Diagnostics
	seen := map[string]bool{}
	add := func(p string) {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			found <- p
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			ds.Add(source.Pos{File: root}, v.YAMLSyntax, "cannot read: %v", unwrapPathError(err))
			continue
		}
		if !info.IsDir() {
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				ds.Add(source.Pos{File: p}, v.YAMLSyntax, "cannot read: %v", unwrapPathError(err))
				return nil
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				add(p)
			}
			return nil
		})
		if err != nil {
			ds.Add(source.Pos{File: root}, v.YAMLSyntax, "cannot read: %v", err)
		}
	}
	return ds
}

// Parse reads one rule file's bytes; name is the path used in positions.
func Parse(name string, data []byte, opts Options) (*Set, source.Diagnostics) {
	set, ds := link([]fileResult{buildFile(name, data, opts, lowerOptions(opts))}, opts)
	finish(&ds, opts)
	return set, ds
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// finish applies strict mode's severity and sorts.
func finish(ds *source.Diagnostics, opts Options) {
	if opts.Strict {
		for _, d := range *ds {
			d.Severity = source.Error
		}
	}
	ds.Sort()
}
