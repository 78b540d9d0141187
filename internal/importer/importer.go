// Package importer loads CSV files exported from HR systems (organisations, the
// competency catalogue, roles, courses, learners, and the learning record: evidence
// and enrolments; learning events, batches, their sessions and attendance registers)
// through a models.BulkWriter.
//
// A file is streamed: rows are parsed and checked one at a time, gathered into
// batches, and each batch is upserted on the kind's key, so memory stays flat however
// long the file and re-importing a file changes nothing. A bad row is reported as
// "line N: column: reason" and never costs a good one its place.
package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/openkarmayogi/karmayogi/models"
)

// Kinds lists the kinds this importer takes, in dependency order: a file of one kind
// may refer only to the kinds before it.
var Kinds = []string{"organisations", "competencies", "roles", "role_requirements", "courses", "course_competencies", "learners",
	"evidence", "enrolments", "events", "batches", "sessions", "attendance", "assessment_items"}

// DefaultBatchSize is the number of records per BulkWriter call when Options leave it 0.
const DefaultBatchSize = 500

// Options tune an import. The zero value is usable.
type Options struct {
	// BatchSize is the number of records per BulkWriter call; DefaultBatchSize if <= 0.
	BatchSize int
	// Errors receives each rejected row as "line N: column: reason\n"; nil discards them.
	Errors io.Writer
	// Progress, when set, receives a progress line after each batch, each starting
	// with "\r" so a terminal redraws it in place, and cleared (ANSI erase-line)
	// before rejections are written, so the two can share a terminal. The caller
	// passes os.Stderr only when it is a terminal.
	Progress io.Writer
}

// Result counts the data rows of a file: Stored were taken by the writer, Rejected
// were reported to Options.Errors. Blank rows count as neither.
type Result struct {
	Stored, Rejected int
}

// Import streams CSV rows of kind from r into w. Rows are checked before they reach
// the writer; rejected rows are reported to opts.Errors and counted in Result.Rejected.
//
// It returns an error only when the file cannot be read at all (unknown kind, empty
// file, bad header: an unknown, nameless, duplicate or missing required column), when
// reading stops part-way through (an I/O error, ctx cancelled), or when the writer
// fails to write a batch. The rows stored before such an error stay stored; since each
// row is an upsert, running the import again is safe.
func Import(ctx context.Context, w models.BulkWriter, kind string, r io.Reader, opts Options) (Result, error) {
	switch kind {
	case "organisations":
		return run(ctx, w, kind, r, opts, organisations)
	case "competencies":
		return run(ctx, w, kind, r, opts, competencies)
	case "roles":
		return run(ctx, w, kind, r, opts, roles)
	case "role_requirements":
		return run(ctx, w, kind, r, opts, roleRequirements)
	case "courses":
		return run(ctx, w, kind, r, opts, courses)
	case "course_competencies":
		return run(ctx, w, kind, r, opts, courseCompetencies)
	case "learners":
		return run(ctx, w, kind, r, opts, learners)
	case "evidence":
		return run(ctx, w, kind, r, opts, evidence)
	case "enrolments":
		return run(ctx, w, kind, r, opts, enrolments)
	case "events":
		return run(ctx, w, kind, r, opts, events)
	case "batches":
		return run(ctx, w, kind, r, opts, batches)
	case "sessions":
		return run(ctx, w, kind, r, opts, sessions)
	case "attendance":
		return run(ctx, w, kind, r, opts, attendance)
	case "assessment_items":
		return run(ctx, w, kind, r, opts, assessmentItems)
	}
	return Result{}, fmt.Errorf("unknown kind %s: the importer takes %s", quoteShort(kind), strings.Join(Kinds, ", "))
}

// rejection is a rejected row waiting to be written in line order.
type rejection struct {
	line           int
	column, reason string
}

// waiter is a record the writer could not store yet because its parent is not stored;
// it is retried as later rows are stored.
type waiter[T any] struct {
	rec   T
	pos   pos
	last  models.RecordError // the writer's latest reason, reported if it never resolves
	state waitState
}

type waitState int

