package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// metric names what a workload's ratio compares.
type metric string

const (
	// byRate compares throughput: riffq's rate over PostgreSQL's.
	byRate metric = "rate"
	// byP50 and byP99 compare latency: PostgreSQL's percentile over
	// riffq's, so that above 1 riffq is better either way.
	byP50 metric = "p50"
	byP99 metric = "p99"
)

// workload is one measurement to take on every system.
type workload struct {
	group  string // connect, select1, pgbench, catalog or mixed
	name   string // the report's row label
	unit   string // what Rate counts, per second
	metric metric
	run    func(ctx context.Context, s *system, d time.Duration) (result, error)
}

// connectWorkload opens a connection, runs SELECT 1 and closes it, over and
// over from clients concurrent clients; auth is trust, scram or tls.
func connectWorkload(auth string, clients int) workload {
	return workload{
		group:  "connect",
		name:   fmt.Sprintf("connect+SELECT 1+close, %s, %d clients", auth, clients),
		unit:   "conn/s",
		metric: byRate,
		run: func(ctx context.Context, s *system, d time.Duration) (result, error) {
			u := map[string]string{"trust": s.url, "scram": s.scramURL, "tls": s.tlsURL}[auth]
			if u == "" {
				return result{}, fmt.Errorf("%s has no %s endpoint", s.name, auth)
			}
			cfg, err := pgconn.ParseConfig(u)
			if err != nil {
				return result{}, err
			}
			return closedLoop(ctx, clients, d, func(context.Context, int) (opFunc, func(), error) {
				return func(ctx context.Context) error {
					c, err := pgconn.ConnectConfig(ctx, cfg)
					if err != nil {
						return err
					}
					_, err = c.Exec(ctx, "SELECT 1").ReadAll()
					return errors.Join(err, c.Close(ctx))
				}, nil, nil
			})
		},
	}
}

// select1Workload runs pgbench with a script of "SELECT 1;" in a query
// mode (simple, extended or prepared) with clients clients.
func select1Workload(pgbenchBin, scriptDir, mode string, clients int) (workload, error) {
	script := filepath.Join(scriptDir, "select1.sql")
	if err := os.WriteFile(script, []byte("SELECT 1;\n"), 0o644); err != nil {
		return workload{}, err
	}
	return workload{
		group:  "select1",
		name:   fmt.Sprintf("SELECT 1, pgbench -M %s -c %d", mode, clients),
		unit:   "tps",
		metric: byRate,
		run: func(ctx context.Context, s *system, d time.Duration) (result, error) {
			return pgbenchAndLatency(ctx, s, d, pgbenchRun{bin: pgbenchBin, url: s.url, seconds: pgbenchSeconds(d),
				args: []string{"-f", script, "-M", mode, "-c", fmt.Sprint(clients), "-j", fmt.Sprint(min(clients, 2))}},
				protocolPass{mode: mode, sql: "SELECT 1", clients: clients})
		},
	}, nil
}

// selectOnlyWorkload runs pgbench's built-in select-only script (-S:
// SELECT abalance FROM pgbench_accounts WHERE aid = :aid) on the pgbench
// tables.
func selectOnlyWorkload(pgbenchBin, mode string, clients int, accounts int32) workload {
	return workload{
		group:  "pgbench",
		name:   fmt.Sprintf("pgbench -S -M %s -c %d", mode, clients),
		unit:   "tps",
		metric: byRate,
		run: func(ctx context.Context, s *system, d time.Duration) (result, error) {
			return pgbenchAndLatency(ctx, s, d, pgbenchRun{bin: pgbenchBin, url: s.url, seconds: pgbenchSeconds(d),
				args: []string{"-S", "-M", mode, "-c", fmt.Sprint(clients), "-j", fmt.Sprint(min(clients, 2))}},
				protocolPass{mode: mode, sql: lookupSQL, clients: clients, maxArg: accounts})
		},
	}
}

