package planner

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
)

// ProjectSet computes a select list holding set-returning functions: for
// each input row, every function's values side by side (the longest set
// decides how many rows, shorter ones pad with NULL, as PostgreSQL 10+ does)
// with the other items repeated. A row whose sets are all empty produces
// none.
type ProjectSet struct {
	Input Plan
	Items []SetItem
	Names []string
}

// SetItem is one select-list item: Expr, or a set-returning function over
// Args when Func is set.
type SetItem struct {
	Expr expr.Expr
	Func string // unnest, generate_series, generate_subscripts
	Args []expr.Expr
	Type arrow.DataType
}

func (p *ProjectSet) Schema() *arrow.Schema {
	in := p.Input.Schema()
	fields := make([]arrow.Field, len(p.Items))
	for i, it := range p.Items {
		fields[i] = arrow.Field{Name: p.Names[i], Type: it.Type, Nullable: true}
		// A plain column keeps its catalog type (an int2vector still
		// subscripts from 0), as Project's columns do.
		if c, ok := it.Expr.(*expr.Column); ok && c.Index < in.NumFields() {
			if pg := pgtypes.Annotation(in.Field(c.Index)); pg != "" {
				fields[i] = pgtypes.Annotate(fields[i], pg)
			}
		}
	}
	return arrow.NewSchema(fields, nil)
}

func (p *ProjectSet) Inputs() []Plan { return []Plan{p.Input} }
func (p *ProjectSet) String() string { return fmt.Sprintf("ProjectSet: %d items", len(p.Items)) }

// isSRFCall reports whether n is a call of a set-returning function riffq
// runs in a select list.
func isSRFCall(n *pg_query.Node) bool {
	if _, _, ok := expandArrayField(n); ok {
		return true
	}
	fc := n.GetFuncCall()
	if fc == nil || fc.Over != nil {
		return false
	}
	switch funcName(fc) {
	case "unnest", "generate_series", "generate_subscripts", "_pg_expandarray",
		"json_array_elements", "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text",
		"json_object_keys", "jsonb_object_keys", "regexp_matches", "string_to_table", "regexp_split_to_table", "pg_partition_ancestors":
		return true
	}
	return false
}

// expandArrayField recognizes (_pg_expandarray(a)).x and .n, which JDBC's
// getPrimaryKeys selects: the function's fields as their own sets.
func expandArrayField(n *pg_query.Node) (*pg_query.FuncCall, string, bool) {
	ind := n.GetAIndirection()
	if ind == nil || len(ind.Indirection) != 1 {
		return nil, "", false
	}
	fc := ind.Arg.GetFuncCall()
	field := ind.Indirection[0].GetString_().GetSval()
	if fc == nil || funcName(fc) != "_pg_expandarray" || (field != "x" && field != "n") {
		return nil, "", false
	}
	return fc, field, true
}

