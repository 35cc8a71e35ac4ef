package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// streamWorkload reads a whole table once per measurement, in text
// (simple protocol) or binary (extended protocol, pgx's binary formats):
// rows/s, with the MB/s of the values received in Extra.
func streamWorkload(table, sql string, binary bool) workload {
	format := "text"
	if binary {
		format = "binary"
	}
	return workload{
		group:  "stream",
		name:   fmt.Sprintf("stream %s, %s", table, format),
		unit:   "rows/s",
		metric: byRate,
		run: func(ctx context.Context, s *system, _ time.Duration) (result, error) {
			cfg, err := pgx.ParseConfig(s.url)
			if err != nil {
				return result{}, err
			}
			if !binary {
				cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
			}
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				return result{}, err
			}
			defer conn.Close(context.WithoutCancel(ctx))
			start := time.Now()
			rows, err := conn.Query(ctx, sql)
			if err != nil {
				return result{}, err
			}
			var n, bytes int64
			for rows.Next() {
				for _, v := range rows.RawValues() {
					bytes += int64(len(v))
				}
				n++
			}
			if err := rows.Err(); err != nil {
				return result{}, err
			}
			secs := time.Since(start).Seconds()
			return result{Ops: n, Seconds: secs, Rate: float64(n) / secs, P50: secs * 1000, P95: secs * 1000, P99: secs * 1000,
				Extra: map[string]float64{"MB/s": float64(bytes) / secs / 1e6}}, nil
		},
	}
}
