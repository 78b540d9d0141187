package authz_test

import (
	"fmt"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/authz"
	"github.com/openkarmayogi/karmayogi/models"
)

// The callers of every table: one of each role and kind of token.
var (
	anonymous    *models.Caller
	learner      = &models.Caller{Subject: "learner:1", Role: models.RoleLearner, LearnerID: 1, Email: "a@x.in"}
	pending      = &models.Caller{Subject: "learner:2", Role: models.RoleLearner, LearnerID: 2, Email: "p@x.in", Pending: true}
	registration = &models.Caller{Subject: "register:r@x.in", Role: models.RoleLearner, Email: "r@x.in", Registration: true}
	orgAdmin     = &models.Caller{Subject: "learner:3", Role: models.RoleOrgAdmin, LearnerID: 3, OrganisationID: 10}
	provider     = &models.Caller{Subject: "operator:cp", Role: models.RoleContentProvider}
	platform     = &models.Caller{Subject: "operator:root", Role: models.RolePlatformAdmin}
)

// code is the error's domain code, "" for none.
func code(err error) string {
	if err == nil {
		return ""
	}
	return models.ErrorCode(err)
}

func name(c *models.Caller) string {
	switch {
	case c == nil:
		return "anonymous"
	case c.Registration:
		return "registration"
	case c.Pending:
		return "pending"
	}
	return string(c.Role)
}

func TestField(t *testing.T) {
	const (
		ok     = ""
		unauth = models.EUNAUTHORIZED
		forbid = models.EFORBIDDEN
	)
	for _, tc := range []struct {
		object, field string
		want          map[*models.Caller]string // missing callers: ok
	}{
		{"Query", "courses", nil},
		{"Query", "node", nil},
		{"Mutation", "verifyOtp", nil},
		{"Query", "viewer", map[*models.Caller]string{anonymous: unauth, registration: forbid}},
		{"Query", "learners", map[*models.Caller]string{anonymous: unauth, registration: forbid, pending: forbid}},
		{"Mutation", "registerLearner", map[*models.Caller]string{anonymous: unauth, pending: forbid}},
		{"Mutation", "signOut", map[*models.Caller]string{anonymous: unauth}},
		{"Subscription", "recommendationsChanged", map[*models.Caller]string{anonymous: unauth, registration: forbid, pending: forbid}},
		{"Organisation", "learners", map[*models.Caller]string{anonymous: unauth, registration: unauth, pending: unauth}},
		{"Batch", "requests", map[*models.Caller]string{anonymous: unauth, registration: unauth, pending: unauth}},
		{"Organisation", "name", nil},
	} {
		for _, c := range []*models.Caller{anonymous, learner, pending, registration, orgAdmin, provider, platform} {
			t.Run(fmt.Sprintf("%s.%s/%s", tc.object, tc.field, name(c)), func(t *testing.T) {
				if got, want := code(authz.Field(c, tc.object, tc.field)), tc.want[c]; got != want {
					t.Fatalf("Field = %q, want %q", got, want)
				}
			})
		}
	}
}

func TestAdministers(t *testing.T) {
	// The caller's organisation is at /1/10/; /1/10/11/ is below it, /1/ above and /1/12/ beside.
	const own, below, above, beside = "/1/10/", "/1/10/11/", "/1/", "/1/12/"
	for _, tc := range []struct {
		caller *models.Caller
		path   string
		want   bool
	}{
		{anonymous, own, false},
		{learner, own, false},
		{registration, own, false},
		{provider, own, false},
		{orgAdmin, own, true},
		{orgAdmin, below, true},
		{orgAdmin, above, false},
		{orgAdmin, beside, false},
		{&models.Caller{Role: models.RoleOrgAdmin}, own, false}, // an ORG_ADMIN token naming no organisation
		{platform, beside, true},
	} {
		if got := authz.Administers(tc.caller, own, tc.path); got != tc.want {
			t.Errorf("Administers(%s, %s) = %v, want %v", name(tc.caller), tc.path, got, tc.want)
		}
	}
	if authz.NeedsPaths(platform) || authz.NeedsPaths(learner) || !authz.NeedsPaths(orgAdmin) {
		t.Error("NeedsPaths: only an ORG_ADMIN's answer depends on the organisation tree")
	}
}

