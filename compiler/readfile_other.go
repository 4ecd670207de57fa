//go:build !unix

package compiler

import "os"

// readFile is os.ReadFile where readfile_unix.go's system calls do not
// exist.
func readFile(name string) ([]byte, error) { return os.ReadFile(name) }
