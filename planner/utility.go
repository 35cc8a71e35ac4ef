package planner

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
)

// Transaction effects a statement has on the session's transaction state.
const (
	TxNone       byte = 0
	TxBegin      byte = 'B' // starts a transaction block
	TxEnd        byte = 'E' // COMMIT or ROLLBACK: ends the block
	TxRollbackTo byte = 'R' // ROLLBACK TO SAVEPOINT: leaves a failed block usable
	TxEndChain   byte = 'C' // COMMIT or ROLLBACK AND CHAIN: ends the block, opens the next
)

// TxSession is the part of Session that transaction statements need.
type TxSession interface {
	// InTransaction reports whether a transaction block is open.
	InTransaction() bool
	// InImplicitTransaction reports whether, outside a block, the
	// statement runs in an implicit transaction (several statements in
	// one Query message, a pipeline up to Sync): its changes are undone,
	// as a block's, if a later statement of it fails.
	InImplicitTransaction() bool
	// Deallocate drops a prepared statement, or all of them.
	Deallocate(name string, all bool) error
	// OnRollback registers undo to run if the block, or a savepoint made
	// before the call, rolls back (latest first).
	OnRollback(undo func())
	// OnTxEnd registers fn to run when the block ends either way.
	OnTxEnd(fn func())
	// Savepoint, RollbackTo and ReleaseSavepoint manage the block's
	// savepoints; an unknown name is 3B001.
	Savepoint(name string)
	RollbackTo(name string) error
	ReleaseSavepoint(name string) error
	// SQLPrepared and SetSQLPrepared keep the statements of SQL's
	// PREPARE (DEALLOCATE drops them too).
	SQLPrepared(name string) (any, bool)
	SetSQLPrepared(name string, stmt any) error
	// TxValue and SetTxValue keep values for the block's lifetime (the
	// owner of the tables it holds).
	TxValue(key any) any
	SetTxValue(key, value any)
}

