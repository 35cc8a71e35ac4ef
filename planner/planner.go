// Package planner turns SQL text into executable plans: it parses with
// PostgreSQL's grammar (pg_query), binds names and types against the
// catalog into a logical plan, optimizes it, and lowers it to engine
// operators. Statements that are not queries (SET, SHOW, BEGIN, ...) become
// small plans too, so every statement flows the same way.
package planner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/pgerror"
)

// Planner plans statements against a catalog.
type Planner struct {
	Catalog *catalog.Catalog
	// MemoryLimit is the most bytes a query's blocking operators may hold
	// (engine.WithMemoryLimit); 0 is no limit.
	MemoryLimit int64
	// TempDir is where queries over MemoryLimit spill sorts
	// (engine.WithTempDir); "" is the system's temporary directory.
	TempDir string
	// RecursionLimit is the most iterations of a WITH RECURSIVE query's
	// recursive term (engine.WithRecursionLimit); 0 is no limit.
	RecursionLimit int
}

// Session is what planning needs from the client's session.
type Session interface {
	// Database is the database the session connected to.
	Database() string
	// Setting returns a run-time setting's canonical name and value; an
	// unknown name is error 42704.
	Setting(name string) (canonical, value string, err error)
	// SetSetting changes a setting for the session (for the transaction when
	// local); value "" with reset restores the default. Name "all" with
	// reset restores every setting.
	SetSetting(name, value string, local, reset bool) error
	// Settings lists every setting as name, value, description.
	Settings() [][3]string
	// UserName is the role the session logged in as.
	UserName() string
	// BackendPID is the process ID the session reported in BackendKeyData.
	BackendPID() uint32
	// Activity lists the server's sessions for pg_stat_activity.
	Activity() []catalog.Activity
}

// Query is a planned statement.
type Query struct {
	// Plan yields the statement's rows; nil for a statement without rows.
	Plan engine.Plan
	// Tag is the command tag: "SELECT" (the wire adds the row count),
	// "SET", "BEGIN", ...
	Tag string
	// Run performs a command's effect when the statement executes (SET
	// changes the setting, INSERT adds rows); nil for queries. It may set
	// Tag (INSERT reports its row count there).
	Run func(ctx context.Context) error
	// Tx is the statement's effect on the transaction state (TxBegin, ...).
	Tx byte
	// Copy is set for COPY ... TO STDOUT: the rows go out in this format.
	Copy *CopyFormat
	// CopyIn is set for COPY ... FROM STDIN.
	CopyIn *CopyInput
	// Reusable says Plan may run again, and give the answer a fresh plan
	// would, for as long as the catalog's Version is what it was before
	// planning: the statement is a query without parameter values that
	// reads no system table and calls nothing the planner evaluates once
	// per statement (now(), current_setting(), ...). Engine plans keep no
	// state between executions, so a session may keep such a plan.
	Reusable bool
}

// Prepared describes a statement prepared with the extended protocol.
type Prepared struct {
	// Params are the parameter types: declared ones, and those inferred
	// from context ($1 compared with an integer column is an integer).
	Params []arrow.DataType
	// Schema is the result's schema, nil for a statement without rows.
	Schema *arrow.Schema
}

// txStartKey keeps a transaction block's time: now() and CURRENT_TIMESTAMP
// read it in every statement of the block, as PostgreSQL's do.
type txStartKey struct{}

// transactionTime is the time now() reads in a statement planned at now:
// the block's, set by its first statement, or now outside a block.
func transactionTime(sess Session, now time.Time) time.Time {
	txs, ok := sess.(TxSession)
	if !ok || !txs.InTransaction() {
		return now
	}
	if t, ok := txs.TxValue(txStartKey{}).(time.Time); ok {
		return t
	}
	txs.SetTxValue(txStartKey{}, now)
	return now
}

// Plan plans one statement. params holds the values of $1, $2, ... (typed
// as Prepare reported), nil for a statement without parameters.
func (p *Planner) Plan(ctx context.Context, sess Session, stmt Statement, params []scalar.Scalar) (*Query, error) {
	types := make([]arrow.DataType, len(params))
	for i, v := range params {
		types[i] = v.DataType()
	}
	now := time.Now()
	b := &binder{sql: stmt.SQL, text: stmt.Text(), cat: p.Catalog, db: sess.Database(), params: newParams(types, params), sess: sess, now: transactionTime(sess, now), stmtNow: now}
	write, atTarget := writeCommand(stmt.Node)
	if atTarget {
		b.write = write // checked once the target table is known
	} else if write != "" {
		if err := checkWritable(sess, write); err != nil {
			return nil, err
		}
	}
	q, err := p.plan(b, sess, stmt.Node)
	if err != nil {
		return nil, err
	}
	q.Reusable = q.Tag == "SELECT" && q.Plan != nil && q.Run == nil && q.Copy == nil && q.CopyIn == nil &&
		len(params) == 0 && !b.volatile
	return q, nil
}

