package falco

// fnmatch implements POSIX fnmatch(3) as libsinsp calls it for glob and iglob
// (sinsp_utils::glob_match: flags 0, or FNM_CASEFOLD for iglob): "*" matches
// any run of bytes ("/" and a leading "." included), "?" one byte, "[...]"
// a bracket expression ("!" or "^" negates, ranges, [:class:]), and a
// backslash makes the next character literal. Matching is byte-wise, as
// in the C locale; case folding is ASCII.
func fnmatch(pattern, s string, fold bool) bool {
	px, sx := 0, 0
	// Backtracking points for the last "*".
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			c := pattern[px]
			switch c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			case '[':
				if sx < len(s) {
					if ok, width, valid := matchBracket(pattern[px:], s[sx], fold); valid {
						if ok {
							px += width
							sx++
							continue
						}
						break
					}
				}
				// An unterminated "[" is an ordinary character.
				if sx < len(s) && eqByte('[', s[sx], fold) {
					px++
					sx++
					continue
				}
			case '\\':
				if px+1 < len(pattern) {
					if sx < len(s) && eqByte(pattern[px+1], s[sx], fold) {
						px += 2
						sx++
						continue
					}
					break
				}
				if sx < len(s) && s[sx] == '\\' {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && eqByte(c, s[sx], fold) {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

func eqByte(a, b byte, fold bool) bool {
	if fold {
		return lowerByte(a) == lowerByte(b)
	}
	return a == b
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchBracket matches c against the bracket expression at the start of p.
// valid is false when the expression is not terminated.
func matchBracket(p string, c byte, fold bool) (ok bool, width int, valid bool) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	matched := false
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return matched != negate, i + 1, true
		}
		first = false
		if p[i] == '[' && i+1 < len(p) && p[i+1] == ':' {
			end := indexFrom(p, ":]", i+2)
			if end >= 0 {
				if classMatch(p[i+2:end], c, fold) {
					matched = true
				}
				i = end + 2
				continue
			}
		}
		lo := p[i]
		if lo == '\\' && i+1 < len(p) {
			i++
			lo = p[i]
		}
		i++
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi = p[i+1]
			i += 2
			if hi == '\\' && i < len(p) {
				hi = p[i]
				i++
			}
		}
		if inRange(c, lo, hi) || fold && (inRange(lowerByte(c), lo, hi) || inRange(upperByte(c), lo, hi)) {
			matched = true
		}
	}
	return false, 0, false
}

func upperByte(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func inRange(c, lo, hi byte) bool { return lo <= c && c <= hi }

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func classMatch(class string, c byte, fold bool) bool {
	switch class {
	case "alpha":
		return isAlpha(c)
	case "digit":
		return c >= '0' && c <= '9'
	case "alnum":
		return isAlnum(c)
	case "upper":
		return c >= 'A' && c <= 'Z' || fold && c >= 'a' && c <= 'z'
	case "lower":
		return c >= 'a' && c <= 'z' || fold && c >= 'A' && c <= 'Z'
	case "space":
		return c == ' ' || c >= '\t' && c <= '\r'
	case "blank":
		return c == ' ' || c == '\t'
	case "punct":
		return c > ' ' && c < 0x7f && !isAlnum(c)
	case "xdigit":
		_, ok := hexDigit(c)
		return ok
	case "cntrl":
		return c < ' ' || c == 0x7f
	case "print":
		return c >= ' ' && c < 0x7f
	case "graph":
		return c > ' ' && c < 0x7f
	}
	return false
}
