// Package sqlgen writes scan filters as the WHERE clause of a query that a
// remote SQL engine (PostgreSQL, DuckDB) runs for a table provider. Only
// expressions the engine evaluates exactly as riffq does are written; the
// rest stay with riffq.
package sqlgen

import (
	"errors"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
)

// ErrUnsupported reports an expression the remote engine cannot be trusted
// with.
var ErrUnsupported = errors.New("expression not expressible in remote SQL")

// Dialect is what differs between remote engines.
type Dialect struct {
	// Column returns the SQL for column i of the table, or false when
	// filters on it must stay with riffq.
	Column func(i int) (string, bool)
	// Param binds a non-null constant and returns its placeholder, or false
	// when it cannot be bound.
	Param func(v scalar.Scalar) (string, bool)
	// TextOrder follows each text operand of an ordering comparison so the
	// engine orders text by bytes, as riffq does (e.g. ` COLLATE "C"`).
	TextOrder string
	// LikeEscape follows LIKE's pattern to make backslash its escape
	// character, PostgreSQL's default.
	LikeEscape string
}

// Writer appends SQL to a builder.
type Writer struct {
	Dialect
	SQL strings.Builder
}

// Select writes SELECT cols FROM from [WHERE f1 AND f2 ...] [LIMIT n]: a
// scan as one query. No columns select NULL, for the row count alone.
func (w *Writer) Select(cols []string, from string, filters []expr.Expr, limit int64) error {
	w.SQL.WriteString("SELECT ")
	if len(cols) == 0 {
		w.SQL.WriteString("NULL")
	}
	w.SQL.WriteString(strings.Join(cols, ", "))
	w.SQL.WriteString(" FROM " + from)
	for i, f := range filters {
		if i == 0 {
			w.SQL.WriteString(" WHERE (")
		} else {
			w.SQL.WriteString(" AND (")
		}
		if err := w.Expr(f); err != nil {
			return err
		}
		w.SQL.WriteByte(')')
	}
	if limit >= 0 {
		w.SQL.WriteString(" LIMIT " + strconv.FormatInt(limit, 10))
	}
	return nil
}

// Supported reports whether e can be written, writing it to a scratch
// buffer (so Param should bind into a throwaway query).
func (d Dialect) Supported(e expr.Expr) bool {
	w := Writer{Dialect: d}
	return w.Expr(e) == nil
}

// Expr appends e, or fails with ErrUnsupported (leaving partial text).
func (w *Writer) Expr(e expr.Expr) error {
	switch e := e.(type) {
	case *expr.Column:
		s, ok := w.Column(e.Index)
		if !ok {
			return ErrUnsupported
		}
		w.SQL.WriteString(s)
		return nil
	case *expr.Literal:
		if !e.Value.IsValid() {
			return ErrUnsupported // comparisons with NULL are folded before scans
		}
		s, ok := w.Param(e.Value)
		if !ok {
			return ErrUnsupported
		}
		w.SQL.WriteString(s)
		return nil
	case *expr.Binary:
		switch {
		case e.Op == expr.And || e.Op == expr.Or:
		case e.Op.IsComparison():
			if !comparable(e.Left.DataType()) || !arrow.TypeEqual(e.Left.DataType(), e.Right.DataType()) {
				return ErrUnsupported
			}
		default:
			return ErrUnsupported
		}
		order := ""
		if e.Op != expr.Eq && e.Op != expr.NotEq && e.Left.DataType().ID() == arrow.STRING {
			order = w.TextOrder
		}
		w.SQL.WriteByte('(')
		if err := w.Expr(e.Left); err != nil {
			return err
		}
		w.SQL.WriteString(order + " " + e.Op.String() + " ")
		if err := w.Expr(e.Right); err != nil {
			return err
		}
		w.SQL.WriteString(order + ")")
		return nil
	case *expr.Not:
		w.SQL.WriteString("(NOT ")
		if err := w.Expr(e.Input); err != nil {
			return err
		}
		w.SQL.WriteByte(')')
		return nil
	case *expr.IsNull:
		w.SQL.WriteByte('(')
		if err := w.Expr(e.Input); err != nil {
			return err
		}
		if e.Negated {
			w.SQL.WriteString(" IS NOT NULL)")
		} else {
			w.SQL.WriteString(" IS NULL)")
		}
		return nil
	case *expr.Call:
		// LIKE matches bytes whatever the collation; ILIKE's case folding
		// differs between engines, so it stays with riffq.
		if e.Func != "like" || len(e.Args) != 2 || e.Args[0].DataType().ID() != arrow.STRING || e.Args[1].DataType().ID() != arrow.STRING {
			return ErrUnsupported
		}
		w.SQL.WriteByte('(')
		if err := w.Expr(e.Args[0]); err != nil {
			return err
		}
		w.SQL.WriteString(" LIKE ")
		if err := w.Expr(e.Args[1]); err != nil {
			return err
		}
		w.SQL.WriteString(w.LikeEscape + ")")
		return nil
	}
	return ErrUnsupported
}

// comparable reports whether remote engines order and equate values of dt
// exactly as riffq does.
func comparable(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.STRING, arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64, arrow.DECIMAL128:
		return true
	}
	return false
}
