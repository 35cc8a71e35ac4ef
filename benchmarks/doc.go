// Package benchmarks measures riffq end to end, through a real client over
// the wire protocol. The benchmarks here run with the Go tool:
//
//	go test -run '^$' -bench . -count 6 ./benchmarks/ | tee new.txt
//	benchstat new.txt
//
// The harness that compares riffq with PostgreSQL and DuckDB on the same
// data in one run (issue 7) is cmd/riffqbench; cmd/tpchbench runs TPC-H
// alone and cmd/tpchgen writes its data.
package benchmarks
