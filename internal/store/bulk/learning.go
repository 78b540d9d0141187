package bulk

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// Bulk upserts of the learning record, as import and seed write it. They follow the
// shape of catalogue.go and have exactly the effects of the API's writes: evidence
// re-estimates the proficiencies it touches, a completed enrolment issues its
// certificate and COURSE_COMPLETION evidence, a rating moves the course's average.
// A row that changes nothing writes nothing, so importing a file again bumps no
// version and rewrites no proficiency.

// UpsertEvidence upserts on (employee code, competency code, source, observed at).
// In the transaction of each batch, the proficiencies of the (learner, competency)
// pairs whose evidence was inserted or changed are re-estimated, each once, and the
// versions of their learners bumped once.
func (w *Writer) UpsertEvidence(ctx context.Context, recs []models.EvidenceRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
	learners, comps, err := w.db.ResolveLearnerPairs(ctx, "competencies", len(recs), func(i int) (string, string) {
		return recs[i].EmployeeCode, recs[i].CompetencyCode
	})
	if err != nil {
		return nil, err
	}
	now := w.db.Now()
	var valid []int
	rows := make([]models.Evidence, len(recs))
	for i, r := range recs {
		n := models.NewEvidence{LearnerID: learners[r.EmployeeCode], CompetencyID: comps[r.CompetencyCode],
			Source: r.Source, Level: r.Level, Score: r.Score, ObservedAt: r.ObservedAt}
		switch err := n.Validate(now); {
		case n.LearnerID == 0:
			rejected.Add(i, "employee_code", "no learner has employee code %q", r.EmployeeCode)
		case n.CompetencyID == 0:
			rejected.Add(i, "competency_code", "no competency has code %q", r.CompetencyCode)
		case err != nil:
			rejected.Reject(i, err, store.EvidenceColumns)
		case r.ObservedAt.IsZero(): // part of the key: "now" would differ on every import
			rejected.Add(i, "observed_at", "must not be empty")
		default:
			rows[i] = models.Evidence{LearnerID: n.LearnerID, CompetencyID: n.CompetencyID, Source: n.Source,
				Level: n.Level, Score: n.Score, ObservedAt: domain.Instant(n.ObservedAt), CreatedAt: now}
			valid = append(valid, i)
		}
	}
	valid = domain.Latest(valid, func(i int) string {
		e := rows[i]
		return fmt.Sprintf("%d/%d/%s/%d", e.LearnerID, e.CompetencyID, e.Source, e.ObservedAt.UnixMicro())
	})
	err = w.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		batch := make([]models.Evidence, len(idxs))
		for k, i := range idxs {
			batch[k] = rows[i]
		}
		pairs, err := upsertEvidence(ctx, tx, batch)
		if err != nil {
			return err
		}
		if _, err := w.db.ReestimateIn(ctx, tx, pairs); err != nil {
			return err
		}
		return w.db.BumpLearners(ctx, tx, slices.Sorted(maps.Keys(pairs)))
	})
	return rejected, err
}

// upsertEvidence writes rows, keys all distinct, and returns the competencies of
// each learner in which a row was inserted or changed.
func upsertEvidence(ctx context.Context, idb bun.IDB, rows []models.Evidence) (map[int64][]int64, error) {
	pairs := map[int64][]int64{}
	seen := map[store.LearnerPair]bool{}
	for lo := 0; lo < len(rows); lo += store.LearningChunk {
		chunk := rows[lo:min(lo+store.LearningChunk, len(rows))]
		var wrote []store.LearnerPair
		if err := idb.NewInsert().Model(&chunk).ExcludeColumn("id").
			On("CONFLICT (learner_id, competency_id, source, observed_at) DO UPDATE").
			Set("level = EXCLUDED.level").Set("score = EXCLUDED.score").
			Where(store.Changed("evidence", "level")+" OR evidence.score IS DISTINCT FROM EXCLUDED.score").
			Returning("learner_id, competency_id").Scan(ctx, &wrote); err != nil {
			return nil, err
		}
		for _, p := range wrote {
			if !seen[p] {
				seen[p] = true
				pairs[p.LearnerID] = append(pairs[p.LearnerID], p.CompetencyID)
			}
		}
	}
	return pairs, nil
}