func TestCanSeeLearner(t *testing.T) {
	self := &models.Learner{ID: 1, Email: "a@x.in", OrganisationID: 10}
	other := &models.Learner{ID: 9, Email: "r@x.in", OrganisationID: 20}
	for _, tc := range []struct {
		caller      *models.Caller
		l           *models.Learner
		administers bool
		want        bool
	}{
		{anonymous, self, false, false},
		{learner, self, false, true},
		{learner, other, false, false},
		{learner, other, true, false}, // a LEARNER administers nobody, whatever the tree says
		{registration, other, false, true},
		{registration, self, false, false},
		{orgAdmin, other, true, true},
		{orgAdmin, other, false, false},
		{provider, other, true, false},
		{platform, other, false, true},
	} {
		if got := authz.CanSeeLearner(tc.caller, tc.l, tc.administers); got != tc.want {
			t.Errorf("CanSeeLearner(%s, learner %d, administers %v) = %v, want %v", name(tc.caller), tc.l.ID, tc.administers, got, tc.want)
		}
	}
}

func TestChangeLearner(t *testing.T) {
	self := &models.Learner{ID: 1}
	other := &models.Learner{ID: 9}
	for _, tc := range []struct {
		caller      *models.Caller
		l           *models.Learner
		administers bool
		selfService bool
		want        string
	}{
		{learner, self, false, true, ""},
		{learner, self, false, false, models.EFORBIDDEN},
		{orgAdmin, other, true, false, ""},
		{orgAdmin, other, false, true, models.EFORBIDDEN},
		{platform, other, false, false, ""},
		{provider, other, false, true, models.EFORBIDDEN},
	} {
		if got := code(authz.ChangeLearner(tc.caller, tc.l, tc.administers, tc.selfService)); got != tc.want {
			t.Errorf("ChangeLearner(%s, learner %d, administers %v, self-service %v) = %q, want %q", name(tc.caller), tc.l.ID, tc.administers, tc.selfService, got, tc.want)
		}
	}
	if code(authz.OwnAct(orgAdmin, self, "only the learner")) != models.EFORBIDDEN || authz.OwnAct(learner, self, "") != nil || authz.OwnAct(platform, self, "") != nil {
		t.Error("OwnAct: the learner and a PLATFORM_ADMIN act, an admin over the learner does not")
	}
}

// A caller DecidedByID gets the same answers from a learner's ID as from their
// whole row, whatever the row and the tree say; the others need the row.
func TestDecidedByIDNeedsNoRow(t *testing.T) {
	rows := []*models.Learner{
		{ID: 1, Email: "a@x.in", OrganisationID: 10},
		{ID: 2, Email: "p@x.in", OrganisationID: 10},
		{ID: 3, Email: "r@x.in", OrganisationID: 20},
		{ID: 9, Email: "r@x.in", OrganisationID: 10},
	}
	for c, want := range map[*models.Caller]bool{anonymous: false, learner: true, pending: true, registration: false,
		orgAdmin: false, provider: true, platform: true} {
		if authz.DecidedByID(c) != want {
			t.Errorf("DecidedByID(%s) = %v, want %v", name(c), !want, want)
		}
		if !want {
			continue
		}
		for _, row := range rows {
			byID := &models.Learner{ID: row.ID}
			for _, administers := range []bool{false, true} {
				if got, full := authz.CanSeeLearner(c, byID, false), authz.CanSeeLearner(c, row, administers); got != full {
					t.Errorf("CanSeeLearner(%s, learner %d): %v by ID, %v by row (administers %v)", name(c), row.ID, got, full, administers)
				}
				for _, self := range []bool{false, true} {
					if got, full := code(authz.ChangeLearner(c, byID, false, self)), code(authz.ChangeLearner(c, row, administers, self)); got != full {
						t.Errorf("ChangeLearner(%s, learner %d, self-service %v): %q by ID, %q by row (administers %v)", name(c), row.ID, self, got, full, administers)
					}
				}
			}
		}
	}
}

