package planner

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// sequenceTable is the relation of a sequence (CREATE SEQUENCE, a serial
// or identity column's): reading it gives its one row, as PostgreSQL's
// does; nextval, currval and setval act on its state.
type sequenceTable struct {
	state *expr.SequenceState
	typ   arrow.DataType
	cache int64
}

var sequenceSchema = arrow.NewSchema([]arrow.Field{
	{Name: "last_value", Type: arrow.PrimitiveTypes.Int64},
	{Name: "log_cnt", Type: arrow.PrimitiveTypes.Int64},
	{Name: "is_called", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

func (s *sequenceTable) Schema() *arrow.Schema { return sequenceSchema }

// Scan yields the sequence's row.
func (s *sequenceTable) Scan(_ context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	last, called := s.state.Position()
	b := array.NewRecordBuilder(memory.DefaultAllocator, sequenceSchema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).Append(last)
	b.Field(1).(*array.Int64Builder).Append(0)
	b.Field(2).(*array.BooleanBuilder).Append(called)
	row := b.NewRecordBatch()
	if req.Projection != nil {
		cols := make([]arrow.Array, len(req.Projection))
		fields := make([]arrow.Field, len(req.Projection))
		for i, c := range req.Projection {
			cols[i], fields[i] = row.Column(c), sequenceSchema.Field(c)
		}
		projected := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 1)
		row.Release()
		row = projected
	}
	defer row.Release()
	return array.NewRecordReader(row.Schema(), []arrow.RecordBatch{row})
}

// Sequence implements sources.SequenceProvider.
func (s *sequenceTable) Sequence() sources.SequenceInfo {
	last, called := s.state.Position()
	return sources.SequenceInfo{Type: s.typ, Start: s.state.Start, Increment: s.state.Increment,
		Min: s.state.Min, Max: s.state.Max, Cache: s.cache, Last: last, Called: called}
}

// newSerialSequence is the sequence of a serial or identity column of
// type t: 1, 2, ... up to t's largest value.
func newSerialSequence(name string, t arrow.DataType) *sequenceTable {
	return &sequenceTable{state: expr.NewSequenceState(name, 1, 1, 1, maxOf(t)), typ: t, cache: 1}
}

func maxOf(t arrow.DataType) int64 {
	switch t.ID() {
	case arrow.INT16:
		return math.MaxInt16
	case arrow.INT32:
		return math.MaxInt32
	}
	return math.MaxInt64
}

// planCreateSequence plans CREATE SEQUENCE name [AS type] [INCREMENT n]
// [MINVALUE n] [MAXVALUE n] [START n] [CACHE n] [NO CYCLE].
func (p *Planner) planCreateSequence(b *binder, cs *pg_query.CreateSeqStmt) (*Query, error) {
	rel := cs.Sequence
	if err := b.qualifiedName(rel); err != nil {
		return nil, err
	}
	typ := arrow.DataType(typeInt8)
	seq, err := b.sequenceFromOptions(rel.Relname, typ, cs.Options, true)
	if err != nil {
		return nil, err
	}
	schema, err := b.createSchema(rel)
	if err != nil {
		return nil, err
	}
	db, name, ifNotExists := b.db, rel.Relname, cs.IfNotExists
	return &Query{Tag: "CREATE SEQUENCE", Run: func(context.Context) error {
		created, err := p.Catalog.CreateTable(db, schema, name, seq, ifNotExists)
		switch {
		case created:
			b.onRollback(func() { _ = p.Catalog.DropTable(db, schema, name, true) })
		case err == nil:
			b.notice("42P07", "relation \"%s\" already exists, skipping", name)
		}
		return err
	}}, nil
}

// planAlterSequence plans ALTER SEQUENCE name OWNED BY table.column |
// NONE, as pg_dump writes it after a serial column's table, and RESTART
// [WITH n]. The owning column's table then lists the sequence as its
// column's (pg_get_serial_sequence, pg_depend) and drops it with itself.
func (p *Planner) planAlterSequence(b *binder, as *pg_query.AlterSeqStmt) (*Query, error) {
	rel := as.Sequence
	t, ok := b.lookupTable(rel.Schemaname, rel.Relname)
	if !ok {
		if as.MissingOk {
			b.notice("00000", "relation \"%s\" does not exist, skipping", rel.Relname)
			return &Query{Tag: "ALTER SEQUENCE"}, nil
		}
		return nil, b.errorf(pgerror.UndefinedTable, rel.Location, "relation \"%s\" does not exist", rel.Relname)
	}
	seq, ok := t.Provider.(*sequenceTable)
	if !ok {
		return nil, b.errorf(pgerror.WrongObjectType, rel.Location, "\"%s\" is not a sequence", rel.Relname)
	}
	var steps []func() error
	for _, o := range as.Options {
		d := o.GetDefElem()
		switch d.Defname {
		case "owned_by":
			names := d.Arg.GetList().GetItems()
			var parts []string
			for _, n := range names {
				parts = append(parts, n.GetString_().GetSval())
			}
			if len(parts) == 1 && parts[0] == "none" {
				steps = append(steps, func() error { p.disown(b, seq); return nil })
				continue
			}
			if len(parts) < 2 {
				return nil, b.errorf(pgerror.SyntaxError, d.Location, "invalid relation name in OWNED BY option")
			}
			column := parts[len(parts)-1]
			schema := ""
			if len(parts) == 3 {
				schema = parts[0]
			}
			owner, ok := b.lookupTable(schema, parts[len(parts)-2])
			if !ok {
				return nil, b.errorf(pgerror.UndefinedTable, d.Location, "relation \"%s\" does not exist", parts[len(parts)-2])
			}
			wt, ok := owner.Provider.(*writableTable)
			if !ok {
				return nil, b.unsupported(d.Location, "OWNED BY needs an in-memory table")
			}
			if len(wt.Schema().FieldIndices(column)) == 0 {
				return nil, b.errorf(pgerror.UndefinedColumn, d.Location, "column \"%s\" of relation \"%s\" does not exist", column, owner.Name)
			}
			if owner.Schema != t.Schema {
				return nil, b.errorf(pgerror.FeatureNotSupported, d.Location, "sequence must be in same schema as table it is linked to")
			}
			db, schemaName, tableName := b.db, owner.Schema, owner.Name
			steps = append(steps, func() error {
				p.disown(b, seq)
				wt.own(column, seq.state.Name)
				p.Catalog.TableChanged(db, schemaName, tableName)
				return nil
			})
		case "restart":
			start := seq.state.Start
			if d.Arg != nil {
				v, ok := defInt(d.Arg)
				if !ok {
					return nil, b.errorf(pgerror.SyntaxError, d.Location, "RESTART requires a numeric value")
				}
				start = v
			}
			switch {
			case start < seq.state.Min:
				return nil, b.errorf(pgerror.InvalidParameterValue, d.Location, "RESTART value (%d) cannot be less than MINVALUE (%d)", start, seq.state.Min)
			case start > seq.state.Max:
				return nil, b.errorf(pgerror.InvalidParameterValue, d.Location, "RESTART value (%d) cannot be greater than MAXVALUE (%d)", start, seq.state.Max)
			}
			steps = append(steps, func() error { return seq.state.Set(start, false) })
		default:
			return nil, b.unsupported(d.Location, "ALTER SEQUENCE ... %s is not supported yet", strings.ToUpper(strings.ReplaceAll(d.Defname, "_", " ")))
		}
	}
	if t.Schema != b.tempSchema() {
		if err := checkWritable(b.sess, "ALTER SEQUENCE"); err != nil {
			return nil, err
		}
	}
	return &Query{Tag: "ALTER SEQUENCE", Run: func(context.Context) error {
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}}, nil
}

// defInt reads an integer option value.
func defInt(n *pg_query.Node) (int64, bool) {
	switch {
	case n.GetInteger() != nil:
		return int64(n.GetInteger().Ival), true
	case n.GetFloat() != nil:
		v, err := strconv.ParseInt(n.GetFloat().Fval, 10, 64)
		return v, err == nil
	}
	return 0, false
}

// disown removes seq from the sequences its table owns, if any.
func (p *Planner) disown(b *binder, seq *sequenceTable) {
	b.eachWritable(func(t *catalog.Table, wt *writableTable) {
		if wt.disown(seq.state.Name) {
			p.Catalog.TableChanged(b.db, t.Schema, t.Name)
		}
	})
}

// eachWritable calls fn for each in-memory table of the session's
// database.
func (b *binder) eachWritable(fn func(t *catalog.Table, wt *writableTable)) {
	for _, r := range b.cat.RelationNames(b.db) {
		if t, ok := b.lookupTable(r.Schema, r.Name); ok {
			if wt, ok := t.Provider.(*writableTable); ok {
				fn(t, wt)
			}
		}
	}
}

// sequenceFromOptions makes a sequence named name of type typ from the
// options of CREATE SEQUENCE or of an identity column (AS type only where
// allowType), checked as PostgreSQL checks them.
func (b *binder) sequenceFromOptions(name string, typ arrow.DataType, options []*pg_query.Node, allowType bool) (*sequenceTable, error) {
	var start, min, max *int64
	increment, cache := int64(1), int64(1)
	num := func(d *pg_query.DefElem) (int64, error) {
		if v, ok := defInt(d.Arg); ok {
			return v, nil
		}
		return 0, b.errorf(pgerror.SyntaxError, d.Location, "%s requires a numeric value", d.Defname)
	}
	for _, o := range options {
		d := o.GetDefElem()
		var err error
		var v int64
		switch d.Defname {
		case "as":
			if !allowType {
				return nil, b.unsupported(d.Location, "sequence option AS is not supported here")
			}
			if typ, err = resolveTypeName(d.Arg.GetTypeName(), b.sql); err != nil {
				return nil, err
			}
			if r := numericRank(typ); r < 1 || r > 3 {
				return nil, b.errorf(pgerror.InvalidParameterValue, d.Location, "sequence type must be smallint, integer, or bigint")
			}
		case "increment":
			if increment, err = num(d); err == nil && increment == 0 {
				err = pgerror.New(pgerror.InvalidParameterValue, "INCREMENT must not be zero")
			}
		case "start":
			if v, err = num(d); err == nil {
				start = &v
			}
		case "minvalue", "maxvalue":
			if d.Arg == nil {
				continue // NO MINVALUE, NO MAXVALUE
			}
			if v, err = num(d); err == nil {
				if d.Defname == "minvalue" {
					min = &v
				} else {
					max = &v
				}
			}
		case "cache":
			if cache, err = num(d); err == nil && cache < 1 {
				err = pgerror.New(pgerror.InvalidParameterValue, "CACHE (%d) must be greater than zero", cache)
			}
		case "cycle":
			if d.Arg == nil || defTrue(d.Arg) {
				return nil, b.unsupported(d.Location, "CYCLE sequences are not supported yet")
			}
		case "owned_by":
			// OWNED BY ties the sequence's life to a column's; riffq's
			// sequences live until DROP SEQUENCE.
		default:
			return nil, b.unsupported(d.Location, "sequence option %s is not supported yet", strings.ToUpper(d.Defname))
		}
		if err != nil {
			return nil, err
		}
	}
	lo, hi := int64(1), maxOf(typ)
	if increment < 0 {
		lo, hi = -maxOf(typ)-1, -1
	}
	if min != nil {
		lo = *min
	}
	if max != nil {
		hi = *max
	}
	first := lo
	if increment < 0 {
		first = hi
	}
	if start != nil {
		first = *start
	}
	switch {
	case lo >= hi:
		return nil, pgerror.New(pgerror.InvalidParameterValue, "MINVALUE (%d) must be less than MAXVALUE (%d)", lo, hi)
	case first < lo:
		return nil, pgerror.New(pgerror.InvalidParameterValue, "START value (%d) cannot be less than MINVALUE (%d)", first, lo)
	case first > hi:
		return nil, pgerror.New(pgerror.InvalidParameterValue, "START value (%d) cannot be greater than MAXVALUE (%d)", first, hi)
	}
	return &sequenceTable{state: expr.NewSequenceState(name, first, increment, lo, hi), typ: typ, cache: cache}, nil
}

// planDropSequence plans DROP SEQUENCE [IF EXISTS] name [, ...].
func (p *Planner) planDropSequence(b *binder, ds *pg_query.DropStmt) (*Query, error) {
	targets, err := b.dropTargets(ds)
	if err != nil {
		return nil, err
	}
	db, missingOK := b.db, ds.MissingOk
	return &Query{Tag: "DROP SEQUENCE", Run: func(context.Context) error {
		for _, t := range targets {
			rel, found := b.lookupTable(t.schema, t.name)
			if !found {
				if missingOK {
					b.notice("00000", "sequence \"%s\" does not exist, skipping", t.name)
					continue
				}
				return pgerror.New(pgerror.UndefinedTable, "sequence \"%s\" does not exist", t.name)
			}
			if _, ok := rel.Provider.(*sequenceTable); !ok {
				return pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a sequence", t.name).WithHint("Use DROP TABLE to remove a table.")
			}
			if err := p.Catalog.DropTable(db, rel.Schema, rel.Name, false); err != nil {
				return err
			}
		}
		return nil
	}}, nil
}

// bindSequenceFunc binds nextval(name), currval(name) and setval(name,
// value[, is_called]) of a sequence named by a constant.
func (b *binder) bindSequenceFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, error) {
	want := 1
	if name == "setval" {
		want = 2
	}
	if len(fc.Args) < want || len(fc.Args) > want+1 || name != "setval" && len(fc.Args) != 1 {
		return nil, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s with %d arguments does not exist", name, len(fc.Args))
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, err
	}
	text, ok := stringConstant(args[0])
	if tc := fc.Args[0].GetTypeCast(); tc != nil && len(tc.TypeName.GetNames()) > 0 &&
		tc.TypeName.Names[len(tc.TypeName.Names)-1].GetString_().GetSval() == "regclass" && tc.Arg.GetAConst().GetSval() != nil {
		// nextval('s'::regclass), as pg_dump and pg_get_expr write it.
		text, ok = tc.Arg.GetAConst().GetSval().Sval, true
	}
	if !ok || text == "" {
		return nil, b.unsupported(fc.Location, "%s of a sequence named by an expression is not supported yet", name)
	}
	schema, rel := splitQualified(text)
	t, ok := b.lookupTable(schema, rel)
	if !ok {
		return nil, b.errorf(pgerror.UndefinedTable, nodeLocation(fc.Args[0]), "relation \"%s\" does not exist", text)
	}
	seq, ok := t.Provider.(*sequenceTable)
	if !ok {
		return nil, pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a sequence", t.Name)
	}
	if name != "currval" && !b.describeOnly && t.Schema != b.tempSchema() {
		if err := checkWritable(b.sess, name+"()"); err != nil {
			return nil, err
		}
	}
	call := &expr.Call{Func: name, Type: typeInt8, Sequence: seq.state}
	if name == "setval" {
		v, err := b.cast(b.resolveUnknown(args[1]), typeInt8, fc.Location)
		if err != nil {
			return nil, err
		}
		call.Args = append(call.Args, v)
		if len(args) == 3 {
			c, err := b.cast(b.resolveUnknown(args[2]), typeBool, fc.Location)
			if err != nil {
				return nil, err
			}
			call.Args = append(call.Args, c)
		}
	}
	return call, nil
}

// stringConstant is the text of a quoted constant or a text literal.
func stringConstant(e expr.Expr) (string, bool) {
	switch a := e.(type) {
	case *unknownLit:
		return a.text, true
	case *expr.Literal:
		if s, ok := a.Value.(*scalar.String); ok && s.IsValid() {
			return string(s.Data()), true
		}
	}
	return "", false
}

// splitQualified splits a relation name as SQL writes it ("Sch".tab,
// tab) into its schema ("" when absent) and name, folding unquoted parts
// to lower case.
func splitQualified(text string) (schema, name string) {
	var parts []string
	for len(text) > 0 {
		var part string
		if text[0] == '"' {
			end := strings.IndexByte(text[1:], '"')
			if end < 0 {
				end = len(text) - 1
			}
			part, text = text[1:end+1], text[min(end+2, len(text)):]
		} else {
			end := strings.IndexByte(text, '.')
			if end < 0 {
				end = len(text)
			}
			part, text = strings.ToLower(text[:end]), text[end:]
		}
		parts = append(parts, part)
		text = strings.TrimPrefix(text, ".")
	}
	switch len(parts) {
	case 0:
		return "", ""
	case 1:
		return "", parts[0]
	}
	return parts[len(parts)-2], parts[len(parts)-1]
}

// bindSerialSequence binds pg_get_serial_sequence(table, column): the
// qualified name of the sequence of a serial or identity column, NULL for
// another column. Names read at run time (SQLAlchemy passes each column's
// a.attrelid::regclass::text and a.attname) look the sequence up in a
// list of every owned sequence that goes along.
func (b *binder) bindSerialSequence(args []expr.Expr) (expr.Expr, bool) {
	table, ok1 := stringConstant(args[0])
	column, ok2 := stringConstant(args[1])
	if !ok1 || !ok2 {
		var dir strings.Builder
		b.eachWritable(func(t *catalog.Table, wt *writableTable) {
			for _, o := range wt.ownedList() {
				seq := catalog.QuoteIdent(t.Schema) + "." + catalog.QuoteIdent(o.name)
				fmt.Fprintf(&dir, "%s\x1f%s\x1f%s\t%s\n", t.Schema, t.Name, o.column, seq)
				if t.Schema == catalog.DefaultSchema {
					fmt.Fprintf(&dir, "\x1f%s\x1f%s\t%s\n", t.Name, o.column, seq)
				}
			}
		})
		b.volatile = true // the list is the catalog's of now
		t, err1 := b.cast(b.resolveUnknown(args[0]), typeText, -1)
		c, err2 := b.cast(b.resolveUnknown(args[1]), typeText, -1)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		return &expr.Call{Func: "serial_sequence", Args: []expr.Expr{t, c, &expr.Literal{Value: scalar.NewStringScalar(dir.String())}}, Type: typeText}, true
	}
	schema, name := splitQualified(table)
	t, ok := b.lookupTable(schema, name)
	if !ok {
		return nil, false
	}
	wt, ok := t.Provider.(*writableTable)
	if !ok {
		return nil, false
	}
	for _, o := range wt.ownedList() {
		if o.column == column {
			return &expr.Literal{Value: scalar.NewStringScalar(catalog.QuoteIdent(t.Schema) + "." + catalog.QuoteIdent(o.name))}, true
		}
	}
	return nil, false
}
