package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/internal/authz"
	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/models"
)

// Access control is decided by internal/authz, pure functions of the caller and
// the object; this file loads the objects and organisations the policy needs and
// applies it to requests:
//
//   - authenticate: the bearer token becomes the request's caller (or the request
//     is refused as UNAUTHENTICATED); no token means an anonymous caller;
//   - authenticateConnection: the same for a websocket, with the token of its
//     connection_init payload; a websocket needs one. authoriseEvent checks it
//     again before each event of a subscription;
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

// TokenVerifier turns a bearer token into a caller.
type TokenVerifier interface {
	Verify(token string) (*models.Caller, error)
}

type (
	clientAddrKey struct{}
	sessionKey    struct{}
)

// session holds the caller of one request. It is a box rather than a context
// value so that verifyOtp can sign the caller in for the rest of the request: the
// learner in its payload is then rendered for the learner who just proved their email.
// A websocket connection is one long request; its token is kept to be checked again
// before each event of its subscriptions (authoriseEvent).
type session struct {
	caller *models.Caller
	token  string
	tokens TokenVerifier
}

// withSession gives ctx a session for caller (nil: anonymous), signed in with token.
func withSession(ctx context.Context, caller *models.Caller, token string, tokens TokenVerifier) context.Context {
	ctx = context.WithValue(ctx, sessionKey{}, &session{caller: caller, token: token, tokens: tokens})
	if caller != nil {
		ctx = models.WithCaller(ctx, caller)
	}
	return ctx
}

// callerOf returns the caller of ctx's request, or nil for an anonymous one.
func callerOf(ctx context.Context) *models.Caller {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		return s.caller
	}
	return models.CallerFrom(ctx)
}

// signIn makes c the caller for the rest of ctx's request.
func signIn(ctx context.Context, c *models.Caller) {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		s.caller = c
	}
}

// clientAddr returns the address of the client of ctx's request, for rate limits.
func clientAddr(ctx context.Context) string {
	s, _ := ctx.Value(clientAddrKey{}).(string)
	return s
}

// peerHost is the address of the connection's other end.
func peerHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// withClientAddr puts the client's address in the context, for rate limits: the
// connection's peer or, when that peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one. A client can forge the header but not the hop, so
// only entries that trusted proxies appended are believed.
func withClientAddr(trusted []netip.Prefix, next http.Handler) http.Handler {
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := peerHost(r)
		if isTrusted(host) {
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				hop := strings.TrimSpace(hops[i])
				if _, err := netip.ParseAddr(hop); err != nil {
					break // a malformed entry: trust nothing before it
				}
				host = hop
				if !isTrusted(hop) {
					break
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, host)))
	})
}

// authenticate puts the caller of a valid bearer token, and the client address, in
// the request context. A token that fails verification is refused outright with
// HTTP 401, so a client never mistakes an expired session for anonymous access.
func authenticate(tokens TokenVerifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if clientAddr(ctx) == "" {
			ctx = context.WithValue(ctx, clientAddrKey{}, peerHost(r))
		}
		var caller *models.Caller
		var token string
		if h := r.Header.Get("Authorization"); h != "" {
			t, ok := bearerToken(h)
			token = t
			var err error
			if caller, err = tokens.Verify(token); !ok || err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				writeError(w, http.StatusUnauthorized, i18n.From(ctx).Error(CodeUnauthenticated, "invalid or expired token"), CodeUnauthenticated)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(withSession(ctx, caller, token, tokens)))
	})
}

// bearerToken returns the token of an Authorization header value "Bearer <token>";
// the scheme's name is case-insensitive (RFC 6750, RFC 9110 section 11.1).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// closeForbidden is the close code of a websocket refused at connection_init, as
// the graphql-transport-ws protocol advises. graphql-ws clients retry it a few
// times, asking their connectionParams again: a fresh token then gets in.
const closeForbidden = 4403

// authenticateConnection is the websocket's InitFunc: the token in the
// connection_init payload becomes the connection's caller, as authenticate makes a
// bearer token the caller of a request. The payload carries it as
// {"Authorization": "Bearer <token>"}, {"authorization": ...} or {"token": "<token>"};
// without one, a token in the upgrade request's Authorization header (which
// authenticate has checked) serves. Every subscription needs a signed-in caller, so
// a connection without a valid token is refused: closed with 4403 and a reason.
func authenticateConnection(tokens TokenVerifier) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		refuse := func(reason string) (context.Context, *transport.InitPayload, error) {
			ctx = transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, reason), closeForbidden)
			return ctx, nil, errors.New(reason)
		}
		token := p.Authorization()
		if token != "" {
			var ok bool
			if token, ok = bearerToken(token); !ok {
				return refuse("invalid or expired token")
			}
		} else if token = p.GetString("token"); token != "" {
			if t, ok := bearerToken(token); ok {
				token = t
			}
		}
		if token = strings.TrimSpace(token); token == "" {
			if callerOf(ctx) != nil {
				return ctx, nil, nil // signed in by the upgrade request's header
			}
			return refuse(`sign in required: send {"Authorization": "Bearer <token>"} in connection_init`)
		}
		caller, err := tokens.Verify(token)
		if err != nil {
			return refuse("invalid or expired token")
		}
		return withSession(ctx, caller, token, tokens), nil, nil
	}
}

// authoriseEvent admits another event of a subscription: the connection's token
// must still be valid (it may have expired since the connection opened), or the
// subscription ends UNAUTHENTICATED. Who may see what is checked again by the
// resolver and guardFields, as for the first event.
func authoriseEvent(ctx context.Context) error {
	s, ok := ctx.Value(sessionKey{}).(*session)
	if !ok || s.caller == nil || s.tokens == nil {
		return authz.ErrSignInRequired
	}
	if _, err := s.tokens.Verify(s.token); err != nil {
		return models.Errorf(models.EUNAUTHORIZED, "the token has expired; sign in again and resubscribe")
	}
	return nil
}

// rateLimit refuses a caller's requests beyond limit with HTTP 429: a signed-in
// caller is counted by their token's subject, anyone else by their address.
func rateLimit(limit Limiter, next http.Handler) http.Handler {
	if limit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := "addr:" + clientAddr(r.Context())
		if c := callerOf(r.Context()); c != nil {
			key = "sub:" + c.Subject
		}
		if !limit.Allow(key) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, i18n.From(r.Context()).Error(CodeRateLimited, "too many requests; slow down"), CodeRateLimited)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeError answers a request refused before GraphQL ran, in GraphQL's shape.
func writeError(w http.ResponseWriter, status int, message, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"message": message, "extensions": map[string]string{"code": code}}}})
}

// guardFields is the field middleware that enforces access on every field.
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
	caller := callerOf(ctx)
	l, err := learners.FindLearnerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSeeLearner(ctx, caller, l) {
		return nil, models.NotFound("learner")
	}
	adminOver := caller.Role == models.RoleOrgAdmin && administers(ctx, caller, l.OrganisationID)
	if err := authz.ChangeLearner(caller, l, adminOver, selfService); err != nil {
		return nil, err
	}
	return l, nil
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
