// Package authz decides who may see and change what. Its functions are pure: they
// take the caller and the object (and, where the answer depends on the organisation
// tree, whether the caller administers the object's organisation, which the caller
// of the policy works out with Administers from the organisations' paths). Loading
// the objects and the paths is the GraphQL layer's job (graph/access.go); nothing
// here reads a database or a request.
//
// Denials of an action the caller may know exists are FORBIDDEN; lookups of
// objects they may not see are NOT_FOUND.
package authz

import (
	"github.com/openkarmayogi/karmayogi/models"
)

var (
	// ErrSignInRequired refuses an anonymous caller (UNAUTHENTICATED).
	ErrSignInRequired = models.Errorf(models.EUNAUTHORIZED, "sign in required")
	// ErrForbidden refuses a caller whose access role does not allow the action.
	ErrForbidden = models.Errorf(models.EFORBIDDEN, "not allowed for your access role")
	// ErrPending refuses a learner whose self-registration waits for approval.
	ErrPending = models.Errorf(models.EFORBIDDEN, "your registration is waiting for an administrator's approval; until then you may see only your own request")
	// ErrNotAdministered refuses an admin acting on an organisation outside their subtree.
	ErrNotAdministered = models.Errorf(models.EFORBIDDEN, "you do not administer that organisation")
)

// publicRoots are the root fields anyone may use without a token: the catalogue
// and sign-in. node(id:) is public too; the objects it returns are checked.
var publicRoots = map[string]bool{
	"node": true, "organisation": true, "organisations": true, "competency": true, "competencies": true,
	"course": true, "courses": true, "role": true, "roles": true, "verifyCertificate": true,
	"batch": true, "batches": true, "learningEvent": true, "learningEvents": true,
	"requestOtp": true, "verifyOtp": true, "__typename": true, "__schema": true, "__type": true,
}

// privateFields are fields of public objects that need a signed-in caller.
var privateFields = map[string]bool{"Organisation.learners": true, "Batch.requests": true, "LearningEvent.participation": true}

// pendingRoots are the root fields a pending learner's token may use besides the
// public ones: their own request (viewer, learner, node: CanSeeLearner shows them
// only themselves) and signing out.
var pendingRoots = map[string]bool{"viewer": true, "learner": true, "signOut": true}

// Field admits the caller to field of object (a GraphQL type name) before its
// resolver runs: root fields (Query, Mutation, Subscription) by the rules above,
// and the private fields of public objects. What a resolver returns is checked
// afterwards, object by object.
func Field(c *models.Caller, object, field string) error {
	root := object == "Query" || object == "Mutation" || object == "Subscription"
	switch {
	case root && !publicRoots[field]:
		if c == nil {
			return ErrSignInRequired
		}
		if c.Registration && field != "registerLearner" && field != "signOut" {
			return models.Errorf(models.EFORBIDDEN, "this token only allows registering %s", c.Email)
		}
		if c.Pending && !pendingRoots[field] {
			return ErrPending
		}
	// The caller first: the name is built (an allocation, on every field of
	// every request) only for the callers it can refuse.
	case (c == nil || c.Registration || c.Pending) && privateFields[object+"."+field]:
		return ErrSignInRequired
	}
	return nil
}

// NeedsPaths reports whether Administers depends on the organisations' paths for c:
// only for an ORG_ADMIN of an organisation. For anyone else the paths may be "".
func NeedsPaths(c *models.Caller) bool {
	return c != nil && !c.Registration && c.Role == models.RoleOrgAdmin && c.OrganisationID != 0
}

// Administers reports whether c administers the organisation at orgPath: a
// PLATFORM_ADMIN everywhere, an ORG_ADMIN in their organisation's subtree
// (callerOrgPath is the path of c.OrganisationID).
func Administers(c *models.Caller, callerOrgPath, orgPath string) bool {
	switch {
	case c == nil || c.Registration:
		return false
	case c.Role == models.RolePlatformAdmin:
		return true
	case !NeedsPaths(c):
		return false
	}
	return Within(callerOrgPath, orgPath)
}

// Within reports whether the organisation at path lies in the subtree rooted at root.
func Within(root, path string) bool {
	lo, hi := models.SubtreeRange(root)
	return path >= lo && path < hi
}

// CanSeeLearner: a learner sees themselves, an ORG_ADMIN the learners of their
// subtree (administers: whether c administers l's organisation), a PLATFORM_ADMIN
// everyone, and a registration token the learner it registered.
func CanSeeLearner(c *models.Caller, l *models.Learner, administers bool) bool {
	switch {
	case c == nil:
		return false
	case c.Registration:
		return l.Email == c.Email
	case c.Role == models.RolePlatformAdmin, c.LearnerID == l.ID:
		return true
	case c.Role == models.RoleOrgAdmin:
		return administers
	}
	return false
}

