// Package assessment persists assessments: the attempts at courses' final
// assessments (with their effects on the learning record, in one transaction), and
// the adaptive competency assessments' item banks and attempts (models.AdaptiveStore).
// The use cases are service.Karma's (final assessments) and service.Adaptive's.
package assessment

import (
	"context"
	"math"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// evidencePassMark is the score at which the estimator reads ASSESSMENT evidence as
// a pass (recommender.DefaultParams().PassMark; a test keeps the two equal).
const evidencePassMark = 0.6

// evidenceScore maps a score on a course's final assessment, whose pass mark is
// passMark, to the score of the ASSESSMENT evidence it records: piecewise linear,
// 0 → 0, passMark → evidencePassMark, 1 → 1. So a pass on the course is a pass for
// the estimator, a fail a fail, and the margin either way keeps its share of the
// range (a bare pass stays a bare pass, a full score the strongest pass).
func evidenceScore(score, passMark float64) float64 {
	if score >= passMark {
		if passMark == 1 {
			return evidencePassMark
		}
		return min(1, evidencePassMark+(score-passMark)*(1-evidencePassMark)/(1-passMark))
	}
	// Rounding must not lift a fail to the pass mark.
	return min(math.Nextafter(evidencePassMark, 0), score*evidencePassMark/passMark)
}

// Store keeps assessment attempts, item banks and adaptive attempts.
type Store struct{ db *store.DB }

// New returns the assessments of db.
func New(db *store.DB) *Store { return &Store{db: db} }

// SaveAttempt records an attempt at the final assessment of an enrolment's
// course, in one transaction with its effects: the attempt (passed when the score
// reaches the course's pass mark), ASSESSMENT evidence naming the course for each
// competency it imparts, at the competency's toLevel and observed now, with the
// score rescaled by evidenceScore, the re-estimated proficiencies, ASSESSMENT_PASSED
// karma when the attempt passes and the course is completed (completing it later
// earns it then), and a new version of the learner. A pass with the content done
// (progress 1) completes the course, verified ASSESSMENT, unless its provider
// verifies completions. The score is one models.ValidScore accepts. EINVALID
// (enrolmentId) when the course has no final assessment or the enrolment was
// dropped; ENOTFOUND for an unknown enrolment.
func (s *Store) SaveAttempt(ctx context.Context, enrolmentID int64, score float64) (*models.AssessmentAttempt, error) {
	db := s.db
	var attempt *models.AssessmentAttempt
	err := db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		e, err := store.One[models.Enrolment](ctx, tx, enrolmentID, "enrolment")
		if err != nil {
			return err
		}
		c, err := store.One[models.Course](ctx, tx, e.CourseID, "course")
		if err != nil {
			return err
		}
		switch {
		case c.PassMark == nil:
			return models.Invalid("enrolmentId", "the course has no final assessment")
		case e.Status == models.Dropped:
			return models.Invalid("enrolmentId", "the enrolment was dropped")
		}
		now := db.Now()
		attempt = &models.AssessmentAttempt{EnrolmentID: e.ID, LearnerID: e.LearnerID, CourseID: c.ID, Score: score,
			Passed: score >= *c.PassMark, TakenAt: now}
		if _, err := tx.NewInsert().Model(attempt).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return err
		}
		imparts, err := store.CourseCompetencies(ctx, tx, []int64{c.ID})
		if err != nil {
			return err
		}
		if cs := imparts[c.ID]; len(cs) > 0 {
			s := evidenceScore(score, *c.PassMark)
			evidence := make([]models.Evidence, len(cs))
			competencies := make([]int64, len(cs))
			for i, cc := range cs {
				evidence[i] = models.Evidence{LearnerID: e.LearnerID, CompetencyID: cc.CompetencyID, Source: models.Assessment,
					Level: cc.ToLevel, Score: &s, ObservedAt: now, CourseID: &c.ID, CreatedAt: now}
				competencies[i] = cc.CompetencyID
			}
			if _, err := tx.NewInsert().Model(&evidence).ExcludeColumn("id").
				On("CONFLICT (learner_id, competency_id, source, observed_at) DO UPDATE").
				Set("level = EXCLUDED.level").Set("score = EXCLUDED.score").Set("course_id = EXCLUDED.course_id").
				Exec(ctx); err != nil {
				return err
			}
			if _, err := db.ReestimateIn(ctx, tx, map[int64][]int64{e.LearnerID: competencies}); err != nil {
				return err
			}
		}
		// A pass completes a course whose content is done (progress 1) and that waited for it.
		if attempt.Passed && e.Progress == 1 && e.Status != models.Completed {
			if how, ok, err := db.Completion(ctx, tx, e, models.ByAssessmentPass); err != nil {
				return err
			} else if ok {
				if err := db.Advance(ctx, tx, e, 1, how, true); err != nil {
					return err
				}
			}
		}
		if attempt.Passed {
			if err := db.AwardKarma(ctx, tx, []domain.Activity{{Kind: domain.PassedAssessment, LearnerID: e.LearnerID, CourseID: c.ID,
				EnrolmentID: e.ID, At: now}}); err != nil {
				return err
			}
		}
		return db.BumpLearners(ctx, tx, []int64{e.LearnerID})
	})
	if err != nil {
		return nil, err
	}
	return attempt, nil
}

// FindAssessmentAttempts returns each enrolment's attempts, oldest first.
func (s *Store) FindAssessmentAttempts(ctx context.Context, enrolmentIDs []int64) (map[int64][]*models.AssessmentAttempt, error) {
	out := make(map[int64][]*models.AssessmentAttempt, len(enrolmentIDs))
	if len(enrolmentIDs) == 0 {
		return out, nil
	}
	var rows []*models.AssessmentAttempt
	if err := s.db.Bun().NewSelect().Model(&rows).Where("enrolment_id IN (?)", bun.List(enrolmentIDs)).
		Order("enrolment_id", "taken_at", "id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, a := range rows {
		out[a.EnrolmentID] = append(out[a.EnrolmentID], a)
	}
	return out, nil
}