// pgbenchAndLatency runs pgbench for the throughput, then the same
// queries from our own client for the latency percentiles; the pass's
// own rate is kept as the extra "pgconn_rate".
func pgbenchAndLatency(ctx context.Context, s *system, d time.Duration, pb pgbenchRun, pass protocolPass) (result, error) {
	tps, txs, failed, err := pb.run(ctx)
	if err != nil {
		return result{}, err
	}
	r, err := pass.run(ctx, s.url, d)
	if err != nil {
		return result{}, fmt.Errorf("latency pass: %w", err)
	}
	r.Extra = map[string]float64{"pgconn_rate": r.Rate}
	r.Rate, r.Ops, r.Errors = tps, txs, failed+r.Errors
	return r, nil
}

// protocolPass sends a query the way pgbench -M mode does, from clients
// concurrent connections over pgconn (libpq-like, no pgx type layer),
// timing each one: simple sends the text with the parameter inlined,
// extended an unnamed Parse/Bind/Execute, prepared Bind/Execute of a
// statement prepared once. Parameters and results are text, as pgbench's.
type protocolPass struct {
	mode    string
	sql     string // with at most one parameter, $1
	clients int
	// maxArg, when set, draws $1 uniformly from 1..maxArg.
	maxArg int32
}

func (p protocolPass) run(ctx context.Context, url string, d time.Duration) (result, error) {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return result{}, err
	}
	return closedLoop(ctx, p.clients, d, func(ctx context.Context, id int) (opFunc, func(), error) {
		c, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		cleanup := func() { c.Close(context.Background()) }
		rng := rand.New(rand.NewPCG(uint64(id), 0xbe7c4))
		args := func() [][]byte {
			if p.maxArg == 0 {
				return nil
			}
			return [][]byte{strconv.AppendInt(nil, int64(rng.Int32N(p.maxArg)+1), 10)}
		}
		switch p.mode {
		case "simple":
			return func(ctx context.Context) error {
				sql := p.sql
				if a := args(); a != nil {
					sql = strings.Replace(sql, "$1", string(a[0]), 1)
				}
				_, err := c.Exec(ctx, sql).ReadAll()
				return err
			}, cleanup, nil
		case "extended":
			return func(ctx context.Context) error {
				return c.ExecParams(ctx, p.sql, args(), nil, nil, nil).Read().Err
			}, cleanup, nil
		case "prepared":
			if _, err := c.Prepare(ctx, "q", p.sql, nil); err != nil {
				cleanup()
				return nil, nil, err
			}
			return func(ctx context.Context) error {
				return c.ExecPrepared(ctx, "q", args(), nil, nil).Read().Err
			}, cleanup, nil
		}
		cleanup()
		return nil, nil, fmt.Errorf("unknown query mode %q", p.mode)
	})
}

// catalogWorkload replays one client's introspection sequence: connect,
// every query of the sequence, close; clients clients at once. The
// latency is that of the whole sequence, connection included (a GUI client
// opens connections for its introspection); the percentiles of the
// queries alone go in the extras "queries_p50_ms" and "queries_p99_ms".
func catalogWorkload(seq sequence, clients int) workload {
	return workload{
		group:  "catalog",
		name:   fmt.Sprintf("catalog burst: %s (%d queries), %d clients", seq.name, len(seq.queries), clients),
		unit:   "seq/s",
		metric: byP50,
		run: func(ctx context.Context, s *system, d time.Duration) (result, error) {
			cfg, err := pgx.ParseConfig(s.url)
			if err != nil {
				return result{}, err
			}
			queriesOnly := make([][]time.Duration, clients) // per client: no locking
			r, err := closedLoop(ctx, clients, d, func(_ context.Context, id int) (opFunc, func(), error) {
				return func(ctx context.Context) error {
					conn, err := pgx.ConnectConfig(ctx, cfg)
					if err != nil {
						return err
					}
					defer conn.Close(ctx)
					start := time.Now()
					for i, q := range seq.queries {
						if err := replay(ctx, conn, q); err != nil {
							return fmt.Errorf("query %d: %w", i+1, err)
						}
					}
					queriesOnly[id] = append(queriesOnly[id], time.Since(start))
					return nil
				}, nil, nil
			})
			if err != nil {
				return result{}, err
			}
			q := summarize(slices.Concat(queriesOnly...), 0, d)
			r.Extra = map[string]float64{"queries_p50_ms": q.P50, "queries_p99_ms": q.P99}
			return r, nil
		},
	}
}

