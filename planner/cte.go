package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
)

// A WITH query is inlined at each reference, like a subquery in FROM,
// unless PostgreSQL would compute it once: when it says MATERIALIZED or
// calls a volatile function (then every reference must see the same
// random() values). Such a query is bound once, at its first reference;
// each reference becomes a CTEScan and the query that holds the WITH
// clause a WithCTEs, which computes the rows at the first read of each
// execution.

// materializedCTE is a WITH query computed once: its rows' name and
// schema, and its plan.
type materializedCTE struct {
	cte  *engine.CTE
	plan Plan
}

// CTEScan reads the rows of a materialized WITH query.
type CTEScan struct {
	CTE *engine.CTE
	// Def is the query's plan as bound, for estimates; WithCTEs holds the
	// one that runs.
	Def Plan
}

func (s *CTEScan) Schema() *arrow.Schema { return s.CTE.Schema }
func (*CTEScan) Inputs() []Plan          { return nil }
func (s *CTEScan) String() string        { return "CTEScan: " + s.CTE.Name }

// WithCTEs runs Input with the materialized WITH queries CTEs, computed by
// Defs.
type WithCTEs struct {
	Input Plan
	CTEs  []*engine.CTE
	Defs  []Plan
}

func (w *WithCTEs) Schema() *arrow.Schema { return w.Input.Schema() }
func (w *WithCTEs) Inputs() []Plan        { return append([]Plan{w.Input}, w.Defs...) }
func (w *WithCTEs) String() string        { return (&engine.WithCTEs{CTEs: w.CTEs}).String() }

// enterWith brings the queries of a WITH clause into scope until
// leaveWith. Queries of a clause before INSERT, UPDATE or DELETE are
// inlined even when PostgreSQL would compute them once (materialize
// false): there is no query plan to hold them.
func (b *binder) enterWith(wc *pg_query.WithClause, materialize bool) (withClause, error) {
	w := withClause{ctes: make(map[string]*pg_query.CommonTableExpr), recursive: wc.Recursive}
	if materialize {
		w.materialized = make(map[*pg_query.CommonTableExpr]*materializedCTE)
	}
	for _, n := range wc.Ctes {
		cte := n.GetCommonTableExpr()
		if _, dup := w.ctes[cte.Ctename]; dup {
			return w, b.errorf("42712", cte.Location, "WITH query name %q specified more than once", cte.Ctename)
		}
		if cte.Ctequery.GetSelectStmt() == nil {
			// Refused here rather than at a reference: PostgreSQL runs
			// a data-modifying WITH query even when nothing reads it.
			return w, b.unsupported(cte.Location, "data-modifying statements in WITH are not supported")
		}
		w.ctes[cte.Ctename] = cte
		w.list = append(w.list, cte)
	}
	b.ctes = append(b.ctes, w)
	return w, nil
}

func (b *binder) leaveWith() { b.ctes = b.ctes[:len(b.ctes)-1] }

// materializes reports whether a WITH query is computed once rather than
// inlined: PostgreSQL never inlines one that is MATERIALIZED or calls a
// volatile function, even when it says NOT MATERIALIZED.
func materializes(cte *pg_query.CommonTableExpr) bool {
	return cte.Ctematerialized == pg_query.CTEMaterialize_CTEMaterializeAlways || callsVolatile(cte.Ctequery)
}

// callsVolatile reports whether n calls a function whose value changes
// from call to call, subqueries included.
func callsVolatile(n *pg_query.Node) bool {
	if n == nil {
		return false
	}
	if fc := n.GetFuncCall(); fc != nil && volatileFunc(funcName(fc)) {
		return true
	}
	found := false
	replaceChildren(n, func(c *pg_query.Node) {
		found = found || callsVolatile(c)
	})
	return found
}

// volatileFunc reports whether PostgreSQL's function name is volatile: its
// value changes from call to call (or it acts), so a query calling it is
// computed once where it is referenced twice, and a call is never folded
// when planned.
func volatileFunc(name string) bool { return engine.IsVolatileFunc(name) }

// bindMaterialized returns the plan of a reference to a materialized WITH
// query of clause w, binding the query at its first reference.
func (b *binder) bindMaterialized(w withClause, cte *pg_query.CommonTableExpr, bind func() (Plan, error)) (Plan, error) {
	m, ok := w.materialized[cte]
	if !ok {
		plan, err := bind()
		if err != nil {
			return nil, err
		}
		m = &materializedCTE{cte: &engine.CTE{Name: cte.Ctename, Schema: plan.Schema()}, plan: plan}
		w.materialized[cte] = m
	}
	return &CTEScan{CTE: m.cte, Def: m.plan}, nil
}

// withMaterialized wraps plan, the query holding WITH clause w, to compute
// the clause's materialized queries that were referenced.
func withMaterialized(w withClause, plan Plan) Plan {
	if len(w.materialized) == 0 {
		return plan
	}
	out := &WithCTEs{Input: plan}
	for _, c := range w.list {
		if m, ok := w.materialized[c]; ok {
			out.CTEs = append(out.CTEs, m.cte)
			out.Defs = append(out.Defs, m.plan)
		}
	}
	return out
}
