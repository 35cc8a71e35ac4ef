package planner

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
)

// byteaFuncs are the functions bindByteaFunc binds (substring and substr
// of a bytea only).
var byteaFuncs = map[string]bool{"convert_to": true, "convert_from": true, "get_byte": true, "substring": true, "substr": true}

// bindByteaFunc binds convert_to(text, encoding), convert_from(bytea,
// encoding), get_byte(bytea, n) and substring/substr of a bytea over
// their bound arguments; ok is false for another function or a substring
// of text.
func (b *binder) bindByteaFunc(fc *pg_query.FuncCall, name string, args []expr.Expr) (expr.Expr, bool, error) {
	var want []arrow.DataType
	out := arrow.DataType(typeBytea)
	call := name
	switch {
	case name == "convert_to" && len(fc.Args) == 2:
		want = []arrow.DataType{typeText, typeText}
	case name == "convert_from" && len(fc.Args) == 2:
		want, out = []arrow.DataType{typeBytea, typeText}, typeText
	case name == "get_byte" && len(fc.Args) == 2:
		want, out = []arrow.DataType{typeBytea, typeInt4}, typeInt4
	case (name == "substring" || name == "substr") && (len(fc.Args) == 2 || len(fc.Args) == 3):
		want, call = []arrow.DataType{typeBytea, typeInt8, typeInt8}[:len(fc.Args)], "bytea_substr"
	case name == "convert_to" || name == "convert_from" || name == "get_byte":
		return nil, true, b.noFunction(fc, name, args...) // another number of arguments
	default:
		return nil, false, nil // another function, or a substring of text
	}
	if call == "bytea_substr" && category(args[0].DataType()) != catBinary {
		return nil, false, nil // a substring of text
	}
	args = slices.Clone(args)
	var err error
	for i, t := range want {
		switch a := args[i].(type) {
		case *unknownLit:
			if args[i], err = b.resolveAs(a, t); err != nil {
				return nil, true, err
			}
			continue
		}
		if isBareNull(args[i]) {
			args[i] = &expr.Literal{Value: scalar.MakeNullScalar(t)}
			continue
		}
		if category(args[i].DataType()) != category(t) {
			return nil, true, b.noFunction(fc, name, args...)
		}
		if args[i], err = b.cast(args[i], t, fc.Location); err != nil {
			return nil, true, err
		}
	}
	return &expr.Call{Func: call, Args: args, Type: out}, true, nil
}
