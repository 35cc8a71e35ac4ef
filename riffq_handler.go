package riffq

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/internal/pgbinary"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/planner"
	"github.com/riffq/riffq/wire"
)

// handler connects the wire protocol to the planner and engine.
type handler struct {
	planner *planner.Planner
	parser  *planner.ParseCache
	hook    QueryHandler // nil without WithQueryHandler
}

// session adapts a wire session to what the planner needs.
type session struct {
	*wire.Session
}

func (s session) Database() string   { return s.Session.Database }
func (s session) UserName() string   { return s.Session.User }
func (s session) BackendPID() uint32 { return s.Session.ID }

// TimeZone is the session's TimeZone setting, for constants whose value
// depends on it (planner.Session's optional TimeZone).
func (s session) TimeZone() *time.Location { return s.Session.Location }

// Activity converts the wire's view of the sessions for the catalog.
func (s session) Activity() []catalog.Activity {
	var out []catalog.Activity
	for _, a := range s.Session.Activity() {
		ca := catalog.Activity{
			PID: a.PID, User: a.User, Database: a.Database, ApplicationName: a.ApplicationName, ClientPort: -1,
			BackendStart: a.BackendStart, XactStart: a.XactStart, QueryStart: a.QueryStart, Changed: a.StateChange,
			State: a.State, Query: a.Query,
		}
		if tcp, ok := a.ClientAddr.(*net.TCPAddr); ok {
			ca.ClientAddr, ca.ClientPort = tcp.IP.String(), tcp.Port
		}
		out = append(out, ca)
	}
	return out
}

func (h handler) Parse(_ context.Context, _ *wire.Session, sql string) ([]wire.Statement, error) {
	stmts, err := h.parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	out := make([]wire.Statement, len(stmts))
	for i, st := range stmts {
		out[i] = &statement{planner: h.planner, stmt: st, hook: h.hook}
	}
	return out, nil
}

