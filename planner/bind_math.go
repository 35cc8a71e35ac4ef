package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// floatFuncs are the mathematical functions of PostgreSQL's manual that
// take and return double precision, by their number of arguments. Integer
// and numeric arguments are converted, as PostgreSQL's implicit casts do
// for functions without a numeric variant.
var floatFuncs = map[string]int{
	"cbrt": 1, "degrees": 1, "radians": 1, "pi": 0, "random": 0,
	"sin": 1, "cos": 1, "tan": 1, "cot": 1, "asin": 1, "acos": 1, "atan": 1, "atan2": 2,
	"sind": 1, "cosd": 1, "tand": 1, "cotd": 1, "asind": 1, "acosd": 1, "atand": 1, "atan2d": 2,
	"sinh": 1, "cosh": 1, "tanh": 1, "asinh": 1, "acosh": 1, "atanh": 1,
}

// numericFloatFuncs have a double precision and a numeric variant (log
// with two arguments has only the numeric one); bindNumericMath picks
// the variant as PostgreSQL resolves it.
var numericFloatFuncs = map[string][2]int{
	"sqrt": {1, 1}, "exp": {1, 1}, "ln": {1, 1}, "log10": {1, 1}, "log": {1, 2}, "power": {2, 2}, "pow": {2, 2},
}

// bindMathFunc binds the mathematical functions: the double precision
// ones above, sign, mod, gcd, lcm and width_bucket.
func (b *binder) bindMathFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	switch name {
	case "gen_random_uuid", "div", "factorial":
		return b.bindExactMath(fc, name, ectx)
	case "scale", "min_scale", "trim_scale":
		e, err := b.bindScale(fc, name, ectx)
		return e, true, err
	}
	floatArity, isFloat := floatFuncs[name]
	numArity, isNumFloat := numericFloatFuncs[name]
	switch {
	case isFloat, isNumFloat, name == "sign", name == "mod", name == "gcd", name == "lcm", name == "width_bucket":
	default:
		return nil, false, nil
	}
	if fc.AggStar || fc.AggDistinct || fc.Over != nil {
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	noFunc := func() (expr.Expr, bool, error) { return nil, true, b.noFunction(fc, name, args...) }
	if name == "mod" && len(args) == 2 {
		// mod(NULL, 2): the NULL takes the other argument's type.
		args[0] = typedNull(args[0], b.resolveUnknown(args[1]).DataType())
		args[1] = typedNull(args[1], b.resolveUnknown(args[0]).DataType())
	}
	for i, a := range args {
		if isNumFloat && isUntypedArg(a) {
			continue // typed by bindNumericMath, after the other arguments
		}
		if u, ok := a.(*unknownLit); ok {
			// An untyped literal takes the numeric variant's type, as
			// PostgreSQL resolves unknown against numeric/float8.
			if args[i], err = b.resolveAs(u, typeFloat8); err != nil {
				return nil, true, err
			}
		} else if a.DataType().ID() == arrow.NULL {
			args[i] = &expr.Literal{Value: scalar.MakeNullScalar(typeFloat8)}
		} else if numericRank(a.DataType()) == 0 && !isPerValueNumeric(a.DataType()) {
			return noFunc()
		}
	}
	toFloat := func() error {
		for i, a := range args {
			if args[i], err = b.cast(a, typeFloat8, fc.Location); err != nil {
				return err
			}
		}
		return nil
	}
	hasNumeric := false
	for _, a := range args {
		if r := numericRank(a.DataType()); r == 4 || isPerValueNumeric(a.DataType()) {
			hasNumeric = true
		}
	}
	switch {
	case isFloat:
		if len(args) != floatArity {
			return noFunc()
		}
		if err := toFloat(); err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: args, Type: typeFloat8}, true, nil
	case isNumFloat:
		if len(args) < numArity[0] || len(args) > numArity[1] {
			return noFunc()
		}
		if e, ok, err := b.bindNumericMath(fc, name, args); ok || err != nil {
			return e, true, err
		}
		if err := toFloat(); err != nil {
			return nil, true, err
		}
		switch {
		case name == "pow":
			name = "power"
		case name == "log" && len(args) == 1:
			name = "log10"
		}
		return &expr.Call{Func: name, Args: args, Type: typeFloat8}, true, nil
	case name == "sign":
		if len(args) != 1 {
			return noFunc()
		}
		if hasNumeric {
			// sign(numeric) is numeric: -1, 0 or 1 with no fraction.
			t := &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}
			return &expr.Call{Func: name, Args: args, Type: t}, true, nil
		}
		if err := toFloat(); err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: args, Type: typeFloat8}, true, nil
	case name == "mod":
		if len(args) != 2 {
			return noFunc()
		}
		e, err := b.binary(expr.Mod, args[0], args[1], fc.Location)
		return e, true, err
	case name == "gcd" || name == "lcm":
		if len(args) != 2 || hasNumeric || numericRank(args[0].DataType()) > 3 || numericRank(args[1].DataType()) > 3 {
			if hasNumeric {
				return nil, true, b.unsupported(fc.Location, "%s of numeric values is not supported yet", name)
			}
			return noFunc()
		}
		t := arrow.DataType(typeInt4)
		if numericRank(args[0].DataType()) == 3 || numericRank(args[1].DataType()) == 3 {
			t = typeInt8
		}
		for i, a := range args {
			if args[i], err = b.cast(a, t, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: name, Args: args, Type: t}, true, nil
	}
	// width_bucket(operand, low, high, count)
	if len(args) != 4 {
		return noFunc()
	}
	count := args[3]
	if numericRank(count.DataType()) > 2 {
		return noFunc()
	}
	if count, err = b.cast(count, typeInt4, fc.Location); err != nil {
		return nil, true, err
	}
	args = args[:3]
	if err := toFloat(); err != nil {
		return nil, true, err
	}
	return &expr.Call{Func: name, Args: append(args, count), Type: typeInt4}, true, nil
}

