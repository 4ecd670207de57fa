// Package backends defines the contract between the compiler and the
// targets. Each target lives in its own package under backends/ and
// implements Backend; backends/all lists them (one line per target). A
// target that can also run its compiled text (to prove in the fixture harness
// that the output fires) implements Executor.
package backends

import (
	"fmt"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
)

// Backend turns a lowered rule into text for one target.
type Backend interface {
	// Name is the stable key used by --target and golden files.
	Name() string
	// Compile returns the rule's text for the target, or an *Unsupported
	// error when the target cannot express the rule.
	Compile(r *ir.Rule) (Output, error)
}

// Output is the compiled text of one rule.
type Output struct {
	Rule *ir.Rule
	Text string
	// Ext is the file extension for the text, with the dot (".kql").
	Ext string
}

// Bundler is implemented by targets whose pack is one file (a Falco rules
// file, a Kibana NDJSON import file).
type Bundler interface {
	Bundle(outs []Output) (Output, error)
}

// Executor is a Backend that can run its own compiled text on events.
type Executor interface {
	Backend
	// Prepare parses the compiled text into a runnable query. It fails the
	// way the real engine would fail to load the text.
	Prepare(out Output) (Query, error)
}

// Query is a compiled rule ready to run.
type Query interface {
	// Fires reports whether the rule fires on the stream (events in time
	// order). A detection rule fires when any event matches; a correlation
	// rule when its condition holds for some group and window.
	Fires(events []event.Event) (bool, error)
}

// Unsupported says that a target cannot express a rule, and why.
type Unsupported struct {
	Pos       source.Pos
	Target    string
	Rule      string // the rule's title or id
	Construct string // what cannot be expressed, e.g. "|re", "correlation value_count"
	Reason    string
}

// Code is the problem code of an Unsupported error.
const CodeUnsupported = "SF300"

func (e *Unsupported) Error() string {
	msg := fmt.Sprintf("%s: %s %s cannot express %s", e.Pos, CodeUnsupported, e.Target, e.Construct)
	if e.Rule != "" {
		msg += fmt.Sprintf(" (rule %q)", e.Rule)
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}