// lookupSQL is pgbench -S's query.
const lookupSQL = "SELECT abalance FROM pgbench_accounts WHERE aid = $1"

// analyticSQL is TPC-H Q1 over the lineitem-like table.
const analyticSQL = `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty,
	sum(l_extendedprice) AS sum_base_price, sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
	sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty,
	avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90 days'
GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`

// mixedWorkload measures point lookups (pgx, prepared, random aid) from
// lookupClients clients, alone or while analyticClients clients run
// analyticSQL back to back.
func mixedWorkload(accounts int32, lookupClients, analyticClients int, loaded bool) workload {
	name := fmt.Sprintf("mixed: lookups, %d clients, alone", lookupClients)
	if loaded {
		name = fmt.Sprintf("mixed: lookups, %d clients, + %d analytic (TPC-H Q1)", lookupClients, analyticClients)
	}
	return workload{
		group:  "mixed",
		name:   name,
		unit:   "lookups/s",
		metric: byP99,
		run: func(ctx context.Context, s *system, d time.Duration) (result, error) {
			var analytic *analyticLoad
			if loaded {
				var err error
				if analytic, err = startAnalytic(ctx, s.url, analyticClients); err != nil {
					return result{}, err
				}
			}
			r, err := closedLoop(ctx, lookupClients, d, func(ctx context.Context, id int) (opFunc, func(), error) {
				conn, err := pgx.Connect(ctx, s.url)
				if err != nil {
					return nil, nil, err
				}
				rng := rand.New(rand.NewPCG(uint64(id), 0x5eed))
				return func(ctx context.Context) error {
					var balance int32
					return conn.QueryRow(ctx, lookupSQL, rng.Int32N(accounts)+1).Scan(&balance)
				}, func() { conn.Close(context.Background()) }, nil
			})
			if analytic != nil {
				n, mean, aerr := analytic.stop()
				if err == nil && aerr != nil {
					err = fmt.Errorf("analytic query: %w", aerr)
				}
				r.Extra = map[string]float64{"analytic_queries": float64(n), "analytic_mean_s": mean.Seconds()}
			}
			return r, err
		},
	}
}

// analyticLoad is clients running the analytic query in a loop.
type analyticLoad struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	n      int
	total  time.Duration
	err    error
}

// startAnalytic connects clients clients and starts their loops; it
// returns once each has sent its first query.
func startAnalytic(ctx context.Context, url string, clients int) (*analyticLoad, error) {
	ctx, cancel := context.WithCancel(ctx)
	a := &analyticLoad{cancel: cancel}
	var conns []*pgx.Conn
	for range clients {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			cancel()
			for _, c := range conns {
				c.Close(context.Background())
			}
			return nil, err
		}
		conns = append(conns, c)
	}
	var started sync.WaitGroup
	for _, c := range conns {
		started.Add(1)
		a.wg.Go(func() {
			defer c.Close(context.Background())
			first := true
			for ctx.Err() == nil {
				t0 := time.Now()
				if first {
					started.Done()
					first = false
				}
				rows, err := c.Query(ctx, analyticSQL, pgx.QueryExecModeSimpleProtocol)
				if err == nil {
					for rows.Next() {
					}
					err = rows.Err()
				}
				if ctx.Err() != nil {
					return // canceled mid-query: not a completion
				}
				a.mu.Lock()
				if err != nil && a.err == nil {
					a.err = err
				} else if err == nil {
					a.n++
					a.total += time.Since(t0)
				}
				a.mu.Unlock()
				if err != nil {
					return
				}
			}
			if first {
				started.Done()
			}
		})
	}
	started.Wait()
	return a, nil
}

// stop cancels the loops and returns the queries that completed, their
// mean time and the first error.
func (a *analyticLoad) stop() (int, time.Duration, error) {
	a.cancel()
	a.wg.Wait()
	var mean time.Duration
	if a.n > 0 {
		mean = a.total / time.Duration(a.n)
	}
	return a.n, mean, a.err
}
