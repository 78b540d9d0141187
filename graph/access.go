package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/openkarmayogi/karmayogi/internal/authz"
	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/models"
)

// Access control is decided by internal/authz, pure functions of the caller and
// the object; this file loads the objects and organisations the policy needs and
// applies it to requests. Who the caller is (a bearer token, a websocket's
// connection_init token, checked again before each event of a subscription) is
// internal/server/middleware's to say:
//
//   - guardFields: runs around every field resolver. It admits root fields by the
//     rules of authz.Field, and it checks every Learner or AuditEntry a resolver returns,
//     however it was reached (learner(id:), node(id:), a payload, a nested field),
//     so a caller never receives an object they may not see: such an object is
//     NOT_FOUND, as if it did not exist;
//   - scopeLearners narrows learner lists to what the caller may see (lists are
//     filtered, never an error);
//   - the authorise* functions decide each mutation on its decoded arguments.
//
// Denials of an action the caller may know exists are FORBIDDEN; lookups of
// objects they may not see are NOT_FOUND.
//
// Blended learning, events and karma follow the same two rules. Batches, learning
// events and their sessions are public catalogue reads; what is a learner's (seat
// requests, registrations, attendance, karma entries, assessment attempts) is seen
// by whoever may see the learner (canSeeLearner), checked by withheld wherever it
// is reached. Who may change what is in the section "blended learning, events and
// karma" at the end of this file.

// learnerSubject is the token subject of a learner's tokens (auth.Tokens.Issue).
func learnerSubject(learnerID int64) string { return fmt.Sprintf("learner:%d", learnerID) }

// revocable refuses tokens issued before their subject's revocation (revokeTokens,
// signOut), checked after the signature on every request and before every event
// of a subscription.
type revocable struct {
	TokenVerifier
	revocations *service.Revocations
}

// revocationTimeout bounds the check: the cache answers in a millisecond; past
// this, the database is down and Revoked admits the token.
const revocationTimeout = 2 * time.Second

func (v revocable) Verify(token string) (*models.Caller, error) {
	c, err := v.TokenVerifier.Verify(token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), revocationTimeout)
	defer cancel()
	if v.revocations.Revoked(ctx, c.Subject, c.IssuedAt) {
		return nil, models.Errorf(models.EUNAUTHORIZED, "invalid or expired token")
	}
	return c, nil
}

// revoke refuses every token of subject issued until now.
func (r *Resolver) revoke(ctx context.Context, subject string) (time.Time, error) {
	if r.revocations == nil {
		return time.Time{}, errors.New("revocation is not configured: the access store keeps no revocations")
	}
	return r.revocations.Revoke(ctx, subject)
}

// TokenVerifier turns a bearer token into a caller (middleware.TokenVerifier).
type TokenVerifier = middleware.TokenVerifier

// callerOf returns the caller of ctx's request, or nil for an anonymous one.
func callerOf(ctx context.Context) *models.Caller { return middleware.Caller(ctx) }

// guardFields is the field middleware that enforces access on every field.
func guardFields(audit models.AccessStore) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		caller := callerOf(ctx)
		// Subscription root fields (recommendationsChanged) are admitted as queries are;
		// the resolver checks the learner as its query does (measured), at every event.
		if err := authz.Field(caller, fc.Object, fc.Field.Name); err != nil {
			return nil, err
		}
		res, err := next(ctx)
		if err != nil {
			return res, err
		}
		if kind, err := withheld(ctx, caller, res); err != nil {
			return nil, err
		} else if kind != "" {
			return nil, models.NotFound(kind)
		}
		if fc.Object == "Mutation" && authz.Audited(caller) {
			if err := audit.AppendAudit(ctx, auditEntry(caller, fc.Field.Name, res)); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
}

