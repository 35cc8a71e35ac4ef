package planner

import (
	"context"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/pgerror"
)

// The maintenance statements scripts and tools send: VACUUM, ANALYZE,
// CHECKPOINT and LOCK TABLE. riffq has nothing for the first three to do
// — its tables' statistics are read from their sources (Parquet footers,
// the in-memory tables' own rows) when a query is planned, and it keeps
// no write-ahead log — so they check their tables and succeed, as on a
// PostgreSQL with nothing to clean up.

// Lock modes, as PostgreSQL numbers them (LOCK TABLE's default is the
// strongest, ACCESS EXCLUSIVE).
const (
	rowExclusiveLock    = 3
	accessExclusiveLock = 8
)

var lockModeNames = [...]string{1: "ACCESS SHARE", 2: "ROW SHARE", 3: "ROW EXCLUSIVE", 4: "SHARE UPDATE EXCLUSIVE",
	5: "SHARE", 6: "SHARE ROW EXCLUSIVE", 7: "EXCLUSIVE", 8: "ACCESS EXCLUSIVE"}

// planVacuum plans VACUUM and ANALYZE of the tables named, or of all.
func (p *Planner) planVacuum(b *binder, vs *pg_query.VacuumStmt) (*Query, error) {
	tag := "ANALYZE"
	if vs.IsVacuumcmd {
		tag = "VACUUM"
		if txs, ok := b.sess.(TxSession); ok && (txs.InTransaction() || txs.InImplicitTransaction()) {
			return nil, pgerror.New(pgerror.ActiveSQLTransaction, "VACUUM cannot run inside a transaction block")
		}
	}
	for _, n := range vs.Rels {
		if rv := n.GetVacuumRelation().GetRelation(); rv != nil {
			if err := b.checkTable(rv); err != nil {
				return nil, err
			}
		}
	}
	return &Query{Tag: tag, Run: func(context.Context) error { return nil }}, nil
}

// planLock plans LOCK TABLE. riffq takes no table locks, so only the
// modes that conflict with none it would grant — ACCESS SHARE (pg_dump's),
// ROW SHARE and ROW EXCLUSIVE — are accepted: the stronger ones promise a
// mutual exclusion riffq would not keep, and are refused.
func (p *Planner) planLock(b *binder, ls *pg_query.LockStmt) (*Query, error) {
	if txs, ok := b.sess.(TxSession); !ok || !txs.InTransaction() {
		return nil, pgerror.New(pgerror.NoActiveSQLTransaction, "LOCK TABLE can only be used in transaction blocks")
	}
	for _, n := range ls.Relations {
		if err := b.checkTable(n.GetRangeVar()); err != nil {
			return nil, err
		}
	}
	mode := ls.Mode
	if mode <= 0 || mode > accessExclusiveLock {
		mode = accessExclusiveLock
	}
	if mode > rowExclusiveLock {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "LOCK TABLE IN %s MODE is not supported: riffq holds no table locks", lockModeNames[mode]).
			WithHint("ACCESS SHARE, ROW SHARE and ROW EXCLUSIVE modes are accepted.")
	}
	return &Query{Tag: "LOCK TABLE", Run: func(context.Context) error { return nil }}, nil
}

// checkTable fails with 42P01 unless the relation rv names exists.
func (b *binder) checkTable(rv *pg_query.RangeVar) error {
	if rv == nil {
		return nil
	}
	if _, ok := b.lookupTable(rv.Schemaname, rv.Relname); !ok {
		return pgerror.New(pgerror.UndefinedTable, "relation %q does not exist", relationName(rv)) // without a position, as PostgreSQL's
	}
	return nil
}