func (h handler) Prepare(ctx context.Context, s *wire.Session, sql string, paramOIDs []uint32) (wire.Prepared, error) {
	stmts, err := h.parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	switch len(stmts) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, pgerror.New(pgerror.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	if h.hook != nil {
		schema, err := h.hook.Describe(ctx, &Query{SQL: stmts[0].Text(), Statement: stmts[0].Node, Session: s})
		switch {
		case err == nil:
			return hookPrepared(h, stmts[0], paramOIDs, schema), nil
		case !errors.Is(err, ErrNotHandled):
			return nil, err
		}
	}
	if len(paramOIDs) == 0 && stmts[0].ParamCount() == 0 {
		// The statement is prepared again and again (pgbench -M extended,
		// drivers that do not name their statements): a plan the session
		// kept describes it without planning.
		if q := sessionPlans(s).get(planKey(s, stmts[0].Text()), h.planner.Catalog.Version()); q != nil {
			return &prepared{statement: statement{planner: h.planner, stmt: stmts[0], hook: h.hook}, schema: q.Plan.Schema()}, nil
		}
	}
	declared := make([]arrow.DataType, len(paramOIDs))
	for i, oid := range paramOIDs {
		switch t, ok := pgtypes.ToArrow(oid); {
		case ok:
			declared[i] = t
		case oid == pgtypes.VoidOID:
			// How pgJDBC declares a CallableStatement's OUT parameter
			// ({? = call f(?)} is f($1, $2)): the planner leaves it out
			// of the call, as PostgreSQL does.
			declared[i] = arrow.Null
		case oid != 0 && oid != pgtypes.UnknownOID:
			return nil, pgerror.New(pgerror.FeatureNotSupported, "parameters of type OID %d are not supported", oid)
		}
	}
	p, err := h.planner.Prepare(ctx, session{s}, stmts[0], declared)
	if err != nil {
		return nil, err
	}
	oids := make([]uint32, len(p.Params))
	for i, t := range p.Params {
		if t.ID() == arrow.NULL {
			oids[i] = pgtypes.VoidOID
			continue
		}
		pt, err := pgtypes.FromArrow(t)
		if err != nil {
			return nil, err
		}
		oids[i] = declaredOID(paramOIDs, i, pt.OID)
	}
	return &prepared{statement: statement{planner: h.planner, stmt: stmts[0], hook: h.hook}, types: p.Params, oids: oids, schema: p.Schema}, nil
}

// hookPrepared prepares a statement the query handler answers: its
// parameters keep their declared types, text where none was declared.
func hookPrepared(h handler, st planner.Statement, paramOIDs []uint32, schema *arrow.Schema) *prepared {
	n := max(st.ParamCount(), len(paramOIDs))
	p := &prepared{statement: statement{planner: h.planner, stmt: st, hook: h.hook}, schema: schema}
	for i := range n {
		t := arrow.DataType(arrow.BinaryTypes.String)
		if i < len(paramOIDs) {
			if dt, ok := pgtypes.ToArrow(paramOIDs[i]); ok {
				t = dt
			}
		}
		pt, _ := pgtypes.FromArrow(t)
		p.types = append(p.types, t)
		p.oids = append(p.oids, declaredOID(paramOIDs, i, pt.OID))
	}
	return p
}

// declaredOID is the type ParameterDescription reports for parameter i:
// the one the client declared, as PostgreSQL reports it (a varchar
// parameter stays varchar though riffq holds it as text; pgjdbc fails
// its statement when the type it declared comes back changed), else
// the inferred one.
func declaredOID(declared []uint32, i int, inferred uint32) uint32 {
	if i < len(declared) && declared[i] != 0 && declared[i] != pgtypes.UnknownOID {
		return declared[i]
	}
	return inferred
}

// statement is a parsed statement; it is planned when it runs, so it sees
// the tables registered by then and the session's current settings.
type statement struct {
	planner *planner.Planner
	stmt    planner.Statement
	params  []scalar.Scalar
	hook    QueryHandler
}

func (st *statement) Command() (string, wire.TxEffect) {
	tag, tx := planner.CommandTag(st.stmt)
	switch tx {
	case planner.TxBegin:
		return tag, wire.TxBegin
	case planner.TxEnd:
		if tag == "COMMIT" {
			return tag, wire.TxCommit
		}
		return tag, wire.TxRollback
	case planner.TxRollbackTo:
		return tag, wire.TxRollbackTo
	case planner.TxEndChain:
		if tag == "COMMIT" {
			return tag, wire.TxCommitChain
		}
		return tag, wire.TxRollbackChain
	}
	return tag, wire.TxNone
}

func (st *statement) Execute(ctx context.Context, s *wire.Session) (*wire.Result, error) {
	if st.hook != nil {
		q := &Query{SQL: st.stmt.Text(), Statement: st.stmt.Node, Session: s}
		for _, p := range st.params {
			q.Params = append(q.Params, goValue(p))
		}
		res, err := st.hook.Query(ctx, q)
		switch {
		case err == nil:
			if res == nil {
				res = &Result{}
			}
			tag := res.Tag
			if tag == "" && res.Rows != nil {
				tag = "SELECT"
			}
			return &wire.Result{Rows: res.Rows, Tag: tag}, nil
		case !errors.Is(err, ErrNotHandled):
			return nil, err
		}
	}
	q, err := st.plan(ctx, s)
	if err != nil {
		return nil, err
	}
	ctx = engine.WithRecursionLimit(engine.WithMemoryLimit(ctx, st.planner.MemoryLimit), st.planner.RecursionLimit)
	ctx = engine.WithTempDir(ctx, st.planner.TempDir)
	ctx = engine.WithLocation(ctx, s.Location)
	ctx = engine.WithDateOrder(ctx, s.DateOrder)
	ctx = engine.WithBackendSignal(ctx, func(pid int32, terminate bool) bool {
		return pid >= 0 && s.SignalBackend(uint32(pid), terminate)
	})
	ctx = engine.WithAdvisoryLocks(ctx, advisoryLocker{s})
	if q.Run != nil {
		if err := q.Run(ctx); err != nil {
			return nil, err
		}
	}
	if ci := q.CopyIn; ci != nil {
		return &wire.Result{Tag: q.Tag, CopyIn: &wire.CopyIn{Columns: ci.Columns, Binary: ci.Binary, Load: ci.Load}}, nil
	}
	if q.Plan == nil {
		return &wire.Result{Tag: q.Tag}, nil
	}
	rows, err := q.Plan.Execute(ctx)
	if err != nil {
		return nil, err
	}
	res := &wire.Result{Rows: rows, Tag: q.Tag}
	if f := q.Copy; f != nil {
		res.Copy = &wire.CopyFormat{Binary: f.Kind == "binary", CSV: f.Kind == "csv", Delimiter: f.Delimiter,
			Null: f.Null, Header: f.Header, Quote: f.Quote, Escape: f.Escape, ForceQuote: f.ForceQuote}
	}
	return res, nil
}

// plan plans the statement, or takes the session's plan of the same text
// when it has no parameters and the catalog is as it was then.
func (st *statement) plan(ctx context.Context, s *wire.Session) (*planner.Query, error) {
	if len(st.params) > 0 {
		return st.planner.Plan(ctx, session{s}, st.stmt, st.params)
	}
	cache, text := sessionPlans(s), planKey(s, st.stmt.Text())
	version := st.planner.Catalog.Version() // before planning: a change meanwhile invalidates
	if q := cache.get(text, version); q != nil {
		return q, nil
	}
	q, err := st.planner.Plan(ctx, session{s}, st.stmt, nil)
	if err != nil {
		return nil, err
	}
	cache.put(text, version, q)
	return q, nil
}

// prepared is a statement prepared by the extended protocol, with its
// parameter and result types.
type prepared struct {
	statement
	types  []arrow.DataType
	oids   []uint32
	schema *arrow.Schema
}

func (p *prepared) ParamOIDs() []uint32   { return p.oids }
func (p *prepared) Schema() *arrow.Schema { return p.schema }

// Bind decodes the parameter values as their prepared types.
func (p *prepared) Bind(_ context.Context, s *wire.Session, params [][]byte, formats []int16) (wire.Statement, error) {
	values := make([]scalar.Scalar, len(params))
	for i, raw := range params {
		t := p.types[i]
		var (
			v   scalar.Scalar
			err error
		)
		switch {
		case raw == nil:
			if d, ok := t.(*arrow.Decimal128Type); ok && d.Scale < 0 {
				t = &arrow.Decimal128Type{Precision: d.Precision, Scale: 0}
			}
			v = scalar.MakeNullScalar(t)
		case wire.FormatOf(formats, i) == 1:
			v, err = pgbinary.DecodeParam(raw, t)
		default:
			// A timestamptz without an offset is in the session's zone;
			// 03/04/2024 in its DateStyle's order.
			v, err = pgtext.ParseWith(string(raw), t, pgtext.Input{Loc: s.Location, Order: s.DateOrder})
		}
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	st := p.statement
	st.params = values
	return &st, nil
}

// advisoryLocker is the session's side of the server's advisory locks,
// as the engine's advisory lock functions take them.
type advisoryLocker struct{ s *wire.Session }

func (l advisoryLocker) Lock(ctx context.Context, key int64, pair, shared, xact, wait bool) (bool, error) {
	return l.s.AdvisoryLock(ctx, wire.AdvisoryKey{ID: key, Pair: pair}, shared, xact, wait)
}

func (l advisoryLocker) Unlock(key int64, pair, shared bool) bool {
	return l.s.AdvisoryUnlock(wire.AdvisoryKey{ID: key, Pair: pair}, shared)
}

func (l advisoryLocker) UnlockAll() { l.s.AdvisoryUnlockAll() }