// withheld names the kind of a resolver's result when the caller may not receive
// it, and is "" when they may. err is the store's, when it could not tell (the
// database is down, the deadline passed): that is not the caller's NOT_FOUND.
func withheld(ctx context.Context, caller *models.Caller, res any) (kind string, err error) {
	see := func(kind string, learnerID int64) (string, error) {
		ok, err := canSeeLearnerID(ctx, caller, learnerID)
		if err != nil || ok {
			return "", err
		}
		return kind, nil
	}
	switch obj := res.(type) {
	case *models.Learner:
		if obj != nil && !canSeeLearner(ctx, caller, obj) {
			return "learner", nil
		}
	case *models.AuditEntry:
		if obj != nil && !authz.SeesAuditLog(caller) {
			return "audit entry", nil
		}
	// A learner's record is theirs: whoever may not see the learner may not see it.
	case *models.Evidence:
		if obj != nil {
			return see("evidence", obj.LearnerID)
		}
	case *models.Enrolment:
		if obj != nil {
			return see("enrolment", obj.LearnerID)
		}
	case *models.Certificate:
		if obj != nil {
			return see("certificate", obj.LearnerID)
		}
	case *models.Plan:
		if obj != nil && !canSeePlan(ctx, caller, obj) {
			return "plan", nil
		}
	case *models.SeatRequest:
		if obj != nil {
			return see("seat request", obj.LearnerID)
		}
	case *models.SessionRegistration:
		if obj != nil {
			return see("registration", obj.LearnerID)
		}
	case *models.KarmaEntry:
		if obj != nil {
			return see("karma entry", obj.LearnerID)
		}
	case *models.AssessmentAttempt:
		if obj != nil && !authz.SeesAttemptScores(caller) {
			return see("assessment attempt", obj.LearnerID)
		}
	case *models.AdaptiveAttempt:
		if obj != nil {
			return see("attempt", obj.LearnerID)
		}
	case *models.AssessmentItem:
		if obj != nil && !authz.SeesItemBank(caller) {
			return "assessment item", nil
		}
	case []*models.AssessmentItem:
		if len(obj) > 0 && !authz.SeesItemBank(caller) {
			return "assessment item", nil
		}
	}
	return "", nil
}

// canSeeLearnerID is canSeeLearner for a learner known by ID. A learner that
// does not exist is not seen; a store that fails is an error.
func canSeeLearnerID(ctx context.Context, caller *models.Caller, id int64) (bool, error) {
	if caller == nil {
		return false, nil
	}
	// The records it guards name a learner who exists (a foreign key), so a
	// caller the rule decides by ID alone costs no read.
	if authz.DecidedByID(caller) {
		return authz.CanSeeLearner(caller, &models.Learner{ID: id}, false), nil
	}
	l, err := load(ctx, loadersFrom(ctx).learners, id, "learner")
	if err != nil {
		if models.ErrorCode(err) == models.EINTERNAL {
			return false, err
		}
		return false, nil
	}
	return canSeeLearner(ctx, caller, l), nil
}

// canSeeLearner is authz.CanSeeLearner, loading the organisations it needs only
// for an ORG_ADMIN looking at someone else.
func canSeeLearner(ctx context.Context, caller *models.Caller, l *models.Learner) bool {
	adminOver := false
	if caller != nil && !caller.Registration && caller.Role == models.RoleOrgAdmin && caller.LearnerID != l.ID {
		adminOver = administers(ctx, caller, l.OrganisationID)
	}
	return authz.CanSeeLearner(caller, l, adminOver)
}

// mayContact reports whether the caller may read a learner's email and employee
// code: the learner and the admins over them.
func mayContact(ctx context.Context, l *models.Learner) bool {
	return canSeeLearner(ctx, callerOf(ctx), l)
}

// administers reports whether the caller administers the organisation orgID
// (authz.Administers). It fails closed: when the organisations cannot be read,
// the answer is no.
func administers(ctx context.Context, caller *models.Caller, orgID int64) bool {
	ok, _ := administration(ctx, caller, orgID)
	return ok
}

