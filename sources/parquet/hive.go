package parquet

import (
	"cmp"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
)

// hiveNull is how Hive-style layouts spell a NULL partition value.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// IsHive reports whether dir holds a Hive-style partitioned layout: a
// subdirectory named key=value.
func IsHive(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if k, _, ok := strings.Cut(e.Name(), "="); e.IsDir() && ok && k != "" {
			return true
		}
	}
	return false
}

// hiveFiles lists the Parquet files under a Hive-style directory with the
// partition values their paths give (year=2024/month=01/x.parquet). Every
// file must sit under the same keys, in the same order.
func hiveFiles(dir string) (files []string, keys []string, values [][]string, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".parquet") {
			return nil
		}
		rel, err := filepath.Rel(dir, filepath.Dir(path))
		if err != nil {
			return err
		}
		var fk, fv []string
		if rel != "." {
			for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
				k, v, ok := strings.Cut(seg, "=")
				if !ok || k == "" {
					return fmt.Errorf("%s: directory %q is not key=value", path, seg)
				}
				if uv, err := url.PathUnescape(v); err == nil {
					v = uv
				}
				fk, fv = append(fk, k), append(fv, v)
			}
		}
		if files == nil {
			keys = fk
		} else if !slices.Equal(keys, fk) {
			return fmt.Errorf("%s: partition keys %v differ from %v", path, fk, keys)
		}
		files = append(files, path)
		values = append(values, fv)
		return nil
	})
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("%s: no .parquet files", dir)
	}
	return files, keys, values, err
}

// partitionColumns types the partition keys: bigint when every value is an
// integer, text otherwise; the hive NULL spelling is NULL.
func partitionColumns(keys []string, values [][]string) ([]arrow.Field, [][]scalar.Scalar) {
	fields := make([]arrow.Field, len(keys))
	vals := make([][]scalar.Scalar, len(values))
	for k, key := range keys {
		isInt := true
		for _, fv := range values {
			if fv[k] == hiveNull {
				continue
			}
			if _, err := strconv.ParseInt(fv[k], 10, 64); err != nil {
				isInt = false
				break
			}
		}
		fields[k] = arrow.Field{Name: key, Type: arrow.BinaryTypes.String, Nullable: true}
		if isInt {
			fields[k].Type = arrow.PrimitiveTypes.Int64
		}
	}
	for f, fv := range values {
		vals[f] = make([]scalar.Scalar, len(keys))
		for k, v := range fv {
			switch {
			case v == hiveNull:
				vals[f][k] = scalar.MakeNullScalar(fields[k].Type)
			case fields[k].Type.ID() == arrow.INT64:
				n, _ := strconv.ParseInt(v, 10, 64)
				vals[f][k] = scalar.NewInt64Scalar(n)
			default:
				vals[f][k] = scalar.NewStringScalar(v)
			}
		}
	}
	return fields, vals
}

// partitionFilter reports whether f reads only partition columns (indices
// from first on) in a form partitionMatch evaluates exactly: comparisons
// and IS [NOT] NULL of partition columns and constants, under AND, OR and
// NOT.
func partitionFilter(f expr.Expr, first int) bool {
	switch e := f.(type) {
	case *expr.Binary:
		switch {
		case e.Op == expr.And || e.Op == expr.Or:
			return partitionFilter(e.Left, first) && partitionFilter(e.Right, first)
		case e.Op.IsComparison():
			return arrow.TypeEqual(e.Left.DataType(), e.Right.DataType()) &&
				partitionValue(e.Left, first) && partitionValue(e.Right, first)
		}
	case *expr.Not:
		return partitionFilter(e.Input, first)
	case *expr.IsNull:
		return partitionValue(e.Input, first)
	}
	return false
}

// partitionValue reports whether e is a partition column or a constant
// partitionMatch compares.
func partitionValue(e expr.Expr, first int) bool {
	switch e := e.(type) {
	case *expr.Column:
		return e.Index >= first
	case *expr.Literal:
		return e.Value.DataType().ID() == arrow.INT64 || e.Value.DataType().ID() == arrow.STRING || !e.Value.IsValid()
	}
	return false
}

// tri is SQL's three-valued logic.
type tri int8

const (
	triNull tri = iota
	triFalse
	triTrue
)

// partitionMatch evaluates a partition filter for one file's values;
// only true keeps the file.
func partitionMatch(f expr.Expr, first int, vals []scalar.Scalar) tri {
	value := func(e expr.Expr) scalar.Scalar {
		if c, ok := e.(*expr.Column); ok {
			return vals[c.Index-first]
		}
		return e.(*expr.Literal).Value
	}
	switch e := f.(type) {
	case *expr.Binary:
		switch e.Op {
		case expr.And, expr.Or:
			l, r := partitionMatch(e.Left, first, vals), partitionMatch(e.Right, first, vals)
			win, lose := triFalse, triTrue // AND: false decides
			if e.Op == expr.Or {
				win, lose = triTrue, triFalse
			}
			switch {
			case l == win || r == win:
				return win
			case l == triNull || r == triNull:
				return triNull
			}
			return lose
		}
		l, r := value(e.Left), value(e.Right)
		if !l.IsValid() || !r.IsValid() {
			return triNull
		}
		var c int
		switch lv := l.(type) {
		case *scalar.Int64:
			c = cmp.Compare(lv.Value, r.(*scalar.Int64).Value)
		case *scalar.String:
			c = strings.Compare(string(lv.Data()), string(r.(*scalar.String).Data()))
		default:
			return triNull
		}
		ok := map[expr.Op]bool{expr.Eq: c == 0, expr.NotEq: c != 0, expr.Lt: c < 0, expr.LtEq: c <= 0, expr.Gt: c > 0, expr.GtEq: c >= 0}[e.Op]
		if ok {
			return triTrue
		}
		return triFalse
	case *expr.Not:
		switch partitionMatch(e.Input, first, vals) {
		case triTrue:
			return triFalse
		case triFalse:
			return triTrue
		}
		return triNull
	case *expr.IsNull:
		isNull := !value(e.Input).IsValid()
		if e.Negated {
			isNull = !isNull
		}
		if isNull {
			return triTrue
		}
		return triFalse
	}
	return triNull
}
