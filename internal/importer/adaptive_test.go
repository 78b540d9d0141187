package importer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/importer"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

const itemsCSV = `code,competency_code,level,stem,options,correct,discrimination,difficulty
FUN-01-001,FUN-01,1,What does a note on file record?,The facts and the proposal|The minister's diary|A personal opinion|Nothing,1,,
FUN-01-002,FUN-01,3,"Who signs a draft for approval, usually?",The dealing hand|The officer approving it|The file|Anyone,2,1.4,2.6
`

func TestImportAssessmentItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, base[1]) // competencies
		res, errs, err := run(t, db, "assessment_items", itemsCSV, importer.Options{})
		if err != nil || errs != "" || res.Stored != 2 {
			t.Fatalf("res %+v, err %v, rejected:\n%s", res, err, errs)
		}
		ctx := context.Background()
		var compID int64
		if err := db.Bun().NewSelect().Table("competencies").Column("id").Where("code = ?", "FUN-01").Scan(ctx, &compID); err != nil {
			t.Fatal(err)
		}
		items, err := assessment.New(db).FindAssessmentItems(ctx, compID, true)
		if err != nil || len(items) != 2 {
			t.Fatalf("items %v, %v", items, err)
		}
		if it := items[1]; it.Code != "FUN-01-002" || it.Level != 3 || it.Correct != 2 || len(it.Options) != 4 ||
			it.Discrimination == nil || *it.Discrimination != 1.4 || *it.Difficulty != 2.6 || it.Stem != "Who signs a draft for approval, usually?" {
			t.Errorf("stored %+v", it)
		}
		// Again: nothing changes (upsert on code).
		if res, errs, err := run(t, db, "assessment_items", itemsCSV, importer.Options{}); err != nil || errs != "" || res.Stored != 2 {
			t.Fatalf("again: res %+v, err %v, rejected:\n%s", res, err, errs)
		}
		again, _ := assessment.New(db).FindAssessmentItems(ctx, compID, true)
		if !again[0].UpdatedAt.Equal(items[0].UpdatedAt) || len(again) != 2 {
			t.Errorf("re-import rewrote %+v", again[0])
		}
	})
}

func TestImportAssessmentItemsBadRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, base[1])
		csv := `code,competency_code,level,stem,options,correct,discrimination,difficulty
A-1,FUN-01,1,Fine?,yes|no,1,,
A-1,FUN-01,2,Again?,yes|no,2,,
A-2,FUN-01,1,One option?,only,1,,
A-3,FUN-01,1,Seven?,a|b|c|d|e|f|g,1,,
A-4,FUN-01,1,Out of range?,a|b|c,4,,
A-5,FUN-01,1,  ,a|b,1,,
A-6,NOPE,1,Unknown?,a|b,1,,
A-7,FUN-01,6,Level?,a|b,1,,
A-8,FUN-01,2,Half calibrated?,a|b,1,1.5,
`
		res, errs, err := run(t, db, "assessment_items", csv, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"line 3: code: duplicate: line 2 has the same code",
			"line 4: options: has 1 options, want 2 to 6 (separated by |)",
			"line 5: options: has 7 options, want 2 to 6 (separated by |)",
			"line 6: correct: must be between 1 and 3",
			"line 7: stem: must not be empty",
			`line 8: competency_code: no competency has code "NOPE"`,
			"line 9: level: must be between 1 and 5",
			"line 10: difficulty: discrimination and difficulty go together",
		}
		if got := strings.Split(strings.TrimSpace(errs), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("rejected:\n%s\nwant:\n%s", errs, strings.Join(want, "\n"))
		}
		if res.Stored != 1 || res.Rejected != 8 {
			t.Errorf("result %+v", res)
		}
	})
}

// TestImportCourseItems: a row with a course_code is that course's own item (its
// final assessment), kept out of the competency's bank; the course must exist and
// impart the competency.
func TestImportCourseItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, f := range base[:6] { // organisations ... course_competencies
			load(t, db, f)
		}
		csv := `code,competency_code,level,stem,options,correct,course_code
G-1,DOM-01,2,Which rule governs a limited tender?,Rule 162|Rule 1|None,1,C-GFR
G-2,DOM-01,1,Bank item?,yes|no,1,
G-3,DOM-01,1,Unknown course?,yes|no,1,C-NOPE
G-4,FUN-01,1,Not what it teaches?,yes|no,1,C-GFR
`
		res, errs, err := run(t, db, "assessment_items", csv, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := `line 4: course_code: no course has code "C-NOPE"` + "\n" +
			`line 5: competency_code: course "C-GFR" does not impart competency "FUN-01"`
		if strings.TrimSpace(errs) != want || res.Stored != 2 {
			t.Fatalf("res %+v, rejected:\n%s\nwant:\n%s", res, errs, want)
		}
		ctx := context.Background()
		var compID, courseID int64
		db.Bun().NewSelect().Table("competencies").Column("id").Where("code = ?", "DOM-01").Scan(ctx, &compID)
		db.Bun().NewSelect().Table("courses").Column("id").Where("code = ?", "C-GFR").Scan(ctx, &courseID)
		bank, err := assessment.New(db).FindAssessmentItems(ctx, compID, true)
		if err != nil || len(bank) != 1 || bank[0].Code != "G-2" || bank[0].CourseID != nil {
			t.Fatalf("the bank: %+v, %v", bank, err)
		}
		own, err := assessment.New(db).FindCourseItems(ctx, courseID, false)
		if err != nil || len(own) != 1 || own[0].Code != "G-1" || own[0].CourseID == nil || *own[0].CourseID != courseID {
			t.Fatalf("the course's items: %+v, %v", own, err)
		}
	})
}
