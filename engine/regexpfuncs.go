package engine

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/pgerror"
)

// The regular-expression functions (regexp_replace, regexp_match,
// regexp_split_to_array, regexp_count, regexp_like) and string_to_array.
// Patterns are compiled by Go's regexp with PostgreSQL's defaults (dot
// matches newline) and its flags g, i, c and n; a pattern repeated down a
// column is compiled once.

// regexpCache compiles the patterns of one kernel call, keeping the last.
type regexpCache struct {
	pattern, flags string
	re             *regexp.Regexp
	global         bool
}

func (c *regexpCache) get(fn, pattern, flags string, allowGlobal bool) (*regexp.Regexp, bool, error) {
	if c.re != nil && pattern == c.pattern && flags == c.flags {
		return c.re, c.global, nil
	}
	prefix, global := "(?s)", false
	fold := false
	for _, f := range flags {
		switch {
		case f == 'g' && allowGlobal:
			global = true
		case f == 'i':
			fold = true
		case f == 'c':
			fold = false
		case f == 'n' || f == 'p' || f == 'w':
			// Newline-sensitive: . and [^...] stop at newlines, ^ and $
			// match at them.
			prefix = "(?m)"
		case f == 'g':
			e := pgerror.New("22023", "%s() does not support the \"global\" option", fn)
			if fn == "regexp_match" {
				e = e.WithHint("Use the regexp_matches function instead.")
			}
			return nil, false, e
		default:
			return nil, false, pgerror.New("22023", "invalid regular expression option: \"%c\"", f)
		}
	}
	if fold {
		prefix += "(?i)"
	}
	re, err := posixRegexp(pattern, false)
	if err != nil {
		return nil, false, err
	}
	if re, err = regexp.Compile(prefix + strings.TrimPrefix(re.String(), "(?s)")); err != nil {
		return nil, false, pgerror.New("2201B", "invalid regular expression: %v", err)
	}
	c.pattern, c.flags, c.re, c.global = pattern, flags, re, global
	return re, global, nil
}