// CommandTag returns the command tag a statement completes with, and its
// transaction effect, without planning it. The wire protocol needs both
// before running a statement inside a failed transaction block, where only
// ROLLBACK (and COMMIT, which rolls back) are accepted.
func CommandTag(stmt Statement) (tag string, tx byte) {
	n := stmt.Node
	switch {
	case n.GetSelectStmt() != nil:
		return "SELECT", TxNone
	case n.GetExplainStmt() != nil:
		return "EXPLAIN", TxNone
	case n.GetCopyStmt() != nil:
		return "COPY", TxNone
	case n.GetViewStmt() != nil:
		return "CREATE VIEW", TxNone
	case n.GetDropStmt() != nil && n.GetDropStmt().RemoveType == pg_query.ObjectType_OBJECT_VIEW:
		return "DROP VIEW", TxNone
	case n.GetDropStmt() != nil:
		return "DROP " + objectTypeName(n.GetDropStmt().RemoveType), TxNone
	case n.GetCreateSeqStmt() != nil:
		return "CREATE SEQUENCE", TxNone
	case n.GetAlterSeqStmt() != nil:
		return "ALTER SEQUENCE", TxNone
	case n.GetIndexStmt() != nil:
		return "CREATE INDEX", TxNone
	case n.GetCreatedbStmt() != nil:
		return "CREATE DATABASE", TxNone
	case n.GetDropdbStmt() != nil:
		return "DROP DATABASE", TxNone
	case n.GetCreateTrigStmt() != nil:
		return "CREATE TRIGGER", TxNone
	case n.GetRuleStmt() != nil:
		return "CREATE RULE", TxNone
	case n.GetGrantStmt() != nil && !n.GetGrantStmt().IsGrant:
		return "REVOKE", TxNone
	case n.GetCreateFunctionStmt() != nil && n.GetCreateFunctionStmt().IsProcedure:
		return "CREATE PROCEDURE", TxNone
	case n.GetCreateStmt() != nil:
		return "CREATE TABLE", TxNone
	case n.GetCreateTableAsStmt() != nil:
		if n.GetCreateTableAsStmt().Objtype == pg_query.ObjectType_OBJECT_MATVIEW {
			return "CREATE MATERIALIZED VIEW", TxNone
		}
		return "CREATE TABLE AS", TxNone
	case n.GetInsertStmt() != nil:
		return "INSERT", TxNone
	case n.GetUpdateStmt() != nil:
		return "UPDATE", TxNone
	case n.GetDeleteStmt() != nil:
		return "DELETE", TxNone
	case n.GetTruncateStmt() != nil:
		return "TRUNCATE TABLE", TxNone
	case n.GetAlterTableStmt() != nil:
		return "ALTER " + objectTypeName(n.GetAlterTableStmt().Objtype), TxNone
	case n.GetRenameStmt() != nil && n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_TABLE,
		n.GetRenameStmt() != nil && n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_COLUMN:
		return "ALTER TABLE", TxNone
	case n.GetVariableSetStmt() != nil:
		if k := n.GetVariableSetStmt().Kind; k == pg_query.VariableSetKind_VAR_RESET || k == pg_query.VariableSetKind_VAR_RESET_ALL {
			return "RESET", TxNone
		}
		return "SET", TxNone
	case n.GetVariableShowStmt() != nil:
		return "SHOW", TxNone
	case n.GetDiscardStmt() != nil:
		return "DISCARD " + strings.TrimPrefix(n.GetDiscardStmt().Target.String(), "DISCARD_"), TxNone
	case n.GetPrepareStmt() != nil:
		return "PREPARE", TxNone
	case n.GetDeclareCursorStmt() != nil:
		return "DECLARE CURSOR", TxNone
	case n.GetFetchStmt() != nil:
		if n.GetFetchStmt().Ismove {
			return "MOVE", TxNone
		}
		return "FETCH", TxNone
	case n.GetClosePortalStmt() != nil:
		if n.GetClosePortalStmt().Portalname == "" {
			return "CLOSE CURSOR ALL", TxNone
		}
		return "CLOSE CURSOR", TxNone
	case n.GetDeallocateStmt() != nil:
		if n.GetDeallocateStmt().Isall {
			return "DEALLOCATE ALL", TxNone
		}
		return "DEALLOCATE", TxNone
	case n.GetTransactionStmt() != nil:
		switch n.GetTransactionStmt().Kind {
		case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN:
			return "BEGIN", TxBegin
		case pg_query.TransactionStmtKind_TRANS_STMT_START:
			return "START TRANSACTION", TxBegin
		case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
			if n.GetTransactionStmt().Chain {
				return "COMMIT", TxEndChain
			}
			return "COMMIT", TxEnd
		case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
			if n.GetTransactionStmt().Chain {
				return "ROLLBACK", TxEndChain
			}
			return "ROLLBACK", TxEnd
		case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
			return "SAVEPOINT", TxNone
		case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
			return "RELEASE", TxNone
		case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
			return "ROLLBACK", TxRollbackTo
		}
	}
	return statementName(n), TxNone
}

