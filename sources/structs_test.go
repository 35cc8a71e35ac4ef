package sources_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riffq/riffq/sources"
)

func ExampleFromStructs() {
	type trade struct {
		Symbol   string
		Qty      int32
		Price    float64
		At       time.Time
		Note     *string
		internal int
	}
	tbl, err := sources.FromStructs([]trade{{Symbol: "AAPL", Qty: 10, Price: 190.5, At: time.Unix(0, 0)}})
	if err != nil {
		panic(err)
	}
	for _, f := range tbl.Schema().Fields() {
		fmt.Println(f.Name, f.Type, f.Nullable)
	}
	// Output:
	// symbol utf8 false
	// qty int32 false
	// price float64 false
	// at timestamp[us, tz=UTC] false
	// note utf8 true
}

func TestFromStructs(t *testing.T) {
	type row struct {
		ID        uint16
		CreatedAt time.Time `riffq:"created"`
		Skip      string    `riffq:"-"`
		Blob      []byte
		Maybe     *int64
	}
	seven := int64(7)
	tbl, err := sources.FromStructs([]row{{ID: 1, Blob: []byte{1}}, {ID: 2, Maybe: &seven}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tbl.Schema().Fields()); got != "[id: type=int32 created: type=timestamp[us, tz=UTC] blob: type=binary maybe: type=int64, nullable]" {
		t.Errorf("schema: %s", got)
	}
	rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: []int{3, 0}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatal(rdr.Err())
	}
	b := rdr.RecordBatch()
	if b.NumRows() != 2 || !b.Column(0).IsNull(0) || b.Column(0).ValueStr(1) != "7" || b.Column(1).ValueStr(1) != "2" {
		t.Errorf("rows: %v", b)
	}
	if _, err := sources.FromStructs([]int{1}); err == nil {
		t.Error("FromStructs of a non-struct type succeeded")
	}
	type bad struct{ C chan int }
	if _, err := sources.FromStructs([]bad{{}}); err == nil {
		t.Error("unsupported field type accepted")
	}
}
