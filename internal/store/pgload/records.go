package pgload

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// The Loader's BulkWriter methods of the learning record (the catalogue's are in
// catalogue.go). They replay, on the learners in memory, exactly what the
// bulk path's methods of the same names do (internal/store/bulk, and internal/store:
// learning.go, award.go and blended/attendance.go, with the rules of internal/domain),
// statement by statement where the outcome depends on it: the same validation
// and rejections, the same rows, ids drawn in the same order, the same version
// bumps, the same karma.

// loadLearner is a learner of the load and their learning record as it stands.
type loadLearner struct {
	id                             int64
	code, name, email, designation string
	orgID                          int64
	roles                          []int64
	version                        int64
	createdAt, updatedAt           time.Time

	evidence     []models.Evidence
	enrolments   []*models.Enrolment
	certificates []models.Certificate
	ratings      []models.CourseRating
	attended     []models.Attendance
	ledger       []models.KarmaEntry
	monthly      map[domain.CapKey]int // ledger entries counting towards a cap, by reason and IST month
	points       int
	hasTotal     bool // a karma_totals row exists
}

func (ll *loadLearner) bump(now time.Time) { ll.version++; ll.updatedAt = now }

func (ll *loadLearner) findEvidence(competency int64, source models.EvidenceSource, at time.Time) *models.Evidence {
	for i := range ll.evidence {
		if e := &ll.evidence[i]; e.CompetencyID == competency && e.Source == source && e.ObservedAt.Equal(at) {
			return e
		}
	}
	return nil
}

func (ll *loadLearner) findEnrolment(course int64) *models.Enrolment {
	for _, e := range ll.enrolments {
		if e.CourseID == course {
			return e
		}
	}
	return nil
}

func (ll *loadLearner) findRating(course int64) *models.CourseRating {
	for i := range ll.ratings {
		if r := &ll.ratings[i]; r.CourseID == course {
			return r
		}
	}
	return nil
}

func (ll *loadLearner) holds(reason models.KarmaReason, subject string) bool {
	return slices.ContainsFunc(ll.ledger, func(e models.KarmaEntry) bool { return e.Reason == reason && e.Subject == subject })
}

// bumps collects the learners whose version a call bumps, each once.
type bumps struct {
	seen  map[*loadLearner]bool
	order []*loadLearner
}

func (b *bumps) add(ll *loadLearner) {
	if b.seen == nil {
		b.seen = map[*loadLearner]bool{}
	}
	if !b.seen[ll] {
		b.seen[ll] = true
		b.order = append(b.order, ll)
	}
}

func (b *bumps) apply(now time.Time) {
	for _, ll := range b.order {
		ll.bump(now)
	}
}

// learning starts a learning-record call: ok is false when the call goes to the DB.
func (l *Loader) learning(ctx context.Context) (ok bool, err error) {
	if err := l.begin(ctx); err != nil {
		return false, err
	}
	if l.mode == loadPassThrough {
		return false, nil
	}
	l.recorded = true
	return true, nil
}

// resolveLearners returns the open learner each of n records names (nil for an
// unknown employee code), or an error for a learner whose batch is closed.
func (l *Loader) resolveLearners(n int, code func(int) string) ([]*loadLearner, error) {
	out := make([]*loadLearner, n)
	for i := range n {
		c := code(i)
		id := l.learnerIDs[c]
		if id == 0 {
			continue
		}
		if out[i] = l.open[id]; out[i] == nil {
			return nil, fmt.Errorf("store: bulk load: a record for learner %s after their batch was closed; "+
				"a bulk load takes each learner's records right after the learner", c)
		}
	}
	return out, nil
}