// Who receives objects that are not a learner's: the audit log, item banks,
// assessment scores; and whose mutations are audited.
func TestObjects(t *testing.T) {
	for _, tc := range []struct {
		caller                        *models.Caller
		audit, items, scores, audited bool
	}{
		{anonymous, false, false, false, false},
		{learner, false, false, false, false},
		{registration, false, false, false, false},
		{orgAdmin, false, false, false, true},
		{provider, false, true, true, true},
		{platform, true, true, false, true},
	} {
		got := [4]bool{authz.SeesAuditLog(tc.caller), authz.SeesItemBank(tc.caller), authz.SeesAttemptScores(tc.caller), authz.Audited(tc.caller)}
		if want := [4]bool{tc.audit, tc.items, tc.scores, tc.audited}; got != want {
			t.Errorf("%s: audit log, item bank, scores, audited = %v, want %v", name(tc.caller), got, want)
		}
	}
}

// The role gates, caller by caller.
func TestRoles(t *testing.T) {
	const unauth, forbid = models.EUNAUTHORIZED, models.EFORBIDDEN
	callers := []*models.Caller{anonymous, learner, registration, orgAdmin, provider, platform}
	for _, tc := range []struct {
		gate string
		fn   func(*models.Caller) error
		want []string // per callers
	}{
		{"CourseWork", authz.CourseWork, []string{unauth, forbid, forbid, forbid, "", ""}},
		{"Effectiveness", authz.Effectiveness, []string{unauth, forbid, forbid, "", "", ""}},
		{"Admin", authz.Admin, []string{unauth, forbid, forbid, "", forbid, ""}},
		{"NationalHost", func(c *models.Caller) error { return authz.Host(c, true) }, []string{unauth, forbid, forbid, forbid, forbid, ""}},
		{"OrganisationHost", func(c *models.Caller) error { return authz.Host(c, false) }, []string{unauth, forbid, forbid, "", forbid, ""}},
	} {
		for i, c := range callers {
			if got := code(tc.fn(c)); got != tc.want[i] {
				t.Errorf("%s(%s) = %q, want %q", tc.gate, name(c), got, tc.want[i])
			}
		}
	}
}

func TestRegistration(t *testing.T) {
	for _, tc := range []struct {
		caller    *models.Caller
		email     string
		roles     []int64
		self      bool
		want      string
		wantField string
	}{
		{registration, "R@x.in ", nil, true, "", ""},
		{registration, "other@x.in", nil, true, models.EFORBIDDEN, ""},
		{registration, "r@x.in", []int64{4}, true, models.EFORBIDDEN, "input.roleIds"},
		{orgAdmin, "anyone@x.in", []int64{4}, false, "", ""}, // decided by the organisation
		{anonymous, "anyone@x.in", nil, false, "", ""},
	} {
		self, err := authz.Registration(tc.caller, tc.email, tc.roles)
		if self != tc.self || code(err) != tc.want {
			t.Errorf("Registration(%s, %q) = %v, %v; want %v, %q", name(tc.caller), tc.email, self, err, tc.self, tc.want)
		}
		if e, ok := err.(*models.Error); ok && e.Field != tc.wantField {
			t.Errorf("Registration(%s, %q): field %q, want %q", name(tc.caller), tc.email, e.Field, tc.wantField)
		}
	}
}

func TestCanSeePlan(t *testing.T) {
	live := &models.Plan{ID: 5, OrganisationID: 10, Status: models.PlanLive}
	draft := &models.Plan{ID: 6, OrganisationID: 10, Status: models.PlanDraft}
	for _, tc := range []struct {
		caller *models.Caller
		p      *models.Plan
		f      authz.PlanFacts
		want   bool
	}{
		{anonymous, live, authz.PlanFacts{Assigned: true}, false},
		{registration, live, authz.PlanFacts{Administers: true}, false},
		{orgAdmin, draft, authz.PlanFacts{Administers: true}, true},
		{orgAdmin, draft, authz.PlanFacts{AdminBelow: true}, false},
		{orgAdmin, live, authz.PlanFacts{AdminBelow: true}, true},
		{orgAdmin, live, authz.PlanFacts{}, false},
		{learner, live, authz.PlanFacts{Assigned: true}, true},
		{learner, draft, authz.PlanFacts{Assigned: true}, false},
		{learner, live, authz.PlanFacts{AdminBelow: true}, false}, // only an ORG_ADMIN is an admin below
		{provider, live, authz.PlanFacts{Assigned: true}, false},  // an operator's token names no learner
	} {
		if got := authz.CanSeePlan(tc.caller, tc.p, tc.f); got != tc.want {
			t.Errorf("CanSeePlan(%s, %s plan, %+v) = %v, want %v", name(tc.caller), tc.p.Status, tc.f, got, tc.want)
		}
	}
	// PlanNeeds asks for the facts that can change the answer, and only those.
	for _, tc := range []struct {
		caller                *models.Caller
		p                     *models.Plan
		administers           bool
		wantBelow, wantAssign bool
	}{
		{orgAdmin, live, false, true, true},
		{orgAdmin, live, true, false, false},
		{orgAdmin, draft, false, false, false},
		{learner, live, false, false, true},
		{provider, live, false, false, false},
		{anonymous, live, false, false, false},
	} {
		below, assigned := authz.PlanNeeds(tc.caller, tc.p, tc.administers)
		if below != tc.wantBelow || assigned != tc.wantAssign {
			t.Errorf("PlanNeeds(%s, %s, %v) = %v, %v; want %v, %v", name(tc.caller), tc.p.Status, tc.administers, below, assigned, tc.wantBelow, tc.wantAssign)
		}
	}
}

