package sqlgen

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
)

func TestWriter(t *testing.T) {
	boolT := arrow.FixedWidthTypes.Boolean
	name := &expr.Column{Index: 0, Name: "name", Type: arrow.BinaryTypes.String}
	n := &expr.Column{Index: 1, Name: "n", Type: arrow.PrimitiveTypes.Int64}
	hidden := &expr.Column{Index: 2, Name: "hidden", Type: arrow.PrimitiveTypes.Int64}
	str := func(s string) expr.Expr { return &expr.Literal{Value: scalar.NewStringScalar(s)} }
	i64 := func(v int64) expr.Expr { return &expr.Literal{Value: scalar.NewInt64Scalar(v)} }
	cmp := func(op expr.Op, l, r expr.Expr) expr.Expr {
		return &expr.Binary{Op: op, Left: l, Right: r, Type: boolT}
	}
	tests := []struct {
		e    expr.Expr
		want string // "" when unsupported
	}{
		{cmp(expr.Eq, name, str("x")), `("name" = $1)`},
		{cmp(expr.Lt, name, str("x")), `("name" COLLATE "C" < $1 COLLATE "C")`},
		{cmp(expr.GtEq, n, i64(3)), `("n" >= $1)`},
		{cmp(expr.Or, &expr.IsNull{Input: n}, &expr.Not{Input: cmp(expr.NotEq, n, n)}), `(("n" IS NULL) OR (NOT ("n" <> "n")))`},
		{&expr.Call{Func: "like", Args: []expr.Expr{name, str("a%")}, Type: boolT}, `("name" LIKE $1 ESCAPE '\')`},
		{&expr.IsNull{Input: name, Negated: true}, `("name" IS NOT NULL)`},
		// What stays with riffq.
		{&expr.Call{Func: "ilike", Args: []expr.Expr{name, str("a%")}, Type: boolT}, ""},
		{cmp(expr.Gt, &expr.Binary{Op: expr.Add, Left: n, Right: i64(1), Type: n.Type}, i64(3)), ""},
		{cmp(expr.Eq, hidden, i64(1)), ""},
		{cmp(expr.Eq, n, &expr.Literal{Value: scalar.MakeNullScalar(n.Type)}), ""},
		{cmp(expr.Eq, n, &expr.Literal{Value: scalar.NewInt32Scalar(1)}), ""}, // types differ
		{cmp(expr.And, cmp(expr.Eq, n, i64(1)), cmp(expr.Eq, hidden, i64(1))), ""},
	}
	for _, tc := range tests {
		params := 0
		d := Dialect{
			Column: func(i int) (string, bool) {
				if i == 2 {
					return "", false
				}
				return fmt.Sprintf("%q", []string{"name", "n"}[i]), true
			},
			Param: func(scalar.Scalar) (string, bool) {
				params++
				return fmt.Sprintf("$%d", params), true
			},
			TextOrder:  ` COLLATE "C"`,
			LikeEscape: ` ESCAPE '\'`,
		}
		w := Writer{Dialect: d}
		err := w.Expr(tc.e)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s: wrote %s, want unsupported", tc.e, w.SQL.String())
		case tc.want != "" && err != nil:
			t.Errorf("%s: %v", tc.e, err)
		case tc.want != "" && w.SQL.String() != tc.want:
			t.Errorf("%s: wrote %s, want %s", tc.e, w.SQL.String(), tc.want)
		}
		if d.Supported(tc.e) != (tc.want != "") {
			t.Errorf("%s: Supported disagrees with Expr", tc.e)
		}
	}
}

func TestSelect(t *testing.T) {
	n := &expr.Column{Index: 0, Name: "n", Type: arrow.PrimitiveTypes.Int64}
	d := Dialect{
		Column: func(int) (string, bool) { return `"n"`, true },
		Param:  func(scalar.Scalar) (string, bool) { return "$1", true },
	}
	gt := &expr.Binary{Op: expr.Gt, Left: n, Right: &expr.Literal{Value: scalar.NewInt64Scalar(1)}, Type: arrow.FixedWidthTypes.Boolean}
	for _, tc := range []struct {
		cols    []string
		filters []expr.Expr
		limit   int64
		want    string
	}{
		{[]string{`"a"`, `"b"`}, nil, -1, `SELECT "a", "b" FROM t`},
		{nil, []expr.Expr{gt, &expr.IsNull{Input: n, Negated: true}}, 5, `SELECT NULL FROM t WHERE (("n" > $1)) AND (("n" IS NOT NULL)) LIMIT 5`},
	} {
		w := Writer{Dialect: d}
		if err := w.Select(tc.cols, "t", tc.filters, tc.limit); err != nil || w.SQL.String() != tc.want {
			t.Errorf("got %s (%v), want %s", w.SQL.String(), err, tc.want)
		}
	}
}