const (
	waiting    waitState = iota
	resolved             // stored on a retry
	superseded           // a later row of the same key was stored first
	abandoned            // rejected for another reason on a retry
)

// importer holds the state of one import: at most one batch of records, the rows
// waiting for their parent, and the rejections of the current batch.
type importer[T any] struct {
	ctx       context.Context
	w         models.BulkWriter
	kind      string
	s         spec[T]
	h         *header
	batchSize int
	errs      io.Writer
	progress  io.Writer

	res      Result
	rows     int // data rows read, blank ones aside
	batch    []T
	batchPos []pos
	rejects  []rejection

	waiters []*waiter[T]
	byKey   map[string][]*waiter[T]
	seen    map[string]int // for a spec with unique keys: the line of each key
	shown   bool           // a progress line is on the terminal
}

func run[T any](ctx context.Context, w models.BulkWriter, kind string, r io.Reader, opts Options, s spec[T]) (Result, error) {
	cr, h, err := readHeader(r, kind, s.required, s.optional)
	if err != nil {
		return Result{}, err
	}
	im := &importer[T]{
		ctx: ctx, w: w, kind: kind, s: s, h: h,
		batchSize: opts.BatchSize, errs: opts.Errors, progress: opts.Progress,
		byKey: map[string][]*waiter[T]{},
	}
	if im.batchSize <= 0 {
		im.batchSize = DefaultBatchSize
	}
	if im.errs == nil {
		im.errs = io.Discard
	}
	im.batch = make([]T, 0, im.batchSize)
	im.batchPos = make([]pos, 0, im.batchSize)

	readErr, err := im.readRows(cr)
	if err == nil {
		// Store what was read even when reading broke off: those rows are good.
		// Then give the rows waiting for a parent one more round.
		err = im.flush()
	}
	if err == nil && len(im.waiters) > 0 {
		err = im.retry()
	}
	if err != nil {
		im.report() // the rows rejected before the failure
		return im.res, err
	}
	for _, wt := range im.waiters {
		if wt.state == waiting {
			im.rejectRecord(wt.pos, wt.last)
		}
	}
	im.waiters = nil
	im.report()
	if im.progress != nil {
		im.showProgress()
		fmt.Fprintln(im.progress)
	}
	return im.res, readErr
}

// readRows reads, checks and batches every data row, flushing full batches. It
// returns readErr when the file broke off (the rows before it are still to be
// stored) and err when the import must stop at once.
func (im *importer[T]) readRows(cr *csv.Reader) (readErr, err error) {
	lastLine, _ := cr.FieldPos(0) // the header's
	sinceCheck := 0
	for {
		// Between batches' worth of rows, stop if the caller gave up, even when
		// every row so far was rejected and nothing was written.
		if sinceCheck++; sinceCheck > im.batchSize {
			sinceCheck = 0
			if err := im.ctx.Err(); err != nil {
				return nil, fmt.Errorf("import %s stopped after line %d: %w", im.kind, lastLine, err)
			}
		}
		fields, err := cr.Read()
		if err == io.EOF {
			return nil, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			im.rows++
			im.parseError(pe, len(fields))
			lastLine = pe.Line
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s file after line %d: %w", im.kind, lastLine, err), nil
		}

		rw := &row{h: im.h, fields: fields}
		rw.line, _ = cr.FieldPos(0)
		if last, _ := cr.FieldPos(len(fields) - 1); last != rw.line {
			rw.lines = make([]int, len(fields))
			for i := range fields {
				rw.lines[i], _ = cr.FieldPos(i)
			}
		}
		lastLine = rw.line
		if rw.blank() {
			continue
		}
		im.rows++
		if err := im.check(rw); err != nil {
			im.rejectRow(rw, err)
			continue
		}
		rec, err := im.s.parse(rw)
		if err != nil {
			im.rejectRow(rw, err)
			continue
		}
		if im.s.unique != "" {
			k := im.s.key(rec)
			if first, dup := im.seen[k]; dup {
				im.rejectRow(rw, reject(im.s.unique, "duplicate: line %d has the same %s", first, im.s.unique))
				continue
			}
			if im.seen == nil {
				im.seen = map[string]int{}
			}
			im.seen[k] = rw.line
		}
		im.batch = append(im.batch, rec)
		im.batchPos = append(im.batchPos, rw.pos())
		if len(im.batch) >= im.batchSize {
			sinceCheck = 0
			if err := im.flush(); err != nil {
				return nil, err
			}
		}
	}
}

