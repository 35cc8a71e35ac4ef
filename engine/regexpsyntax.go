package engine

import (
	"strings"
	"unicode/utf8"

	"github.com/riffq/riffq/pgerror"
)

// isHex reports whether s is all hexadecimal digits.
func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// areToRE2 rewrites what PostgreSQL's advanced regular expressions spell
// differently from Go's RE2: the word boundaries \y, \Y, \m, \M and
// [[:<:]], [[:>:]] (\m and \M become \b, which also matches where the
// other one would), the character-entry escapes \b (a backspace), \B,
// \e, \u and \U, collating elements [[.c.]] and equivalence classes
// [[=c=]] of one character (that character), and \Z (\z). A brace that
// starts a bound without closing it is an error, as in PostgreSQL, where
// RE2 would read it literally.
func areToRE2(p string) (string, error) {
	if !strings.ContainsAny(p, `\[{`) {
		return p, nil
	}
	var sb strings.Builder
	inBracket := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			next := p[i+1]
			i++
			// Character-entry escapes RE2 spells otherwise or not at
			// all: \b is a backspace (not a word boundary), \B a
			// backslash, \e escape, \uXXXX and \UXXXXXXXX code points.
			switch next {
			case 'b':
				sb.WriteString(`\x08`)
				continue
			case 'B':
				sb.WriteString(`\\`)
				continue
			case 'e':
				sb.WriteString(`\x1b`)
				continue
			case 'u', 'U':
				n := 4
				if next == 'U' {
					n = 8
				}
				if i+n < len(p) && isHex(p[i+1:i+1+n]) {
					sb.WriteString(`\x{` + p[i+1:i+1+n] + `}`)
					i += n
					continue
				}
			}
			if !inBracket {
				switch next {
				case 'y', 'm', 'M':
					sb.WriteString(`\b`)
					continue
				case 'Y':
					sb.WriteString(`\B`)
					continue
				case 'Z':
					sb.WriteString(`\z`)
					continue
				}
			}
			sb.WriteByte(c)
			sb.WriteByte(next)
		case !inBracket && (strings.HasPrefix(p[i:], "[[:<:]]") || strings.HasPrefix(p[i:], "[[:>:]]")):
			sb.WriteString(`\b`)
			i += len("[[:<:]]") - 1
		case c == '[' && i+3 < len(p) && (p[i+1] == '.' || p[i+1] == '=') && inBracket:
			// [.c.] or [=c=] of one character inside a bracket.
			end := strings.Index(p[i+2:], string(p[i+1])+"]")
			if end > 0 && utf8.RuneCountInString(p[i+2:i+2+end]) == 1 {
				ch := p[i+2 : i+2+end]
				if strings.ContainsAny(ch, `\]^-[`) {
					sb.WriteByte('\\')
				}
				sb.WriteString(ch)
				i += 2 + end + 1
				continue
			}
			sb.WriteByte(c)
		case c == '[' && !inBracket:
			inBracket = true
			sb.WriteByte(c)
			// A ] first (or after ^) is a literal member.
			if i+1 < len(p) && p[i+1] == '^' {
				sb.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				sb.WriteString(`\]`)
				i++
			}
		case c == '[' && inBracket && i+1 < len(p) && p[i+1] == ':':
			// A character class [:alpha:] inside a bracket.
			end := strings.Index(p[i:], ":]")
			if end < 0 {
				sb.WriteByte(c)
				continue
			}
			sb.WriteString(p[i : i+end+2])
			i += end + 1
		case c == ']' && inBracket:
			inBracket = false
			sb.WriteByte(c)
		case c == '{' && !inBracket && i+1 < len(p) && p[i+1] >= '0' && p[i+1] <= '9':
			end := strings.IndexByte(p[i:], '}')
			if end < 0 || strings.Trim(p[i+1:i+end], "0123456789,") != "" {
				return "", pgerror.New("2201B", "invalid regular expression: braces {} not balanced")
			}
			sb.WriteString(p[i : i+end+1])
			i += end
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), nil
}