// expandReplacement turns PostgreSQL's replacement text (\1 to \9 for
// groups, \& for the match, \\ for a backslash) into Go's template.
func expandReplacement(repl string) string {
	var sb strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '$':
			sb.WriteString("$$")
		case c == '\\' && i+1 < len(repl) && repl[i+1] >= '1' && repl[i+1] <= '9':
			sb.WriteString("${" + repl[i+1:i+2] + "}")
			i++
		case c == '\\' && i+1 < len(repl) && repl[i+1] == '&':
			sb.WriteString("${0}")
			i++
		case c == '\\' && i+1 < len(repl) && repl[i+1] == '\\':
			sb.WriteByte('\\')
			i++
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func optionalStr(a argReader, i, r int) string {
	if i < len(a.in) {
		return a.str(i, r)
	}
	return ""
}

// regexpFunction returns the kernel of a regular-expression function.
func regexpFunction(name string) func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	switch name {
	case "regexp_replace":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			var cache regexpCache
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				re, global, err := cache.get(name, a.str(1, r), optionalStr(a, 3, r), true)
				if err != nil {
					return "", err
				}
				src, tmpl := a.str(0, r), expandReplacement(a.str(2, r))
				if global {
					return re.ReplaceAllString(src, tmpl), nil
				}
				m := re.FindStringSubmatchIndex(src)
				if m == nil {
					return src, nil
				}
				out := []byte(src[:m[0]])
				out = re.ExpandString(out, tmpl, src, m)
				return string(append(out, src[m[1]:]...)), nil
			})
		}
	case "regexp_replace_n":
		// regexp_replace(source, pattern, replacement, start [, N [,
		// flags]]): the N'th match from the start'th character replaced,
		// every one from there when N is 0; N is 1 when absent.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			var cache regexpCache
			return strictStringFunc(mem, in, func(a argReader, r int) (string, error) {
				start, n := a.int(3, r), int64(1)
				if start <= 0 {
					return "", invalidParameter("start", start)
				}
				if len(in) > 4 {
					if n = a.int(4, r); n < 0 {
						return "", invalidParameter("n", n)
					}
				}
				re, _, err := cache.get("regexp_replace", a.str(1, r), optionalStr(a, 5, r), true)
				if err != nil {
					return "", err
				}
				src, tmpl := a.str(0, r), expandReplacement(a.str(2, r))
				from, _ := charOffset(src, start)
				out := []byte(src[:from])
				last := from
				for i, m := range matchesFrom(re, src, from, -1) {
					if n != 0 && int64(i+1) != n {
						continue
					}
					out = append(out, src[last:m[0]]...)
					out = re.ExpandString(out, tmpl, src, m)
					last = m[1]
				}
				return string(append(out, src[last:]...)), nil
			})
		}
	case "substring_regex":
		// substring(string FROM pattern): the first parenthesized
		// group's match, or the whole match without groups; NULL when
		// nothing matches.
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			var cache regexpCache
			a := argReader{in}
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if a.null(r) {
					return "", false, nil
				}
				re, _, err := cache.get("substring", a.str(1, r), "", false)
				if err != nil {
					return "", false, err
				}
				s := a.str(0, r)
				m := re.FindStringSubmatchIndex(s)
				switch {
				case m == nil:
					return "", false, nil
				case len(m) > 2:
					if m[2] < 0 {
						return "", false, nil
					}
					return s[m[2]:m[3]], true, nil
				}
				return s[m[0]:m[1]], true, nil
			})
		}
	case "similar_to_escape":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			a := argReader{in}
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if a.null(r) {
					return "", false, nil
				}
				escape := `\`
				if len(in) > 1 {
					escape = a.str(1, r)
				}
				re, err := similarToRegexp(a.str(0, r), escape)
				return re, err == nil, err
			})
		}
	case "regexp_like":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			var cache regexpCache
			return strictBoolFunc(mem, in, func(a argReader, r int) (bool, error) {
				re, _, err := cache.get(name, a.str(1, r), optionalStr(a, 2, r), false)
				if err != nil {
					return false, err
				}
				return re.MatchString(a.str(0, r)), nil
			})
		}
	case "regexp_count":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			var cache regexpCache
			var failed error
			out, err := strictInt32Func(mem, in, func(a argReader, r int) int32 {
				re, _, err := cache.get(name, a.str(1, r), optionalStr(a, 3, r), false)
				if err != nil {
					failed = err
					return 0
				}
				s, from := a.str(0, r), 0
				if len(in) > 2 {
					start := a.int(2, r)
					if start <= 0 {
						failed = invalidParameter("start", start)
						return 0
					}
					var ok bool
					if from, ok = charOffset(s, start); !ok {
						return 0
					}
				}
				return int32(len(matchesFrom(re, s, from, -1)))
			})
			if failed != nil {
				if out != nil {
					out.Release()
				}
				return nil, failed
			}
			return out, err
		}
	case "regexp_substr":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			var cache regexpCache
			a := argReader{in}
			return stringFunc(mem, in, func(r int) (string, bool, error) {
				if a.null(r) {
					return "", false, nil
				}
				s, m, err := nthMatch(&cache, name, a, r, 4, 5)
				if err != nil || m == nil {
					return "", false, err
				}
				return s[m[0]:m[1]], true, nil
			})
		}
	case "regexp_instr":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			var cache regexpCache
			return strictFunc(array.NewInt32Builder(mem), in, func(a argReader, r int) (int32, error) {
				end := int64(0)
				if len(in) > 4 {
					if end = a.int(4, r); end != 0 && end != 1 {
						return 0, invalidParameter("endoption", end)
					}
				}
				s, m, err := nthMatch(&cache, name, a, r, 5, 6)
				if err != nil || m == nil {
					return 0, err
				}
				return int32(utf8.RuneCountInString(s[:m[end]]) + 1), nil
			})
		}
	case "regexp_matches_all":
		return regexpMatchesAll
	case "regexp_match", "regexp_split_to_array", "string_to_array", "acldefault":
		return func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return textArrayFunc(mem, name, in)
		}
	}
	return nil
}

// nthMatch finds what regexp_substr and regexp_instr return for row r:
// the N'th match of pattern (argument 1) in string s (argument 0) from the
// start'th character (arguments 2 and 3, 1 when absent), or the
// subexpr'th group of it (argument subAt), flags at flagsAt. m holds the
// byte offsets in s of the match's start and end; nil when there is none
// (or the group matched nothing).
func nthMatch(cache *regexpCache, fn string, a argReader, r, flagsAt, subAt int) (s string, m []int, err error) {
	param := func(i int, name string, min int64) (int64, error) {
		if i >= len(a.in) {
			return 1, nil
		}
		v := a.int(i, r)
		if v < min {
			return 0, invalidParameter(name, v)
		}
		return v, nil
	}
	start, err := param(2, "start", 1)
	if err != nil {
		return "", nil, err
	}
	n, err := param(3, "n", 1)
	if err != nil {
		return "", nil, err
	}
	group := int64(0)
	if subAt < len(a.in) {
		if group, err = param(subAt, "subexpr", 0); err != nil {
			return "", nil, err
		}
	}
	re, _, err := cache.get(fn, a.str(1, r), optionalStr(a, flagsAt, r), false)
	if err != nil {
		return "", nil, err
	}
	s = a.str(0, r)
	from, ok := charOffset(s, start)
	if !ok {
		return s, nil, nil
	}
	matches := matchesFrom(re, s, from, int(min(n, 1<<30)))
	if int64(len(matches)) < n || group > int64(re.NumSubexp()) {
		return s, nil, nil
	}
	g := matches[n-1][2*group : 2*group+2]
	if g[0] < 0 {
		return s, nil, nil // the group took no part in the match
	}
	return s, g, nil
}

// matchesFrom returns the matches of re in s (their submatch offsets in
// s) that start at byte from or after, at most n (n < 0: all), as
// PostgreSQL's search from a start position finds them: the text before
// from is still there, so ^ does not match at from, nor \b between two
// letters. A pattern without such an assertion is searched from from
// alone; one with them over the whole string, keeping the matches that
// start at from or later (a match straddling from then hides one inside
// it, which PostgreSQL would find).
func matchesFrom(re *regexp.Regexp, s string, from, n int) [][]int {
	if src := re.String(); from == 0 || !strings.ContainsAny(src, "^\\") {
		ms := re.FindAllStringSubmatchIndex(s[from:], n)
		for _, m := range ms {
			for i := range m {
				if m[i] >= 0 {
					m[i] += from
				}
			}
		}
		return ms
	}
	var out [][]int
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if m[0] >= from {
			out = append(out, m)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// textArrayFunc computes the text[]-returning functions.
func textArrayFunc(mem memory.Allocator, name string, in []arrow.Array) (arrow.Array, error) {
	a := argReader{in}
	b := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	defer b.Release()
	values := b.ValueBuilder().(*array.StringBuilder)
	var cache regexpCache
	for r := range in[0].Len() {
		var (
			elems []*string
			null  bool
		)
		switch name {
		case "acldefault":
			if a.null(r) {
				null = true
				break
			}
			acl, err := aclDefault(a.str(0, r), a.str(1, r))
			if err != nil {
				return nil, err
			}
			for i := range acl {
				elems = append(elems, &acl[i])
			}
		case "string_to_array":
			// Not strict: a NULL delimiter splits into characters, and the
			// third argument names the element to read as NULL.
			if in[0].IsNull(r) {
				null = true
				break
			}
			s := a.str(0, r)
			var parts []string
			switch {
			case s == "":
			case in[1].IsNull(r):
				for _, c := range s {
					parts = append(parts, string(c))
				}
			case a.str(1, r) == "":
				parts = []string{s}
			default:
				parts = strings.Split(s, a.str(1, r))
			}
			for _, p := range parts {
				if len(in) > 2 && in[2].IsValid(r) && p == a.str(2, r) {
					elems = append(elems, nil)
					continue
				}
				elems = append(elems, &p)
			}
		default:
			if in[0].IsNull(r) || in[1].IsNull(r) || len(in) > 2 && in[2].IsNull(r) {
				null = true
				break
			}
			re, _, err := cache.get(name, a.str(1, r), optionalStr(a, 2, r), false)
			if err != nil {
				return nil, err
			}
			s := a.str(0, r)
			if name == "regexp_split_to_array" {
				for _, p := range re.Split(s, -1) {
					elems = append(elems, &p)
				}
				break
			}
			m := re.FindStringSubmatchIndex(s)
			if m == nil {
				null = true
				break
			}
			groups := m[2:]
			if len(groups) == 0 {
				groups = m[:2] // no parentheses: the whole match
			}
			for k := 0; k < len(groups); k += 2 {
				if groups[k] < 0 {
					elems = append(elems, nil)
					continue
				}
				g := s[groups[k]:groups[k+1]]
				elems = append(elems, &g)
			}
		}
		if null {
			b.AppendNull()
			continue
		}
		b.Append(true)
		for _, e := range elems {
			if e == nil {
				values.AppendNull()
			} else {
				values.Append(*e)
			}
		}
	}
	return b.NewArray(), nil
}

// similarToRegexp translates a SQL regular expression (SIMILAR TO) into
// a POSIX one anchored at both ends, as PostgreSQL's similar_to_escape:
// % and _ become .* and ., parentheses do not capture, the POSIX
// specials SQL lacks are escaped, and the escape character (one
// character, or none when empty) quotes the next one.
func similarToRegexp(pattern, escape string) (string, error) {
	if utf8.RuneCountInString(escape) > 1 {
		return "", pgerror.New("22025", "invalid escape string").WithHint("Escape string must be empty or one character.")
	}
	esc, size := utf8.DecodeRuneInString(escape)
	hasEscape := size > 0
	var sb strings.Builder
	sb.WriteString("^(?:")
	afterEscape, inClass, quotes := false, false, 0
	// With separators, the part before the first one matches as little
	// as it can (PostgreSQL's engine makes that whole part lazy; RE2
	// needs each of its quantifiers lazy).
	separated := hasEscape && strings.Contains(pattern, string(esc)+`"`)
	lazy := func() {
		if separated && quotes == 0 {
			sb.WriteByte('?')
		}
	}
	for _, c := range pattern {
		switch {
		case afterEscape:
			afterEscape = false
			if c == '"' && !inClass {
				// Escaped double quotes split the pattern in three for
				// SUBSTRING ... SIMILAR.
				switch quotes {
				case 0:
					sb.WriteString("){1,1}?(")
				case 1:
					sb.WriteString("){1,1}(?:")
				default:
					return "", pgerror.New("2201B", "SQL regular expression may not contain more than two escape-double-quote separators")
				}
				quotes++
				continue
			}
			sb.WriteByte('\\')
			sb.WriteRune(c)
		case hasEscape && c == esc:
			afterEscape = true
		case inClass:
			if c == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteRune(c)
			if c == ']' {
				inClass = false
			}
		case c == '[':
			sb.WriteRune(c)
			inClass = true
		case c == '%':
			sb.WriteString(".*")
			lazy()
		case c == '*' || c == '+' || c == '?' || c == '}':
			sb.WriteRune(c)
			lazy()
		case c == '_':
			sb.WriteByte('.')
		case c == '(':
			sb.WriteString("(?:")
		case c == '\\' || c == '.' || c == '^' || c == '$':
			sb.WriteByte('\\')
			sb.WriteRune(c)
		default:
			sb.WriteRune(c)
		}
	}
	sb.WriteString(")$")
	return sb.String(), nil
}

