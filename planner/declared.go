package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
)

// A select-list item that casts to a type with a modifier,
// 1.5::numeric(5,2) or 'a'::varchar(10), or to a type riffq holds in a
// plainer one (name, oid), reports that type to the client
// (RowDescription's type and typmod, what JDBC's getPrecision and
// psycopg's description read), as PostgreSQL does; any other expression
// of a numeric type reports none. riffq's types carry no modifiers, so the
// planner marks such an item with the catalog type it declares: a call
// the engine evaluates as its argument, whose type the result column
// takes (pgtypes.TypeMetadata).

// declaredTypeFunc is the engine function that marks its argument as of a
// declared catalog type.
const declaredTypeFunc = "declared_type"

// declare marks e, the value of select-list item n, with the catalog
// type it declares (declaredOf), if any: a cast's, a CASE's over declared
// values, a function's that returns name or void. A plain column
// reference needs no mark: it keeps its input column's type.
func (b *binder) declare(e expr.Expr, n *pg_query.Node) expr.Expr {
	var typ string
	switch c, isCol := e.(*expr.Column); {
	case returnsName(n):
		typ = "name"
	case n.GetFuncCall() != nil && (funcName(n.GetFuncCall()) == "pg_sleep" || engine.IsAdvisoryLockFunc(funcName(n.GetFuncCall())) && e.DataType().ID() == arrow.STRING):
		// void, whose values riffq holds as empty strings.
		typ = "void"
	case isUnaryPlus(n) && isCol && c.Type.ID() == arrow.DECIMAL128:
		// +x is numeric_uplus(x): a computed numeric, without x's
		// precision and scale.
		typ = "numeric"
	case isCol && b.declared[e] == "":
		return e
	case declaredType(e) == "":
		typ = b.declaredOf(e)
	}
	return declaredAs(e, typ)
}

// declaredAs marks e as of catalog type typ (none when typ is "").
func declaredAs(e expr.Expr, typ string) expr.Expr {
	if typ == "" {
		return e
	}
	return &expr.Call{Func: declaredTypeFunc, Args: []expr.Expr{e, &expr.Literal{Value: scalar.NewStringScalar(typ)}}, Type: e.DataType()}
}

// castDeclared is the catalog type a cast to tn declares where riffq's
// Arrow type does not tell it (numeric's precision and scale, varchar, a
// time's precision, name, oid), or "".
func castDeclared(tn *pg_query.TypeName) string {
	if len(tn.GetArrayBounds()) > 0 || len(tn.GetNames()) == 0 {
		return ""
	}
	names := tn.Names
	mods := tn.Typmods
	mod := func(i int) int32 { return mods[i].GetAConst().GetIval().GetIval() }
	switch name := names[len(names)-1].GetString_().GetSval(); name {
	case "numeric", "decimal":
		switch len(mods) {
		case 0:
			return "numeric"
		case 1:
			return fmt.Sprintf("numeric(%d,0)", mod(0))
		case 2:
			return fmt.Sprintf("numeric(%d,%d)", mod(0), mod(1))
		}
	case "varchar":
		if len(mods) == 1 {
			return fmt.Sprintf("character varying(%d)", mod(0))
		}
		return "character varying"
	case "timestamp", "timestamptz", "time":
		if len(mods) == 1 && mod(0) >= 0 && mod(0) <= 6 {
			return fmt.Sprintf("%s(%d)", name, mod(0))
		}
	case "name", "oid":
		return name
	}
	return ""
}

// isUnaryPlus reports whether n is +x.
func isUnaryPlus(n *pg_query.Node) bool {
	ae := n.GetAExpr()
	return ae != nil && ae.Kind == pg_query.A_Expr_Kind_AEXPR_OP && ae.Lexpr == nil && len(ae.Name) == 1 && ae.Name[0].GetString_().GetSval() == "+"
}

// returnsName reports whether n calls a function whose result type is
// name: current_user and its kin, current_database(), current_schema().
func returnsName(n *pg_query.Node) bool {
	if f := n.GetSqlvalueFunction(); f != nil {
		switch f.Op {
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg_query.SQLValueFunctionOp_SVFOP_USER,
			pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE,
			pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
			return true
		}
		return false
	}
	fc := n.GetFuncCall()
	if fc == nil || len(fc.Args) > 0 || len(fc.Funcname) == 0 {
		return false
	}
	switch fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval() {
	case "current_database", "current_schema", "current_user", "session_user":
		return true
	}
	return false
}

// declaredType is the catalog type a select-list item declares, "" for
// one that declares none.
func declaredType(e expr.Expr) string {
	v, _ := markerArg(e, declaredTypeFunc)
	s, ok := v.(*scalar.String)
	if !ok {
		return ""
	}
	return string(s.Data())
}