// UpsertLearners is DB.UpsertLearners for new learners; a learner loaded before
// is an error. A batch whose INSERT would meet an email another learner holds is
// written a record at a time by the bulk path, which rejects those records.
func (l *Loader) UpsertLearners(ctx context.Context, recs []models.LearnerRecord) ([]models.RecordError, error) {
	defer l.timeCall(time.Now())
	if err := l.begin(ctx); err != nil {
		return nil, err
	}
	if l.mode == loadPassThrough {
		return l.bulk.UpsertLearners(ctx, recs)
	}
	if l.recorded {
		l.recorded = false
		if err := l.closeOpen(); err != nil {
			return nil, err
		}
	}
	var rejected models.RecordErrors
	var valid []int
	rows := make([]models.Learner, len(recs))
	roleIDs := make([][]int64, len(recs))
next:
	for i, r := range recs {
		n := models.NewLearner{EmployeeCode: r.EmployeeCode, Name: r.Name, Email: r.Email, Designation: r.Designation, OrganisationID: l.cat.orgs[r.OrganisationCode]}
		if err := n.Validate(); err != nil {
			rejected.Reject(i, err, map[string]string{"employeeCode": "employee_code"})
			continue
		}
		if n.OrganisationID == 0 {
			rejected.Add(i, "organisation_code", "no organisation has code %q", r.OrganisationCode)
			continue
		}
		for _, code := range r.RoleCodes {
			id := l.cat.roles[code]
			if id == 0 {
				rejected.Add(i, "role_codes", "no role has code %q", code)
				continue next
			}
			roleIDs[i] = append(roleIDs[i], id)
		}
		roleIDs[i] = dedupe(roleIDs[i])
		rows[i] = models.Learner{Status: models.LearnerActive, EmployeeCode: n.EmployeeCode, Name: n.Name, Email: n.Email, Designation: n.Designation,
			OrganisationID: n.OrganisationID, Version: 1}
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].EmployeeCode })
	for _, i := range valid {
		if l.learnerIDs[rows[i].EmployeeCode] != 0 {
			return nil, fmt.Errorf("store: bulk load: learner %s is loaded already; a bulk load takes each learner once", rows[i].EmployeeCode)
		}
	}
	seq := l.seq["learners"]
	// The batch's INSERT stops at the first row whose email is taken, having drawn
	// an id for each row up to it; the rows are then written one at a time.
	violation, batch := -1, map[string]bool{}
	for k, i := range valid {
		if e := rows[i].Email; l.emails[e] || batch[e] {
			violation = k
			break
		} else {
			batch[e] = true
		}
	}
	if violation >= 0 {
		seq.next += int64(violation + 1)
	}
	now := l.db.Now()
	for _, i := range valid {
		id := seq.take()
		if violation >= 0 && l.emails[rows[i].Email] {
			rejected.Add(i, "email", "already in use by another record")
			continue
		}
		r := rows[i]
		ll := &loadLearner{id: id, code: r.EmployeeCode, name: r.Name, email: r.Email, designation: r.Designation,
			orgID: r.OrganisationID, version: 1, createdAt: now, updatedAt: now, monthly: map[domain.CapKey]int{}}
		if recs[i].HasRoles {
			ll.roles = roleIDs[i]
		}
		l.learnerIDs[ll.code], l.emails[ll.email], l.open[id] = id, true, ll
		l.openOrder = append(l.openOrder, ll)
	}
	return rejected, nil
}

// UpsertEvidence is DB.UpsertEvidence.
func (l *Loader) UpsertEvidence(ctx context.Context, recs []models.EvidenceRecord) ([]models.RecordError, error) {
	defer l.timeCall(time.Now())
	if ok, err := l.learning(ctx); !ok || err != nil {
		if err != nil {
			return nil, err
		}
		return l.bulk.UpsertEvidence(ctx, recs)
	}
	learners, err := l.resolveLearners(len(recs), func(i int) string { return recs[i].EmployeeCode })
	if err != nil {
		return nil, err
	}
	var rejected models.RecordErrors
	now := l.db.Now()
	var valid []int
	rows := make([]models.Evidence, len(recs))
	for i, r := range recs {
		n := models.NewEvidence{CompetencyID: l.cat.comps[r.CompetencyCode], Source: r.Source, Level: r.Level, Score: r.Score, ObservedAt: r.ObservedAt}
		if learners[i] != nil {
			n.LearnerID = learners[i].id
		}
		switch err := n.Validate(now); {
		case n.LearnerID == 0:
			rejected.Add(i, "employee_code", "no learner has employee code %q", r.EmployeeCode)
		case n.CompetencyID == 0:
			rejected.Add(i, "competency_code", "no competency has code %q", r.CompetencyCode)
		case err != nil:
			rejected.Reject(i, err, store.EvidenceColumns)
		case r.ObservedAt.IsZero():
			rejected.Add(i, "observed_at", "must not be empty")
		default:
			rows[i] = models.Evidence{LearnerID: n.LearnerID, CompetencyID: n.CompetencyID, Source: n.Source,
				Level: n.Level, Score: n.Score, ObservedAt: domain.Instant(n.ObservedAt), CreatedAt: now}
			valid = append(valid, i)
		}
	}
	type key struct {
		learner, competency int64
		source              models.EvidenceSource
		at                  int64
	}
	valid = domain.Latest(valid, func(i int) key { // the bulk path's key, as a struct
		e := rows[i]
		return key{e.LearnerID, e.CompetencyID, e.Source, e.ObservedAt.UnixMicro()}
	})
	seq := l.seq["evidence"]
	var bumped bumps
	for _, i := range valid {
		e, ll := rows[i], learners[i]
		e.ID = seq.take()
		// ON CONFLICT DO UPDATE ... WHERE the level or the score differs.
		if old := ll.findEvidence(e.CompetencyID, e.Source, e.ObservedAt); old != nil {
			if old.Level == e.Level && sameScore(old.Score, e.Score) {
				continue
			}
			old.Level, old.Score = e.Level, e.Score
		} else {
			ll.evidence = append(ll.evidence, e)
		}
		bumped.add(ll)
	}
	bumped.apply(l.db.Now())
	return rejected, nil
}