// administration is administers with the error that stopped it from reading the
// organisations, so that an unreachable database is not reported as FORBIDDEN.
func administration(ctx context.Context, caller *models.Caller, orgID int64) (bool, error) {
	if !authz.NeedsPaths(caller) {
		return authz.Administers(caller, "", ""), nil
	}
	orgs, err := loadersFrom(ctx).organisations.LoadAll(ctx, []int64{caller.OrganisationID, orgID})
	if err != nil {
		return false, err
	}
	return authz.Administers(caller, orgs[0].Path, orgs[1].Path), nil
}

// scopeLearners narrows a learner filter to the learners the caller may see.
func scopeLearners(ctx context.Context, f models.LearnerFilter) models.LearnerFilter {
	return authz.ScopeLearners(callerOf(ctx), f)
}

// requireRole admits callers with one of roles.
func requireRole(ctx context.Context, roles ...models.AccessRole) error {
	return authz.RequireRole(callerOf(ctx), roles...)
}

// authoriseOrganisation admits admins of organisation orgID.
func authoriseOrganisation(ctx context.Context, orgID int64) error {
	ok, err := administration(ctx, callerOf(ctx), orgID)
	if !ok && err != nil && models.ErrorCode(err) == models.EINTERNAL {
		return err // the store failed (SERVICE_UNAVAILABLE when the database is down): not the caller's fault
	}
	return authz.Organisation(ok)
}

// authoriseRegistration admits admins of the organisation, and a registration
// token registering its own email (authz.Registration).
// A registration token makes a request (pending: true), which an admin approves;
// its employee code is not checked against others, so that nobody without admin
// scope learns whether a code is in use.
func authoriseRegistration(ctx context.Context, email string, orgID int64, roleIDs []int64) (pending bool, err error) {
	if self, err := authz.Registration(callerOf(ctx), email, roleIDs); self {
		return err == nil, err
	}
	return false, authoriseOrganisation(ctx, orgID)
}

// authoriseLearner loads a learner the caller may act on: NOT_FOUND when they may
// not see it, FORBIDDEN when they may see it but not change it (selfService:
// whether the learner may make the change to their own record).
func authoriseLearner(ctx context.Context, learners models.LearnerService, id int64, selfService bool) (*models.Learner, error) {
	l, err := learners.FindLearnerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayChange(ctx, l, selfService); err != nil {
		return nil, err
	}
	return l, nil
}

// authoriseWriteFor is authoriseLearner for a write that finds the learner
// itself, and answers NOT_FOUND when they do not exist: a caller the rule decides
// by ID alone (authz.DecidedByID) costs no read.
func authoriseWriteFor(ctx context.Context, learners models.LearnerService, id int64, selfService bool) error {
	if !authz.DecidedByID(callerOf(ctx)) {
		_, err := authoriseLearner(ctx, learners, id, selfService)
		return err
	}
	return mayChange(ctx, &models.Learner{ID: id}, selfService)
}

// mayChange is authoriseLearner's decision over learner l.
func mayChange(ctx context.Context, l *models.Learner, selfService bool) error {
	caller := callerOf(ctx)
	if !canSeeLearner(ctx, caller, l) {
		return models.NotFound("learner")
	}
	adminOver := caller.Role == models.RoleOrgAdmin && administers(ctx, caller, l.OrganisationID)
	return authz.ChangeLearner(caller, l, adminOver, selfService)
}

// authoriseRecordOf is authoriseLearner for an object of a learner's record (an
// enrolment, a seat request): NOT_FOUND names the object, not its learner, when the
// caller may not see them.
func authoriseRecordOf(ctx context.Context, learners models.LearnerService, learnerID int64, kind string, selfService bool) error {
	_, err := authoriseLearner(ctx, learners, learnerID, selfService)
	if models.ErrorCode(err) == models.ENOTFOUND {
		return models.NotFound(kind)
	}
	return err
}