// check rejects a row whose shape is wrong before its cells are read.
func (im *importer[T]) check(rw *row) error {
	if n, want := len(rw.fields), len(im.h.names); n > want {
		return reject("row", "has %d fields, the header has %d", n, want)
	} else if n < want {
		return reject(im.h.names[n], "is missing: the row has %d fields, the header has %d", n, want)
	}
	return rw.checkUTF8()
}

// rejectRow reports a row that failed its checks, at the line of the cell at fault.
func (im *importer[T]) rejectRow(rw *row, err error) {
	ce := &cellError{column: "row", reason: err.Error()}
	errors.As(err, &ce)
	im.reject(rw.pos().lineOf(im.h, ce.column), ce.column, ce.reason)
}

// parseError rejects a row encoding/csv could not parse. Reading goes on with the next
// line; a quote never closed swallows the rest of the file, which the message says.
func (im *importer[T]) parseError(pe *csv.ParseError, parsed int) {
	column := "row"
	if parsed < len(im.h.names) {
		column = im.h.names[parsed] // the fields before the bad one were parsed
	}
	reason := parseReason(pe.Err)
	line := pe.Line
	if errors.Is(pe.Err, csv.ErrQuote) {
		line = pe.StartLine
		if pe.Line > pe.StartLine {
			reason += fmt.Sprintf("; lines %d to %d were read as this one row", pe.StartLine, pe.Line)
		}
	}
	im.reject(line, column, reason)
}

// flush writes the batch, sets aside the records waiting for a parent, and retries
// the waiting records when the batch stored something they may need.
func (im *importer[T]) flush() error {
	if len(im.batch) == 0 {
		im.report()
		return nil
	}
	if err := im.ctx.Err(); err != nil {
		return fmt.Errorf("import %s stopped before line %d: %w", im.kind, im.batchPos[0].line, err)
	}
	errs, err := im.s.write(im.w, im.ctx, im.batch)
	if err != nil {
		return fmt.Errorf("store %s of lines %d to %d: %w", im.kind, im.batchPos[0].line, im.batchPos[len(im.batchPos)-1].line, err)
	}
	bad, err := byIndex(errs, len(im.batch))
	if err != nil {
		return err
	}
	stored := 0
	for i, rec := range im.batch {
		e, rejected := bad[i]
		switch {
		case !rejected:
			stored++
			im.supersede(rec, im.batchPos[i])
		case e.Unresolved:
			wt := &waiter[T]{rec: rec, pos: im.batchPos[i], last: e}
			im.waiters = append(im.waiters, wt)
			k := im.s.key(rec)
			im.byKey[k] = append(im.byKey[k], wt)
		default:
			im.rejectRecord(im.batchPos[i], e)
		}
	}
	im.res.Stored += stored
	clear(im.batch) // let the strings go
	im.batch, im.batchPos = im.batch[:0], im.batchPos[:0]
	if stored > 0 {
		if err := im.retry(); err != nil {
			return err
		}
	}
	im.report()
	im.showProgress()
	return nil
}