// UpsertEnrolments is DB.UpsertEnrolments (and writeEnrolments).
func (l *Loader) UpsertEnrolments(ctx context.Context, recs []models.EnrolmentRecord) ([]models.RecordError, error) {
	defer l.timeCall(time.Now())
	if ok, err := l.learning(ctx); !ok || err != nil {
		if err != nil {
			return nil, err
		}
		return l.bulk.UpsertEnrolments(ctx, recs)
	}
	learners, err := l.resolveLearners(len(recs), func(i int) string { return recs[i].EmployeeCode })
	if err != nil {
		return nil, err
	}
	var rejected models.RecordErrors
	now := l.db.Now()
	var valid []int
	rows := make([]models.Enrolment, len(recs))
	for i, r := range recs {
		course := l.cat.courses[r.CourseCode]
		switch err := r.Validate(now); {
		case learners[i] == nil:
			rejected.Add(i, "employee_code", "no learner has employee code %q", r.EmployeeCode)
		case course == 0:
			rejected.Add(i, "course_code", "no course has code %q", r.CourseCode)
		case err != nil:
			rejected.Reject(i, err, store.EnrolmentColumns)
		default:
			rows[i] = models.Enrolment{LearnerID: learners[i].id, CourseID: course, Status: r.Status, Progress: r.Progress, EnrolledAt: domain.Instant(r.EnrolledAt)}
			if r.CompletedAt != nil {
				at := domain.Instant(*r.CompletedAt)
				rows[i].CompletedAt = &at
			}
			valid = append(valid, i)
		}
	}
	valid = domain.Latest(valid, func(i int) [2]int64 { return [2]int64{rows[i].LearnerID, rows[i].CourseID} })
	refused := models.RecordRefusals{}
	type write struct {
		i   int
		old *models.Enrolment
	}
	var writes []write
	var rating []int
	for _, i := range valid {
		e, old := rows[i], learners[i].findEnrolment(rows[i].CourseID)
		switch {
		case old == nil:
		case e.Progress < old.Progress:
			refused.Add(i, "progress", "must not go below the stored progress %.2f", old.Progress)
			continue
		case old.Status == models.Completed && e.Status != models.Completed:
			refused.Add(i, "status", "must stay COMPLETED: the enrolment was completed at %s", old.CompletedAt.Format(time.RFC3339))
			continue
		case old.Status == models.Completed && !old.CompletedAt.Equal(*e.CompletedAt):
			refused.Add(i, "completed_at", "must stay %s, when the enrolment was completed", old.CompletedAt.Format(time.RFC3339))
			continue
		}
		if old == nil || !domain.SameEnrolment(old, &e) {
			writes = append(writes, write{i, old})
		}
		if recs[i].Rating != nil {
			rating = append(rating, i)
		}
	}
	seq := l.seq["enrolments"]
	var done []*models.Enrolment
	var acts []domain.Activity
	var bumped bumps
	for _, w := range writes {
		e, ll := rows[w.i], learners[w.i]
		id := seq.take()
		stored := w.old
		wasCompleted := stored != nil && stored.Status == models.Completed
		if stored == nil {
			e.ID = id
			stored = &e
			ll.enrolments = append(ll.enrolments, stored)
			l.enrolTouched[e.CourseID] = true
			acts = append(acts, domain.Activity{Kind: domain.Enrolled, LearnerID: e.LearnerID, CourseID: e.CourseID, EnrolmentID: id, At: e.EnrolledAt})
		} else {
			stored.Status, stored.Progress, stored.EnrolledAt, stored.CompletedAt = e.Status, e.Progress, e.EnrolledAt, e.CompletedAt
		}
		if stored.Status == models.Completed && !wasCompleted {
			done = append(done, stored)
		}
		bumped.add(ll)
	}
	l.complete(done)
	ratedAt := l.db.Now()
	for _, i := range rating {
		if _, ok := refused[i]; ok {
			continue
		}
		ll, course, stars := learners[i], rows[i].CourseID, *recs[i].Rating
		// ON CONFLICT DO UPDATE ... WHERE the stars differ.
		old := ll.findRating(course)
		switch {
		case old == nil:
			ll.ratings = append(ll.ratings, models.CourseRating{LearnerID: ll.id, CourseID: course, Stars: stars, RatedAt: ratedAt})
			acts = append(acts, domain.Activity{Kind: domain.Rated, LearnerID: ll.id, CourseID: course, At: ratedAt})
		case old.Stars != stars:
			old.Stars, old.RatedAt = stars, ratedAt
		default:
			continue
		}
		l.ratingTouched[course] = true
		bumped.add(ll)
	}
	l.award(acts)
	bumped.apply(l.db.Now())
	return refused.AppendTo(rejected), nil
}

