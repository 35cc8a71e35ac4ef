package planner

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/pgerror"
)

// searchCycle rewrites a recursive WITH query with SEARCH or CYCLE
// clauses into one computing their columns, as PostgreSQL's rewriter does
// (rewriteSearchCycle.c). Both terms gain the columns, after the query's
// own: SEARCH DEPTH FIRST an array of the search columns' rows along the
// path, SEARCH BREADTH FIRST a row of the depth and the search columns;
// CYCLE a mark, set when the cycle columns' row is already on the path,
// and the path, an array of those rows. The recursive term does not go on
// from a row marked as a cycle. It returns the rewritten query and the
// names of all its columns.
func (b *binder) searchCycle(cte *pg_query.CommonTableExpr, sel *pg_query.SelectStmt) (*pg_query.SelectStmt, []string, error) {
	if sel.Op != pg_query.SetOperation_SETOP_UNION || sel.WithClause != nil {
		return nil, nil, b.errorf(pgerror.SyntaxError, cte.Location, "with a SEARCH or CYCLE clause, the left side of the UNION must be a SELECT")
	}
	var names []string
	for _, n := range cte.Aliascolnames {
		names = append(names, n.GetString_().GetSval())
	}
	if len(names) == 0 {
		anchor, err := b.bindSelect(sel.Larg)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range anchor.Schema().Fields() {
			names = append(names, f.Name)
		}
	}
	has := func(col string) bool { return slices.Contains(names, col) }
	columns := func(list []*pg_query.Node, clause string, loc int32) ([]string, error) {
		var out []string
		for _, n := range list {
			c := n.GetString_().GetSval()
			if !has(c) {
				return nil, b.errorf(pgerror.SyntaxError, loc, "%s column %q not in WITH query column list", clause, c)
			}
			out = append(out, c)
		}
		return out, nil
	}
	ref := selfReference(sel.Rarg.GetFromClause(), cte.Ctename)
	if ref == "" || sel.Rarg.Op != pg_query.SetOperation_SETOP_NONE {
		return nil, nil, b.unsupported(cte.Location, "SEARCH and CYCLE need the recursive term to read %q in its FROM list", cte.Ctename)
	}
	q := catalog.QuoteIdent
	const sub = `"*sub*"`
	subCols := func(cols []string) string {
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = sub + "." + q(c)
		}
		return strings.Join(parts, ", ")
	}
	// The anchor's and the recursive step's extra select items, the
	// recursive term's extra items (from the row it extends) and its extra
	// condition.
	var anchorItems, stepItems, carried, hidden []string
	var where string
	allNames := append([]string{}, names...)
	if sc := cte.SearchClause; sc != nil {
		cols, err := columns(sc.SearchColList, "search", sc.Location)
		if err != nil {
			return nil, nil, err
		}
		seq := sc.SearchSeqColumn
		if has(seq) {
			return nil, nil, b.errorf(pgerror.SyntaxError, sc.Location, "search sequence column name %q already used in WITH query column list", seq)
		}
		if sc.SearchBreadthFirst {
			anchorItems = append(anchorItems, fmt.Sprintf("ROW(0::bigint, %s)", subCols(cols)))
			stepItems = append(stepItems, fmt.Sprintf(`ROW(("*seq*").f1 + 1, %s)`, subCols(cols)))
		} else {
			anchorItems = append(anchorItems, fmt.Sprintf("ARRAY[ROW(%s)]", subCols(cols)))
			stepItems = append(stepItems, fmt.Sprintf(`"*seq*" || ROW(%s)`, subCols(cols)))
		}
		carried = append(carried, q(ref)+"."+q(seq))
		hidden = append(hidden, `"*seq*"`)
		allNames = append(allNames, seq)
	}
	if cc := cte.CycleClause; cc != nil {
		cols, err := columns(cc.CycleColList, "cycle", cc.Location)
		if err != nil {
			return nil, nil, err
		}
		mark, path := cc.CycleMarkColumn, cc.CyclePathColumn
		for _, c := range []string{mark, path} {
			if slices.Contains(allNames, c) {
				return nil, nil, b.errorf(pgerror.SyntaxError, cc.Location, "cycle column name %q already used in WITH query column list", c)
			}
		}
		if mark == path {
			return nil, nil, b.errorf(pgerror.SyntaxError, cc.Location, "cycle mark column name and cycle path column name are the same")
		}
		value, def := "true", "false"
		if cc.CycleMarkValue != nil {
			var err error
			if value, err = b.constantText(cc.CycleMarkValue); err != nil {
				return nil, nil, err
			}
			if def, err = b.constantText(cc.CycleMarkDefault); err != nil {
				return nil, nil, err
			}
		}
		anchorItems = append(anchorItems, def, fmt.Sprintf("ARRAY[ROW(%s)]", subCols(cols)))
		stepItems = append(stepItems,
			fmt.Sprintf(`CASE WHEN ROW(%s) = ANY("*path*") THEN %s ELSE %s END`, subCols(cols), value, def),
			fmt.Sprintf(`"*path*" || ROW(%s)`, subCols(cols)))
		carried = append(carried, q(ref)+"."+q(path))
		hidden = append(hidden, `"*path*"`)
		where = fmt.Sprintf("%s.%s <> %s", q(ref), q(mark), value)
		allNames = append(allNames, mark, path)
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = q(n)
	}
	outNames := make([]string, len(allNames)-len(names))
	for i, n := range allNames[len(names):] {
		outNames[i] = q(n)
	}
	anchorSQL := fmt.Sprintf("SELECT %s, %s FROM (SELECT) AS %s(%s)", subCols(names), joinAs(anchorItems, outNames), sub, strings.Join(quoted, ", "))
	stepSQL := fmt.Sprintf("SELECT %s, %s FROM (SELECT) AS %s(%s, %s)", subCols(names), joinAs(stepItems, outNames), sub, strings.Join(quoted, ", "), strings.Join(hidden, ", "))
	anchor, err := templateSelect(anchorSQL, sel.Larg)
	if err != nil {
		return nil, nil, err
	}
	// The recursive term also returns what it extends of the row it
	// continues from, and stops at a cycle.
	rec := proto.Clone(sel.Rarg).(*pg_query.SelectStmt)
	extra, err := parseSQL("SELECT " + strings.Join(carried, ", ") + " WHERE " + orTrue(where))
	if err != nil {
		return nil, nil, fmt.Errorf("search/cycle template: %w", err)
	}
	es := extra.Stmts[0].Stmt.GetSelectStmt()
	rec.TargetList = append(rec.TargetList, es.TargetList...)
	if where != "" {
		if rec.WhereClause == nil {
			rec.WhereClause = es.WhereClause
		} else {
			rec.WhereClause = &pg_query.Node{Node: &pg_query.Node_BoolExpr{BoolExpr: &pg_query.BoolExpr{
				Boolop: pg_query.BoolExprType_AND_EXPR, Args: []*pg_query.Node{rec.WhereClause, es.WhereClause}, Location: -1}}}
		}
	}
	step, err := templateSelect(stepSQL, rec)
	if err != nil {
		return nil, nil, err
	}
	out := &pg_query.SelectStmt{Op: sel.Op, All: sel.All, Larg: anchor, Rarg: step,
		SortClause: sel.SortClause, LimitCount: sel.LimitCount, LimitOffset: sel.LimitOffset, LimitOption: sel.LimitOption}
	return out, allNames, nil
}

