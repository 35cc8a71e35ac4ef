// Package expr defines the typed scalar expressions of a bound query. The
// planner builds them, the optimizer rewrites them, table providers receive
// them as filters, and the engine compiles them into vectorized kernels.
//
// Every expression knows its Arrow result type; column references point at a
// column of the input schema by index, so an expression is meaningful only
// together with the schema it was bound against.
package expr

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// Expr is a typed scalar expression.
type Expr interface {
	// DataType is the Arrow type of the expression's values.
	DataType() arrow.DataType
	// String renders the expression for EXPLAIN and error messages.
	String() string
}

// Column references column Index of the input schema.
type Column struct {
	Index int
	Name  string
	Type  arrow.DataType
}

// Literal is a constant. A NULL literal is a null scalar of its type.
type Literal struct {
	Value scalar.Scalar
}

// Op is a binary operator.
type Op int

// Binary operators. Arithmetic ones require both operands of one type (the
// binder inserts casts); comparisons yield boolean; And and Or follow SQL's
// three-valued logic.
const (
	Add Op = iota
	Sub
	Mul
	Div
	Mod
	Eq
	NotEq
	Lt
	LtEq
	Gt
	GtEq
	And
	Or
	Concat
)

var opNames = [...]string{
	Add: "+", Sub: "-", Mul: "*", Div: "/", Mod: "%",
	Eq: "=", NotEq: "<>", Lt: "<", LtEq: "<=", Gt: ">", GtEq: ">=",
	And: "AND", Or: "OR", Concat: "||",
}

// String returns the operator's SQL spelling.
func (o Op) String() string { return opNames[o] }

// IsComparison reports whether o compares its operands.
func (o Op) IsComparison() bool { return o >= Eq && o <= GtEq }

// Commute returns the operator that gives the same result with the operands
// swapped (a < b is b > a).
func (o Op) Commute() Op {
	switch o {
	case Lt:
		return Gt
	case LtEq:
		return GtEq
	case Gt:
		return Lt
	case GtEq:
		return LtEq
	}
	return o
}

// ColumnComparison reads e as "column op constant": a comparison of a
// column with a non-null literal, either way round, with op turned for
// the column on the left (5 > c is c < 5).
func ColumnComparison(e Expr) (col *Column, lit *Literal, op Op, ok bool) {
	b, isBinary := e.(*Binary)
	if !isBinary || !b.Op.IsComparison() {
		return nil, nil, 0, false
	}
	col, cok := b.Left.(*Column)
	lit, lok := b.Right.(*Literal)
	op = b.Op
	if !cok || !lok {
		col, cok = b.Right.(*Column)
		lit, lok = b.Left.(*Literal)
		op = op.Commute()
	}
	if !cok || !lok || !lit.Value.IsValid() {
		return nil, nil, 0, false
	}
	return col, lit, op, true
}

// Binary applies Op to Left and Right.
type Binary struct {
	Op          Op
	Left, Right Expr
	Type        arrow.DataType
}

// Not is logical negation.
type Not struct{ Input Expr }

// Negate is arithmetic negation.
type Negate struct{ Input Expr }

// IsNull tests for NULL (IS NOT NULL when Negated).
type IsNull struct {
	Input   Expr
	Negated bool
}

// Cast converts Input to Type.
type Cast struct {
	Input Expr
	Type  arrow.DataType
}

// Case picks the Result of the first When whose Cond is true, else Else
// (NULL when Else is nil). COALESCE and NULLIF are bound to it too.
type Case struct {
	Whens []When
	Else  Expr
	Type  arrow.DataType
}

// When is one branch of a Case.
type When struct {
	Cond, Result Expr
}

// Call applies a scalar function by name to Args.
type Call struct {
	Func string
	Args []Expr
	Type arrow.DataType
	// Sequence is the sequence nextval, currval and setval act on; its
	// name is not among Args.
	Sequence *SequenceState
}

// SubqueryKind is the form of a subquery in an expression.
type SubqueryKind int

