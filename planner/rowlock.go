package planner

import (
	"context"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// lockClause records the tables a SELECT's FOR UPDATE / FOR SHARE locks:
// those FOR ... OF names, or every table of its FROM. riffq locks whole
// tables, not rows: a locked in-memory table is held by the transaction
// block as a write would hold it (other sessions' writes to it wait until
// the block ends; readers do not); tables of read-only sources need no
// lock, since nothing changes them. SKIP LOCKED, which skips rows other
// blocks hold, is refused: riffq cannot tell which rows those are.
func (b *binder) lockClause(s *pg_query.SelectStmt) error {
	for _, n := range s.LockingClause {
		lc := n.GetLockingClause()
		strength := lockStrength(lc.Strength)
		switch {
		case s.Op != pg_query.SetOperation_SETOP_NONE:
			return b.unsupported(-1, "%s is not allowed with UNION/INTERSECT/EXCEPT", strength)
		case len(s.DistinctClause) > 0:
			return b.unsupported(-1, "%s is not allowed with DISTINCT clause", strength)
		case len(s.GroupClause) > 0:
			return b.unsupported(-1, "%s is not allowed with GROUP BY clause", strength)
		case s.HavingClause != nil:
			return b.unsupported(-1, "%s is not allowed with HAVING clause", strength)
		}
		if lc.WaitPolicy == pg_query.LockWaitPolicy_LockWaitSkip {
			return b.unsupported(-1, "SKIP LOCKED is not supported")
		}
		if lc.WaitPolicy == pg_query.LockWaitPolicy_LockWaitError {
			b.lockNoWait = true
		}
		var only map[string]bool
		for _, r := range lc.LockedRels {
			if only == nil {
				only = make(map[string]bool)
			}
			only[r.GetRangeVar().GetRelname()] = true
		}
		for _, rv := range fromRangeVars(s.FromClause) {
			name := rv.Relname
			if rv.Alias != nil {
				name = rv.Alias.Aliasname
			}
			if only != nil && !only[name] {
				continue
			}
			if t, ok := b.lookupTable(rv.Schemaname, rv.Relname); ok && t.View == nil && !t.System {
				b.locks = append(b.locks, t)
			}
		}
	}
	return nil
}

// fromRangeVars lists the tables named in a FROM list, joins included.
func fromRangeVars(from []*pg_query.Node) []*pg_query.RangeVar {
	var out []*pg_query.RangeVar
	var walk func(n *pg_query.Node)
	walk = func(n *pg_query.Node) {
		switch {
		case n.GetRangeVar() != nil:
			out = append(out, n.GetRangeVar())
		case n.GetJoinExpr() != nil:
			walk(n.GetJoinExpr().Larg)
			walk(n.GetJoinExpr().Rarg)
		}
	}
	for _, n := range from {
		walk(n)
	}
	return out
}

// lockRows takes the locks of a SELECT ... FOR UPDATE/SHARE when it runs:
// each writable table is held for the transaction block (or, outside one,
// just for the moment of the statement). NOWAIT fails at once with 55P03
// where it would wait.
func (b *binder) lockRows(ctx context.Context) error {
	for _, t := range b.locks {
		w, ok := t.Provider.(sources.Writer)
		if !ok {
			continue
		}
		lctx := ctx
		var cancel context.CancelFunc = func() {}
		if b.lockNoWait {
			lctx, cancel = context.WithTimeout(ctx, time.Millisecond)
		}
		unlock, err := b.lockWriter(lctx, w)
		waited := lctx.Err() != nil && ctx.Err() == nil // NOWAIT's limit, not the statement's
		cancel()
		if err != nil {
			if b.lockNoWait && waited {
				return pgerror.New("55P03", "could not obtain lock on row in relation %q", t.Name)
			}
			return err
		}
		unlock()
	}
	return nil
}
