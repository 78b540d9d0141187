package store

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// The item banks' bulk path stays with the core's other bulk writers (the rest of
// the adaptive assessments is internal/store/assessment): import and seed look for
// models.AssessmentItemWriter on the models.BulkWriter they are given, by a type
// assertion, so were it to leave *DB, seeding or importing into a *DB would skip
// the banks without a word. It goes wherever the bulk writer goes.

var _ models.AssessmentItemWriter = (*DB)(nil)

// UpsertAssessmentItems upserts items on code (the assessment_items CSV kind); a
// re-imported item keeps whether it is retired, and an unchanged one is not written.
func (db *DB) UpsertAssessmentItems(ctx context.Context, recs []models.AssessmentItemRecord) ([]models.RecordError, error) {
	ctx = Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected Rejections
	codes := make([]string, len(recs))
	for i, r := range recs {
		codes[i] = r.CompetencyCode
	}
	comps, err := IDsByCode(ctx, db.bun, "competencies", codes)
	if err != nil {
		return nil, err
	}
	var courseCodes []string
	for _, r := range recs {
		if r.CourseCode != "" {
			courseCodes = append(courseCodes, r.CourseCode)
		}
	}
	courses, err := IDsByCode(ctx, db.bun, "courses", courseCodes)
	if err != nil {
		return nil, err
	}
	courseIDs := make([]int64, 0, len(courses))
	for _, id := range courses {
		courseIDs = append(courseIDs, id)
	}
	imparts, err := CourseCompetencies(ctx, db.bun, courseIDs)
	if err != nil {
		return nil, err
	}
	items := make([]models.AssessmentItem, len(recs))
	var valid []int
	for i, r := range recs {
		items[i] = models.AssessmentItem{Code: r.Code, CompetencyID: comps[r.CompetencyCode], Level: r.Level, Stem: r.Stem,
			Options: r.Options, Correct: r.Correct, Discrimination: r.Discrimination, Difficulty: r.Difficulty}
		if id, ok := courses[r.CourseCode]; ok {
			items[i].CourseID = &id
		}
		switch err := items[i].Validate(); {
		case items[i].CompetencyID == 0:
			rejected.Add(i, "competency_code", "no competency has code %q", r.CompetencyCode)
		case r.CourseCode != "" && items[i].CourseID == nil:
			rejected.Add(i, "course_code", "no course has code %q", r.CourseCode)
		case items[i].CourseID != nil && !slices.ContainsFunc(imparts[*items[i].CourseID], func(c models.CourseCompetency) bool { return c.CompetencyID == items[i].CompetencyID }):
			rejected.Add(i, "competency_code", "course %q does not impart competency %q", r.CourseCode, r.CompetencyCode)
		case err != nil:
			rejected.Reject(i, err, map[string]string{"code": "code", "level": "level", "stem": "stem", "options": "options",
				"correct": "correct", "discrimination": "discrimination", "difficulty": "difficulty"})
		default:
			valid = append(valid, i)
		}
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].Code })
	err = db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		now := db.now()
		rows := make([]models.AssessmentItem, len(idxs))
		for k, i := range idxs {
			rows[k] = items[i]
			rows[k].CreatedAt, rows[k].UpdatedAt = now, now
		}
		_, err := tx.NewInsert().Model(&rows).ExcludeColumn("id").
			On("CONFLICT (code) DO UPDATE").
			Set("competency_id = EXCLUDED.competency_id").Set("course_id = EXCLUDED.course_id").
			Set("level = EXCLUDED.level").Set("stem = EXCLUDED.stem").
			Set("options = EXCLUDED.options").Set("correct = EXCLUDED.correct").
			Set("discrimination = EXCLUDED.discrimination").Set("difficulty = EXCLUDED.difficulty").
			Set("updated_at = EXCLUDED.updated_at").
			Where(Changed("assessment_item", "competency_id", "level", "stem", "options", "correct") +
				" OR assessment_item.course_id IS DISTINCT FROM EXCLUDED.course_id" +
				" OR assessment_item.discrimination IS DISTINCT FROM EXCLUDED.discrimination" +
				" OR assessment_item.difficulty IS DISTINCT FROM EXCLUDED.difficulty").
			Exec(ctx)
		return err
	})
	return rejected, err
}
