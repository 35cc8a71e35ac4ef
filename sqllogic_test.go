package riffq_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/riffq/riffq/internal/sqllogic"
)

var (
	update = flag.Bool("update", false, "regenerate testdata/sql/*.slt expectations from the PostgreSQL at -pg")
	pgURL  = flag.String("pg", "", "reference PostgreSQL URL for -update")
)

// TestSQLLogic runs every statement of testdata/sql/*.slt against riffq
// and compares the answers with the ones PostgreSQL 15 gave
// (testdata/regen.sh writes them).
func TestSQLLogic(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "sql", "*.slt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .slt files: %v", err)
	}
	var conn *pgx.Conn
	if *update {
		if *pgURL == "" {
			t.Fatal("-update needs -pg URL of a reference PostgreSQL")
		}
		conn = connect(t, *pgURL)
		loadReference(t, conn, sampleTables(t))
		describeReference(t, conn)
	} else {
		conn = connect(t, startServer(t))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".slt"), func(t *testing.T) { checkFile(t, conn, file) })
	}
}

// checkFile runs the records of an .slt file through conn and compares
// the answers with the file's, or with -update writes conn's answers into
// the file.
func checkFile(t *testing.T, conn *pgx.Conn, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := sqllogic.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for i := range recs {
		rec := &recs[i]
		got := run(t, conn, rec)
		if *update {
			rec.Expected = got
			continue
		}
		want := rec.Expected
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:%d: %s\n--- got\n%s\n--- want (PostgreSQL)\n%s", file, rec.Line, rec.SQL,
				strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if *update {
		var buf bytes.Buffer
		if err := sqllogic.Write(&buf, recs); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// run executes a record's SQL and renders the outcome as result lines.
func run(t *testing.T, conn *pgx.Conn, rec *sqllogic.Record) []string {
	t.Helper()
	// A statement that runs away fails alone instead of the whole run.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := conn.Query(ctx, rec.SQL)
	var res sqllogic.Result
	if err == nil {
		for _, fd := range rows.FieldDescriptions() {
			typ := strconv.FormatUint(uint64(fd.DataTypeOID), 10)
			if pt, ok := conn.TypeMap().TypeForOID(fd.DataTypeOID); ok {
				typ = pt.Name
			}
			if rec.Typmod {
				typ += ":" + strconv.Itoa(int(fd.TypeModifier))
			}
			res.Columns = append(res.Columns, fd.Name+":"+typ)
		}
		for rows.Next() {
			raw := rows.RawValues()
			row := make([]string, len(raw))
			for i, v := range raw {
				row[i] = sqllogic.Value(v)
			}
			res.Rows = append(res.Rows, row)
		}
		rows.Close()
		err = rows.Err()
		res.Tag = rows.CommandTag().String()
	}
	var pgErr *pgconn.PgError
	switch {
	case err == nil && rec.Kind == sqllogic.Query:
		return res.Lines(rec.RowSort)
	case err == nil:
		return []string{"no error"}
	case errors.As(err, &pgErr):
		if rec.Kind == sqllogic.Query && !*update {
			t.Errorf("line %d: %s: unexpected error %v", rec.Line, rec.SQL, err)
		}
		return []string{sqllogic.ErrorLine(pgErr.Code, int(pgErr.Position), pgErr.Message)}
	default:
		t.Fatalf("line %d: %s: %v", rec.Line, rec.SQL, err)
	}
	return nil
}
