package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
)

// numericMathFuncs are the engine's numeric variants of the functions
// PostgreSQL has for both double precision and numeric.
var numericMathFuncs = map[string]string{
	"sqrt": "numeric_sqrt", "exp": "numeric_exp", "ln": "numeric_ln", "log10": "numeric_log10",
	"log": "numeric_log10", "power": "numeric_power", "pow": "numeric_power",
}

// isUntypedArg reports whether a is an untyped constant or a bare NULL,
// whose type the function's other arguments decide.
func isUntypedArg(a expr.Expr) bool {
	if _, ok := a.(*unknownLit); ok {
		return true
	}
	return a.DataType().ID() == arrow.NULL
}

// bindNumericMath binds sqrt, exp, ln, log10, log and power (pow) to
// their numeric variant as PostgreSQL resolves them: numeric when an
// argument is numeric and none is double precision (or real), where
// integers and untyped constants become numeric; log(b, x) exists for
// numeric only, so integers and untyped constants take it too, while a
// floating point argument has no match. ok is false for the double
// precision variant; then NULL arguments are made double precision and
// the caller casts the rest.
func (b *binder) bindNumericMath(fc *pg_query.FuncCall, name string, args []expr.Expr) (expr.Expr, bool, error) {
	hasFloat, hasNumeric := false, false
	for _, a := range args {
		if isUntypedArg(a) {
			continue
		}
		dt := a.DataType()
		switch r := numericRank(dt); {
		case r == 4 || isPerValueNumeric(dt):
			hasNumeric = true
		case r >= 5:
			hasFloat = true
		}
	}
	logBX := name == "log" && len(args) == 2
	if logBX && hasFloat {
		return nil, true, b.noFunction(fc, name, args...)
	}
	if hasFloat || !hasNumeric && !logBX {
		for i, a := range args {
			if _, ok := a.(*unknownLit); !ok && a.DataType().ID() == arrow.NULL {
				args[i] = &expr.Literal{Value: scalar.MakeNullScalar(typeFloat8)}
			}
		}
		return nil, false, nil
	}
	var err error
	for i, a := range args {
		switch u, unknown := a.(*unknownLit); {
		case unknown:
			if args[i], err = b.resolveAs(u, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: pgtext.Unconstrained}); err != nil {
				return nil, true, err
			}
		case a.DataType().ID() == arrow.NULL:
			args[i] = &expr.Literal{Value: scalar.MakeNullScalar(&arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0})}
		case a.DataType().ID() == arrow.UINT64:
			if args[i], err = b.cast(a, &arrow.Decimal128Type{Precision: 20, Scale: 0}, fc.Location); err != nil {
				return nil, true, err
			}
		case isPerValueNumeric(a.DataType()) || numericRank(a.DataType()) == 4:
		default: // an integer
			if args[i], err = b.cast(a, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: pgtext.Unconstrained}, fc.Location); err != nil {
				return nil, true, err
			}
		}
	}
	fn := numericMathFuncs[name]
	if logBX {
		fn = "numeric_log"
	}
	return &expr.Call{Func: fn, Args: args, Type: pgtypes.Numeric()}, true, nil
}
