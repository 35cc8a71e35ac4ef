package riffq_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestDMLParameters runs INSERT, UPDATE and DELETE through the extended
// protocol with typed parameters, from several connections at once, and
// checks the tags and the table's final contents.
func TestDMLParameters(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, amount numeric(10,2), note text DEFAULT 'none')"); err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := connect(t, url)
			base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range each {
				id := int64(w*each + i)
				tag, err := c.Exec(ctx, "INSERT INTO events (id, at, amount) VALUES ($1, $2, $3)", id, base.Add(time.Duration(id)*time.Hour), fmt.Sprintf("%d.25", id))
				if err != nil || tag.String() != "INSERT 0 1" {
					errs <- fmt.Errorf("insert %d: %v %v", id, tag, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	tag, err := conn.Exec(ctx, "UPDATE events SET note = $1 WHERE amount >= $2", "big", 100)
	if err != nil || tag.String() != "UPDATE 100" {
		t.Fatalf("update: %v %v", tag, err)
	}
	tag, err = conn.Exec(ctx, "DELETE FROM events WHERE at < $1", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil || tag.String() != "DELETE 24" {
		t.Fatalf("delete: %v %v", tag, err)
	}
	var n int64
	var total, notes string
	if err := conn.QueryRow(ctx, "SELECT count(*), sum(amount)::text, min(note) || ',' || max(note) FROM events").Scan(&n, &total, &notes); err != nil {
		t.Fatal(err)
	}
	// ids 24..199 remain: their amounts sum to 19,624 + 176 * 0.25.
	if n != 176 || total != "19668.00" || notes != "big,none" {
		t.Fatalf("after DML: %d rows, sum %s, notes %s", n, total, notes)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO events (id, at) VALUES ($1, $2)", int64(30), time.Now()); err == nil {
		t.Fatal("a duplicate key was accepted")
	}
}