// bindSRFItem binds a select-list set-returning function call.
func (b *binder) bindSRFItem(n *pg_query.Node, ectx exprContext) (SetItem, error) {
	if fc, field, ok := expandArrayField(n); ok {
		// .x is unnest(a), .n its subscripts: the same rows, in step.
		item, err := b.bindSRFItem(&pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: fc}}, ectx)
		if err != nil {
			return SetItem{}, err
		}
		if field == "x" {
			item.Func, item.Type = "unnest", item.Type.(*arrow.StructType).Field(0).Type
		} else {
			item.Func, item.Type = "generate_subscripts", typeInt4
			item.Args = append(item.Args, &expr.Literal{Value: scalar.NewInt32Scalar(1)})
		}
		return item, nil
	}
	fc := n.GetFuncCall()
	name := funcName(fc)
	if name == "pg_partition_ancestors" && len(fc.Args) == 1 {
		return b.bindSRFItem(&pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: partitionAncestors(fc)}}, ectx)
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return SetItem{}, err
	}
	raw := slices.Clone(args) // untyped literals still untyped
	for i, a := range args {
		args[i] = b.resolveUnknown(a)
	}
	if arr, _, ok, err := b.setFuncAsArray(fc, name, args); ok || err != nil {
		if err != nil {
			return SetItem{}, err
		}
		name, args = "unnest", []expr.Expr{arr}
	}
	item := SetItem{Func: name, Args: args}
	switch {
	case name == "unnest" && len(args) == 1:
		list, ok := args[0].DataType().(*arrow.ListType)
		if !ok {
			return SetItem{}, b.noFunction(fc, name, args...)
		}
		item.Type = list.Elem()
	case name == "_pg_expandarray" && len(args) == 1:
		// information_schema._pg_expandarray(a): each element x with its
		// subscript n, as a record.
		list, ok := args[0].DataType().(*arrow.ListType)
		if !ok {
			return SetItem{}, b.noFunction(fc, name, args...)
		}
		item.Type = arrow.StructOf(arrow.Field{Name: "x", Type: list.Elem(), Nullable: true}, arrow.Field{Name: "n", Type: typeInt4, Nullable: true})
	case name == "generate_subscripts" && len(args) == 2:
		if _, ok := args[0].DataType().(*arrow.ListType); !ok {
			return SetItem{}, b.noFunction(fc, name, args...)
		}
		var err error
		if item.Args[1], err = b.cast(args[1], typeInt4, fc.Location); err != nil {
			return SetItem{}, err
		}
		item.Type = typeInt4
	case name == "generate_series" && len(args) == 3 && isDateTime(raw[0], raw[1]):
		// generate_series(timestamp[tz], timestamp[tz], interval), dates
		// as timestamptz, as in FROM.
		item.Type = typeTimestamp
		for _, a := range raw[:2] {
			if t := a.DataType(); t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP && t.(*arrow.TimestampType).TimeZone != "" {
				item.Type = typeTimestamptz
			}
		}
		for i, a := range raw {
			want := item.Type
			if i == 2 {
				want = typeInterval
			}
			var err error
			if u, ok := a.(*unknownLit); ok {
				item.Args[i], err = b.resolveAs(u, want)
			} else {
				item.Args[i], err = b.cast(a, want, fc.Location)
			}
			if err != nil {
				return SetItem{}, err
			}
		}
	case name == "generate_series" && (len(args) == 2 || len(args) == 3):
		item.Type = typeInt4
		for _, a := range args {
			if a.DataType().ID() == arrow.INT64 {
				item.Type = typeInt8
			} else if a.DataType().ID() != arrow.INT32 && a.DataType().ID() != arrow.INT16 {
				return SetItem{}, b.unsupported(fc.Location, "generate_series over %s is not supported yet", typeName(a.DataType()))
			}
		}
		for i, a := range args {
			var err error
			if item.Args[i], err = b.cast(a, item.Type, fc.Location); err != nil {
				return SetItem{}, err
			}
		}
	default:
		return SetItem{}, b.noFunction(fc, name, args...)
	}
	return item, nil
}

// nestedSRFs binds a select list whose expressions hold set-returning
// functions: each function becomes a column after the input's own (its
// scope is the input's plus those columns), computed by a ProjectSet
// under the select list's Project.
type nestedSRFs struct {
	input *scope
	items []SetItem
	names []string
}

// bind binds select-list item t, its set-returning functions read from
// their columns.
func (n *nestedSRFs) bind(b *binder, t *pg_query.Node, ectx exprContext) (expr.Expr, error) {
	clone := proto.Clone(t).(*pg_query.Node)
	for {
		srf := findSRF(clone)
		if srf == nil {
			break
		}
		// The function's arguments read the input only.
		item, err := b.bindSRFItem(srf, exprContext{scope: n.input, wins: ectx.wins})
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("?srf%d?", len(n.items)+1)
		n.items = append(n.items, item)
		n.names = append(n.names, name)
		loc := nodeLocation(srf)
		srf.Node = nameRef(name, loc).Node
	}
	ext := &scope{cols: slices.Clone(n.input.cols), tables: n.input.tables}
	for i, item := range n.items {
		ext.cols = append(ext.cols, scopeColumn{name: n.names[i], typ: item.Type})
	}
	ectx.scope = ext
	return b.bindExpr(clone, ectx)
}

