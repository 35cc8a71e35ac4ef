package planner

// The text functions: string functions, concat and format, and the
// rounding functions bound with them.

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// textFuncArgs are the argument kinds of the text functions: t text, i an
// integer; a trailing ? makes the rest optional.
var textFuncArgs = map[string]string{
	"substr": "ti?i", "substring": "ti?i", "replace": "ttt", "btrim": "t?t", "trim": "t?t",
	"ltrim": "t?t", "rtrim": "t?t", "left": "ti", "right": "ti", "repeat": "ti", "reverse": "t",
	"initcap": "t", "position": "tt", "strpos": "tt", "translate": "ttt", "chr": "i", "ascii": "t",
	"lpad": "ti?t", "rpad": "ti?t", "split_part": "tti", "md5": "t", "starts_with": "tt",
	"octet_length": "t", "bit_length": "t", "quote_literal": "t", "quote_nullable": "t", "to_hex": "i",
	"regexp_replace": "ttt?t", "regexp_match": "tt?t", "regexp_split_to_array": "tt?t",
	"string_to_array": "tt?t", "regexp_count": "tt?it", "regexp_like": "tt?t", "similar_to_escape": "t?t",
	"overlay": "tti?i", "regexp_substr": "tt?iiti", "regexp_instr": "tt?iiiti",
}

// textFuncTypes are the result types of the text functions not returning
// text.
var textFuncTypes = map[string]arrow.DataType{
	"position": typeInt4, "strpos": typeInt4, "ascii": typeInt4, "octet_length": typeInt4, "bit_length": typeInt4,
	"regexp_count": typeInt4, "starts_with": typeBool, "regexp_like": typeBool, "regexp_instr": typeInt4,
	"regexp_match": arrow.ListOf(typeText), "regexp_split_to_array": arrow.ListOf(typeText), "string_to_array": arrow.ListOf(typeText),
}