// Subquery forms.
const (
	// ScalarSubquery yields the single value of its one row (NULL for none).
	ScalarSubquery SubqueryKind = iota
	// ExistsSubquery is true when the subquery returns any row.
	ExistsSubquery
	// InSubquery tests Left against the subquery's single column.
	InSubquery
	// ArraySubquery collects the single column's values into an array
	// (ARRAY(SELECT ...)); no rows make an empty array.
	ArraySubquery
)

// SubqueryPlan is an executable query an expression reads: the physical
// plan of an uncorrelated subquery, which runs once per statement.
type SubqueryPlan interface {
	Schema() *arrow.Schema
	Execute(ctx context.Context) (array.RecordReader, error)
	String() string
}

// CorrelatedPlan is a correlated subquery: a query that reads values of
// the enclosing query's current row (its OuterRefs). Bind plans it for one
// row's values.
type CorrelatedPlan interface {
	Schema() *arrow.Schema
	Bind(values []scalar.Scalar) (SubqueryPlan, error)
	String() string
}

// Subquery is a subquery used as a value. An uncorrelated one has a Plan
// and runs once per statement; a correlated one has Correlated and Outer,
// the enclosing row's values it reads (OuterRef i is Outer[i]), and runs
// once per distinct tuple of them.
type Subquery struct {
	Kind       SubqueryKind
	Plan       SubqueryPlan
	Correlated CorrelatedPlan
	Outer      []Expr
	Left       Expr // InSubquery only
	Type       arrow.DataType
}

// OuterRef is, inside a correlated subquery, value Index of the enclosing
// query's current row (the subquery's Outer[Index]).
type OuterRef struct {
	Index int
	Name  string
	Type  arrow.DataType
}

// Sequence is nextval of a sequence (a serial or identity column's
// default, nextval('name')): each row it is evaluated for takes the
// sequence's next value.
type Sequence struct {
	State *SequenceState
	Type  arrow.DataType
}

// DataType implements Expr.
func (s *Sequence) DataType() arrow.DataType { return s.Type }

func (s *Sequence) String() string { return fmt.Sprintf("nextval('%s'::regclass)", s.State.Name) }

// AggFunc names an aggregate function.
type AggFunc string

// Aggregate functions the engine implements.
const (
	CountStar  AggFunc = "count(*)"
	Count      AggFunc = "count"
	Sum        AggFunc = "sum"
	Min        AggFunc = "min"
	Max        AggFunc = "max"
	Avg        AggFunc = "avg"
	BoolAnd    AggFunc = "bool_and"
	BoolOr     AggFunc = "bool_or"
	StringAgg  AggFunc = "string_agg"
	ArrayAgg   AggFunc = "array_agg"
	JSONAgg    AggFunc = "json_agg"
	JSONBAgg   AggFunc = "jsonb_agg"
	StddevSamp AggFunc = "stddev_samp"
	StddevPop  AggFunc = "stddev_pop"
	VarSamp    AggFunc = "var_samp"
	VarPop     AggFunc = "var_pop"
	BitAnd     AggFunc = "bit_and"
	BitOr      AggFunc = "bit_or"
	BitXor     AggFunc = "bit_xor"
	// Aggregates of two arguments: Arg is the row of both (a Call of
	// "row"), NULL-skipping as PostgreSQL's strict aggregates are.
	JSONObjectAgg  AggFunc = "json_object_agg"
	JSONBObjectAgg AggFunc = "jsonb_object_agg"
	Corr           AggFunc = "corr"
	CovarPop       AggFunc = "covar_pop"
	CovarSamp      AggFunc = "covar_samp"
	RegrAvgX       AggFunc = "regr_avgx"
	RegrAvgY       AggFunc = "regr_avgy"
	RegrCount      AggFunc = "regr_count"
	RegrIntercept  AggFunc = "regr_intercept"
	RegrR2         AggFunc = "regr_r2"
	RegrSlope      AggFunc = "regr_slope"
	RegrSxx        AggFunc = "regr_sxx"
	RegrSxy        AggFunc = "regr_sxy"
	RegrSyy        AggFunc = "regr_syy"
	// Ordered-set aggregates: Arg is the WITHIN GROUP ordering's value.
	PercentileCont AggFunc = "percentile_cont"
	PercentileDisc AggFunc = "percentile_disc"
	Mode           AggFunc = "mode"
)