// authoriseOwnAct admits the learner acting themselves, and a PLATFORM_ADMIN (who
// may load such acts on a learner's behalf). An admin over the learner is FORBIDDEN
// with denial as the reason; anyone who may not see the learner gets NOT_FOUND.
func authoriseOwnAct(ctx context.Context, learners models.LearnerService, learnerID int64, denial string) error {
	l, err := authoriseLearner(ctx, learners, learnerID, true)
	if err != nil {
		return err
	}
	return authz.OwnAct(callerOf(ctx), l, denial)
}

// authoriseRating admits the learner rating a course themselves, and a PLATFORM_ADMIN;
// nobody else speaks for a learner's taste.
func authoriseRating(ctx context.Context, learners models.LearnerService, learnerID int64) error {
	return authoriseOwnAct(ctx, learners, learnerID, "only the learner rates a course")
}

// authoriseCourseWork: authz.CourseWork.
func authoriseCourseWork(ctx context.Context) error { return authz.CourseWork(callerOf(ctx)) }

// authoriseEffectiveness: authz.Effectiveness.
func authoriseEffectiveness(ctx context.Context) error { return authz.Effectiveness(callerOf(ctx)) }

// ---- plans

// canSeePlan is authz.CanSeePlan, loading only the facts it needs: the
// organisations (for an ORG_ADMIN) and the caller's assigned courses.
func canSeePlan(ctx context.Context, caller *models.Caller, p *models.Plan) bool {
	var f authz.PlanFacts
	if caller != nil && !caller.Registration {
		f.Administers = administers(ctx, caller, p.OrganisationID)
	}
	below, assigned := authz.PlanNeeds(caller, p, f.Administers)
	if below {
		orgs, err := loadersFrom(ctx).organisations.LoadAll(ctx, []int64{p.OrganisationID, caller.OrganisationID})
		f.AdminBelow = err == nil && authz.Within(orgs[0].Path, orgs[1].Path)
	}
	if assigned && !(below && f.AdminBelow) {
		all, err := loadersFrom(ctx).assignedCourses.Load(ctx, caller.LearnerID)
		f.Assigned = err == nil && slices.ContainsFunc(all, func(a models.AssignedCourse) bool { return a.PlanID == p.ID })
	}
	return authz.CanSeePlan(caller, p, f)
}

// scopePlans: authz.ScopePlans.
func scopePlans(ctx context.Context, f models.PlanFilter) models.PlanFilter {
	return authz.ScopePlans(callerOf(ctx), f)
}

// progressScope is whose progress Plan.progress counts for the caller
// (authz.ProgressScope). For the admins over a plan's organisation that is
// everyone the plan assigns, since its audience lies in that subtree.
func progressScope(ctx context.Context) models.PlanProgressScope {
	return authz.ProgressScope(callerOf(ctx))
}

// authorisePlanChange admits who may move a plan on (updatePlan): the admins over
// its organisation. A plan the caller may not see is NOT_FOUND; an ORG_ADMIN below
// its organisation sees a LIVE plan but may not change it (FORBIDDEN).
func authorisePlanChange(ctx context.Context, plans models.PlanService, id int64) error {
	if err := authz.Admin(callerOf(ctx)); err != nil {
		return err
	}
	p, err := plans.FindPlanByID(ctx, id)
	if err != nil {
		return err
	}
	if !canSeePlan(ctx, callerOf(ctx), p) {
		return models.NotFound("plan")
	}
	return authoriseOrganisation(ctx, p.OrganisationID)
}

// authoriseAdminOver admits the admins of organisation orgID to create something
// of the organisation's (a plan, a learning event it hosts): FORBIDDEN for anyone
// else. Organisations are public, so an unknown one is named as such
// (BAD_USER_INPUT on field) to every admin.
func authoriseAdminOver(ctx context.Context, field string, orgID int64) error {
	if err := authz.Admin(callerOf(ctx)); err != nil {
		return err
	}
	if _, err := load(ctx, loadersFrom(ctx).organisations, orgID, "organisation"); models.ErrorCode(err) == models.ENOTFOUND {
		return models.Invalid(field, "no such organisation")
	} else if err != nil {
		return err
	}
	return authoriseOrganisation(ctx, orgID)
}

