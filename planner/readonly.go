package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/pgerror"
)

// writeCommand names what a statement would change, as a read-only
// transaction's error names it ("" for statements that change nothing).
// PostgreSQL refuses most before looking at their objects; INSERT, UPDATE
// and DELETE (atTarget) once their table is known: a missing table is
// reported first, and a temporary one may change.
func writeCommand(n *pg_query.Node) (name string, atTarget bool) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_InsertStmt:
		return "INSERT", true
	case *pg_query.Node_UpdateStmt:
		return "UPDATE", true
	case *pg_query.Node_DeleteStmt:
		return "DELETE", true
	case *pg_query.Node_MergeStmt:
		return "MERGE", true
	case *pg_query.Node_SelectStmt:
		if s.SelectStmt.IntoClause != nil {
			return "SELECT INTO", false
		}
		if lc := s.SelectStmt.LockingClause; len(lc) > 0 {
			return "SELECT " + lockStrength(lc[0].GetLockingClause().GetStrength()), false
		}
	case *pg_query.Node_CopyStmt:
		if s.CopyStmt.IsFrom {
			return "COPY FROM", false
		}
	case *pg_query.Node_CreateStmt, *pg_query.Node_CreateTableAsStmt, *pg_query.Node_ViewStmt,
		*pg_query.Node_IndexStmt, *pg_query.Node_CreateSeqStmt, *pg_query.Node_AlterSeqStmt,
		*pg_query.Node_CreateSchemaStmt, *pg_query.Node_DropStmt, *pg_query.Node_AlterTableStmt,
		*pg_query.Node_RenameStmt, *pg_query.Node_TruncateStmt, *pg_query.Node_CommentStmt,
		*pg_query.Node_GrantStmt, *pg_query.Node_GrantRoleStmt, *pg_query.Node_CreateRoleStmt,
		*pg_query.Node_AlterRoleStmt, *pg_query.Node_DropRoleStmt, *pg_query.Node_CreatedbStmt,
		*pg_query.Node_DropdbStmt, *pg_query.Node_CreateFunctionStmt, *pg_query.Node_CreateExtensionStmt,
		*pg_query.Node_AlterOwnerStmt, *pg_query.Node_AlterObjectSchemaStmt, *pg_query.Node_CreateDomainStmt,
		*pg_query.Node_CompositeTypeStmt, *pg_query.Node_CreateEnumStmt, *pg_query.Node_CreateTrigStmt,
		*pg_query.Node_RuleStmt, *pg_query.Node_RefreshMatViewStmt, *pg_query.Node_CreatePolicyStmt:
		tag, _ := CommandTag(Statement{Node: n})
		return tag, false
	}
	return "", false
}

func lockStrength(s pg_query.LockClauseStrength) string {
	switch s {
	case pg_query.LockClauseStrength_LCS_FORKEYSHARE:
		return "FOR KEY SHARE"
	case pg_query.LockClauseStrength_LCS_FORSHARE:
		return "FOR SHARE"
	case pg_query.LockClauseStrength_LCS_FORNOKEYUPDATE:
		return "FOR NO KEY UPDATE"
	}
	return "FOR UPDATE"
}

// checkWritable refuses command in a read-only transaction (BEGIN READ
// ONLY, default_transaction_read_only) with 25006, as PostgreSQL does.
func checkWritable(sess Session, command string) error {
	if sess == nil {
		return nil
	}
	if _, ro, err := sess.Setting("transaction_read_only"); err == nil && ro == "on" {
		return pgerror.New("25006", "cannot execute %s in a read-only transaction", command)
	}
	return nil
}
