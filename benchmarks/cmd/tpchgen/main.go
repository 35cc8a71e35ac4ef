// Command tpchgen writes the TPC-H tables at a scale factor as Parquet
// files, with the same deterministic generator the tests and benchmarks
// use:
//
//	go run ./benchmarks/cmd/tpchgen -sf 1 -out /tmp/tpch-sf1
//	go run ./cmd/riffq --source tpch=parquet:/tmp/tpch-sf1
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riffq/riffq/internal/tpch"
)

func main() {
	sf := flag.Float64("sf", 1, "scale factor (1 is 6 million line items)")
	out := flag.String("out", "tpch-data", "directory to write <table>.parquet into")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	start := time.Now()
	if err := tpch.Generate(*out, *sf, logger); err != nil {
		fmt.Fprintln(os.Stderr, "tpchgen:", err)
		os.Exit(1)
	}
	logger.Info("generated TPC-H", "sf", *sf, "dir", *out, "took", time.Since(start).Round(time.Millisecond))
}