// Aggregate is an aggregate call. It appears only in the Aggregate node of a
// plan, never inside a scalar expression.
type Aggregate struct {
	Func AggFunc
	Arg  Expr // nil for count(*)
	Type arrow.DataType
	// Distinct aggregates each distinct non-NULL value once per group.
	Distinct bool
	// Filter, when set, limits the rows the aggregate sees (FILTER (WHERE ...)).
	Filter Expr
	// Delimiter is string_agg's separator.
	Delimiter Expr
	// Fraction is percentile_cont's and percentile_disc's argument.
	Fraction Expr
	// Desc is set when an ordered-set aggregate's WITHIN GROUP ordering
	// is descending (the aggregate sorts its values itself).
	Desc bool
	// Order is the aggregate's ORDER BY as written; empty when none.
	Order string
	// OrderBy is set when the aggregate sorts its own rows by these keys.
	// The planner sorts a query's input once by the first ORDER BY of its
	// aggregates; an aggregate ordering differently sorts each group's
	// rows itself.
	OrderBy []SortExpr
}

// SortExpr is one key of an aggregate's own ORDER BY.
type SortExpr struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

// Operands returns the expressions the aggregate reads from its input
// rows: its argument, filter, delimiter and ordering keys.
func (a *Aggregate) Operands() []Expr {
	var es []Expr
	for _, e := range []Expr{a.Arg, a.Filter, a.Delimiter} {
		if e != nil {
			es = append(es, e)
		}
	}
	for _, k := range a.OrderBy {
		es = append(es, k.Expr)
	}
	return es
}

// mapSortExprs returns keys with each expression mapped by fn.
func mapSortExprs(keys []SortExpr, fn func(Expr) Expr) []SortExpr {
	if keys == nil {
		return nil
	}
	out := make([]SortExpr, len(keys))
	for i, k := range keys {
		out[i] = SortExpr{Expr: fn(k.Expr), Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	return out
}

// DataType implements Expr.
func (c *Column) DataType() arrow.DataType    { return c.Type }
func (l *Literal) DataType() arrow.DataType   { return l.Value.DataType() }
func (b *Binary) DataType() arrow.DataType    { return b.Type }
func (*Not) DataType() arrow.DataType         { return arrow.FixedWidthTypes.Boolean }
func (n *Negate) DataType() arrow.DataType    { return n.Input.DataType() }
func (*IsNull) DataType() arrow.DataType      { return arrow.FixedWidthTypes.Boolean }
func (c *Cast) DataType() arrow.DataType      { return c.Type }
func (a *Aggregate) DataType() arrow.DataType { return a.Type }
func (c *Case) DataType() arrow.DataType      { return c.Type }
func (c *Call) DataType() arrow.DataType      { return c.Type }
func (q *Subquery) DataType() arrow.DataType  { return q.Type }
func (o *OuterRef) DataType() arrow.DataType  { return o.Type }
func (o *OuterRef) String() string            { return "outer." + o.Name }

func (q *Subquery) String() string {
	switch q.Kind {
	case ExistsSubquery:
		return "EXISTS(<subquery>)"
	case InSubquery:
		return fmt.Sprintf("(%s IN (<subquery>))", q.Left)
	case ArraySubquery:
		return "ARRAY(<subquery>)"
	}
	return "(<subquery>)"
}

func (c *Case) String() string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for _, w := range c.Whens {
		fmt.Fprintf(&sb, " WHEN %s THEN %s", w.Cond, w.Result)
	}
	if c.Else != nil {
		fmt.Fprintf(&sb, " ELSE %s", c.Else)
	}
	sb.WriteString(" END")
	return sb.String()
}

func (c *Call) String() string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	return c.Func + "(" + strings.Join(args, ", ") + ")"
}

func (c *Column) String() string { return c.Name }