// Prepare binds a statement without running it, to learn its parameter and
// result types. paramTypes holds the declared types; nil entries (and
// parameters beyond them) are inferred.
func (p *Planner) Prepare(ctx context.Context, sess Session, stmt Statement, paramTypes []arrow.DataType) (*Prepared, error) {
	b := &binder{sql: stmt.SQL, cat: p.Catalog, db: sess.Database(), params: newParams(paramTypes, nil), describeOnly: true, sess: sess, now: time.Now()}
	q, err := p.plan(b, sess, stmt.Node)
	if err != nil {
		return nil, err
	}
	out := &Prepared{Params: b.params.resolved()}
	if q.Plan != nil {
		out.Schema = q.Plan.Schema()
	}
	return out, nil
}

func (p *Planner) plan(b *binder, sess Session, n *pg_query.Node) (*Query, error) {
	switch {
	case n.GetSelectStmt() != nil && n.GetSelectStmt().IntoClause != nil:
		sel := proto.Clone(n.GetSelectStmt()).(*pg_query.SelectStmt)
		into := sel.IntoClause
		sel.IntoClause = nil
		return p.planCreateTableAs(b, into, sel, false)
	case n.GetSelectStmt() != nil:
		plan, err := p.planSelect(b, n.GetSelectStmt())
		if err != nil {
			return nil, err
		}
		q := &Query{Plan: plan, Tag: "SELECT"}
		if len(b.locks) > 0 && !b.describeOnly {
			q.Run = b.lockRows
		}
		return q, nil
	case n.GetExplainStmt() != nil:
		ex := n.GetExplainStmt()
		sel := ex.Query.GetSelectStmt()
		if sel == nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "EXPLAIN supports SELECT only")
		}
		analyze := false
		for _, o := range ex.Options {
			d := o.GetDefElem()
			switch name := d.GetDefname(); name {
			case "analyze":
				analyze = d.Arg == nil || defTrue(d.Arg)
			case "verbose", "costs", "timing", "summary", "buffers":
			case "format":
				if f := strings.ToLower(d.Arg.GetString_().GetSval()); f != "text" {
					return nil, pgerror.New(pgerror.FeatureNotSupported, "EXPLAIN format %s is not supported yet", strings.ToUpper(f))
				}
			default:
				return nil, pgerror.New(pgerror.FeatureNotSupported, "EXPLAIN option %s is not supported yet", strings.ToUpper(name))
			}
		}
		if !analyze {
			plan, err := p.planSelect(b, sel)
			if err != nil {
				return nil, err
			}
			return &Query{Plan: &explain{plan: plan}, Tag: "EXPLAIN"}, nil
		}
		start := time.Now()
		logical, err := b.bindSelect(sel)
		if err != nil {
			return nil, err
		}
		if logical, err = Optimize(logical); err != nil {
			return nil, err
		}
		plan, err := PhysicalAnalyzed(logical)
		if err != nil {
			return nil, err
		}
		return &Query{Plan: &explain{plan: plan, analyze: true, planning: time.Since(start)}, Tag: "EXPLAIN"}, nil
	}
	if cs := n.GetCopyStmt(); cs != nil {
		return p.planCopy(b, cs)
	}
	if ps := n.GetPrepareStmt(); ps != nil {
		return p.planPrepare(b, ps)
	}
	if es := n.GetExecuteStmt(); es != nil {
		return p.planExecute(b, es)
	}
	if ds := n.GetDeclareCursorStmt(); ds != nil {
		return p.planDeclareCursor(b, ds)
	}
	if fs := n.GetFetchStmt(); fs != nil {
		return p.planFetch(b, fs)
	}
	if cp := n.GetClosePortalStmt(); cp != nil {
		return p.planClosePortal(b, cp)
	}
	if vs := n.GetViewStmt(); vs != nil {
		return p.planCreateView(b, vs)
	}
	if cs := n.GetCreateSchemaStmt(); cs != nil {
		return p.planCreateSchema(b, cs)
	}
	if ds := n.GetDropStmt(); ds != nil {
		switch ds.RemoveType {
		case pg_query.ObjectType_OBJECT_SCHEMA:
			return p.planDropSchema(b, ds)
		case pg_query.ObjectType_OBJECT_TABLE:
			return p.planDropTable(b, ds)
		case pg_query.ObjectType_OBJECT_INDEX:
			return p.planDropIndex(b, ds)
		case pg_query.ObjectType_OBJECT_SEQUENCE:
			return p.planDropSequence(b, ds)
		}
		return p.planDropView(b, ds)
	}
	switch {
	case n.GetCreateStmt() != nil:
		return p.planCreateTable(b, n.GetCreateStmt())
	case n.GetCreateSeqStmt() != nil:
		return p.planCreateSequence(b, n.GetCreateSeqStmt())
	case n.GetAlterSeqStmt() != nil:
		return p.planAlterSequence(b, n.GetAlterSeqStmt())
	case n.GetCreateTableAsStmt() != nil:
		ct := n.GetCreateTableAsStmt()
		sel := ct.Query.GetSelectStmt()
		if ct.Objtype != pg_query.ObjectType_OBJECT_TABLE || sel == nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "%s is not supported yet", statementName(n))
		}
		return p.planCreateTableAs(b, ct.Into, sel, ct.IfNotExists)
	case n.GetInsertStmt() != nil:
		return p.planInsert(b, n.GetInsertStmt())
	case n.GetUpdateStmt() != nil:
		return p.planUpdate(b, n.GetUpdateStmt())
	case n.GetDeleteStmt() != nil:
		return p.planDelete(b, n.GetDeleteStmt())
	case n.GetTruncateStmt() != nil:
		return p.planTruncate(b, n.GetTruncateStmt())
	case n.GetAlterTableStmt() != nil:
		return p.planAlterTable(b, n.GetAlterTableStmt())
	case n.GetRenameStmt() != nil && n.GetRenameStmt().Relation != nil:
		return p.planRename(b, n.GetRenameStmt())
	case n.GetCommentStmt() != nil:
		return p.planComment(b, n.GetCommentStmt())
	case n.GetIndexStmt() != nil:
		return p.planCreateIndex(b, n.GetIndexStmt())
	case n.GetVacuumStmt() != nil:
		return p.planVacuum(b, n.GetVacuumStmt())
	case n.GetLockStmt() != nil:
		return p.planLock(b, n.GetLockStmt())
	case n.GetCheckPointStmt() != nil:
		// No write-ahead log to flush (maintenance.go).
		return &Query{Tag: "CHECKPOINT", Run: func(context.Context) error { return nil }}, nil
	}
	if q, ok, err := planUtility(sess, n); ok || err != nil {
		return q, err
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "%s is not supported yet", statementName(n))
}

