package report

import (
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"

	"github.com/sigforge/sigforge/compiler/source"
)

// ColorEnabled reports whether output to w may be coloured: w is a
// terminal, NO_COLOR is unset or empty (no-color.org) and TERM is not
// "dumb".
func ColorEnabled(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(interface{ Fd() uintptr })
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Palette colours the parts of human-readable output; the zero value
// prints plain text.
type Palette struct {
	Pos, Error, Warning, OK, Skip func(a ...any) string
}

// NewPalette returns a colouring palette when on is true, else a plain one.
func NewPalette(on bool) Palette {
	mk := func(attrs ...color.Attribute) func(a ...any) string {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c.SprintFunc()
	}
	return Palette{
		Pos:     mk(color.Bold),
		Error:   mk(color.FgRed, color.Bold),
		Warning: mk(color.FgYellow, color.Bold),
		OK:      mk(color.FgGreen),
		Skip:    mk(color.FgCyan),
	}
}

// WriteText prints one "path:line:col: SFnnn message" line per diagnostic,
// as source.Diagnostics.Print does, with the position in bold and the code
// in red (errors) or yellow (warnings) when the palette colours.
func WriteText(w io.Writer, ds source.Diagnostics, p Palette) error {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(p.Pos(d.Pos.String()) + ": ")
		paint := p.Error
		if d.Severity == source.Warning {
			paint = p.Warning
		}
		if d.Code != "" {
			b.WriteString(paint(d.Code) + " ")
		}
		if d.Severity == source.Warning {
			b.WriteString(paint("warning:") + " ")
		}
		b.WriteString(d.Message + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ValidateJSON is the JSON report of `sigforge validate`.
type ValidateJSON struct {
	Files       []string           `json:"files"`
	Rules       int                `json:"rules"`
	Errors      int                `json:"errors"`
	Warnings    int                `json:"warnings"`
	Diagnostics source.Diagnostics `json:"diagnostics"`
}

// WriteValidateJSON writes validate's JSON report: the files read, the
// number of rules loaded, error and warning counts, and every diagnostic.
func WriteValidateJSON(w io.Writer, files []string, rules int, ds source.Diagnostics) error {
	errs := len(ds.Errors())
	rep := ValidateJSON{Files: files, Rules: rules, Errors: errs, Warnings: len(ds) - errs, Diagnostics: ds}
	if rep.Files == nil {
		rep.Files = []string{}
	}
	if rep.Diagnostics == nil {
		rep.Diagnostics = source.Diagnostics{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