// selfReference returns the name a FROM list reads table name under (its
// alias, if any), "" if it does not read it directly.
func selfReference(from []*pg_query.Node, name string) string {
	for _, n := range from {
		if rv := n.GetRangeVar(); rv != nil {
			if rv.Schemaname == "" && rv.Relname == name {
				if rv.Alias != nil {
					return rv.Alias.Aliasname
				}
				return rv.Relname
			}
		}
		if j := n.GetJoinExpr(); j != nil {
			if r := selfReference([]*pg_query.Node{j.Larg, j.Rarg}, name); r != "" {
				return r
			}
		}
	}
	return ""
}

// templateSelect parses sql, a query over "(SELECT) AS ...", and puts
// inner in place of that subquery.
func templateSelect(sql string, inner *pg_query.SelectStmt) (*pg_query.SelectStmt, error) {
	tree, err := parseSQL(sql)
	if err != nil {
		return nil, fmt.Errorf("search/cycle template: %w", err)
	}
	s := tree.Stmts[0].Stmt.GetSelectStmt()
	s.FromClause[0].GetRangeSubselect().Subquery = &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: inner}}
	return s, nil
}

// joinAs joins select items with their output names.
func joinAs(items, names []string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it + " AS " + names[i]
	}
	return strings.Join(parts, ", ")
}

func orTrue(cond string) string {
	if cond == "" {
		return "true"
	}
	return cond
}

// constantText renders a CYCLE clause's mark value, a constant, as SQL.
func (b *binder) constantText(n *pg_query.Node) (string, error) {
	c := n.GetAConst()
	if tc := n.GetTypeCast(); tc != nil {
		c = tc.Arg.GetAConst()
	}
	switch {
	case c == nil:
		return "", b.errorf(pgerror.SyntaxError, nodeLocation(n), "CYCLE mark values must be constants")
	case c.Isnull:
		return "NULL", nil
	case c.GetBoolval() != nil:
		return fmt.Sprint(c.GetBoolval().Boolval), nil
	case c.GetIval() != nil:
		return fmt.Sprint(c.GetIval().Ival), nil
	case c.GetFval() != nil:
		return c.GetFval().Fval, nil
	case c.GetSval() != nil:
		return quoteLiteral(c.GetSval().Sval), nil
	}
	return "", b.errorf(pgerror.SyntaxError, nodeLocation(n), "CYCLE mark values must be constants")
}