// Lists are narrowed, never refused.
func TestScopes(t *testing.T) {
	id := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	for _, tc := range []struct {
		caller                   *models.Caller
		learnerID, within        string // ScopeLearners
		planAssigned, planWithin string // ScopePlans
	}{
		{anonymous, "0", "-", "0", "-"},
		{registration, "0", "-", "0", "-"},
		{learner, "1", "-", "1", "-"},
		{provider, "0", "-", "0", "-"},
		{orgAdmin, "-", "10", "-", "10"},
		{platform, "-", "-", "-", "-"},
	} {
		f := authz.ScopeLearners(tc.caller, models.LearnerFilter{})
		if id(f.LearnerID) != tc.learnerID || id(f.WithinOrganisationID) != tc.within {
			t.Errorf("ScopeLearners(%s) = learner %s within %s, want %s within %s", name(tc.caller), id(f.LearnerID), id(f.WithinOrganisationID), tc.learnerID, tc.within)
		}
		s := authz.ScopeSeatRequests(tc.caller, models.SeatRequestFilter{})
		if id(s.LearnerID) != tc.learnerID || id(s.WithinOrganisationID) != tc.within {
			t.Errorf("ScopeSeatRequests(%s) = learner %s within %s, want %s within %s", name(tc.caller), id(s.LearnerID), id(s.WithinOrganisationID), tc.learnerID, tc.within)
		}
		p := authz.ScopePlans(tc.caller, models.PlanFilter{})
		if id(p.AssignedLearnerID) != tc.planAssigned || id(p.WithinOrganisationID) != tc.planWithin {
			t.Errorf("ScopePlans(%s) = assigned %s within %s, want %s within %s", name(tc.caller), id(p.AssignedLearnerID), id(p.WithinOrganisationID), tc.planAssigned, tc.planWithin)
		}
	}
	// An ORG_ADMIN asking for an organisation keeps it, bounded by their subtree.
	asked := int64(11)
	p := authz.ScopePlans(orgAdmin, models.PlanFilter{OrganisationID: &asked})
	if *p.OrganisationID != 11 || *p.WithinOrganisationID != 10 {
		t.Errorf("ScopePlans(ORG_ADMIN, organisation 11) = organisation %d within %d", *p.OrganisationID, *p.WithinOrganisationID)
	}
	if authz.SignedInLearner(registration) != 0 || authz.SignedInLearner(learner) != 1 || authz.SignedInLearner(anonymous) != 0 {
		t.Error("SignedInLearner: a registration token and an anonymous caller are nobody's")
	}
}

func TestSeatApproval(t *testing.T) {
	if code(authz.OwnSeatRequest(orgAdmin, 3)) != models.EFORBIDDEN || authz.OwnSeatRequest(orgAdmin, 1) != nil {
		t.Error("OwnSeatRequest: an admin decides others' requests, never their own")
	}
	if code(authz.Approval(false)) != models.EFORBIDDEN || authz.Approval(true) != nil {
		t.Error("Approval: only an admin over the learner's organisation approves")
	}
	if authz.AllAttendees(orgAdmin) || !authz.AllAttendees(platform) || authz.AllAttendees(anonymous) {
		t.Error("AllAttendees: only a PLATFORM_ADMIN records attendance for anyone")
	}
	if code(authz.Organisation(false)) != models.EFORBIDDEN || authz.Organisation(true) != nil {
		t.Error("Organisation: the admins over an organisation act on it")
	}
}