// regexpMatchesAll computes regexp_matches as one array of matches per
// row, which the planner unnests: each match is its groups (or the whole
// match without groups), every match with the g flag, else the first.
func regexpMatchesAll(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	a := argReader{in}
	outer := array.NewListBuilder(mem, arrow.ListOf(arrow.BinaryTypes.String))
	defer outer.Release()
	inner := outer.ValueBuilder().(*array.ListBuilder)
	values := inner.ValueBuilder().(*array.StringBuilder)
	var cache regexpCache
	for r := range in[0].Len() {
		if a.null(r) {
			outer.AppendNull()
			continue
		}
		re, global, err := cache.get("regexp_matches", a.str(1, r), optionalStr(a, 2, r), true)
		if err != nil {
			return nil, err
		}
		s := a.str(0, r)
		limit := 1
		if global {
			limit = -1
		}
		outer.Append(true)
		for _, m := range re.FindAllStringSubmatchIndex(s, limit) {
			groups := m[2:]
			if len(groups) == 0 {
				groups = m[:2]
			}
			inner.Append(true)
			for k := 0; k < len(groups); k += 2 {
				if groups[k] < 0 {
					values.AppendNull()
				} else {
					values.Append(s[groups[k]:groups[k+1]])
				}
			}
		}
	}
	return outer.NewArray(), nil
}

