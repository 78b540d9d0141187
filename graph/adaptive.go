package graph

import (
	"context"

	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/models"
)

// The global ID types of adaptive assessments.
const (
	typeAdaptiveAttempt = "AdaptiveAttempt"
	typeAssessmentItem  = "AssessmentItem"
)

// authoriseOwnTest admits only the learner themself to take an adaptive test: the
// result is the strongest evidence of their record, so nobody answers for them (an
// admin over them is FORBIDDEN, a PLATFORM_ADMIN included); anyone who may not see
// the learner gets NOT_FOUND.
func authoriseOwnTest(ctx context.Context, learners models.LearnerService, learnerID int64) error {
	l, err := learners.FindLearnerByID(ctx, learnerID)
	if err != nil {
		return err
	}
	caller := callerOf(ctx)
	if !canSeeLearner(ctx, caller, l) {
		return models.NotFound("learner")
	}
	if caller.LearnerID != l.ID || caller.Role != models.RoleLearner {
		return models.Errorf(models.EFORBIDDEN, "only the learner takes their own assessment")
	}
	return nil
}

// askedItem is what a learner may see of an item at a position of a test: never
// the correct option.
func askedItem(it *models.AssessmentItem, position int) *model.AskedItem {
	return &model.AskedItem{ID: GlobalID(typeAssessmentItem, it.ID), Stem: it.Stem, Options: append([]string(nil), it.Options...),
		Position: position}
}