// ---- blended learning, events and karma
//
//   - batches, their sessions and attendance at them: authoriseCourseWork, as for
//     courses;
//   - learning events: authoriseHost (the admins over the host organisation, or a
//     PLATFORM_ADMIN for a national event), who also create the event's sessions,
//     record attendance at them (authoriseAttendees: for learners they administer)
//     and read its participation (authoriseOrganisation, per organisation counted);
//   - seats and registrations: the learner themselves or an admin over them
//     (authoriseLearner with self-service); approving a seat: authoriseApproval;
//   - final assessments: the learner themselves (authoriseOwnAct);
//   - karma rules: PLATFORM_ADMIN; leaderboards: any signed-in caller, and they
//     show only a learner's name, designation and organisation (LearnerStanding),
//     never the Learner unless the caller may see them.

// signedInLearner: authz.SignedInLearner.
func signedInLearner(ctx context.Context) int64 { return authz.SignedInLearner(callerOf(ctx)) }

// scopeSeatRequests: authz.ScopeSeatRequests.
func scopeSeatRequests(ctx context.Context, f models.SeatRequestFilter) models.SeatRequestFilter {
	return authz.ScopeSeatRequests(callerOf(ctx), f)
}

// authoriseHost admits the organisers of an event hosted by orgID (authz.Host):
// field names the host in the arguments, for an unknown organisation.
func authoriseHost(ctx context.Context, field string, orgID *int64) error {
	if err := authz.Host(callerOf(ctx), orgID == nil); err != nil || orgID == nil {
		return err
	}
	return authoriseAdminOver(ctx, field, *orgID)
}

// authoriseEventHost loads learning event eventID and admits its organisers
// (authoriseHost), who add sessions to it and record attendance at them. Events are
// public, so an unknown one is BAD_USER_INPUT on field to every admin; callers who
// organise no events are FORBIDDEN before it is looked up.
func authoriseEventHost(ctx context.Context, blended models.BlendedService, field string, eventID int64) (*models.LearningEvent, error) {
	if err := authz.Admin(callerOf(ctx)); err != nil {
		return nil, err
	}
	e, err := blended.FindEventByID(ctx, eventID)
	if models.ErrorCode(err) == models.ENOTFOUND {
		return nil, models.Invalid(field, "no such learning event")
	} else if err != nil {
		return nil, err
	}
	return e, authoriseHost(ctx, field, e.OrganisationID)
}

// authoriseAttendees admits the learners whose attendance at an event session the
// caller records (authz.AllAttendees, else the learners they administer). A
// learner outside, or unknown, is BAD_USER_INPUT on field[i], the same either way.
func authoriseAttendees(ctx context.Context, learners models.LearnerService, field string, ids []int64) error {
	caller := callerOf(ctx)
	if authz.AllAttendees(caller) {
		return nil
	}
	found, err := learners.FindLearnersByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if l := found[id]; l == nil || !administers(ctx, caller, l.OrganisationID) {
			return models.Invalid(fmt.Sprintf("%s[%d]", field, i), "is not a learner of your organisation or below it")
		}
	}
	return nil
}

// authoriseApproval loads a seat request that the caller may decide (authz.Admin,
// authz.OwnSeatRequest, authz.Approval). Callers who approve nothing are FORBIDDEN
// before the request is looked up.
func authoriseApproval(ctx context.Context, blended models.BlendedService, requestID int64) (*models.SeatRequest, error) {
	caller := callerOf(ctx)
	if err := authz.Admin(caller); err != nil {
		return nil, err
	}
	r, err := blended.FindSeatRequestByID(ctx, requestID)
	if err != nil {
		return nil, err
	}
	if err := authz.OwnSeatRequest(caller, r.LearnerID); err != nil {
		return nil, err
	}
	l, err := load(ctx, loadersFrom(ctx).learners, r.LearnerID, "seat request")
	if err != nil {
		return nil, err
	}
	return r, authz.Approval(administers(ctx, caller, l.OrganisationID))
}