// aclDefault is PostgreSQL 15's acldefault(kind, owner): the privileges
// of an object of that kind without an ACL of its own, as aclitem text
// (everyone's first, then the owner's).
func aclDefault(kind, owner string) ([]string, error) {
	var world, own string
	switch kind {
	case "c", "p": // columns, parameters: none
	case "r":
		own = "arwdDxt"
	case "s":
		own = "rwU"
	case "d":
		world, own = "Tc", "CTc"
	case "f":
		world, own = "X", "X"
	case "l", "T":
		world, own = "U", "U"
	case "L":
		own = "rw"
	case "n":
		own = "UC"
	case "t":
		own = "C"
	case "F", "S":
		own = "U"
	default:
		return nil, pgerror.New(pgerror.InternalError, "unrecognized objtype abbreviation: %s", kind)
	}
	acl := []string{}
	if world != "" {
		acl = append(acl, "="+world+"/"+owner)
	}
	if own != "" {
		acl = append(acl, owner+"="+own+"/"+owner)
	}
	return acl, nil
}

// charOffset is the byte offset of character n (from 1) of s; past the
// end it is len(s), and ok is false when n is more than one past it.
func charOffset(s string, n int64) (off int, ok bool) {
	for i := int64(1); i < n; i++ {
		if off >= len(s) {
			return len(s), false
		}
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off, true
}

// invalidParameter is PostgreSQL's error for a regexp function's integer
// parameter out of its range (start, n, endoption, subexpr).
func invalidParameter(name string, v int64) error {
	return pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"%s\": %d", name, v)
}