func (p *Planner) planSelect(b *binder, s *pg_query.SelectStmt) (engine.Plan, error) {
	logical, err := b.bindSelect(s)
	if err != nil {
		return nil, err
	}
	if logical, err = b.printRegNames(s, logical); err != nil {
		return nil, err
	}
	out := withOrigins(logical.Schema(), origins(logical))
	if b.describeOnly {
		return &described{schema: out}, nil
	}
	if logical, err = Optimize(logical); err != nil {
		return nil, err
	}
	physical, err := Physical(logical)
	if err != nil {
		return nil, err
	}
	return withCatalogTypes(out, physical), nil
}

// statementName names a statement kind for "not supported" errors:
// the parse node "insert_stmt" becomes "INSERT".
func statementName(n *pg_query.Node) string {
	m := n.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().Get(0))
	if fd == nil {
		return "this statement"
	}
	name := strings.TrimSuffix(string(fd.Name()), "_stmt")
	return strings.ToUpper(strings.ReplaceAll(name, "_", " "))
}

// described stands for a query that Prepare describes without running:
// binding fixes the result's columns, and optimizing and lowering wait for
// Bind, where PostgreSQL plans too. Clients that describe before every
// execution (pgx, JDBC) would otherwise optimize each query twice.
type described struct{ schema *arrow.Schema }

func (d *described) Schema() *arrow.Schema   { return d.schema }
func (d *described) Children() []engine.Plan { return nil }
func (d *described) String() string          { return "Described" }

func (d *described) Execute(context.Context) (array.RecordReader, error) {
	return nil, pgerror.New(pgerror.InternalError, "a described statement is not planned to run")
}

// rowsPlan is a plan over rows computed at plan time: EXPLAIN's lines, a
// SHOW's value.
type rowsPlan struct {
	name   string
	schema *arrow.Schema
	rows   [][]string
}

