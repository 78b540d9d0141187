package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/uptrace/bun"
)

// The SQLite writer. SQLite has one writer at a time, and this store one
// connection (see Open); a write in a transaction of its own pays its BEGIN,
// COMMIT and WAL append apart, and concurrent callers queue for the connection one
// whole transaction after another. A write that goes through db.write instead joins
// a batch: one goroutine takes the writes queued, runs each in a savepoint of one
// transaction (a write that fails is rolled back to its savepoint alone) and
// commits them together, then answers each caller. A caller is answered after the
// commit, so an acknowledged write is as durable as one committed alone, and a
// read after it sees it. PostgreSQL writes run in their own transactions as
// before: its commits already group (one WAL flush covers every commit waiting).

// writeBatchMax bounds the writes committed together.
const writeBatchMax = 64

// writeJob is one caller's write.
type writeJob struct {
	ctx  context.Context
	fn   func(context.Context, bun.Tx) error
	done chan error
}

// batchWriter runs the queued writes (sqlite only).
type batchWriter struct {
	db      *bun.DB
	jobs    chan *writeJob
	quit    chan struct{}
	stopped chan struct{} // closed once the loop is done and the queue drained
	start   sync.Once
	stop    sync.Once
	wg      sync.WaitGroup
}

func newBatchWriter(db *bun.DB) *batchWriter {
	return &batchWriter{db: db, jobs: make(chan *writeJob, writeBatchMax), quit: make(chan struct{}), stopped: make(chan struct{})}
}

// write runs fn in a transaction: its own on PostgreSQL, a batch's on SQLite.
func (db *DB) write(ctx context.Context, fn func(context.Context, bun.Tx) error) error {
	if db.writer == nil {
		return db.bun.RunInTx(ctx, nil, fn)
	}
	return db.writer.run(ctx, fn)
}

func (w *batchWriter) run(ctx context.Context, fn func(context.Context, bun.Tx) error) error {
	w.start.Do(func() {
		w.wg.Add(1)
		go w.loop()
	})
	job := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case w.jobs <- job:
	case <-w.quit:
		return errWriterClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the answer comes: a write that has begun is not abandoned
	// half-way, and a caller is never told of a failure that then commits. Only
	// a write queued as the store closed may find no loop to run it.
	select {
	case err := <-job.done:
		return err
	case <-w.stopped:
		select {
		case err := <-job.done:
			return err
		default:
			return errWriterClosed
		}
	}
}

var errWriterClosed = fmt.Errorf("store: closed: %w", ErrUnavailable)

// close stops the loop after the batch in hand; writes queued after it fail.
func (w *batchWriter) close() {
	w.stop.Do(func() {
		close(w.quit)
		w.wg.Wait()
		for drained := false; !drained; {
			select {
			case job := <-w.jobs:
				job.done <- errWriterClosed
			default:
				drained = true
			}
		}
		close(w.stopped)
	})
}

func (w *batchWriter) loop() {
	defer w.wg.Done()
	for {
		var first *writeJob
		select {
		case first = <-w.jobs:
		case <-w.quit:
			return
		}
		batch := []*writeJob{first}
	more:
		for len(batch) < writeBatchMax {
			select {
			case job := <-w.jobs:
				batch = append(batch, job)
			default:
				break more
			}
		}
		w.commit(batch)
	}
}

// commit runs a batch in one transaction and answers its callers.
func (w *batchWriter) commit(batch []*writeJob) {
	errs := make([]error, len(batch))
	answer := func(commitErr error) {
		for i, job := range batch {
			if errs[i] == nil {
				errs[i] = commitErr
			}
			job.done <- errs[i]
		}
	}
	// The batch's own statements are not cancelled by any caller: SQLite rolls
	// the whole transaction back when a write statement is interrupted.
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		answer(err)
		return
	}
	for i, job := range batch {
		if err := job.ctx.Err(); err != nil { // given up while queued: not begun
			errs[i] = err
			continue
		}
		sp := "w" + strconv.Itoa(i)
		if _, err := tx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
			tx.Rollback()
			answer(err)
			return
		}
		errs[i] = runJob(job, tx)
		if errs[i] != nil {
			// A failed write is undone alone. Should that fail, SQLite has
			// rolled the transaction back (an I/O error, a full disk): nothing of
			// the batch is kept, and every caller hears so.
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO "+sp); err != nil {
				tx.Rollback()
				answer(fmt.Errorf("store: batch rolled back: %w", err))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE "+sp); err != nil {
			tx.Rollback()
			answer(err)
			return
		}
	}
	answer(tx.Commit()) // a failed commit kept nothing: every caller gets its error
}

// runJob runs one caller's write with its context's values but without its
// cancellation (see commit); a panic is the caller's error.
func runJob(job *writeJob, tx bun.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v", p)
		}
	}()
	return job.fn(context.WithoutCancel(job.ctx), tx)
}
