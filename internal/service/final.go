package service

import (
	"cmp"
	"context"
	"encoding/binary"
	"hash/fnv"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// Course final assessment defaults.
const (
	// DefaultFinalRetake is the wait after an attempt at a course's final
	// assessment before the learner's next (KARMAYOGI_FINAL_RETAKE). Each attempt's
	// score says how many answers were right, so unlimited retakes would let a
	// learner find the right options by changing one answer at a time.
	DefaultFinalRetake = 24 * time.Hour
	// finalFormSize is how many bank items a course without items of its own asks.
	finalFormSize = 10
)

// CourseFinals is what scoring a course's final assessment needs: the catalogue's
// reads and the final assessments' use cases (NewFinals).
type CourseFinals interface {
	FinalCourses
	FinalAttempts
}

// FinalCourses reads what a course's final assessment asks about.
type FinalCourses interface {
	FindCourseByID(ctx context.Context, id int64) (*models.Course, error)
	FindCourseCompetenciesByCourseIDs(ctx context.Context, ids []int64) (map[int64][]models.CourseCompetency, error)
}

// FinalAttempts reads and takes attempts at final assessments (Karma).
type FinalAttempts interface {
	FindAssessmentAttempts(ctx context.Context, enrolmentIDs []int64) (map[int64][]*models.AssessmentAttempt, error)
	TakeAssessment(ctx context.Context, enrolmentID int64, score float64) (*models.AssessmentAttempt, error)
}

// NewFinals returns the CourseFinals that reads courses from courses (the
// catalogue) and takes and reads attempts through attempts (Karma, which validates
// them).
func NewFinals(courses FinalCourses, attempts FinalAttempts) CourseFinals {
	return struct {
		FinalCourses
		FinalAttempts
	}{courses, attempts}
}

// ItemAnswer is a learner's choice (1-based) for one item of a form.
type ItemAnswer struct {
	ItemID int64
	Choice int
}

// FinalForm returns the questions of the next attempt at the final assessment of
// enrolment e's course: the course's own items when it has any, all of them by
// code; otherwise up to finalFormSize items of the banks of the competencies it
// imparts, written for the levels it claims to teach (above its fromLevel, up to its
// toLevel). The draw from the banks depends on the enrolment and on how many
// attempts it has made, so a retake asks other questions, and the form a learner
// reads is the form their answers are scored against. Nil when the course has no
// final assessment or no items for one.
func (a *Adaptive) FinalForm(ctx context.Context, e *models.Enrolment) ([]*models.AssessmentItem, error) {
	if a.Finals == nil {
		return nil, nil
	}
	attempts, err := a.Finals.FindAssessmentAttempts(ctx, []int64{e.ID})
	if err != nil {
		return nil, err
	}
	return a.finalForm(ctx, e, len(attempts[e.ID]))
}

// finalForm is FinalForm for an enrolment that has made attempts attempts.
func (a *Adaptive) finalForm(ctx context.Context, e *models.Enrolment, attempts int) ([]*models.AssessmentItem, error) {
	c, err := a.Finals.FindCourseByID(ctx, e.CourseID)
	if err != nil || c.PassMark == nil {
		return nil, err
	}
	own, err := a.Store.FindCourseItems(ctx, c.ID, false)
	if err != nil || len(own) > 0 {
		return own, err
	}
	imparts, err := a.Finals.FindCourseCompetenciesByCourseIDs(ctx, []int64{c.ID})
	if err != nil {
		return nil, err
	}
	var pool []*models.AssessmentItem
	for _, cc := range imparts[c.ID] {
		bank, err := a.Store.FindAssessmentItems(ctx, cc.CompetencyID, false)
		if err != nil {
			return nil, err
		}
		for _, it := range bank {
			if it.Level > cc.FromLevel && it.Level <= cc.ToLevel {
				pool = append(pool, it)
			}
		}
	}
	draw := func(it *models.AssessmentItem) uint64 { return drawKey(e.ID, attempts, it.ID) }
	slices.SortFunc(pool, func(x, y *models.AssessmentItem) int { return cmp.Compare(draw(x), draw(y)) })
	form := pool[:min(len(pool), finalFormSize)]
	// Shown easiest first, by competency.
	slices.SortFunc(form, func(x, y *models.AssessmentItem) int {
		return cmp.Or(cmp.Compare(x.CompetencyID, y.CompetencyID), cmp.Compare(x.Level, y.Level), cmp.Compare(x.Code, y.Code))
	})
	return form, nil
}

// drawKey orders a bank's items for one attempt of one enrolment: a hash, so the
// same attempt always draws the same items and the next attempt others.
func drawKey(enrolmentID int64, attempt int, itemID int64) uint64 {
	h := fnv.New64a()
	var b [24]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(enrolmentID))
	binary.LittleEndian.PutUint64(b[8:], uint64(attempt))
	binary.LittleEndian.PutUint64(b[16:], uint64(itemID))
	h.Write(b[:])
	return h.Sum64()
}

// TakeFinal scores a learner's answers to the final assessment of enrolment e's
// course on the server (the share of its form answered right; an item left out
// counts as wrong) and records the attempt with its effects (the store's
// TakeAssessment: evidence, completion, karma). EFORBIDDEN during the wait after
// the last attempt, naming when it ends; EINVALID (enrolmentId) for a course
// without a final assessment or items for one, (answers) for an item that is not
// on the form, one answered twice or a choice out of range.
func (a *Adaptive) TakeFinal(ctx context.Context, e *models.Enrolment, answers []ItemAnswer) (*models.AssessmentAttempt, error) {
	if a.Finals == nil {
		return nil, models.Invalid("enrolmentId", "this service scores no final assessments")
	}
	attempts, err := a.Finals.FindAssessmentAttempts(ctx, []int64{e.ID})
	if err != nil {
		return nil, err
	}
	if as := attempts[e.ID]; len(as) > 0 {
		if until := as[len(as)-1].TakenAt.Add(a.finalRetake()).UTC(); a.now().Before(until) {
			err := models.Errorf(models.EFORBIDDEN, "the next attempt may start only at %s", until.Format(time.RFC3339))
			err.Field = "enrolmentId"
			return nil, err
		}
	}
	form, err := a.finalForm(ctx, e, len(attempts[e.ID]))
	if err != nil {
		return nil, err
	}
	if len(form) == 0 {
		return nil, models.Invalid("enrolmentId", "the course has no final assessment with questions")
	}
	byID := make(map[int64]*models.AssessmentItem, len(form))
	for _, it := range form {
		byID[it.ID] = it
	}
	right, seen := 0, map[int64]bool{}
	for i, ans := range answers {
		it := byID[ans.ItemID]
		switch {
		case it == nil:
			return nil, models.Invalid("answers", "answer %d: the item is not a question of this assessment", i+1)
		case seen[ans.ItemID]:
			return nil, models.Invalid("answers", "answer %d: the item is answered twice", i+1)
		case ans.Choice < 1 || ans.Choice > len(it.Options):
			return nil, models.Invalid("answers", "answer %d: choice must be between 1 and %d", i+1, len(it.Options))
		}
		seen[ans.ItemID] = true
		if ans.Choice == it.Correct {
			right++
		}
	}
	return a.Finals.TakeAssessment(ctx, e.ID, float64(right)/float64(len(form)))
}

func (a *Adaptive) finalRetake() time.Duration { return orDefault(a.FinalRetake, DefaultFinalRetake) }
