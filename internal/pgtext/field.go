package pgtext

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/internal/pgtypes"
)

// NewFieldEncoder returns the text encoder of column col of result field
// f: int2vector and oidvector (pgtypes.TypeMetadata) print as their
// values separated by spaces, as PostgreSQL prints them; every other
// column prints as NewEncoder prints its Arrow type.
func NewFieldEncoder(f arrow.Field, col arrow.Array, loc *time.Location) (Encoder, error) {
	switch pgtypes.Annotation(f) {
	case "int2vector", "oidvector":
		list, ok := col.(array.ListLike)
		if !ok {
			break
		}
		elem, err := NewEncoder(list.ListValues(), loc)
		if err != nil {
			return nil, err
		}
		return func(buf []byte, i int) []byte {
			start, end := list.ValueOffsets(i)
			for j := start; j < end; j++ {
				if j > start {
					buf = append(buf, ' ')
				}
				buf = elem(buf, int(j))
			}
			return buf
		}, nil
	}
	return NewEncoder(col, loc)
}
