package engine

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// castTimetz converts an instant to the session's time of day and UTC
// offset (CURRENT_TIME is now()::timetz), and a time with time zone to
// its time of day.
func castTimetz(mem memory.Allocator, arr arrow.Array, to arrow.DataType, loc *time.Location) (arrow.Array, error) {
	switch a := arr.(type) {
	case *array.Timestamp:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for i := range a.Len() {
			if a.IsNull(i) || infiniteAt(a, i) != 0 {
				b.AppendNull()
				continue
			}
			t := time.UnixMicro(int64(a.Value(i))).In(loc)
			_, off := t.Zone()
			us := int64(t.Hour()*3600+t.Minute()*60+t.Second())*1_000_000 + int64(t.Nanosecond()/1000)
			b.Append(string(pgtypes.AppendTimetz(nil, us, off)))
		}
		storage := b.NewArray()
		defer storage.Release()
		return array.NewExtensionArrayWithStorage(to.(arrow.ExtensionType), storage), nil
	case *pgtypes.TimetzArray:
		s := a.Storage().(*array.String)
		b := array.NewTime64Builder(mem, to.(*arrow.Time64Type))
		defer b.Release()
		for i := range s.Len() {
			if s.IsNull(i) {
				b.AppendNull()
				continue
			}
			us, _, err := pgtypes.SplitTimetz(s.Value(i))
			if err != nil {
				return nil, pgerror.New(pgerror.InvalidTextRepresentation, "%v", err)
			}
			if to.(*arrow.Time64Type).Unit == arrow.Nanosecond {
				us *= 1000
			}
			b.Append(arrow.Time64(us))
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("cast %s to %s", arr.DataType(), to)
}