// bindExactMath binds div(a, b) (the truncated quotient of numerics),
// factorial(n) (exact, numeric) and gen_random_uuid().
func (b *binder) bindExactMath(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	noFunc := func() (expr.Expr, bool, error) { return nil, true, b.noFunction(fc, name, args...) }
	switch name {
	case "gen_random_uuid":
		if len(args) != 0 {
			return noFunc()
		}
		return &expr.Call{Func: name, Type: extensions.NewUUIDType()}, true, nil
	case "factorial":
		if len(args) != 1 {
			return noFunc()
		}
		a := args[0]
		if u, ok := a.(*unknownLit); ok {
			a, err = b.resolveAs(u, typeInt8)
		} else if r := numericRank(a.DataType()); r >= 1 && r <= 3 || a.DataType().ID() == arrow.NULL {
			a, err = b.cast(a, typeInt8, fc.Location)
		} else {
			return noFunc()
		}
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: []expr.Expr{a}, Type: pgtypes.Numeric()}, true, nil
	}
	// div(numeric, numeric); integers become numeric.
	if len(args) != 2 {
		return noFunc()
	}
	for i, a := range args {
		switch {
		case isPerValueNumeric(a.DataType()):
		case a.DataType().ID() == arrow.DECIMAL128:
		default:
			if u, ok := a.(*unknownLit); ok {
				a = b.resolveUnknown(u)
			}
			if r := numericRank(a.DataType()); r < 1 || r > 3 {
				return noFunc()
			}
			if args[i], err = b.cast(a, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}, fc.Location); err != nil {
				return nil, true, err
			}
		}
	}
	return &expr.Call{Func: "numeric_div_trunc", Args: args, Type: pgtypes.Numeric()}, true, nil
}

// bindScale binds scale(numeric), min_scale(numeric) and
// trim_scale(numeric): the digits after the point of each value as
// written (1.500 has scale 3, min_scale 1), and the value without its
// trailing zeros.
func (b *binder) bindScale(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, error) {
	if len(fc.Args) != 1 {
		return nil, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s with %d arguments does not exist", name, len(fc.Args))
	}
	arg, err := b.bindExpr(fc.Args[0], ectx)
	if err != nil {
		return nil, err
	}
	arg = b.resolveUnknown(arg)
	if arg.DataType().ID() == arrow.NULL {
		arg = &expr.Literal{Value: scalar.MakeNullScalar(&arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0})}
	}
	if r := numericRank(arg.DataType()); !isPerValueNumeric(arg.DataType()) && (r < 1 || r > 4) {
		return nil, b.noFunction(fc, name, arg)
	}
	if !isPerValueNumeric(arg.DataType()) {
		if arg, err = b.cast(arg, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: -1}, fc.Location); err != nil {
			return nil, err
		}
	}
	out := arrow.DataType(typeInt4)
	if name == "trim_scale" {
		out = pgtypes.Numeric()
	}
	return &expr.Call{Func: name, Args: []expr.Expr{arg}, Type: out}, nil
}