// UpsertEnrolments upserts on (employee code, course code). Progress never moves
// backwards and a completed enrolment stays completed, on the date it completed:
// a record that would change that is rejected. A new enrolment counts towards the
// course's enrolments; a newly COMPLETED one issues its certificate and
// COURSE_COMPLETION evidence, observed when it completed, and re-estimates the
// proficiencies that changes. A rating replaces the learner's stars for the course.
// Karma is as the API awards it: for a new enrolment (at enrolled_at), a new
// completion (at completed_at) and a first rating (now).
// The versions of the learners whose record changed are bumped once per batch.
func (w *Writer) UpsertEnrolments(ctx context.Context, recs []models.EnrolmentRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
	learners, courses, err := w.db.ResolveLearnerPairs(ctx, "courses", len(recs), func(i int) (string, string) {
		return recs[i].EmployeeCode, recs[i].CourseCode
	})
	if err != nil {
		return nil, err
	}
	now := w.db.Now()
	var valid []int
	rows := make([]models.Enrolment, len(recs))
	for i, r := range recs {
		switch err := r.Validate(now); {
		case learners[r.EmployeeCode] == 0:
			rejected.Add(i, "employee_code", "no learner has employee code %q", r.EmployeeCode)
		case courses[r.CourseCode] == 0:
			rejected.Add(i, "course_code", "no course has code %q", r.CourseCode)
		case err != nil:
			rejected.Reject(i, err, store.EnrolmentColumns)
		default:
			rows[i] = models.Enrolment{LearnerID: learners[r.EmployeeCode], CourseID: courses[r.CourseCode],
				Status: r.Status, Progress: r.Progress, EnrolledAt: domain.Instant(r.EnrolledAt)}
			if r.CompletedAt != nil {
				at := domain.Instant(*r.CompletedAt)
				rows[i].CompletedAt = &at
			}
			valid = append(valid, i)
		}
	}
	valid = domain.Latest(valid, func(i int) string { return fmt.Sprintf("%d/%d", rows[i].LearnerID, rows[i].CourseID) })
	// Rows refused against what is stored are found inside the transaction; a
	// batch may run again a record at a time, so they are kept by index.
	refused := map[int]models.RecordError{}
	err = w.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		for _, i := range idxs {
			delete(refused, i)
		}
		return w.writeEnrolments(ctx, tx, recs, rows, idxs, refused)
	})
	for _, i := range slices.Sorted(maps.Keys(refused)) {
		rejected = append(rejected, refused[i])
	}
	return rejected, err
}

