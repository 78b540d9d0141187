package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/importer"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// An institute's uploads: a learning week, a batch, the sessions of both, and an
// attendance register. Bad rows are reported by line and column and cost the good
// ones nothing; attendance has the API's effects; a second upload changes nothing.
func TestImportClassroom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		load(t, db, base...)
		day := func(d int) string {
			return time.Now().UTC().Add(time.Duration(d) * 24 * time.Hour).Format(time.RFC3339)
		}
		files := []struct {
			kind, csv string
			want      importer.Result
			errs      []string // "line N: column:" prefixes, in order
		}{
			{"events", `code,name,starts_at,ends_at,organisation_code,description
SAPTAH,Karmayogi Saptah,2026-10-19,2026-10-26,,National Learning Week
BAD1,,2026-10-19,2026-10-26,,
BAD2,Week,2026-10-26,2026-10-19,,
BAD3,Week,2026-10-19,2026-10-26,NOPE,
`, importer.Result{Stored: 1, Rejected: 3}, []string{"line 3: name:", "line 4: ends_at: must be after the start", "line 5: organisation_code:"}},
			{"batches", fmt.Sprintf(`code,course_code,name,starts_at,ends_at,seats,venue,policy
GFR-B1,C-GFR,GFR batch 1,%s,%s,2,"ISTM, New Delhi",open
GFR-B2,C-DRAFT,Online course,%s,%s,2,ISTM,
GFR-B3,C-GFR,No seats,%s,%s,0,ISTM,
GFR-B4,C-NOPE,Unknown,%s,%s,5,ISTM,
GFR-B5,C-GFR,Nowhere,%s,%s,5,,
`, day(-2), day(30), day(-2), day(30), day(-2), day(30), day(-2), day(30), day(-2), day(30)),
				importer.Result{Stored: 1, Rejected: 4}, []string{"line 3: course_code:", "line 4: seats:", "line 5: course_code:",
					"line 6: venue: a batch needs a venue or a link"}},
			{"sessions", fmt.Sprintf(`code,title,starts_at,ends_at,batch_code,event_code,competencies,capacity
GFR-D1,Day 1,%s,%s,GFR-B1,,,
GFR-D2,Day 2,%s,%s,GFR-B1,,,
SAPTAH-S1,Integrity in public life,2026-10-20T10:00:00+05:30,2026-10-20T11:30:00+05:30,,SAPTAH,BEH-01:2,100
BAD-1,Both,2026-10-20T10:00:00+05:30,2026-10-20T11:30:00+05:30,GFR-B1,SAPTAH,,
BAD-2,Level,2026-10-20T10:00:00+05:30,2026-10-20T11:30:00+05:30,,SAPTAH,BEH-01:9,
BAD-3,Orphan,2026-10-20T10:00:00+05:30,2026-10-20T11:30:00+05:30,NOPE,,,
`, day(-1)[:10]+"T09:00:00Z", day(-1)[:10]+"T17:00:00Z", day(1)[:10]+"T09:00:00Z", day(1)[:10]+"T17:00:00Z"),
				importer.Result{Stored: 3, Rejected: 3}, []string{"line 5: batch_code:", "line 6: competencies:", "line 7: batch_code:"}},
		}
		for _, f := range files {
			res, errs, err := run(t, db, f.kind, f.csv, importer.Options{})
			if err != nil {
				t.Fatalf("%s: %v", f.kind, err)
			}
			checkRejections(t, f.kind, res, errs, f.want, f.errs)
		}

		// A seat for E001 (E002 is enrolled in the course online already).
		asha, err := db.FindLearnerByEmployeeCode(ctx, "E001")
		if err != nil {
			t.Fatal(err)
		}
		vikram, err := db.FindLearnerByEmployeeCode(ctx, "E002")
		if err != nil {
			t.Fatal(err)
		}
		batches, err := blended.New(db).FindBatches(ctx, models.BatchFilter{}, models.PageRequest{First: 10})
		if err != nil || len(batches.Items) != 1 {
			t.Fatalf("batches %v, %v", batches, err)
		}
		if r, err := blended.New(db).InsertSeatRequest(ctx, batches.Items[0].ID, asha.ID); err != nil || r.Status != models.SeatConfirmed {
			t.Fatalf("InsertSeatRequest: %+v, %v", r, err)
		}
		register := `session_code,employee_code
GFR-D1,E001
GFR-D2,E001
GFR-D1,E002
SAPTAH-S1,E002
SAPTAH-S1,E404
`
		res, errs, err := run(t, db, "attendance", register, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkRejections(t, "attendance", res, errs, importer.Result{Stored: 2, Rejected: 3},
			[]string{"line 3: session_code:", "line 4: employee_code:", "line 6: employee_code:"})

		// One of the batch's two sessions: half-way through the course.
		ens, err := db.FindEnrolments(ctx, asha.ID, nil, models.PageRequest{First: 10})
		if err != nil {
			t.Fatal(err)
		}
		var gfr *models.Enrolment
		for _, e := range ens.Items {
			if e.CourseID == batches.Items[0].CourseID {
				gfr = e
			}
		}
		if gfr == nil || gfr.Progress != 0.5 || gfr.Status != models.InProgress {
			t.Errorf("E001's batch enrolment %+v, want IN_PROGRESS at 0.5", gfr)
		}
		// The walk-in at the learning week: evidence of Integrity at 2, and karma.
		evs, err := db.FindEvidence(ctx, vikram.ID, models.PageRequest{First: 50})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range evs.Items {
			found = found || (e.Source == models.EventAttendance && e.Level == 2)
		}
		if !found {
			t.Errorf("E002 has no EVENT_ATTENDANCE evidence at level 2: %+v", evs.Items)
		}
		before := dump(t, db)
		totals, err := karma.New(db).FindKarmaTotals(ctx, []int64{vikram.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Uploading the register again changes nothing.
		if _, _, err := run(t, db, "attendance", register, importer.Options{}); err != nil {
			t.Fatal(err)
		}
		again, err := karma.New(db).FindKarmaTotals(ctx, []int64{vikram.ID})
		if err != nil {
			t.Fatal(err)
		}
		equalLines(t, "after a second upload", dump(t, db), before)
		if again[vikram.ID] != totals[vikram.ID] || totals[vikram.ID] < 5 {
			t.Errorf("E002's karma %d, then %d after a second upload; want at least the event's 5, unchanged", totals[vikram.ID], again[vikram.ID])
		}
	})
}

// checkRejections compares a result and its rejections, by line and column.
func checkRejections(t *testing.T, kind string, res importer.Result, errs string, want importer.Result, prefixes []string) {
	t.Helper()
	if res != want {
		t.Errorf("%s: result %+v, want %+v\n%s", kind, res, want, errs)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != len(prefixes) {
		t.Fatalf("%s: rejections:\n%s\nwant %d", kind, errs, len(prefixes))
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("%s: rejection %q, want it to start %q", kind, lines[i], p)
		}
	}
}
