package pgload

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// The end of a load: Finish, or Close without it.

// Finish derives and copies what remains, builds the constraints and indexes,
// sets the sequences and the courses' counts, analyzes the tables and commits. A
// Loader that never saw a learner has nothing to do.
func (l *Loader) Finish(ctx context.Context) (Stats, error) {
	switch l.mode {
	case loadBeforeLearners, loadPassThrough:
		l.mode = loadFinished
		return l.stats, nil
	case loadFinished:
		return l.stats, errors.New("store: the bulk load is finished")
	}
	start := time.Now()
	err := l.closeOpen()
	drained := time.Now()
	l.drain()
	l.inCalls += time.Since(start)
	l.waiting += time.Since(drained)
	if err == nil {
		err = l.failed()
	}
	if err == nil {
		l.stage(fmt.Sprintf("generated, derived and copied %d learners", len(l.learnerIDs)), l.started)
		var copying time.Duration
		for _, d := range l.stats.Copy {
			copying += d
		}
		wall := time.Since(l.started)
		l.notice("  of which the caller generating records %s, the loader's calls %s (waiting on the pipeline %s);"+
			" deriving %s on %d workers, COPY %s", (wall - l.inCalls).Round(time.Millisecond), (l.inCalls - l.waiting).Round(time.Millisecond),
			l.waiting.Round(time.Millisecond), time.Duration(l.deriving.Load()).Round(time.Millisecond), l.opts.Workers, copying.Round(time.Millisecond))
		err = l.finish(ctx)
	}
	if err != nil {
		l.abort()
		return l.stats, err
	}
	l.mode = loadFinished
	l.conn.Close()
	l.cancel()
	return l.stats, nil
}

// finish does Finish's work after the pipeline has drained.
func (l *Loader) finish(ctx context.Context) error {
	l.pending[tGapRollups] = append(l.pending[tGapRollups], *l.encodeRollups())
	if err := l.copyTable(tGapRollups); err != nil {
		return err
	}
	l.pending[tPeerSums] = append(l.pending[tPeerSums], *l.encodePeerSums())
	if err := l.copyTable(tPeerSums); err != nil {
		return err
	}
	for _, t := range loadTables {
		if n := l.stats.Rows[t.name]; n > 0 {
			d := l.stats.Copy[t.name]
			l.notice("  %-14s %11d rows, COPY %7.1f s, %9.0f rows/s", t.name, n, d.Seconds(), float64(n)/max(d.Seconds(), 1e-9))
		}
	}
	steps := []struct {
		name string
		defs []loadDef
		sql  func(loadDef) string
	}{
		{"primary keys and unique constraints", l.defs.keys, func(d loadDef) string {
			return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", d.table, d.name, d.def)
		}},
		{"indexes", l.defs.indexes, func(d loadDef) string { return d.def }},
		{"foreign keys (checked)", l.defs.foreign, func(d loadDef) string {
			return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", d.table, d.name, d.def)
		}},
	}
	for _, s := range steps {
		start := time.Now()
		for _, d := range s.defs {
			if err := l.exec(ctx, s.sql(d)); err != nil {
				return fmt.Errorf("store: bulk load: %s %s: %w", s.name, d.name, err)
			}
		}
		l.stage(fmt.Sprintf("built %d %s", len(s.defs), s.name), start)
	}
	start := time.Now()
	var sb strings.Builder
	for _, table := range sequenced {
		if s := l.seq[table]; s.next > s.start {
			fmt.Fprintf(&sb, "SELECT setval(%s, %d, true);\n", quoteLiteral(s.name), s.next-1)
		}
	}
	sb.WriteString(countsSQL("enrolment_count = v.a", l.enrolTouched, l.enrolmentCount, nil))
	sb.WriteString(countsSQL("rating_sum = v.a, rating_count = v.b", l.ratingTouched, l.ratingSum, l.ratingCount))
	if err := l.exec(ctx, sb.String()); err != nil {
		return fmt.Errorf("store: bulk load: sequences and course counts: %w", err)
	}
	l.stage("set the sequences and the courses' enrolment and rating counts", start)
	start = time.Now()
	names := make([]string, numLoadTables)
	for i, t := range loadTables {
		names[i] = t.name
	}
	if err := l.exec(ctx, "ANALYZE "+strings.Join(names, ", ")); err != nil {
		return err
	}
	l.stage("analyzed", start)
	start = time.Now()
	if err := l.exec(ctx, "COMMIT"); err != nil {
		return err
	}
	l.stage("committed", start)
	return nil
}

// countsSQL updates the courses listed in touched, setting set from a (and b).
func countsSQL(set string, touched map[int64]bool, a, b map[int64]int64) string {
	if len(touched) == 0 {
		return ""
	}
	ids := slices.Sorted(func(yield func(int64) bool) {
		for id := range touched {
			if !yield(id) {
				return
			}
		}
	})
	values := make([]string, len(ids))
	for i, id := range ids {
		values[i] = fmt.Sprintf("(%d, %d, %d)", id, a[id], b[id])
	}
	return fmt.Sprintf("UPDATE courses AS c SET %s FROM (VALUES %s) AS v (id, a, b) WHERE c.id = v.id;\n",
		set, strings.Join(values, ", "))
}

// abort rolls the load back.
func (l *Loader) abort() {
	l.mode = loadFinished
	if l.conn != nil {
		if l.cancel != nil {
			l.cancel()
		}
		// A COPY cut off by the cancel leaves the connection unusable; closing it
		// ends the transaction either way.
		l.exec(context.Background(), "ROLLBACK")
		l.conn.Raw(func(any) error { return driver.ErrBadConn }) // discard it rather than pool it
		l.conn.Close()
	}
}

// Close rolls back a load that was not finished, and does nothing otherwise.
func (l *Loader) Close() error {
	switch l.mode {
	case loadCopying:
		if l.tasks != nil {
			l.fail(errors.New("store: bulk load closed before Finish"))
			l.drain()
		}
		l.abort()
	case loadBeforeLearners, loadPassThrough:
		l.mode = loadFinished
	}
	return nil
}

var _ models.BulkWriter = (*Loader)(nil)
