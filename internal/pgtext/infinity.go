package pgtext

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// PostgreSQL's infinite dates and timestamps are the ends of their integer
// ranges; riffq holds them so too, in its own epoch: a date of MaxInt32
// days is infinity, one of MinInt32 -infinity, and a timestamp of MaxInt64
// or MinInt64 microseconds likewise. They sort after and before every
// other value, as PostgreSQL's do.
const (
	InfiniteDays      = math.MaxInt32
	NegInfiniteDays   = math.MinInt32
	InfiniteMicros    = math.MaxInt64
	NegInfiniteMicros = math.MinInt64
)

// InfiniteDate reports whether a date (days since 1970-01-01) is infinite,
// and its sign. DuckDB's -infinity, one above the minimum (which files it
// writes hold), is -infinity too: that far before PostgreSQL's first
// date, nothing else is meant.
func InfiniteDate(d arrow.Date32) (inf bool, sign int) {
	switch d {
	case InfiniteDays:
		return true, 1
	case NegInfiniteDays, NegInfiniteDays + 1:
		return true, -1
	}
	return false, 0
}

// InfiniteTimestamp reports whether a timestamp is infinite, and its sign
// (DuckDB's -infinity too, as for dates).
func InfiniteTimestamp(v arrow.Timestamp) (inf bool, sign int) {
	switch v {
	case InfiniteMicros:
		return true, 1
	case NegInfiniteMicros, NegInfiniteMicros + 1:
		return true, -1
	}
	return false, 0
}

// appendInfinity prints an infinite date or timestamp.
func appendInfinity(buf []byte, sign int) []byte {
	if sign < 0 {
		return append(buf, "-infinity"...)
	}
	return append(buf, "infinity"...)
}