// complete is DB.complete on loaded learners: certificates, karma, then the
// COURSE_COMPLETION evidence (the proficiencies it changes are derived when the
// learners close).
func (l *Loader) complete(done []*models.Enrolment) {
	if len(done) == 0 {
		return
	}
	seq := l.seq["certificates"]
	certs, acts := domain.CompletionCertificates(done, models.VerifiedByProvider, store.VerificationCode)
	for _, c := range certs {
		ll := l.open[c.LearnerID]
		c.ID = seq.take()
		if !slices.ContainsFunc(ll.certificates, func(h models.Certificate) bool { return h.CourseID == c.CourseID }) { // ON CONFLICT DO NOTHING
			ll.certificates = append(ll.certificates, c)
		}
	}
	l.award(acts)
	evidence := domain.CompletionEvidence(done, models.VerifiedByProvider, l.cat.imparts, l.db.Now())
	seq = l.seq["evidence"]
	for _, e := range evidence {
		ll := l.open[e.LearnerID]
		e.ID = seq.take()
		// ON CONFLICT DO UPDATE SET level = EXCLUDED.level.
		if old := ll.findEvidence(e.CompetencyID, e.Source, e.ObservedAt); old != nil {
			old.Level, old.Verification = e.Level, e.Verification
		} else {
			ll.evidence = append(ll.evidence, e)
		}
	}
}

// UpsertAttendance is blended.Store.UpsertAttendance. The learners of a load hold no seats
// (seat_requests is empty), so every row for a batch session is refused as the
// bulk path refuses it; rows for event sessions that have started land.
func (l *Loader) UpsertAttendance(ctx context.Context, recs []models.AttendanceRecord) ([]models.RecordError, error) {
	defer l.timeCall(time.Now())
	if ok, err := l.learning(ctx); !ok || err != nil {
		if err != nil {
			return nil, err
		}
		return l.bulk.UpsertAttendance(ctx, recs)
	}
	learners, err := l.resolveLearners(len(recs), func(i int) string { return recs[i].EmployeeCode })
	if err != nil {
		return nil, err
	}
	var rejected models.RecordErrors
	var valid []int
	for i, r := range recs {
		switch {
		case l.cat.sessions[r.SessionCode] == nil:
			rejected.Add(i, "session_code", "no session has code %q", r.SessionCode)
		case learners[i] == nil:
			rejected.Add(i, "employee_code", "no learner has employee code %q", r.EmployeeCode)
		default:
			valid = append(valid, i)
		}
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].SessionCode + "\x00" + recs[i].EmployeeCode })
	refused := models.RecordRefusals{}
	bySession := map[string][]int{}
	var order []string
	for _, i := range valid {
		code := recs[i].SessionCode
		if bySession[code] == nil {
			order = append(order, code)
		}
		bySession[code] = append(bySession[code], i)
	}
	for _, code := range order {
		group, s := bySession[code], l.cat.sessions[code]
		if s.StartsAt.After(l.db.Now()) { // openSitting
			err := models.Invalid("sessionId", "the session starts at %s; attendance is recorded once it has started", s.StartsAt.Format(time.RFC3339))
			for _, i := range group {
				refused.Add(i, "session_code", "%s", models.ErrorMessage(err))
			}
			continue
		}
		if s.BatchID != nil { // refused: nobody holds a seat
			for _, i := range group {
				refused.Add(i, "employee_code", "%s", fmt.Sprintf("the learner holds no seat in batch %s", l.cat.batchCodes[*s.BatchID]))
			}
			continue
		}
		attending := make([]*loadLearner, len(group))
		for k, i := range group {
			attending[k] = learners[i]
		}
		for lo := 0; lo < len(attending); lo += models.MaxAttendees {
			l.attend(s, attending[lo:min(lo+models.MaxAttendees, len(attending))])
		}
	}
	return refused.AppendTo(rejected), nil
}