// plan is the ProjectSet over input: its columns, then the functions'.
func (n *nestedSRFs) plan(input Plan) Plan {
	ps := &ProjectSet{Input: input}
	for i, f := range input.Schema().Fields() {
		ps.Items = append(ps.Items, SetItem{Expr: &expr.Column{Index: i, Name: f.Name, Type: f.Type}, Type: f.Type})
		ps.Names = append(ps.Names, f.Name)
	}
	ps.Items = append(ps.Items, n.items...)
	ps.Names = append(ps.Names, n.names...)
	return ps
}

// findSRF returns the first set-returning function call in n, n itself
// included, outside subqueries; nil when there is none.
func findSRF(n *pg_query.Node) *pg_query.Node { return findNode(n, isSRFCall) }

// findNode returns the first node of n, n itself included, that match
// reports, looking into subqueries only for the subquery itself; nil when
// there is none.
func findNode(n *pg_query.Node, match func(*pg_query.Node) bool) *pg_query.Node {
	if n == nil {
		return nil
	}
	if match(n) {
		return n
	}
	if n.GetSubLink() != nil {
		return nil
	}
	var found *pg_query.Node
	var visit func(m protoreflect.Message)
	check := func(m protoreflect.Message) {
		if node, ok := m.Interface().(*pg_query.Node); ok {
			found = findNode(node, match)
			return
		}
		visit(m)
	}
	visit = func(m protoreflect.Message) {
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len() && found == nil; i++ {
					check(l.Get(i).Message())
				}
			case fd.Message() != nil && !fd.IsMap():
				check(v.Message())
			}
			return found == nil
		})
	}
	visit(n.ProtoReflect())
	return found
}

// groupedSRFs runs the set-returning functions a plain GROUP BY item names
// (by ordinal, by output name, or as its expression) before grouping, as
// PostgreSQL does: a ProjectSet over the input adds each function's values
// as a column, and the GROUP BY items and select-list items holding the
// same call read that column. The input, scope, select list and GROUP BY
// come back rewritten; without such items they come back as they are.
func (b *binder) groupedSRFs(group, targets []*pg_query.Node, names []string, input Plan, sc *scope) (Plan, *scope, []*pg_query.Node, []*pg_query.Node, error) {
	pre := &nestedSRFs{input: sc}
	var calls []*pg_query.Node // the calls, without locations, by column
	for _, g := range group {
		node := g
		if c := g.GetAConst(); c != nil && c.GetIval() != nil {
			if i := int(c.GetIval().Ival); i >= 1 && i <= len(targets) {
				node = targets[i-1]
			}
		} else if cr := g.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetString_() != nil {
			if _, _, err := b.lookupColumn(sc, "", cr.Fields[0].GetString_().Sval, cr.Location); err != nil {
				if i := slices.Index(names, cr.Fields[0].GetString_().Sval); i >= 0 {
					node = targets[i]
				}
			}
		}
		clone := proto.Clone(node).(*pg_query.Node)
		for srf := findSRF(clone); srf != nil; srf = findSRF(clone) {
			item, err := b.bindSRFItem(srf, exprContext{scope: sc})
			if err != nil {
				return nil, nil, nil, nil, err
			}
			calls = append(calls, withoutLocations(srf))
			pre.items = append(pre.items, item)
			pre.names = append(pre.names, fmt.Sprintf("?gsrf%d?", len(pre.items)))
			srf.Node = nameRef(pre.names[len(pre.names)-1], nodeLocation(srf)).Node
		}
	}
	if len(calls) == 0 {
		return input, sc, targets, group, nil
	}
	// Every occurrence of those calls reads its column.
	rewrite := func(n *pg_query.Node) *pg_query.Node {
		clone := proto.Clone(n).(*pg_query.Node)
		replaceNodes(clone, func(m *pg_query.Node) (string, bool) {
			if !isSRFCall(m) {
				return "", false
			}
			bare := withoutLocations(m)
			for i, c := range calls {
				if proto.Equal(bare, c) {
					return pre.names[i], true
				}
			}
			return "", false
		})
		return clone
	}
	newTargets := make([]*pg_query.Node, len(targets))
	for i, t := range targets {
		newTargets[i] = rewrite(t)
	}
	newGroup := make([]*pg_query.Node, len(group))
	for i, g := range group {
		newGroup[i] = rewrite(g)
	}
	ext := &scope{cols: slices.Clone(sc.cols), tables: sc.tables, star: sc.star}
	for i, item := range pre.items {
		ext.cols = append(ext.cols, scopeColumn{name: pre.names[i], typ: item.Type})
	}
	return pre.plan(input), ext, newTargets, newGroup, nil
}