// DecidedByID reports whether CanSeeLearner and ChangeLearner decide for c by the
// learner's ID alone: a PLATFORM_ADMIN sees everyone and a learner only
// themselves, so neither needs the learner's row. A registration token (the
// row's email) and an ORG_ADMIN (the row's organisation) do.
func DecidedByID(c *models.Caller) bool {
	return c != nil && !c.Registration && c.Role != models.RoleOrgAdmin
}

// ChangeLearner decides whether c may change learner l, whom c sees (CanSeeLearner):
// the admins over them, and the learner themselves when the change is self-service.
func ChangeLearner(c *models.Caller, l *models.Learner, administers, selfService bool) error {
	if c.Role == models.RolePlatformAdmin || (c.Role == models.RoleOrgAdmin && administers) {
		return nil
	}
	if selfService && c.LearnerID == l.ID {
		return nil
	}
	return ErrForbidden
}

// OwnAct decides an act only the learner does themselves (rating a course, taking
// a final assessment), which a PLATFORM_ADMIN may load on their behalf; c is
// allowed to change l (ChangeLearner). Anyone else is FORBIDDEN with denial.
func OwnAct(c *models.Caller, l *models.Learner, denial string) error {
	if c.Role != models.RolePlatformAdmin && c.LearnerID != l.ID {
		return models.Errorf(models.EFORBIDDEN, "%s", denial)
	}
	return nil
}

// SeesAuditLog: only a PLATFORM_ADMIN reads the audit log.
func SeesAuditLog(c *models.Caller) bool { return c != nil && c.Role == models.RolePlatformAdmin }

// SeesItemBank: an item bank is its authors' (a CONTENT_PROVIDER) and the
// platform's; a learner could otherwise read the bank and prepare.
func SeesItemBank(c *models.Caller) bool {
	return c != nil && (c.Role == models.RoleContentProvider || c.Role == models.RolePlatformAdmin)
}

// SeesAttemptScores: a content provider reports final assessments' scores and reads
// back what it reported (a score, not whose it is). Anyone else sees an attempt as
// they see its learner.
func SeesAttemptScores(c *models.Caller) bool {
	return c != nil && c.Role == models.RoleContentProvider
}

// RequireRole admits callers with one of roles.
func RequireRole(c *models.Caller, roles ...models.AccessRole) error {
	if c == nil {
		return ErrSignInRequired
	}
	for _, r := range roles {
		if c.Role == r && !c.Registration {
			return nil
		}
	}
	return ErrForbidden
}

// CourseWork admits who may create and change courses, and the batches, batch
// sessions and batch attendance that run them: a CONTENT_PROVIDER or a PLATFORM_ADMIN.
func CourseWork(c *models.Caller) error {
	return RequireRole(c, models.RoleContentProvider, models.RolePlatformAdmin)
}

// Effectiveness admits who may read course effectiveness: the providers of courses
// (tokens do not name a provider, so any provider may read any course's) and admins.
func Effectiveness(c *models.Caller) error {
	return RequireRole(c, models.RoleContentProvider, models.RoleOrgAdmin, models.RolePlatformAdmin)
}

// Admin admits the callers who administer something: ORG_ADMIN and PLATFORM_ADMIN.
// Which organisation they administer is Administers's question.
func Admin(c *models.Caller) error {
	return RequireRole(c, models.RoleOrgAdmin, models.RolePlatformAdmin)
}

// Organisation decides an action on an organisation's data by whether c administers it.
func Organisation(administers bool) error {
	if administers {
		return nil
	}
	return ErrNotAdministered
}

// Registration decides registerLearner for a registration token (a self-registration,
// which an admin approves: pending): it registers its own email only, and names no
// roles (roles are the admins' and the HR import's to give). self is false for any
// other caller, whom the glue admits as the admins of the organisation.
func Registration(c *models.Caller, email string, roleIDs []int64) (self bool, err error) {
	if c == nil || !c.Registration {
		return false, nil
	}
	if models.NormaliseEmail(email) != c.Email {
		return true, models.Errorf(models.EFORBIDDEN, "this token only allows registering %s", c.Email)
	}
	if len(roleIDs) > 0 {
		e := models.Errorf(models.EFORBIDDEN, "roles are assigned by an admin or the HR import, never chosen at registration")
		e.Field = "input.roleIds"
		return true, e
	}
	return true, nil
}

// Audited reports whether a caller's mutations go to the audit log: every
// administrator's, not a learner's changes to their own record.
func Audited(c *models.Caller) bool {
	return c != nil && !c.Registration && c.Role != models.RoleLearner
}

// SignedInLearner is the learner c signed in as, 0 for none (anonymous callers,
// registration tokens, operators): whose own rows the my* fields show.
func SignedInLearner(c *models.Caller) int64 {
	if c != nil && !c.Registration {
		return c.LearnerID
	}
	return 0
}

