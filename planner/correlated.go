package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// outerColumn reports a column found in an enclosing query's scope. It is
// an error for the lookups that cannot use one (USING, GROUP BY checks),
// and an OuterRef for column references in a subquery.
type outerColumn struct {
	err   *pgerror.Error
	depth int // index into binder.outer
	index int // column index in that scope
	col   scopeColumn
}

func (o *outerColumn) Error() string { return o.err.Error() }
func (o *outerColumn) Unwrap() error { return o.err }

// outerLookup resolves name in the outer scope at depth.
func (b *binder) outerLookup(depth int, table, name string, loc int32) error {
	o := b.outer[depth]
	found := -1
	for i, c := range o.cols {
		if c.name == name && (table == "" && !c.hidden || table != "" && c.table == table) {
			if found >= 0 {
				return b.errorf(pgerror.AmbiguousColumn, loc, "column reference %q is ambiguous", name)
			}
			found = i
		}
	}
	if found < 0 {
		return b.errorf(pgerror.UndefinedColumn, loc, "column %s.%s does not exist", table, name)
	}
	return &outerColumn{
		err:   b.unsupported(loc, "a column of the enclosing query cannot be used here"),
		depth: depth, index: found, col: o.cols[found],
	}
}

// correlation collects the enclosing query's values a subquery reads:
// its columns, and the values of queries further out that the enclosing
// query reads in turn.
type correlation struct {
	outer []expr.Expr // evaluated in the enclosing query, in OuterRef order
	refs  map[outerKey]*expr.OuterRef
	loc   int32 // of the first reference
	// ctx is where the subquery sits in the enclosing query: an
	// aggregate over only that query's columns is bound there.
	ctx exprContext
}

// outerKey identifies a column of an enclosing query: its scope's depth in
// binder.outer and its index there.
type outerKey struct{ depth, index int }

// ref returns the OuterRef for value of the column key of an enclosing
// query, value being that column as the enclosing query reads it; the
// same OuterRef each time.
func (c *correlation) ref(key outerKey, value expr.Expr, name string) *expr.OuterRef {
	if r, ok := c.refs[key]; ok {
		return r
	}
	if c.refs == nil {
		c.refs = make(map[outerKey]*expr.OuterRef)
	}
	r := c.add(value, name)
	c.refs[key] = r
	return r
}

// add returns a new OuterRef for value, evaluated in the enclosing query.
func (c *correlation) add(value expr.Expr, name string) *expr.OuterRef {
	r := &expr.OuterRef{Index: len(c.outer), Name: name, Type: value.DataType()}
	c.outer = append(c.outer, value)
	return r
}

// markCorrelations records how many outer values each enclosing query
// hands down so far, for restoreCorrelations.
func (b *binder) markCorrelations() []int {
	mark := make([]int, len(b.correlations))
	for i, c := range b.correlations {
		mark[i] = len(c.outer)
	}
	return mark
}

// restoreCorrelations forgets the outer values registered since mark.
func (b *binder) restoreCorrelations(mark []int) {
	for i, c := range b.correlations {
		c.outer = c.outer[:mark[i]]
		for k, r := range c.refs {
			if r.Index >= mark[i] {
				delete(c.refs, k)
			}
		}
	}
}

// outerRef returns the OuterRef through which the query being bound reads
// outer column oc. A column of a query more than one level out reaches it
// through each query between, as PostgreSQL passes a SubPlan's
// parameters down: each reads it as an outer value of its own and hands
// that on to the subquery inside it.
func (b *binder) outerRef(oc *outerColumn, loc int32) *expr.OuterRef {
	key := outerKey{oc.depth, oc.index}
	name := oc.col.table + "." + oc.col.name
	col := &expr.Column{Index: oc.index, Name: name, Type: oc.col.typ}
	if b.colLoc == nil {
		b.colLoc = make(map[*expr.Column]int32)
	}
	b.colLoc[col] = loc
	if b.subqueryCols == nil {
		b.subqueryCols = make(map[*expr.Column]bool)
	}
	b.subqueryCols[col] = true
	var value expr.Expr = col
	var r *expr.OuterRef
	for d := oc.depth; d < len(b.correlations); d++ {
		r = b.correlations[d].ref(key, value, name)
		value = r
	}
	return r
}

