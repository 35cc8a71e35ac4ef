package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
)

// capturedQuery is one query a client sent, with its bound parameters.
type capturedQuery struct {
	SQL    string
	Params []any
}

// sequence is the introspection one client sends, in capture order.
type sequence struct {
	name    string
	queries []capturedQuery
	// captured counts the queries in the capture, before dropping those
	// that fail on either system.
	captured int
}

// minSequence is the fewest queries a capture needs to be replayed.
const minSequence = 5

// loadSequences reads testdata/clients/captures/client-queries.jsonl and
// groups its queries by client into sequences, in file order, keeping
// clients with at least minSequence queries.
func loadSequences(path string) ([]sequence, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("client captures: %w", err)
	}
	defer f.Close()
	var seqs []sequence
	index := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var q struct {
			Source string `json:"source"`
			SQL    string `json:"sql"`
			Params []any  `json:"params"`
		}
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		name := clientName(q.Source)
		i, ok := index[name]
		if !ok {
			i = len(seqs)
			index[name] = i
			seqs = append(seqs, sequence{name: name})
		}
		seqs[i].queries = append(seqs[i].queries, capturedQuery{SQL: q.SQL, Params: q.Params})
		seqs[i].captured++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out := seqs[:0]
	for _, s := range seqs {
		if len(s.queries) >= minSequence {
			out = append(out, s)
		}
	}
	return out, nil
}

// clientName shortens a capture's source to the client it names: the text
// before any parenthesis ("DBeaver 25.1.0", "psql 14").
func clientName(source string) string {
	if i := strings.IndexByte(source, '('); i > 0 {
		source = source[:i]
	}
	source = strings.TrimSpace(source)
	if source == "IntelliJ IDEA / DataGrip" {
		return "DataGrip"
	}
	return source
}

// keepCommon drops from each sequence the queries that fail on any of the
// systems, so that both replay the same work; it logs what it dropped.
func keepCommon(ctx context.Context, seqs []sequence, systems []*system) ([]sequence, error) {
	var out []sequence
	for _, s := range seqs {
		ok := make([]bool, len(s.queries))
		for i := range ok {
			ok[i] = true
		}
		for _, sys := range systems {
			conn, err := pgx.Connect(ctx, sys.url)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", sys.name, err)
			}
			for i, q := range s.queries {
				if err := replay(ctx, conn, q); err != nil {
					ok[i] = false
					slog.Info("catalog query dropped", "client", s.name, "system", sys.name, "query", i+1, "err", firstLine(err.Error()))
					if conn.PgConn().TxStatus() != 'I' {
						_, _ = conn.Exec(ctx, "ROLLBACK")
					}
				}
			}
			conn.Close(ctx)
		}
		kept := s
		kept.queries = nil
		for i, q := range s.queries {
			if ok[i] {
				kept.queries = append(kept.queries, q)
			}
		}
		if len(kept.queries) == 0 {
			slog.Warn("catalog sequence has no query both systems run", "client", s.name)
			continue
		}
		out = append(out, kept)
	}
	return out, nil
}

// replay runs a captured query as the client did: through the simple
// protocol, or the extended one with its parameters as text. Every row is
// read.
func replay(ctx context.Context, conn *pgx.Conn, q capturedQuery) error {
	args := []any{pgx.QueryExecModeSimpleProtocol}
	if len(q.Params) > 0 {
		args = []any{pgx.QueryExecModeDescribeExec}
		for _, p := range q.Params {
			if p == nil {
				args = append(args, nil)
			} else {
				args = append(args, fmt.Sprint(p))
			}
		}
	}
	rows, err := conn.Query(ctx, q.SQL, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		_ = rows.RawValues()
	}
	return rows.Err()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