// setDeclared records t, a catalog type with its modifier, as what bound
// expression e declares (declaredOf); t == "" records nothing.
func (b *binder) setDeclared(e expr.Expr, t string) {
	if t == "" {
		return
	}
	if b.declared == nil {
		b.declared = make(map[expr.Expr]string)
	}
	b.declared[e] = t
}

// declaredOf is the catalog type bound expression e has in PostgreSQL
// where riffq's Arrow type does not tell it — a table's numeric(p,s)
// column, a name column, a cast to varchar(n), a CASE over such values —
// or "". PostgreSQL reports the modifier of a column or a cast, and of a
// CASE, COALESCE, GREATEST, LEAST, NULLIF, VALUES column or set operation
// whose inputs all have the same one; any other computed value has none.
func (b *binder) declaredOf(e expr.Expr) string {
	if p, ok := peelBpchar(e); ok {
		if t := bpcharAnnotation(p); t != "" {
			return t
		}
		e = p
	}
	if t := declaredType(e); t != "" {
		return t
	}
	if t := b.declared[e]; t != "" {
		return t
	}
	if c, ok := e.(*expr.Column); ok {
		switch t := b.pgTypes[c]; t {
		case "":
			return b.numericCols[c]
		case "information_schema.character_data":
			return "character varying" // the domains' base types
		case "information_schema.yes_or_no":
			return "character varying(3)"
		default:
			return t
		}
	}
	return ""
}

// commonDeclared is the declared type of a value that unifies inputs of
// common type ct — CASE results (ELSE first), COALESCE, GREATEST and LEAST
// arguments, a VALUES column, a set operation's column — as PostgreSQL's
// select_common_type and select_common_typmod make it. decls are the
// inputs' declared types and untyped marks the untyped constants and
// NULLs, which take the type of the first typed input without its
// modifier. A modifier stays when every input has it. Strings go the
// first typed input's way, as text, varchar and character cast to each
// other implicitly: varchar(n) then text is varchar; character values
// are unified only with character values and untyped ones (bpchar.go).
func commonDeclared(decls []string, untyped []bool, ct arrow.DataType) string {
	first := slices.Index(untyped, false)
	if first < 0 || decls[first] == "" {
		return ""
	}
	d := decls[first]
	typed := func(ok func(string) bool) bool { // ok holds for every typed input
		for i, x := range decls {
			if !untyped[i] && !ok(x) {
				return false
			}
		}
		return true
	}
	switch {
	case !slices.ContainsFunc(decls, func(x string) bool { return x != d }):
		return d // every input has it, untyped ones too
	case ct.ID() == arrow.STRING && isVarcharType(d):
		return "character varying"
	case ct.ID() == arrow.STRING && isBpcharType(d) && typed(isBpcharType):
		return "bpchar"
	case !strings.Contains(d, "(") && typed(func(x string) bool { return x == d }):
		return d // name, oid: the type has no modifier to lose
	}
	return ""
}

// isVarcharType reports whether pgType, a declared type, is character
// varying, with or without a length.
func isVarcharType(pgType string) bool {
	return strings.HasPrefix(pgType, "character varying")
}

// isUntyped reports whether bound expression e is an untyped constant or
// NULL, which takes the type of the values it is unified with.
func isUntyped(e expr.Expr) bool {
	_, ok := e.(*unknownLit)
	return ok || isBareNull(e)
}

// inputsDeclared is commonDeclared over bound inputs es.
func (b *binder) inputsDeclared(es []expr.Expr, ct arrow.DataType) string {
	decls := make([]string, len(es))
	untyped := make([]bool, len(es))
	for i, e := range es {
		decls[i], untyped[i] = b.declaredOf(e), isUntyped(e)
	}
	return commonDeclared(decls, untyped, ct)
}

// planDeclared is the declared type of column i of plan p: its
// annotation, or numeric(p,s) when it reads a table's decimal column
// unchanged.
func planDeclared(p Plan, i int) string {
	return schemaDeclared(p.Schema(), i, func() []columnOrigin { return origins(p) })
}

// schemaDeclared is planDeclared for a plan of the given schema, whose
// origins are read only for a decimal column.
func schemaDeclared(schema *arrow.Schema, i int, origins func() []columnOrigin) string {
	f := schema.Field(i)
	if t := pgtypes.Annotation(f); t != "" {
		return t
	}
	if t := numericDeclared(f.Type); t != "" {
		if o := origins(); i < len(o) && o[i].table != 0 {
			return t
		}
	}
	return ""
}

// numericDeclared is numeric(p,s) for a decimal type of a table's column
// (a column's precision and scale are its declared type's), else "".
func numericDeclared(t arrow.DataType) string {
	if d, ok := t.(*arrow.Decimal128Type); ok && d.Scale >= 0 {
		return fmt.Sprintf("numeric(%d,%d)", d.Precision, d.Scale)
	}
	return ""
}