func (l *Literal) String() string {
	if !l.Value.IsValid() {
		return "NULL"
	}
	switch v := l.Value.(type) {
	case *scalar.String:
		return "'" + strings.ReplaceAll(v.String(), "'", "''") + "'"
	}
	return l.Value.String()
}

func (b *Binary) String() string {
	return fmt.Sprintf("(%s %s %s)", b.Left, b.Op, b.Right)
}

func (n *Not) String() string    { return fmt.Sprintf("(NOT %s)", n.Input) }
func (n *Negate) String() string { return fmt.Sprintf("(- %s)", n.Input) }

func (n *IsNull) String() string {
	if n.Negated {
		return fmt.Sprintf("(%s IS NOT NULL)", n.Input)
	}
	return fmt.Sprintf("(%s IS NULL)", n.Input)
}

func (c *Cast) String() string { return fmt.Sprintf("CAST(%s AS %s)", c.Input, c.Type) }

func (a *Aggregate) String() string {
	switch a.Func {
	case PercentileCont, PercentileDisc, Mode:
		frac := ""
		if a.Fraction != nil {
			frac = a.Fraction.String()
		}
		s := fmt.Sprintf("%s(%s) WITHIN GROUP (ORDER BY %s)", a.Func, frac, a.Order)
		if a.Filter != nil {
			s += fmt.Sprintf(" FILTER (WHERE %s)", a.Filter)
		}
		return s
	}
	s := string(a.Func)
	if a.Arg != nil {
		arg := a.Arg.String()
		if row, ok := a.Arg.(*Call); ok && row.Func == "row" && a.Func != ArrayAgg && a.Func != JSONAgg && a.Func != JSONBAgg {
			// A two-argument aggregate's row of arguments.
			args := make([]string, len(row.Args))
			for i, e := range row.Args {
				args[i] = e.String()
			}
			arg = strings.Join(args, ", ")
		}
		if a.Distinct {
			arg = "DISTINCT " + arg
		}
		if a.Delimiter != nil {
			arg += ", " + a.Delimiter.String()
		}
		if a.Order != "" {
			arg += " ORDER BY " + a.Order
		}
		s = fmt.Sprintf("%s(%s)", a.Func, arg)
	}
	if a.Filter != nil {
		s += fmt.Sprintf(" FILTER (WHERE %s)", a.Filter)
	}
	return s
}

// Conjuncts splits e into the operands of its top-level ANDs.
func Conjuncts(e Expr) []Expr {
	if b, ok := e.(*Binary); ok && b.Op == And {
		return append(Conjuncts(b.Left), Conjuncts(b.Right)...)
	}
	return []Expr{e}
}

// Walk calls fn for e and every expression below it, depth first, and stops
// descending where fn returns false.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch n := e.(type) {
	case *Binary:
		Walk(n.Left, fn)
		Walk(n.Right, fn)
	case *Not:
		Walk(n.Input, fn)
	case *Negate:
		Walk(n.Input, fn)
	case *IsNull:
		Walk(n.Input, fn)
	case *Cast:
		Walk(n.Input, fn)
	case *Aggregate:
		Walk(n.Arg, fn)
		Walk(n.Filter, fn)
		Walk(n.Delimiter, fn)
		for _, k := range n.OrderBy {
			Walk(k.Expr, fn)
		}
	case *Case:
		for _, w := range n.Whens {
			Walk(w.Cond, fn)
			Walk(w.Result, fn)
		}
		Walk(n.Else, fn)
	case *Call:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *Subquery:
		Walk(n.Left, fn)
		for _, o := range n.Outer {
			Walk(o, fn)
		}
	}
}

// Any reports whether pred holds for e or any expression below it.
func Any(e Expr, pred func(Expr) bool) bool {
	found := false
	Walk(e, func(n Expr) bool {
		found = found || pred(n)
		return !found
	})
	return found
}

// HasSubquery reports whether e contains a subquery.
func HasSubquery(e Expr) bool {
	return Any(e, func(n Expr) bool {
		_, ok := n.(*Subquery)
		return ok
	})
}

