package load

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
)

// Writes records the evidence writes the server acknowledged (HTTP 200 with the
// evidence ID in data), to check afterwards that each one is in the database.
// Writes that failed are counted but not checked: the client was not told they
// happened, so either answer is honest.
type Writes struct {
	mu     sync.Mutex
	acked  []int64
	failed int
}

// Record notes an outcome; it ignores all but evidence writes.
func (w *Writes) Record(o Outcome) {
	if o.Op != OpEvidence {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if o.EvidenceID != 0 {
		w.acked = append(w.acked, o.EvidenceID)
	} else {
		w.failed++
	}
}

// Counts returns how many writes were acknowledged and how many failed.
func (w *Writes) Counts() (acked, failed int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked), w.failed
}

// Exists returns which of ids the database holds.
type Exists func(ctx context.Context, ids []int64) (map[int64]bool, error)

// checkChunk bounds the IDs asked for in one query.
const checkChunk = 5000

// Lost returns the acknowledged IDs that exists does not find, in ascending
// order, asking for at most checkChunk IDs at a time.
func (w *Writes) Lost(ctx context.Context, exists Exists) ([]int64, error) {
	w.mu.Lock()
	ids := slices.Clone(w.acked)
	w.mu.Unlock()
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var lost []int64
	for chunk := range slices.Chunk(ids, checkChunk) {
		found, err := exists(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for _, id := range chunk {
			if !found[id] {
				lost = append(lost, id)
			}
		}
	}
	return lost, nil
}

// EvidenceExists looks the IDs up in the evidence table (PostgreSQL).
func EvidenceExists(db *sql.DB) Exists {
	return func(ctx context.Context, ids []int64) (map[int64]bool, error) {
		rows, err := db.QueryContext(ctx, `SELECT id FROM evidence WHERE id = ANY($1)`, ids)
		if err != nil {
			return nil, fmt.Errorf("load: check writes: %w", err)
		}
		defer rows.Close()
		found := make(map[int64]bool, len(ids))
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			found[id] = true
		}
		return found, rows.Err()
	}
}