// nameRef is a reference to column name.
func nameRef(name string, loc int32) *pg_query.Node {
	return &pg_query.Node{Node: &pg_query.Node_ColumnRef{ColumnRef: &pg_query.ColumnRef{
		Fields: []*pg_query.Node{pg_query.MakeStrNode(name)}, Location: loc}}}
}

// withoutLocations returns a copy of n with every location zeroed, to
// compare calls written at different places.
func withoutLocations(n *pg_query.Node) *pg_query.Node {
	clone := proto.Clone(n).(*pg_query.Node)
	var visit func(m protoreflect.Message)
	visit = func(m protoreflect.Message) {
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.Name() == "location" && fd.Kind() == protoreflect.Int32Kind:
				m.Clear(fd)
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					visit(l.Get(i).Message())
				}
			case fd.Message() != nil && !fd.IsMap():
				visit(v.Message())
			}
			return true
		})
	}
	visit(clone.ProtoReflect())
	return clone
}

// replaceNodes replaces, in place, each node of n (outside subqueries)
// for which match gives a name with a reference to that column.
func replaceNodes(n *pg_query.Node, match func(*pg_query.Node) (string, bool)) {
	if name, ok := match(n); ok {
		n.Node = nameRef(name, nodeLocation(n)).Node
		return
	}
	if n.GetSubLink() != nil {
		return
	}
	replaceChildren(n, func(c *pg_query.Node) { replaceNodes(c, match) })
}

// replaceChildren calls fn on each node directly below n, subqueries
// included.
func replaceChildren(n *pg_query.Node, fn func(*pg_query.Node)) {
	var visit func(m protoreflect.Message)
	visit = func(m protoreflect.Message) {
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					if node, ok := l.Get(i).Message().Interface().(*pg_query.Node); ok {
						fn(node)
					} else {
						visit(l.Get(i).Message())
					}
				}
			case fd.Message() != nil && !fd.IsMap():
				if node, ok := v.Message().Interface().(*pg_query.Node); ok {
					fn(node)
				} else {
					visit(v.Message())
				}
			}
			return true
		})
	}
	visit(n.ProtoReflect())
}

// partitionAncestors rewrites pg_partition_ancestors(rel) as
// unnest(ARRAY[rel::regclass]): no table is partitioned, so a table is
// its only ancestor (psql's \d asks, for "Referenced by" and triggers).
func partitionAncestors(fc *pg_query.FuncCall) *pg_query.FuncCall {
	elem := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: fc.Args[0],
		TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("regclass")}, Typemod: -1, Location: -1}, Location: -1}}}
	arr := &pg_query.Node{Node: &pg_query.Node_AArrayExpr{AArrayExpr: &pg_query.A_ArrayExpr{Elements: []*pg_query.Node{elem}, Location: -1}}}
	return &pg_query.FuncCall{Funcname: []*pg_query.Node{pg_query.MakeStrNode("unnest")}, Args: []*pg_query.Node{arr}, Location: fc.Location}
}