func textSchema(names ...string) *arrow.Schema {
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func (r *rowsPlan) Schema() *arrow.Schema   { return r.schema }
func (r *rowsPlan) Children() []engine.Plan { return nil }
func (r *rowsPlan) String() string          { return r.name }

func (r *rowsPlan) Execute(context.Context) (array.RecordReader, error) {
	done := false
	return batchio.NewReader(r.schema, func() (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		done = true
		cols := make([]arrow.Array, r.schema.NumFields())
		for c := range cols {
			b := array.NewStringBuilder(memory.DefaultAllocator)
			for _, row := range r.rows {
				b.Append(row[c])
			}
			cols[c] = b.NewArray()
			b.Release()
		}
		out := array.NewRecordBatch(r.schema, cols, int64(len(r.rows)))
		for _, c := range cols {
			c.Release()
		}
		return out, nil
	}, nil), nil
}

// explain is the plan of EXPLAIN: one text row per operator line. With
// analyze, the measured plan runs first (its rows are discarded) and the
// lines carry what each operator did.
type explain struct {
	plan     engine.Plan
	analyze  bool
	planning time.Duration
}

// defTrue reads an EXPLAIN option's boolean argument.
func defTrue(n *pg_query.Node) bool {
	switch {
	case n.GetBoolean() != nil:
		return n.GetBoolean().Boolval
	case n.GetInteger() != nil:
		return n.GetInteger().Ival != 0
	case n.GetString_() != nil:
		v := strings.ToLower(n.GetString_().Sval)
		return v == "true" || v == "on" || v == "1" || v == "yes"
	}
	return true
}

var explainSchema = textSchema("QUERY PLAN")

func (e *explain) Schema() *arrow.Schema   { return explainSchema }
func (e *explain) Children() []engine.Plan { return nil }
func (e *explain) String() string          { return "Explain" }

func (e *explain) Execute(ctx context.Context) (array.RecordReader, error) {
	text := engine.Explain(e.plan)
	if e.analyze {
		start := time.Now()
		rdr, err := e.plan.Execute(ctx)
		if err != nil {
			return nil, err
		}
		for rdr.Next() {
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			return nil, err
		}
		text = engine.ExplainAnalyze(e.plan) + fmt.Sprintf("Planning Time: %.3f ms\nExecution Time: %.3f ms\n",
			float64(e.planning)/1e6, float64(time.Since(start))/1e6)
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = []string{l}
	}
	return (&rowsPlan{name: "Explain", schema: explainSchema, rows: rows}).Execute(ctx)
}

// sqlPrepared is a statement PREPARE stored: its text and declared
// parameter types (nil where undeclared).
type sqlPrepared struct {
	stmt  Statement
	types []arrow.DataType
}

// planPrepare plans PREPARE name [(types)] AS statement: the statement is
// kept in the session, to be planned when EXECUTE runs it.
func (p *Planner) planPrepare(b *binder, ps *pg_query.PrepareStmt) (*Query, error) {
	txs, ok := b.sess.(TxSession)
	if !ok {
		return nil, b.unsupported(-1, "PREPARE needs a session")
	}
	var types []arrow.DataType
	for _, n := range ps.Argtypes {
		t, err := resolveTypeName(n.GetTypeName(), b.sql)
		if err != nil {
			return nil, err
		}
		types = append(types, t)
	}
	stored := &sqlPrepared{stmt: Statement{SQL: b.sql, Node: ps.Query}, types: types}
	if len(types) > 0 {
		// As PostgreSQL analyzes the statement at PREPARE: a missing
		// table or column is an error now (planning runs nothing).
		nulls := make([]scalar.Scalar, len(types))
		for i, t := range types {
			nulls[i] = scalar.MakeNullScalar(t)
		}
		if _, err := p.Plan(context.Background(), b.sess, stored.stmt, nulls); err != nil {
			return nil, err
		}
	}
	return &Query{Tag: "PREPARE", Run: func(context.Context) error { return txs.SetSQLPrepared(ps.Name, stored) }}, nil
}

// planExecute plans EXECUTE name [(values)]: the prepared statement,
// planned now with the values as its parameters.
func (p *Planner) planExecute(b *binder, es *pg_query.ExecuteStmt) (*Query, error) {
	txs, _ := b.sess.(TxSession)
	var stored *sqlPrepared
	if txs != nil {
		if v, ok := txs.SQLPrepared(es.Name); ok {
			stored, _ = v.(*sqlPrepared)
		}
	}
	if stored == nil {
		return nil, pgerror.New("26000", "prepared statement \"%s\" does not exist", es.Name)
	}
	if len(es.Params) != len(stored.types) && len(stored.types) > 0 {
		return nil, b.errorf(pgerror.SyntaxError, -1, "wrong number of parameters for prepared statement \"%s\"", es.Name).
			WithDetail("Expected %d parameters but got %d.", len(stored.types), len(es.Params))
	}
	params := make([]scalar.Scalar, len(es.Params))
	for i, n := range es.Params {
		e, err := b.bindExpr(n, exprContext{scope: &scope{}, clause: "EXECUTE parameter"})
		if err != nil {
			return nil, err
		}
		if i < len(stored.types) {
			if u, ok := e.(*unknownLit); ok {
				e, err = b.resolveAs(u, stored.types[i])
			} else {
				e, err = b.cast(e, stored.types[i], nodeLocation(n))
			}
			if err != nil {
				return nil, err
			}
		}
		if params[i], err = engine.EvalConstant(context.Background(), b.resolveUnknown(e)); err != nil {
			return nil, err
		}
	}
	return p.Plan(context.Background(), b.sess, stored.stmt, params)
}