// attend is DB.attend at an event session, with eventAttendance.
func (l *Loader) attend(s *models.Session, learners []*loadLearner) {
	now := l.db.Now()
	learners = slices.SortedFunc(slices.Values(learners), func(a, b *loadLearner) int { return cmp.Compare(a.id, b.id) })
	var fresh []*loadLearner
	for _, ll := range learners {
		// ON CONFLICT DO NOTHING
		if slices.ContainsFunc(ll.attended, func(a models.Attendance) bool { return a.SessionID == s.ID }) {
			continue
		}
		ll.attended = append(ll.attended, models.Attendance{SessionID: s.ID, LearnerID: ll.id, RecordedAt: now, RecordedBy: "import"})
		fresh = append(fresh, ll)
	}
	if len(fresh) == 0 {
		return
	}
	seq := l.seq["evidence"]
	at := domain.Instant(s.StartsAt)
	created := l.db.Now()
	for _, ll := range fresh {
		for _, c := range l.cat.touches[s.ID] {
			id := seq.take()
			if ll.findEvidence(c.CompetencyID, models.EventAttendance, at) != nil { // ON CONFLICT DO NOTHING
				continue
			}
			ll.evidence = append(ll.evidence, models.Evidence{ID: id, LearnerID: ll.id, CompetencyID: c.CompetencyID,
				Source: models.EventAttendance, Level: c.Level, ObservedAt: at, CreatedAt: created})
		}
	}
	acts := make([]domain.Activity, len(fresh))
	for i, ll := range fresh {
		acts[i] = domain.Activity{Kind: domain.AttendedEvent, LearnerID: ll.id, EventID: *s.EventID, At: s.StartsAt}
	}
	l.award(acts)
	bumpedAt := l.db.Now()
	for _, ll := range fresh {
		ll.bump(bumpedAt)
	}
}

// award is awardKarma on loaded learners: the same rules (domain.KarmaFacts.Awards
// and domain.Admit), ledger keys, monthly caps and totals. No loaded learner is in
// a plan or has taken a final assessment (their tables start empty), so no course
// is a plan's and none is passed.
func (l *Loader) award(acts []domain.Activity) {
	if len(acts) == 0 {
		return
	}
	acts = domain.SortActivities(acts)
	f := &domain.KarmaFacts{Titles: l.cat.titles, Events: l.cat.eventNames, Due: map[domain.Pair]time.Time{},
		Passed: map[domain.Pair]bool{}, Completed: map[domain.Pair]bool{}, First: map[int64]int64{}}
	for _, a := range acts {
		if a.Kind == domain.Enrolled {
			f.First[a.LearnerID] = domain.FirstEnrolment(l.open[a.LearnerID].enrolments).ID
		}
	}
	rules := l.cat.rules
	awards := f.Awards(acts, rules)
	if len(awards) == 0 {
		return
	}
	if domain.AnyCounted(awards, rules) { // addTotals of zeros, which writes a total for every learner awarded
		for _, a := range awards {
			l.open[a.Entry.LearnerID].hasTotal = true
		}
	}
	domain.Admit(awards, rules, (*loadLedger)(l))
}

// loadLedger is the ledger of the open learners, as domain.Admit sees it.
type loadLedger Loader

func (l *loadLedger) Holds(k domain.LedgerKey) bool {
	return l.open[k.LearnerID].holds(k.Reason, k.Subject)
}
func (l *loadLedger) Count(k domain.CapKey) int { return l.open[k.LearnerID].monthly[k] }
func (l *loadLedger) Add(e models.KarmaEntry, counted bool) {
	ll := l.open[e.LearnerID]
	if counted {
		ll.monthly[domain.CapKey{LearnerID: e.LearnerID, Reason: e.Reason, Month: domain.ISTMonth(e.AwardedAt)}]++
	}
	e.ID = l.seq["karma_ledger"].take()
	ll.ledger = append(ll.ledger, e)
	ll.points += e.Points
	ll.hasTotal = true
}

// dedupe returns xs without repeats, in the order of first appearance.
func dedupe[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// sameScore reports whether two optional scores are equal (nil equals nil only).
func sameScore(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