// retry writes the waiting records again, in line order and in batches, for as long
// as each round stores some of them.
func (im *importer[T]) retry() error {
	for {
		queue := im.waiters
		im.waiters = nil
		progress := false
		for start := 0; start < len(queue); start += im.batchSize {
			chunk := queue[start:min(start+im.batchSize, len(queue))]
			// Rows superseded by a later row stored meanwhile must not overwrite it.
			chunk = slices.DeleteFunc(slices.Clone(chunk), func(wt *waiter[T]) bool { return wt.state != waiting })
			if len(chunk) == 0 {
				continue
			}
			if err := im.ctx.Err(); err != nil {
				return fmt.Errorf("import %s stopped: %w", im.kind, err)
			}
			recs := make([]T, len(chunk))
			for i, wt := range chunk {
				recs[i] = wt.rec
			}
			errs, err := im.s.write(im.w, im.ctx, recs)
			if err != nil {
				return fmt.Errorf("store %s waiting for their parent: %w", im.kind, err)
			}
			bad, err := byIndex(errs, len(recs))
			if err != nil {
				return err
			}
			for i, wt := range chunk {
				e, rejected := bad[i]
				switch {
				case !rejected:
					wt.state = resolved
					im.res.Stored++
					progress = true
					im.supersede(wt.rec, wt.pos)
				case e.Unresolved:
					wt.last = e
					im.waiters = append(im.waiters, wt)
				default:
					wt.state = abandoned
					im.rejectRecord(wt.pos, e)
				}
			}
		}
		im.compactKeys()
		if !progress || len(im.waiters) == 0 {
			return nil
		}
	}
}

// supersede drops the waiting records of rec's key from earlier lines: rec, stored,
// is the file's later word on that key. They count as stored, as a duplicate row
// overwritten within one batch does.
func (im *importer[T]) supersede(rec T, p pos) {
	if len(im.byKey) == 0 {
		return
	}
	k := im.s.key(rec)
	for _, wt := range im.byKey[k] {
		if wt.state == waiting && wt.pos.line < p.line {
			wt.state = superseded
			im.res.Stored++
		}
	}
}

// compactKeys forgets the records that are no longer waiting.
func (im *importer[T]) compactKeys() {
	live := im.waiters[:0:0]
	for _, wt := range im.waiters {
		if wt.state == waiting {
			live = append(live, wt)
		}
	}
	im.waiters = live
	clear(im.byKey)
	for _, wt := range live {
		k := im.s.key(wt.rec)
		im.byKey[k] = append(im.byKey[k], wt)
	}
}

// byIndex maps the writer's rejections to the records of the batch, checking that the
// writer named records it was given.
func byIndex(errs []models.RecordError, n int) (map[int]models.RecordError, error) {
	bad := make(map[int]models.RecordError, len(errs))
	for _, e := range errs {
		if e.Index < 0 || e.Index >= n {
			return nil, fmt.Errorf("the store rejected record %d of a batch of %d", e.Index, n)
		}
		if _, seen := bad[e.Index]; !seen {
			bad[e.Index] = e
		}
	}
	return bad, nil
}

// rejectRecord reports a record the writer rejected, at the line of the column it names.
func (im *importer[T]) rejectRecord(p pos, e models.RecordError) {
	column := e.Column
	if column == "" {
		column = "row"
	}
	reason := e.Reason
	if reason == "" {
		reason = "was rejected by the store"
	}
	im.reject(p.lineOf(im.h, e.Column), column, reason)
}

func (im *importer[T]) reject(line int, column, reason string) {
	im.res.Rejected++
	im.rejects = append(im.rejects, rejection{line, column, reason})
}

// report writes the rejections gathered since the last report, in line order: rows
// rejected while reading and rows the writer rejected are then interleaved as in the file.
func (im *importer[T]) report() {
	if len(im.rejects) == 0 {
		return
	}
	if im.shown {
		// Clear the progress line (Progress is a terminal) so a rejection written to
		// the same terminal starts on a clean line; the next batch redraws it.
		fmt.Fprint(im.progress, "\r\x1b[K")
		im.shown = false
	}
	slices.SortStableFunc(im.rejects, func(a, b rejection) int { return a.line - b.line })
	for _, r := range im.rejects {
		fmt.Fprintf(im.errs, "line %d: %s: %s\n", r.line, r.column, r.reason)
	}
	im.rejects = im.rejects[:0]
}

func (im *importer[T]) showProgress() {
	if im.progress == nil {
		return
	}
	fmt.Fprintf(im.progress, "\rread %d rows: %d stored, %d rejected", im.rows, im.res.Stored, im.res.Rejected)
	im.shown = true
}
