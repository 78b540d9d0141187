package graph

import (
	"encoding/base64"
	"time"

	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/models"
)

// The audit log: guardFields appends an entry for every mutation of an audited
// caller (authz.Audited), naming the object it changed.

// operatorID is the opaque actor ID of a token that names no learner.
func operatorID(subject string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("Operator:" + subject))
}

func auditEntry(caller *models.Caller, action string, payload any) *models.AuditEntry {
	e := &models.AuditEntry{At: time.Now().UTC(), ActorSubject: caller.Subject, ActorRole: caller.Role, Action: action}
	if caller.LearnerID != 0 {
		e.ActorLearnerID = &caller.LearnerID
	}
	var id string
	switch p := payload.(type) {
	case *model.RegisterLearnerPayload:
		id = GlobalID(typeLearner, p.Learner.ID)
	case *model.UpdateLearnerPayload:
		id = GlobalID(typeLearner, p.Learner.ID)
	case *model.AssignRolePayload:
		id = GlobalID(typeLearner, p.Learner.ID)
	case *model.CreateOrganisationPayload:
		id = GlobalID(typeOrganisation, p.Organisation.ID)
	case *model.CreateCompetencyPayload:
		id = GlobalID(typeCompetency, p.Competency.ID)
	case *model.CreateRolePayload:
		id = GlobalID(typeRole, p.Role.ID)
	case *model.SetRoleRequirementPayload:
		id = GlobalID(typeRole, p.Role.ID)
	case *model.CreateCoursePayload:
		id = GlobalID(typeCourse, p.Course.ID)
	case *model.UpdateCoursePayload:
		id = GlobalID(typeCourse, p.Course.ID)
	case *model.RecordEvidencePayload:
		id = GlobalID(typeEvidence, p.Evidence.ID)
	case *model.EnrolPayload:
		id = GlobalID(typeEnrolment, p.Enrolment.ID)
	case *model.UpdateProgressPayload:
		id = GlobalID(typeEnrolment, p.Enrolment.ID)
	case *model.RateCoursePayload:
		id = GlobalID(typeCourse, p.Course.ID)
	case *model.CreatePlanPayload:
		id = GlobalID(typePlan, p.Plan.ID)
	case *model.CreateBatchPayload:
		id = GlobalID(typeBatch, p.Batch.ID)
	case *model.CreateSessionPayload:
		id = GlobalID(typeSession, p.Session.ID)
	case *model.CreateLearningEventPayload:
		id = GlobalID(typeLearningEvent, p.Event.ID)
	case *model.RequestSeatPayload:
		id = GlobalID(typeSeatRequest, p.SeatRequest.ID)
	case *model.DecideSeatRequestPayload:
		id = GlobalID(typeSeatRequest, p.SeatRequest.ID)
	case *model.WithdrawSeatRequestPayload:
		id = GlobalID(typeSeatRequest, p.SeatRequest.ID)
	case *model.RecordAttendancePayload:
		id = GlobalID(typeSession, p.Session.ID)
	case *model.RegisterForSessionPayload:
		id = GlobalID(typeSession, p.Registration.SessionID)
	case *model.CancelRegistrationPayload:
		id = GlobalID(typeSession, p.Registration.SessionID)
	case *model.TakeAssessmentPayload:
		id = GlobalID(typeEnrolment, p.Attempt.EnrolmentID)
	case *model.ConfirmCompletionPayload:
		id = GlobalID(typeEnrolment, p.Enrolment.ID)
	case *model.ApproveRegistrationPayload:
		id = GlobalID(typeLearner, p.Learner.ID)
	case *model.RevokeTokensPayload:
		id = GlobalID(typeLearner, p.Learner.ID)
	case *model.UpdatePlanPayload:
		id = GlobalID(typePlan, p.Plan.ID)
	}
	if id != "" {
		e.ObjectID = &id
	}
	return e
}