// planUtility plans the statements that configure the session rather than
// read data. ok is false for statements it does not know.
func planUtility(sess Session, n *pg_query.Node) (q *Query, ok bool, err error) {
	tag, tx := CommandTag(Statement{Node: n})
	cmd := func(run func(context.Context) error) (*Query, bool, error) {
		return &Query{Tag: tag, Run: run}, true, nil
	}
	switch {
	case n.GetVariableSetStmt() != nil:
		return planSet(sess, n.GetVariableSetStmt(), tag)
	case n.GetVariableShowStmt() != nil:
		name := n.GetVariableShowStmt().Name
		if name == "all" {
			settings := sess.Settings()
			rows := make([][]string, len(settings))
			for i, s := range settings {
				rows[i] = []string{s[0], s[1], s[2]}
			}
			return &Query{Tag: tag, Plan: &rowsPlan{name: "Show", schema: textSchema("name", "setting", "description"), rows: rows}}, true, nil
		}
		canonical, value, err := sess.Setting(name)
		if err != nil {
			return nil, true, err
		}
		return &Query{Tag: tag, Plan: &rowsPlan{name: "Show", schema: textSchema(canonical), rows: [][]string{{value}}}}, true, nil
	case n.GetTransactionStmt() != nil:
		ts := n.GetTransactionStmt()
		txs, _ := sess.(TxSession)
		switch ts.Kind {
		case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg_query.TransactionStmtKind_TRANS_STMT_RELEASE,
			pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
			if txs == nil || !txs.InTransaction() {
				return nil, true, pgerror.New("25P01", "%s can only be used in transaction blocks", map[byte]string{TxNone: tag, TxRollbackTo: "ROLLBACK TO SAVEPOINT"}[tx])
			}
		case pg_query.TransactionStmtKind_TRANS_STMT_PREPARE, pg_query.TransactionStmtKind_TRANS_STMT_COMMIT_PREPARED,
			pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED:
			return nil, true, pgerror.New(pgerror.FeatureNotSupported, "prepared transactions are not supported")
		case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
			if ts.Chain && (txs == nil || !txs.InTransaction()) {
				return nil, true, pgerror.New("25P01", "%s AND CHAIN can only be used in transaction blocks", tag)
			}
		}
		var run func(context.Context) error
		switch ts.Kind {
		case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
			// The wire protocol has opened the block when this runs.
			modes, err := transactionModes(ts.Options)
			if err != nil {
				return nil, true, err
			}
			if len(modes) > 0 {
				run = func(context.Context) error { return setModes(sess, modes, "") }
			}
		// Each savepoint statement moves the undo epoch (see lockWriter).
		case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
			run = func(context.Context) error { txs.Savepoint(ts.SavepointName); advanceUndoEpoch(txs); return nil }
		case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
			run = func(context.Context) error { advanceUndoEpoch(txs); return txs.ReleaseSavepoint(ts.SavepointName) }
		case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
			run = func(context.Context) error { advanceUndoEpoch(txs); return txs.RollbackTo(ts.SavepointName) }
		}
		q, ok, err := cmd(run)
		if q != nil {
			q.Tx = tx
		}
		return q, ok, err
	case n.GetDiscardStmt() != nil:
		txs, _ := sess.(TxSession)
		switch n.GetDiscardStmt().Target {
		case pg_query.DiscardMode_DISCARD_ALL:
			if txs != nil && txs.InTransaction() {
				return nil, true, pgerror.New("25001", "DISCARD ALL cannot run inside a transaction block")
			}
			return cmd(func(context.Context) error {
				if txs != nil {
					if err := txs.Deallocate("", true); err != nil {
						return err
					}
				}
				return sess.SetSetting("all", "", false, true)
			})
		case pg_query.DiscardMode_DISCARD_PLANS, pg_query.DiscardMode_DISCARD_SEQUENCES, pg_query.DiscardMode_DISCARD_TEMP:
			return cmd(nil) // no plan cache, sequences or temporary tables to drop
		}
	case n.GetDeallocateStmt() != nil:
		ds := n.GetDeallocateStmt()
		txs, _ := sess.(TxSession)
		return cmd(func(context.Context) error {
			if txs == nil {
				return nil
			}
			return txs.Deallocate(ds.Name, ds.Isall)
		})
	}
	return nil, false, nil
}

// planSet plans SET, SET LOCAL, SET ... TO DEFAULT, RESET and RESET ALL.
func planSet(sess Session, vs *pg_query.VariableSetStmt, tag string) (*Query, bool, error) {
	set := func(name, value string, reset bool) (*Query, bool, error) {
		return &Query{Tag: tag, Run: func(context.Context) error { return sess.SetSetting(name, value, vs.IsLocal, reset) }}, true, nil
	}
	switch vs.Kind {
	case pg_query.VariableSetKind_VAR_SET_VALUE:
		parts := make([]string, len(vs.Args))
		for i, a := range vs.Args {
			v, err := settingValue(a)
			if err != nil {
				return nil, true, err
			}
			if east, ok := zoneOffset(vs, a, v); ok {
				v = posixOffsetZone(east)
			}
			parts[i] = v
		}
		return set(vs.Name, strings.Join(parts, ", "), false)
	case pg_query.VariableSetKind_VAR_SET_DEFAULT, pg_query.VariableSetKind_VAR_RESET:
		return set(vs.Name, "", true)
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		return set("all", "", true)
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		modes, err := transactionModes(vs.Args)
		if err != nil {
			return nil, true, err
		}
		switch vs.Name {
		case "TRANSACTION":
			txs, _ := sess.(TxSession)
			return &Query{Tag: tag, Run: func(context.Context) error {
				if txs == nil || !txs.InTransaction() {
					if w, ok := sess.(interface{ Warning(code, message string) }); ok {
						w.Warning("25P01", "SET TRANSACTION can only be used in transaction blocks")
					}
					return nil
				}
				return setModes(sess, modes, "")
			}}, true, nil
		case "SESSION CHARACTERISTICS":
			return &Query{Tag: tag, Run: func(context.Context) error { return setModes(sess, modes, "default_") }}, true, nil
		}
		return nil, true, pgerror.New(pgerror.FeatureNotSupported, "SET %s is not supported", vs.Name)
	}
	return nil, true, pgerror.New(pgerror.FeatureNotSupported, "SET %s FROM CURRENT is not supported", vs.Name)
}