// correlatedPlan is a correlated subquery's logical plan, planned again
// for each tuple of outer values: with the values in place as constants,
// filters on them reach the scans like any other. This is how PostgreSQL
// runs a SubPlan; decorrelating into joins is for later.
type correlatedPlan struct {
	logical Plan
}

func (c *correlatedPlan) Schema() *arrow.Schema { return c.logical.Schema() }

func (c *correlatedPlan) String() string { return "correlated subquery" }

// Bind plans the subquery for one row's outer values.
func (c *correlatedPlan) Bind(values []scalar.Scalar) (expr.SubqueryPlan, error) {
	p, err := substituteOuter(c.logical, values)
	if err != nil {
		return nil, err
	}
	opt, err := Optimize(p)
	if err != nil {
		return nil, err
	}
	return Physical(opt)
}

// substituteOuter replaces every OuterRef in p's expressions with its value.
func substituteOuter(p Plan, values []scalar.Scalar) (Plan, error) {
	ins := p.Inputs()
	newIns := make([]Plan, len(ins))
	for i, in := range ins {
		var err error
		if newIns[i], err = substituteOuter(in, values); err != nil {
			return nil, err
		}
	}
	return mapExprs(withInputs(p, newIns), func(e expr.Expr) expr.Expr {
		return expr.Rewrite(e, func(e expr.Expr) expr.Expr {
			if o, ok := e.(*expr.OuterRef); ok {
				return &expr.Literal{Value: values[o.Index]}
			}
			return e
		})
	})
}

// mapExprs returns a copy of p (same inputs) with fn applied to each of its
// expressions.
func mapExprs(p Plan, fn func(expr.Expr) expr.Expr) (Plan, error) {
	all := func(es []expr.Expr) []expr.Expr {
		out := make([]expr.Expr, len(es))
		for i, e := range es {
			out[i] = fn(e)
		}
		return out
	}
	switch n := p.(type) {
	case *Filter:
		return &Filter{Input: n.Input, Predicate: fn(n.Predicate)}, nil
	case *Project:
		c := *n
		c.Exprs = all(n.Exprs)
		return &c, nil
	case *Aggregate:
		c := *n
		c.GroupBy = all(n.GroupBy)
		c.Aggs = make([]*expr.Aggregate, len(n.Aggs))
		for i, a := range n.Aggs {
			c.Aggs[i] = fn(a).(*expr.Aggregate)
		}
		return &c, nil
	case *Join:
		c := *n
		if n.On != nil {
			c.On = fn(n.On)
		}
		return &c, nil
	case *Scan:
		c := *n
		c.Filters = all(n.Filters)
		return &c, nil
	case *TableFunc:
		c := *n
		c.Args = all(n.Args)
		return &c, nil
	case *ProjectSet:
		c := *n
		c.Items = make([]SetItem, len(n.Items))
		for i, it := range n.Items {
			if it.Expr != nil {
				it.Expr = fn(it.Expr)
			}
			it.Args = all(it.Args)
			c.Items[i] = it
		}
		return &c, nil
	case *Window:
		c := *n
		c.Funcs = make([]*WindowFunc, len(n.Funcs))
		for i, f := range n.Funcs {
			nf := *f
			nf.Args = all(f.Args)
			if f.Agg != nil {
				nf.Agg = fn(f.Agg).(*expr.Aggregate)
			}
			c.Funcs[i] = &nf
		}
		return &c, nil
	case *Lateral:
		c := *n
		c.Outer = all(n.Outer)
		if n.On != nil {
			c.On = fn(n.On)
		}
		return &c, nil
	case *OneRow, OneRow, *Sort, *Limit, *Union, *DistinctOn, *RecursiveUnion, *WorkTableScan, *CTEScan, *WithCTEs:
		return p, nil // no expressions
	}
	return nil, fmt.Errorf("correlated subquery: cannot substitute into %T", p)
}
