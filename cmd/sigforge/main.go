// Command sigforge validates Sigma detection rules, compiles them to every
// target that can express them, and proves with fixtures that the compiled
// rules fire on their sample events. This package is wiring only: flags,
// exit codes and output streams; the work is done by the compiler, harness
// and backends packages.
//
// Exit codes: 0 success, 1 problems found (invalid rules, failing fixtures,
// rules that fail to compile), 2 usage errors.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// exitError ends a command with a code; a nil err means the problem has
// already been reported.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// failed ends a command with exit status 1 after its report.
var failed = &exitError{code: 1}

// usageError ends a command with exit status 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// run executes the command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "sigforge: %v\n", ee.err)
			if ee.code == 2 {
				fmt.Fprintln(stderr, "Run 'sigforge --help' for usage.")
			}
		}
		return ee.code
	}
	// Anything else comes from cobra before a command ran: an unknown
	// command or flag, or wrong arguments.
	fmt.Fprintf(stderr, "sigforge: %v\nRun 'sigforge --help' for usage.\n", err)
	return 2
}

// command wraps a command's body so that its plain errors exit with 1 (a
// problem, not a usage error).
func command(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		if err == nil {
			return nil
		}
		var ee *exitError
		if errors.As(err, &ee) {
			return err
		}
		return &exitError{code: 1, err: err}
	}
}