// writeEnrolments writes the enrolments rows[idxs] and their effects, recording in
// refused the rows it must not write.
func (w *Writer) writeEnrolments(ctx context.Context, tx bun.Tx, recs []models.EnrolmentRecord, rows []models.Enrolment, idxs []int, refused map[int]models.RecordError) error {
	learnerIDs := make([]int64, len(idxs))
	for k, i := range idxs {
		learnerIDs[k] = rows[i].LearnerID
	}
	var current []*models.Enrolment
	if err := tx.NewSelect().Model(&current).Where("learner_id IN (?)", bun.List(store.Dedupe(learnerIDs))).Scan(ctx); err != nil {
		return err
	}
	stored := make(map[[2]int64]*models.Enrolment, len(current))
	for _, e := range current {
		stored[[2]int64{e.LearnerID, e.CourseID}] = e
	}
	refuse := func(i int, column, format string, args ...any) {
		refused[i] = models.RecordError{Index: i, Column: column, Reason: fmt.Sprintf(format, args...)}
	}
	var writes []models.Enrolment
	var rating []int               // the records with a rating
	expected := map[[2]int64]int{} // the rows written, by pair, to their record
	for _, i := range idxs {
		e := rows[i]
		old := stored[[2]int64{e.LearnerID, e.CourseID}]
		switch {
		case old == nil:
		case e.Progress < old.Progress:
			refuse(i, "progress", "must not go below the stored progress %.2f", old.Progress)
			continue
		case old.Status == models.Completed && e.Status != models.Completed:
			refuse(i, "status", "must stay COMPLETED: the enrolment was completed at %s", old.CompletedAt.Format(time.RFC3339))
			continue
		case old.Status == models.Completed && !old.CompletedAt.Equal(*e.CompletedAt):
			refuse(i, "completed_at", "must stay %s, when the enrolment was completed", old.CompletedAt.Format(time.RFC3339))
			continue
		}
		if old == nil || !domain.SameEnrolment(old, &e) {
			writes = append(writes, e)
			expected[[2]int64{e.LearnerID, e.CourseID}] = i
		}
		if recs[i].Rating != nil {
			rating = append(rating, i)
		}
	}

	var wrote []*models.Enrolment
	for lo := 0; lo < len(writes); lo += store.LearningChunk {
		chunk := writes[lo:min(lo+store.LearningChunk, len(writes))]
		var part []*models.Enrolment
		// Beyond skipping unchanged rows, the condition holds against a concurrent
		// write too: the database itself never moves progress back nor changes a
		// completion.
		if err := tx.NewInsert().Model(&chunk).ExcludeColumn("id").
			On("CONFLICT (learner_id, course_id) DO UPDATE").
			Set("status = EXCLUDED.status").Set("progress = EXCLUDED.progress").
			Set("enrolled_at = EXCLUDED.enrolled_at").Set("completed_at = EXCLUDED.completed_at").
			Where("("+store.Changed("enrolment", "status", "progress", "enrolled_at")+" OR enrolment.completed_at IS DISTINCT FROM EXCLUDED.completed_at)"+
				" AND enrolment.progress <= EXCLUDED.progress AND (enrolment.status <> ? OR enrolment.completed_at = EXCLUDED.completed_at)", models.Completed).
			Returning("id, learner_id, course_id, status, progress, enrolled_at, completed_at").Scan(ctx, &part); err != nil {
			return err
		}
		wrote = append(wrote, part...)
	}
	var done []*models.Enrolment
	var enrolledIn, bump []int64
	var acts []domain.Activity // karma: new enrolments and first ratings, as enrol and RateCourse award it
	for _, e := range wrote {
		k := [2]int64{e.LearnerID, e.CourseID}
		delete(expected, k)
		old := stored[k]
		if old == nil {
			enrolledIn = append(enrolledIn, e.CourseID)
			acts = append(acts, domain.Activity{Kind: domain.Enrolled, LearnerID: e.LearnerID, CourseID: e.CourseID, EnrolmentID: e.ID, At: e.EnrolledAt})
		}
		if e.Status == models.Completed && (old == nil || old.Status != models.Completed) {
			done = append(done, e)
		}
		bump = append(bump, e.LearnerID)
	}
	// A row that was to be written but was not lost out to a concurrent change.
	for _, i := range expected {
		refuse(i, "row", "the enrolment changed while the file was imported; import the row again")
	}
	// An operator's import is the provider's records: verified PROVIDER.
	if err := w.db.Complete(ctx, tx, done, models.VerifiedByProvider); err != nil {
		return err
	}
	if err := recountEnrolments(ctx, tx, store.Dedupe(enrolledIn)); err != nil {
		return err
	}
	var ratings []models.CourseRating
	now := w.db.Now()
	for _, i := range rating {
		if _, ok := refused[i]; !ok {
			ratings = append(ratings, models.CourseRating{LearnerID: rows[i].LearnerID, CourseID: rows[i].CourseID, Stars: *recs[i].Rating, RatedAt: now})
		}
	}
	before, err := ratedPairs(ctx, tx, ratings)
	if err != nil {
		return err
	}
	wroteRatings, err := upsertRatings(ctx, tx, ratings)
	if err != nil {
		return err
	}
	var ratedCourses []int64
	for _, p := range wroteRatings {
		ratedCourses = append(ratedCourses, p.CourseID)
		bump = append(bump, p.LearnerID)
		if !before[[2]int64{p.LearnerID, p.CourseID}] {
			acts = append(acts, domain.Activity{Kind: domain.Rated, LearnerID: p.LearnerID, CourseID: p.CourseID, At: now})
		}
	}
	if err := recountRatings(ctx, tx, store.Dedupe(ratedCourses)); err != nil {
		return err
	}
	if err := w.db.AwardKarma(ctx, tx, acts); err != nil {
		return err
	}
	bump = store.Dedupe(bump)
	slices.Sort(bump)
	return w.db.BumpLearners(ctx, tx, bump)
}

