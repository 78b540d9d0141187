package pgload

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// The pipeline: closed batches of learners go to the workers, which derive their
// rows, and in batch order to the writer, which copies them a few megabytes at a time.

// copyChunk is how many bytes of one table the writer gathers before a COPY.
const copyChunk = 8 << 20

// loadBatch is a closed batch of learners on its way to the database.
type loadBatch struct {
	learners []*loadLearner
	out      chan *loadOutput
}

// loadOutput is a batch's rows, encoded, and its part of the rollups and peer sums.
type loadOutput struct {
	rows    [numLoadTables]copyRows
	rollups map[domain.RollupKey]*domain.RollupSum
	peers   map[[2]int64]*models.PeerSum
}

// work derives the rows of batches until there are no more.
func (l *Loader) work() {
	defer l.workers.Done()
	for b := range l.tasks {
		if l.failed() != nil {
			b.out <- nil
			continue
		}
		start := time.Now()
		out := l.derive(b.learners)
		l.deriving.Add(int64(time.Since(start)))
		b.out <- out
	}
}

// write sends the batches' rows to the database, in batch order, a table's rows
// a few megabytes at a time.
func (l *Loader) write() {
	defer close(l.written)
	for b := range l.ordered {
		out := <-b.out
		if out == nil || l.failed() != nil {
			continue
		}
		for t := range out.rows {
			if out.rows[t].rows == 0 {
				continue
			}
			l.pending[t] = append(l.pending[t], out.rows[t]) // not a pointer: out may go
			if l.pendingBytes[t] += len(out.rows[t].buf); l.pendingBytes[t] >= copyChunk {
				if err := l.copyTable(t); err != nil {
					l.fail(err)
					break
				}
			}
		}
		for k, s := range out.rollups {
			if sum := l.rollups[k]; sum != nil {
				sum.Add(s)
			} else {
				l.rollups[k] = s
			}
		}
		for k, s := range out.peers {
			if sum := l.peers[k]; sum != nil {
				sum.Add(*s)
			} else {
				l.peers[k] = s
			}
		}
	}
	if l.failed() != nil {
		return
	}
	for t := range l.pending {
		if err := l.copyTable(t); err != nil {
			l.fail(err)
			return
		}
	}
}

// copyTable sends the pending rows of table t with one COPY, and keeps their
// buffers for the batches to come.
func (l *Loader) copyTable(t int) error {
	chunks := l.pending[t]
	if len(chunks) == 0 {
		return nil
	}
	start := time.Now()
	table := loadTables[t]
	readers := []io.Reader{bytes.NewReader(copyHeader)}
	rows := 0
	for _, c := range chunks {
		readers = append(readers, bytes.NewReader(c.buf))
		rows += c.rows
	}
	readers = append(readers, bytes.NewReader(copyTrailer))
	err := l.pg(func(c *pgx.Conn) error {
		tag, err := c.PgConn().CopyFrom(l.ctx, io.MultiReader(readers...), table.copySQL())
		if err == nil && tag.RowsAffected() != int64(rows) {
			err = fmt.Errorf("COPY wrote %d rows of %d", tag.RowsAffected(), rows)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: bulk load: copy %s: %w", table.name, err)
	}
	l.stats.Rows[table.name] += int64(rows)
	l.stats.Copy[table.name] += time.Since(start)
	for i, c := range chunks {
		select {
		case l.free[t] <- c.buf[:0]:
		default:
		}
		chunks[i] = copyRows{}
	}
	l.pending[t], l.pendingBytes[t] = chunks[:0], 0
	return nil
}

// newOutput returns an empty output whose tables encode into kept buffers.
func (l *Loader) newOutput() *loadOutput {
	out := &loadOutput{rollups: map[domain.RollupKey]*domain.RollupSum{}, peers: map[[2]int64]*models.PeerSum{}}
	for t := range out.rows {
		select {
		case out.rows[t].buf = <-l.free[t]:
		default:
		}
	}
	return out
}

// closeOpen closes the open learners: their records are complete, so their
// course counts are added up and their rows derived and sent.
func (l *Loader) closeOpen() error {
	if len(l.openOrder) == 0 {
		return l.failed()
	}
	batch := l.openOrder
	l.openOrder, l.open = nil, map[int64]*loadLearner{}
	for _, ll := range batch {
		for _, e := range ll.enrolments {
			l.enrolmentCount[e.CourseID]++
		}
		for _, r := range ll.ratings {
			l.ratingSum[r.CourseID] += int64(r.Stars)
			l.ratingCount[r.CourseID]++
		}
	}
	b := &loadBatch{learners: batch, out: make(chan *loadOutput, 1)}
	start := time.Now()
	l.tasks <- b
	l.ordered <- b
	l.waiting += time.Since(start)
	return l.failed()
}

// drain stops the pipeline and waits for it.
func (l *Loader) drain() {
	close(l.tasks)
	close(l.ordered)
	l.workers.Wait()
	<-l.written
}
