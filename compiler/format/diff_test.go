package format_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sigforge/sigforge/compiler/format"
)

func TestDiff(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"one change", "a\nb\nc\n", "a\nB\nc\n", "--- f\n+++ f (formatted)\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"moved key", "level: low\ntitle: x\n", "title: x\nlevel: low\n",
			"--- f\n+++ f (formatted)\n@@ -1,2 +1,2 @@\n-level: low\n title: x\n+level: low\n"},
		{"far apart changes make two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "x\n2\n3\n4\n5\n6\n7\n8\n9\ny\n",
			"--- f\n+++ f (formatted)\n@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+y\n"},
		{"no final newline", "a", "a\n", "--- f\n+++ f (formatted)\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+a\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, format.Diff("f", []byte(tc.old), []byte(tc.new)))
		})
	}
}
