package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
)

// PostgreSQL's character(n) (bpchar) holds its values padded with spaces
// to n characters, and mostly behaves as the text without those spaces:
// comparisons, length, ||, and every function taking text see the value
// stripped of trailing spaces (bpchar's implicit cast to text). A few
// things see the padded value: the output, LIKE and the regular
// expression operators, concat and format, octet_length, and casts to
// another character(n).
//
// riffq holds a character value as text, padded, in a column annotated
// "character(n)" or "bpchar" (pgtypes.Bpchar). The binder reads such a
// value as bpchar(padded): a call that strips the spaces, so that any
// expression over it sees text, as PostgreSQL's implicit cast gives. The
// few places that want the padded value peel the call off (peelBpchar),
// and the select list peels it too, so that a result column is the padded
// value and keeps its character type.

// bpcharFunc is the engine function that strips a character value's
// padding; bpcharPadFunc pads a text to n characters (n < 0: unchanged).
const (
	bpcharFunc    = "bpchar"
	bpcharPadFunc = "bpchar_pad"
)

// isBpcharType reports whether pgType, a column's catalog type
// (pgtypes.Annotation), is character.
func isBpcharType(pgType string) bool {
	return pgType == "bpchar" || strings.HasPrefix(pgType, "character(")
}

// asBpchar reads padded, a character value, as its text.
func asBpchar(padded expr.Expr) expr.Expr {
	return &expr.Call{Func: bpcharFunc, Args: []expr.Expr{padded}, Type: typeText}
}

// peelBpchar returns the padded value of a character value e, and whether
// e is one.
func peelBpchar(e expr.Expr) (expr.Expr, bool) {
	if c, ok := e.(*expr.Call); ok && c.Func == bpcharFunc && len(c.Args) == 1 {
		return c.Args[0], true
	}
	return e, false
}

// isBpchar reports whether e is a character value.
func isBpchar(e expr.Expr) bool {
	_, ok := peelBpchar(e)
	return ok
}

// unpadded returns e with the character value it may be peeled: the padded
// value, for the operators and functions that read it so.
func unpadded(e expr.Expr) expr.Expr {
	p, _ := peelBpchar(e)
	return p
}

// toBpchar makes text e a character(n) value (n < 0: bpchar, no length):
// cut to n characters and padded to n.
func toBpchar(e expr.Expr, n int32) expr.Expr {
	if p, ok := peelBpchar(e); ok {
		if n < 0 {
			return e // bpchar keeps the value as it is
		}
		e = p
	}
	lit := &expr.Literal{Value: scalar.NewInt32Scalar(n)}
	if n >= 0 {
		e = &expr.Call{Func: "left", Args: []expr.Expr{e, lit}, Type: typeText}
	}
	return asBpchar(&expr.Call{Func: bpcharPadFunc, Args: []expr.Expr{e, lit}, Type: typeText})
}

// bpcharAnnotation is the result type of a select-list item that pads a
// value to a character type, "" for other expressions.
func bpcharAnnotation(e expr.Expr) string {
	v, ok := markerArg(e, bpcharPadFunc)
	if !ok {
		return ""
	}
	if n, ok := v.(*scalar.Int32); ok && n.IsValid() && n.Value > 0 {
		return fmt.Sprintf("character(%d)", n.Value)
	}
	return "bpchar"
}

// markerArg returns the constant second argument of e when e is a call of
// fn with two arguments, the form of the planner's type markers
// (bpchar_pad, declared_type).
func markerArg(e expr.Expr, fn string) (scalar.Scalar, bool) {
	c, ok := e.(*expr.Call)
	if !ok || c.Func != fn || len(c.Args) != 2 {
		return nil, false
	}
	lit, ok := c.Args[1].(*expr.Literal)
	if !ok {
		return nil, false
	}
	return lit.Value, true
}

// bpcharResults reads the results of a CASE, COALESCE or a VALUES column
// as PostgreSQL's common type resolution does when some are character and
// the rest untyped constants or NULLs: the result is character, so the
// character ones give their padded values. ok is false when they are not
// so (the common type is then text, which the results already are).
func bpcharResults(es []expr.Expr) (padded []expr.Expr, ok bool) {
	for _, e := range es {
		if _, ok := e.(*unknownLit); ok || isBareNull(e) {
			continue
		}
		if !isBpchar(e) {
			return nil, false
		}
		ok = true
	}
	if !ok {
		return nil, false
	}
	padded = make([]expr.Expr, len(es))
	for i, e := range es {
		padded[i] = unpadded(e)
	}
	return padded, true
}
