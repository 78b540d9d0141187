package model

import "github.com/openkarmayogi/karmayogi/models"

// ConfirmCompletionPayload is the result of confirmCompletion. It holds the
// enrolment, so that audit and announcements know the learner, but shows only
// the completion: a provider does not see learners.
type ConfirmCompletionPayload struct {
	Enrolment   *models.Enrolment
	Certificate *models.Certificate
}
