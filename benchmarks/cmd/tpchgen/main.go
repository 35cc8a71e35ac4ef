// Command tpchgen writes the TPC-H tables at a scale factor as Parquet
// files, with the same deterministic generator the tests and benchmarks
// use:
//
//	go run ./benchmarks/cmd/tpchgen -sf 1 -out /tmp/tpch-sf1
//	go run ./cmd/riffq --source tpch=parquet:/tmp/tpch-sf1
//
// When stderr is a terminal (or with -progress) it shows a progress line
// for the tables being written: rows written out of the table's total.
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
	progress := flag.Bool("progress", isTerminal(os.Stderr), "show a progress line per table on stderr (default: when stderr is a terminal)")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	start := time.Now()
	var err error
	if *progress {
		// The progress line replaces the generator's periodic log lines,
		// which would break it.
		p := newProgressLine(os.Stderr, 100*time.Millisecond)
		err = tpch.GenerateWithProgress(*out, *sf, nil, p.update)
		p.finish()
	} else {
		err = tpch.Generate(*out, *sf, logger)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tpchgen:", err)
		os.Exit(1)
	}
	logger.Info("generated TPC-H", "sf", *sf, "dir", *out, "took", time.Since(start).Round(time.Millisecond))
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