// PlanFacts are what a plan's visibility depends on besides the caller and the plan.
type PlanFacts struct {
	Administers bool // c administers the plan's organisation
	AdminBelow  bool // c is an ORG_ADMIN of an organisation in the plan's organisation's subtree
	Assigned    bool // the plan assigns c's learner courses
}

// CanSeePlan: the admins over a plan's organisation see it in any status; a LIVE
// plan is seen too by the learners it assigns and by the ORG_ADMINs of
// organisations below its own (whose people it may assign).
func CanSeePlan(c *models.Caller, p *models.Plan, f PlanFacts) bool {
	switch {
	case c == nil || c.Registration:
		return false
	case f.Administers:
		return true
	case p.Status != models.PlanLive:
		return false
	case c.Role == models.RoleOrgAdmin && c.OrganisationID != 0 && f.AdminBelow:
		return true
	}
	return c.LearnerID != 0 && f.Assigned
}

// PlanNeeds says which PlanFacts CanSeePlan needs for c and p, so that the glue
// loads nothing it need not: below (AdminBelow) and assigned (Assigned).
func PlanNeeds(c *models.Caller, p *models.Plan, administers bool) (below, assigned bool) {
	if c == nil || c.Registration || administers || p.Status != models.PlanLive {
		return false, false
	}
	return c.Role == models.RoleOrgAdmin && c.OrganisationID != 0, c.LearnerID != 0
}

// ScopeLearners narrows a learner filter to the learners c may see.
func ScopeLearners(c *models.Caller, f models.LearnerFilter) models.LearnerFilter {
	switch {
	case c == nil || c.Registration:
		f.LearnerID = new(int64) // no learner has ID 0
	case c.Role == models.RolePlatformAdmin:
	case c.Role == models.RoleOrgAdmin:
		f.WithinOrganisationID = &c.OrganisationID
	default:
		f.LearnerID = &c.LearnerID
	}
	return f
}

// ScopePlans narrows a plan filter to the plans c may list: every plan for a
// PLATFORM_ADMIN, an ORG_ADMIN's subtree (by default, and as a bound on the
// organisation asked for), and for anyone else the LIVE plans assigning them.
func ScopePlans(c *models.Caller, f models.PlanFilter) models.PlanFilter {
	switch {
	case c == nil || c.Registration:
		f.AssignedLearnerID = new(int64) // no learner has ID 0
	case c.Role == models.RolePlatformAdmin:
	case c.Role == models.RoleOrgAdmin:
		f.WithinOrganisationID = &c.OrganisationID
		if f.OrganisationID == nil {
			f.OrganisationID = &c.OrganisationID
		}
	default:
		f.AssignedLearnerID = &c.LearnerID
	}
	return f
}

// ScopeSeatRequests narrows a seat-request filter to the requests of learners c
// may see, as ScopeLearners narrows learners: filtered, never an error.
func ScopeSeatRequests(c *models.Caller, f models.SeatRequestFilter) models.SeatRequestFilter {
	scope := ScopeLearners(c, models.LearnerFilter{})
	if scope.LearnerID != nil {
		f.LearnerID = scope.LearnerID
	}
	f.WithinOrganisationID = scope.WithinOrganisationID
	return f
}

// ProgressScope is whose progress Plan.progress counts for c: the learners c may
// see (ScopeLearners).
func ProgressScope(c *models.Caller) models.PlanProgressScope {
	f := ScopeLearners(c, models.LearnerFilter{})
	return models.PlanProgressScope{WithinOrganisationID: f.WithinOrganisationID, LearnerID: f.LearnerID}
}

// Host admits the organisers of an event hosted nationally (national: no host
// organisation), which is the platform's alone; for an organisation's event the
// glue admits the admins over it (Admin, then Organisation).
func Host(c *models.Caller, national bool) error {
	if national {
		return RequireRole(c, models.RolePlatformAdmin)
	}
	return Admin(c)
}

// AllAttendees reports whether c records attendance for any learner (a
// PLATFORM_ADMIN); an ORG_ADMIN hosting an event records it only for the learners
// they administer, so that hosting an event does not open other organisations'
// records (attendance is evidence and karma).
func AllAttendees(c *models.Caller) bool { return c != nil && c.Role == models.RolePlatformAdmin }

// OwnSeatRequest refuses c deciding learnerID's seat request when it is their own:
// nobody decides their own.
func OwnSeatRequest(c *models.Caller, learnerID int64) error {
	if c.LearnerID == learnerID {
		return models.Errorf(models.EFORBIDDEN, "nobody decides their own seat request")
	}
	return nil
}

// Approval decides a seat request for an admin (Admin) who is not its learner
// (OwnSeatRequest): only an admin over the learner's organisation, since approving
// is that organisation's call (the refusal says so rather than hiding the request).
func Approval(administers bool) error {
	if !administers {
		return models.Errorf(models.EFORBIDDEN, "approval by someone outside the learner's organisation")
	}
	return nil
}