// recountEnrolments sets the enrolment count of each course listed to the number of
// its enrolments.
func recountEnrolments(ctx context.Context, idb bun.IDB, courseIDs []int64) error {
	if len(courseIDs) == 0 {
		return nil
	}
	_, err := idb.NewUpdate().Table("courses").
		Set("enrolment_count = (SELECT COUNT(*) FROM enrolments WHERE enrolments.course_id = courses.id)").
		Where("id IN (?)", bun.List(courseIDs)).Exec(ctx)
	return err
}

// ratedPairs returns which of the ratings' (learner, course) pairs already have one.
func ratedPairs(ctx context.Context, idb bun.IDB, ratings []models.CourseRating) (map[[2]int64]bool, error) {
	out := map[[2]int64]bool{}
	if len(ratings) == 0 {
		return out, nil
	}
	learners := make([]int64, len(ratings))
	for i, r := range ratings {
		learners[i] = r.LearnerID
	}
	var rows []models.CourseRating
	err := idb.NewSelect().Model(&rows).Column("learner_id", "course_id").
		Where("learner_id IN (?)", bun.List(store.Dedupe(learners))).Scan(ctx)
	for _, r := range rows {
		out[[2]int64{r.LearnerID, r.CourseID}] = true
	}
	return out, err
}

// upsertRatings writes ratings, replacing differing stars, and returns the pairs
// whose stars were inserted or changed.
func upsertRatings(ctx context.Context, idb bun.IDB, ratings []models.CourseRating) ([]store.LearnerPair, error) {
	var out []store.LearnerPair
	for lo := 0; lo < len(ratings); lo += store.LearningChunk {
		chunk := ratings[lo:min(lo+store.LearningChunk, len(ratings))]
		var part []store.LearnerPair
		if err := idb.NewInsert().Model(&chunk).
			On("CONFLICT (learner_id, course_id) DO UPDATE").
			Set("stars = EXCLUDED.stars").Set("rated_at = EXCLUDED.rated_at").
			Where(store.Changed("course_rating", "stars")).
			Returning("learner_id, course_id").Scan(ctx, &part); err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

// recountRatings sets the rating sum and count of each course listed from its ratings.
func recountRatings(ctx context.Context, idb bun.IDB, courseIDs []int64) error {
	if len(courseIDs) == 0 {
		return nil
	}
	_, err := idb.NewUpdate().Table("courses").
		Set("rating_sum = (SELECT COALESCE(SUM(stars), 0) FROM course_ratings WHERE course_ratings.course_id = courses.id)").
		Set("rating_count = (SELECT COUNT(*) FROM course_ratings WHERE course_ratings.course_id = courses.id)").
		Where("id IN (?)", bun.List(courseIDs)).Exec(ctx)
	return err
}