// bindTextMathFunc binds the string functions above, concat, concat_ws
// and format (whose arguments become text), and round, trunc, ceil and
// floor.
func (b *binder) bindTextMathFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	if e, ok, err := b.bindByteaHash(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	sig, isText := textFuncArgs[name]
	isMath := name == "round" || name == "trunc" || name == "ceil" || name == "ceiling" || name == "floor"
	variadic := name == "concat" || name == "concat_ws" || name == "format"
	if !isText && !isMath && !variadic && !byteaFuncs[name] {
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	if e, ok, err := b.bindByteaFunc(fc, name, args); ok || err != nil {
		return e, ok, err
	}
	noFunc := func() (expr.Expr, bool, error) { return nil, true, b.noFunction(fc, name, args...) }
	if name == "regexp_replace" && len(args) >= 4 && numericRank(args[3].DataType()) >= 1 && numericRank(args[3].DataType()) <= 3 {
		// regexp_replace(source, pattern, replacement, start [, N [,
		// flags]]), PostgreSQL 15's: an integer where flags would be.
		name, sig = "regexp_replace_n", "ttti?it"
	}
	if variadic || name == "octet_length" {
		// These read a character value as it prints: padded.
		for i, a := range args {
			args[i] = unpadded(a)
		}
	}
	switch {
	case name == "octet_length" && len(args) == 1 && args[0].DataType().ID() == arrow.BINARY:
		return &expr.Call{Func: "bytea_length", Args: args, Type: typeInt4}, true, nil
	case variadic && fc.FuncVariadic:
		return b.bindVariadicText(fc, name, args)
	case variadic:
		if len(args) == 0 {
			return noFunc()
		}
		for i, a := range args {
			if a.DataType().ID() == arrow.BOOL {
				// Arguments print as their type's output does: t and f,
				// not the true and false of a cast to text.
				t, f := &expr.Literal{Value: scalar.NewStringScalar("t")}, &expr.Literal{Value: scalar.NewStringScalar("f")}
				args[i] = &expr.Case{Whens: []expr.When{{Cond: a, Result: t}, {Cond: &expr.Not{Input: a}, Result: f}}, Type: typeText}
				continue
			}
			if args[i], err = b.cast(b.resolveUnknown(a), typeText, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: name, Args: args, Type: typeText}, true, nil
	case name == "substring" && len(args) == 2 && (category(args[1].DataType()) == catString || isUnknownText(args[1])):
		// substring(string FROM pattern): a POSIX regular expression, as
		// PostgreSQL resolves a text (or untyped) second argument.
		for i, a := range args {
			if args[i], err = b.cast(b.resolveUnknown(a), typeText, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: "substring_regex", Args: args, Type: typeText}, true, nil
	case name == "substring" && len(args) == 3 && (category(args[1].DataType()) == catString || isUnknownText(args[1])):
		// substring(string SIMILAR pattern ESCAPE escape): the SQL
		// pattern made a POSIX one, whose #" ... #" part is returned.
		for i, a := range args {
			if args[i], err = b.cast(b.resolveUnknown(a), typeText, fc.Location); err != nil {
				return nil, true, err
			}
		}
		pattern := &expr.Call{Func: "similar_to_escape", Args: args[1:], Type: typeText}
		return &expr.Call{Func: "substring_regex", Args: []expr.Expr{args[0], pattern}, Type: typeText}, true, nil
	case (name == "quote_literal" || name == "quote_nullable") && len(args) == 1 &&
		category(args[0].DataType()) != catString && args[0].DataType().ID() != arrow.NULL && !isUnknownText(args[0]):
		// quote_literal(anyelement) quotes the value's text.
		arg, err := b.cast(args[0], typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: []expr.Expr{arg}, Type: typeText}, true, nil
	case isText:
		required, optional, _ := strings.Cut(sig, "?")
		if len(args) < len(required) || len(args) > len(required)+len(optional) {
			return noFunc()
		}
		kinds := required + optional
		for i, a := range args {
			want, cat := arrow.DataType(typeText), catString
			if kinds[i] == 'i' {
				want, cat = typeInt4, catNumeric
			}
			if u, ok := a.(*unknownLit); ok {
				if args[i], err = b.resolveAs(u, want); err != nil {
					return nil, true, err
				}
				continue
			}
			if a.DataType().ID() == arrow.NULL { // a bare NULL is unknown too
				args[i] = &expr.Literal{Value: scalar.MakeNullScalar(want)}
				continue
			}
			if category(a.DataType()) != cat || (cat == catNumeric && numericRank(a.DataType()) > 3) {
				return noFunc()
			}
		}
		typ := arrow.DataType(typeText)
		if t, ok := textFuncTypes[name]; ok {
			typ = t
		}
		return &expr.Call{Func: name, Args: args, Type: typ}, true, nil
	}
	// round, trunc, ceil, floor
	if len(args) < 1 || len(args) > 2 || (len(args) == 2 && (name == "ceil" || name == "ceiling" || name == "floor")) {
		return noFunc()
	}
	x := args[0]
	// An untyped argument is double precision, the preferred numeric
	// type, unless a scale is given: only numeric takes one.
	var untyped arrow.DataType = typeFloat8
	if len(args) == 2 {
		untyped = &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: -1} // numeric
	}
	if _, ok := x.(*unknownLit); ok {
		if x, err = b.cast(x, untyped, fc.Location); err != nil {
			return nil, true, err
		}
	}
	if isBareNull(x) {
		x = typedNull(x, castTarget(arrow.BinaryTypes.String, untyped))
	}
	perValue := isPerValueNumeric(x.DataType())
	if numericRank(x.DataType()) == 0 && !perValue {
		return noFunc()
	}
	if len(args) == 1 && perValue {
		// Of a numeric with a scale per value (an avg, a quotient,
		// numerics of mixed scales): scale 0, each value from its own.
		return &expr.Call{Func: name, Args: []expr.Expr{x}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}}, true, nil
	}
	if len(args) == 1 {
		if x.DataType().ID() != arrow.DECIMAL128 {
			// The integer and real variants resolve to double precision.
			if x, err = b.cast(x, typeFloat8, fc.Location); err != nil {
				return nil, true, err
			}
			return &expr.Call{Func: name, Args: []expr.Expr{x}, Type: typeFloat8}, true, nil
		}
		return &expr.Call{Func: name, Args: []expr.Expr{x}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}}, true, nil
	}
	if id := x.DataType().ID(); id == arrow.FLOAT32 || id == arrow.FLOAT64 {
		return noFunc() // only numeric has a scale argument
	}
	lit, ok := foldConstant(args[1]).(*expr.Literal)
	if u, isU := args[1].(*unknownLit); isU {
		if v, err := parseLiteral(u.text, typeInt4); err == nil {
			lit, ok = &expr.Literal{Value: v}, true
		}
	}
	if r := numericRank(args[1].DataType()); !ok && (name == "round" || name == "trunc") && r >= 1 && r <= 3 {
		// A scale read per row: each value gets its own.
		if !perValue {
			if x, err = b.cast(x, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: -1}, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: name + "_scale", Args: []expr.Expr{x, args[1]}, Type: pgtypes.Numeric()}, true, nil
	}
	if !ok || !lit.Value.IsValid() || numericRank(lit.Value.DataType()) > 3 {
		return nil, true, b.unsupported(fc.Location, "%s(numeric, scale) needs a constant integer scale", name)
	}
	sv, err := castScalar(lit.Value, typeInt4)
	if err != nil {
		return nil, true, err
	}
	scale := sv.(*scalar.Int32).Value
	switch {
	case scale > maxNumericPrecision:
		// No numeric riffq holds has room for that many digits; refused
		// before any arithmetic over them (round(x, 2147483647)).
		return nil, true, b.errorf(pgerror.NumericValueOutOfRange, fc.Location, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", maxNumericPrecision, scale, maxNumericPrecision-int(scale))
	case scale < -maxNumericPrecision:
		// Every value riffq holds rounds to 0 there.
		zero := &expr.Literal{Value: scalar.NewDecimal128Scalar(decimal128.FromI64(0), &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0})}
		return &expr.Case{Whens: []expr.When{{Cond: &expr.IsNull{Input: x}, Result: &expr.Literal{Value: scalar.MakeNullScalar(zero.DataType())}}},
			Else: zero, Type: zero.DataType()}, true, nil
	}
	if perValue && scale >= 0 {
		return &expr.Call{Func: name, Args: []expr.Expr{x}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: scale}}, true, nil
	}
	if !perValue {
		if x, err = b.cast(x, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: -1}, fc.Location); err != nil {
			return nil, true, err
		}
		if x.DataType().ID() != arrow.DECIMAL128 {
			return noFunc()
		}
	}
	if scale < 0 {
		// To tens, hundreds...: x / 10^k to a whole number, times 10^k.
		k := int(-scale)
		down, _ := numericLiteral("0." + strings.Repeat("0", k-1) + "1")
		up, _ := numericLiteral("1" + strings.Repeat("0", k))
		if down == nil || up == nil {
			return nil, true, b.errorf(pgerror.NumericValueOutOfRange, fc.Location, "%s scale %d is out of range", name, scale)
		}
		shifted, err := b.binary(expr.Mul, x, &expr.Literal{Value: down}, fc.Location)
		if err != nil {
			return nil, true, err
		}
		whole := &expr.Call{Func: name, Args: []expr.Expr{shifted}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}}
		e, err := b.binary(expr.Mul, whole, &expr.Literal{Value: up}, fc.Location)
		if err != nil {
			return nil, true, err
		}
		e, err = b.cast(e, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}, fc.Location)
		return e, true, err
	}
	return &expr.Call{Func: name, Args: []expr.Expr{x}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: scale}}, true, nil
}

