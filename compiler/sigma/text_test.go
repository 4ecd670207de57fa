package sigma

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The ASCII shortcut of file.pos gives what the character walk gives, for
// every node of a file, including nodes at the end of a line and of the
// file.
func TestPosASCIIShortcut(t *testing.T) {
	for _, src := range []string{
		"title: t\ndetection:\n  sel:\n    a|contains: 'x'\n    b:\n      - \"q\"\n      -\n  condition: sel\nempty:",
		"k: v\r\nlist: [a, b, {c: d}]\r\nblock: |\r\n  text\r\n",
		"a:\n  b:\n    c: ~\n",
	} {
		f := newFile("x.yml", []byte(src))
		require.True(t, f.ascii, src)
		var root yaml.Node
		require.NoError(t, yaml.Unmarshal([]byte(src), &root))
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			f.ascii = true
			fast := f.pos(n)
			f.ascii = false
			require.Equal(t, f.pos(n), fast, "line %d col %d of %q", n.Line, n.Column, src)
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&root)
		// Columns past the end of a line stop at its end, as the walk does.
		for _, n := range []*yaml.Node{{Line: 1, Column: 99}, {Line: 2, Column: 0}, {Line: 3, Column: 1}} {
			f.ascii = true
			fast := f.pos(n)
			f.ascii = false
			require.Equal(t, f.pos(n), fast, "line %d col %d", n.Line, n.Column)
		}
	}
	require.False(t, newFile("u.yml", []byte("title: é")).ascii)
	require.False(t, isASCII([]byte("0123456789abcdé")))
	require.True(t, isASCII([]byte("0123456789abcde")))
}