// Rewrite returns e with every node replaced by fn's result, bottom up. fn
// receives nodes whose children are already rewritten.
func Rewrite(e Expr, fn func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	switch n := e.(type) {
	case *Binary:
		c := *n
		c.Left, c.Right = Rewrite(n.Left, fn), Rewrite(n.Right, fn)
		return fn(&c)
	case *Not:
		return fn(&Not{Input: Rewrite(n.Input, fn)})
	case *Negate:
		return fn(&Negate{Input: Rewrite(n.Input, fn)})
	case *IsNull:
		return fn(&IsNull{Input: Rewrite(n.Input, fn), Negated: n.Negated})
	case *Cast:
		return fn(&Cast{Input: Rewrite(n.Input, fn), Type: n.Type})
	case *Aggregate:
		c := *n
		c.Arg, c.Filter, c.Delimiter = Rewrite(n.Arg, fn), Rewrite(n.Filter, fn), Rewrite(n.Delimiter, fn)
		c.OrderBy = mapSortExprs(n.OrderBy, func(e Expr) Expr { return Rewrite(e, fn) })
		return fn(&c)
	case *Case:
		c := &Case{Type: n.Type, Else: Rewrite(n.Else, fn)}
		for _, w := range n.Whens {
			c.Whens = append(c.Whens, When{Cond: Rewrite(w.Cond, fn), Result: Rewrite(w.Result, fn)})
		}
		return fn(c)
	case *Call:
		c := &Call{Func: n.Func, Type: n.Type, Sequence: n.Sequence}
		for _, a := range n.Args {
			c.Args = append(c.Args, Rewrite(a, fn))
		}
		return fn(c)
	case *Subquery:
		c := *n
		c.Left = Rewrite(n.Left, fn)
		c.Outer = make([]Expr, len(n.Outer))
		for i, o := range n.Outer {
			c.Outer[i] = Rewrite(o, fn)
		}
		return fn(&c)
	}
	return fn(e)
}

// Columns returns the input column indices e references.
func Columns(e Expr) []int {
	var cols []int
	Walk(e, func(e Expr) bool {
		if c, ok := e.(*Column); ok {
			cols = append(cols, c.Index)
		}
		return true
	})
	return cols
}

// Transform rewrites e top down: fn sees each node before its children and,
// when it returns true, its result replaces the node and the children are not
// visited.
func Transform(e Expr, fn func(Expr) (Expr, bool)) Expr {
	if e == nil {
		return nil
	}
	if r, ok := fn(e); ok {
		return r
	}
	switch n := e.(type) {
	case *Binary:
		c := *n
		c.Left, c.Right = Transform(n.Left, fn), Transform(n.Right, fn)
		return &c
	case *Not:
		return &Not{Input: Transform(n.Input, fn)}
	case *Negate:
		return &Negate{Input: Transform(n.Input, fn)}
	case *IsNull:
		return &IsNull{Input: Transform(n.Input, fn), Negated: n.Negated}
	case *Cast:
		return &Cast{Input: Transform(n.Input, fn), Type: n.Type}
	case *Aggregate:
		c := *n
		c.Arg, c.Filter, c.Delimiter = Transform(n.Arg, fn), Transform(n.Filter, fn), Transform(n.Delimiter, fn)
		c.OrderBy = mapSortExprs(n.OrderBy, func(e Expr) Expr { return Transform(e, fn) })
		return &c
	case *Case:
		c := &Case{Type: n.Type, Else: Transform(n.Else, fn)}
		for _, w := range n.Whens {
			c.Whens = append(c.Whens, When{Cond: Transform(w.Cond, fn), Result: Transform(w.Result, fn)})
		}
		return c
	case *Call:
		c := &Call{Func: n.Func, Type: n.Type, Sequence: n.Sequence}
		for _, a := range n.Args {
			c.Args = append(c.Args, Transform(a, fn))
		}
		return c
	case *Subquery:
		c := *n
		c.Left = Transform(n.Left, fn)
		c.Outer = make([]Expr, len(n.Outer))
		for i, o := range n.Outer {
			c.Outer[i] = Transform(o, fn)
		}
		return &c
	}
	return e
}
