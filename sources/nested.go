package sources

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
)

// AsJSON reports whether a column of type dt is served as json: structs,
// maps, and lists of them (or of other types PostgreSQL has no array of)
// have no PostgreSQL type of their own.
func AsJSON(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRUCT, arrow.MAP:
		return true
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		if AsJSON(dt.(arrow.ListLikeType).Elem()) {
			return true
		}
		_, err := pgtypes.FromArrow(dt)
		return err != nil
	}
	return false
}

// JSONType is the type of the columns AsJSON picks.
func JSONType() arrow.DataType {
	t, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
	return t
}

// ToJSON renders each value of a nested column as JSON text, in a column
// of JSONType. The caller releases the result.
func ToJSON(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range a.Len() {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		data, err := json.Marshal(a.GetOneForMarshal(i))
		if err != nil {
			return nil, fmt.Errorf("%s value as json: %w", a.DataType(), err)
		}
		b.Append(string(data))
	}
	storage := b.NewArray()
	defer storage.Release()
	return array.NewExtensionArrayWithStorage(JSONType().(arrow.ExtensionType), storage), nil
}