// bindVariadicText binds concat, concat_ws and format called with VARIADIC
// array: the array's elements are the arguments. A constant array is
// spread into them; concat and concat_ws of any other array join its
// elements' text (both skip NULLs, as array_to_string does).
func (b *binder) bindVariadicText(fc *pg_query.FuncCall, name string, args []expr.Expr) (expr.Expr, bool, error) {
	last := args[len(args)-1]
	if _, ok := last.DataType().(*arrow.ListType); !ok {
		return nil, true, b.errorf(pgerror.DatatypeMismatch, nodeLocation(fc.Args[len(fc.Args)-1]), "VARIADIC argument must be an array")
	}
	if lit, ok := last.(*expr.Literal); ok {
		list, ok := lit.Value.(*scalar.List)
		if !ok || !list.IsValid() {
			if name == "format" && len(args) > 1 {
				// format(f, VARIADIC NULL) formats f with no arguments.
				args = args[:len(args)-1]
			} else {
				return &expr.Literal{Value: scalar.MakeNullScalar(typeText)}, true, nil
			}
		} else {
			args = args[:len(args)-1]
			for i := range list.Value.Len() {
				v, err := scalar.GetScalar(list.Value, i)
				if err != nil {
					return nil, true, err
				}
				args = append(args, &expr.Literal{Value: v})
			}
		}
		for i, a := range args {
			t, err := b.cast(b.resolveUnknown(a), typeText, fc.Location)
			if err != nil {
				return nil, true, err
			}
			args[i] = t
		}
		return &expr.Call{Func: name, Args: args, Type: typeText}, true, nil
	}
	switch {
	case name == "concat" && len(args) == 1:
		return &expr.Call{Func: "array_to_string", Args: []expr.Expr{last, &expr.Literal{Value: scalar.NewStringScalar("")}}, Type: typeText}, true, nil
	case name == "concat_ws" && len(args) == 2:
		sep, err := b.cast(b.resolveUnknown(args[0]), typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "array_to_string", Args: []expr.Expr{last, sep}, Type: typeText}, true, nil
	}
	return nil, true, b.unsupported(fc.Location, "%s with a VARIADIC array that is not a constant is not supported yet", name)
}
