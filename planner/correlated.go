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

// outerLookup resolves name in the outer scope at depth. Only the
// immediately enclosing query can be read: deeper references stay
// unsupported.
func (b *binder) outerLookup(depth int, table, name string, loc int32) error {
	o := b.outer[depth]
	found := -1
	for i, c := range o.cols {
		if c.name == name && (table == "" && !c.hidden || c.table == table) {
			if found >= 0 {
				return b.errorf(pgerror.AmbiguousColumn, loc, "column reference %q is ambiguous", name)
			}
			found = i
		}
	}
	if found < 0 {
		return b.errorf(pgerror.UndefinedColumn, loc, "column %s.%s does not exist", table, name)
	}
	if depth != len(b.outer)-1 {
		return b.unsupported(loc, "subqueries that read a query more than one level out are not supported yet")
	}
	return &outerColumn{
		err:   b.unsupported(loc, "a column of the enclosing query cannot be used here"),
		depth: depth, index: found, col: o.cols[found],
	}
}

// correlation collects the enclosing query's columns a subquery reads.
type correlation struct {
	outer []expr.Expr // the enclosing query's columns, in OuterRef order
	refs  map[int]*expr.OuterRef
	loc   int32 // of the first reference
}

// ref returns the OuterRef for an outer column, the same one each time.
func (c *correlation) ref(oc *outerColumn) *expr.OuterRef {
	if r, ok := c.refs[oc.index]; ok {
		return r
	}
	if c.refs == nil {
		c.refs = make(map[int]*expr.OuterRef)
	}
	name := oc.col.table + "." + oc.col.name
	r := &expr.OuterRef{Index: len(c.outer), Name: name, Type: oc.col.typ}
	c.outer = append(c.outer, &expr.Column{Index: oc.index, Name: name, Type: oc.col.typ})
	c.refs[oc.index] = r
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
	case *OneRow, OneRow, *Sort, *Limit, *Union, *DistinctOn, *RecursiveUnion, *WorkTableScan:
		return p, nil // no expressions
	}
	return nil, fmt.Errorf("correlated subquery: cannot substitute into %T", p)
}
