package lower

import "github.com/sigforge/sigforge/compiler/ir"

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// windashSites counts the option dashes (\B[-/]\b) that |windash expands
// into five forms each, to bound the 5^n variants.
func windashSites(v ir.Value) int {
	n := 0
	for _, p := range v.Parts {
		t := p.Text
		for i := 0; p.Kind == ir.Literal && i < len(t); i++ {
			if (t[i] == '-' || t[i] == '/') && (i == 0 || !isWordByte(t[i-1])) && i+1 < len(t) && isWordByte(t[i+1]) {
				n++
			}
		}
	}
	return n
}