// transactionModes reads the modes of BEGIN, START TRANSACTION and SET
// TRANSACTION (ISOLATION LEVEL, READ ONLY | WRITE, [NOT] DEFERRABLE) as the
// settings they set and their values.
func transactionModes(args []*pg_query.Node) ([][2]string, error) {
	var modes [][2]string
	for _, a := range args {
		d := a.GetDefElem()
		if d == nil {
			continue
		}
		v, err := settingValue(d.Arg)
		if err != nil {
			return nil, err
		}
		modes = append(modes, [2]string{d.Defname, v})
	}
	return modes, nil
}

// setModes applies transaction modes to the open block, or with prefix
// "default_" to the session's later transactions.
func setModes(sess Session, modes [][2]string, prefix string) error {
	for _, m := range modes {
		if err := sess.SetSetting(prefix+m[0], m[1], prefix == "", false); err != nil {
			return err
		}
	}
	return nil
}

// zoneOffset is the offset east of UTC, in seconds, that SET TIME ZONE
// gives as an interval (INTERVAL '+02:30' HOUR TO MINUTE, the one SET the
// grammar lets take one) or a number of hours (-7, 5.5); ok is false for
// other settings and values (a zone's name, an offset as text).
func zoneOffset(vs *pg_query.VariableSetStmt, a *pg_query.Node, v string) (east int, ok bool) {
	if !strings.EqualFold(vs.Name, "timezone") {
		return 0, false
	}
	if names := a.GetTypeCast().GetTypeName().GetNames(); len(names) > 0 && names[len(names)-1].GetString_().GetSval() == "interval" {
		iv, err := pgtext.Parse(v, arrow.FixedWidthTypes.MonthDayNanoInterval)
		if err != nil {
			return 0, false
		}
		d := iv.(*scalar.MonthDayNanoInterval).Value
		return int(d.Days)*86400 + int(d.Nanoseconds/1e9), d.Months == 0
	}
	if c := a.GetAConst(); c != nil && (c.GetIval() != nil || c.GetFval() != nil) {
		h, err := strconv.ParseFloat(v, 64)
		return int(math.Round(h * 3600)), err == nil
	}
	return 0, false
}

// posixOffsetZone names a fixed offset east of UTC as PostgreSQL does for
// SET TIME ZONE with an interval or a number: <+02:30>-02:30, the offset
// as printed, then as POSIX writes it (east negative).
func posixOffsetZone(east int) string {
	format := func(s int) string {
		sign := "+"
		if s < 0 {
			sign, s = "-", -s
		}
		out := fmt.Sprintf("%s%02d", sign, s/3600)
		if s%3600 != 0 {
			out += fmt.Sprintf(":%02d", s/60%60)
		}
		if s%60 != 0 {
			out += fmt.Sprintf(":%02d", s%60)
		}
		return out
	}
	return "<" + format(east) + ">" + format(-east)
}

// settingValue renders one SET argument as PostgreSQL would store it.
func settingValue(n *pg_query.Node) (string, error) {
	if tc := n.GetTypeCast(); tc != nil {
		return settingValue(tc.Arg)
	}
	c := n.GetAConst()
	switch {
	case c == nil:
		return "", pgerror.New(pgerror.SyntaxError, "SET value must be a constant")
	case c.GetSval() != nil:
		return c.GetSval().Sval, nil
	case c.GetIval() != nil:
		return strconv.Itoa(int(c.GetIval().Ival)), nil
	case c.GetFval() != nil:
		return c.GetFval().Fval, nil
	case c.GetBoolval() != nil:
		if c.GetBoolval().Boolval {
			return "on", nil
		}
		return "off", nil
	}
	return "", pgerror.New(pgerror.SyntaxError, "SET value must be a constant")
}
