package domain

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// The karma rules. The writes that earn points (enrol, complete, rate, pass an
// assessment, attend) describe what the learner did as Activities; Awards applies
// the rules to them, and Admit decides which awards the ledger takes:
//
//   - FIRST_ENROLMENT (subject ""): from the enrolment that is the learner's earliest
//     (by enrolled_at, then id). A learner whose first enrolment predates karma never
//     earns it.
//   - COURSE_COMPLETION ("course:<id>"): completing a course, at its completed_at. A
//     course a LIVE plan assigns to the learner always earns it and does not count
//     towards the monthly cap; any other earns it only while the learner has fewer
//     than the cap of such entries in the same calendar month, India Standard Time.
//     A completion past the cap gets no entry at all (the ledger records what was
//     earned, and nothing was), and a later change of the cap does not revive it.
//   - PLAN_COURSE_ON_TIME ("course:<id>"): completing a course a LIVE plan assigns,
//     by the earliest due date of such plans; late, the penalty comes off for each
//     begun 30 days (a day late costs one, 31 days two), down to 0. A 0-point entry is
//     still written, its note saying why, so the ledger explains the completion; it
//     also marks the course's COURSE_COMPLETION as a plan's, outside the cap.
//   - ASSESSMENT_PASSED ("course:<id>"): once the learner has both completed the course
//     and passed its final assessment, at whichever came second.
//   - COURSE_RATING ("course:<id>"): the first rating of a course.
//   - EVENT_ATTENDANCE ("event:<id>"): attending any session of an event.
//
// Any rule's monthly cap is honoured the same way (only COURSE_COMPLETION has one as
// iGOT publishes them); the late penalty applies only to PLAN_COURSE_ON_TIME. The
// ledger holds each (learner, reason, subject) once, which makes every award
// idempotent.

// IST is India Standard Time, UTC+05:30 all year: the calendar of the monthly caps.
var IST = time.FixedZone("IST", 5*3600+30*60)

// lateMonth is a month of lateness for PLAN_COURSE_ON_TIME.
const lateMonth = 30 * 24 * time.Hour

// ActivityKind is something a learner did that may earn karma points.
type ActivityKind int

const (
	Enrolled         ActivityKind = iota + 1 // enrolled in CourseID (EnrolmentID)
	Completed                                // completed CourseID (EnrolmentID)
	Rated                                    // rated CourseID for the first time
	PassedAssessment                         // passed the final assessment of CourseID
	AttendedEvent                            // attended a session of EventID
)

// Activity is one thing a learner did, at a time.
type Activity struct {
	Kind        ActivityKind
	LearnerID   int64
	CourseID    int64
	EnrolmentID int64
	EventID     int64
	At          time.Time
}

// SortActivities returns a copy of acts in the order the rules take them: by time,
// then learner, kind, course and event, so which completions a cap leaves out does
// not depend on the order a write listed them in.
func SortActivities(acts []Activity) []Activity {
	acts = slices.Clone(acts)
	slices.SortFunc(acts, func(a, b Activity) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.LearnerID, b.LearnerID), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.CourseID, b.CourseID), cmp.Compare(a.EventID, b.EventID))
	})
	return acts
}

// Pair is a (learner, course).
type Pair [2]int64

// KarmaRules are the rules by reason.
type KarmaRules map[models.KarmaReason]models.KarmaRule

// KarmaFacts is what the rules need to know about the activities' learners,
// courses and events.
type KarmaFacts struct {
	Titles    map[int64]string   // course titles
	Events    map[int64]string   // event names
	Due       map[Pair]time.Time // the earliest due date of the LIVE plans assigning a course to a learner
	Passed    map[Pair]bool      // the learner passed the course's final assessment
	Completed map[Pair]bool      // the learner completed the course
	First     map[int64]int64    // each learner's earliest enrolment
}

// Award is an entry an activity earns by its rule, before the ledger and the caps
// have their say. Capped: it counts towards its rule's monthly cap.
type Award struct {
	Entry  models.KarmaEntry
	Capped bool
}

// Awards returns the entries acts earn by the rules, in the activities' order.
func (f *KarmaFacts) Awards(acts []Activity, rules KarmaRules) []Award {
	var out []Award
	add := func(a Activity, reason models.KarmaReason, subject string, points int, note string) {
		e := models.KarmaEntry{LearnerID: a.LearnerID, Reason: reason, Subject: subject, Points: points,
			Note: note, AwardedAt: Instant(a.At)}
		if a.CourseID != 0 {
			e.CourseID = &a.CourseID
		}
		if a.EventID != 0 {
			e.EventID = &a.EventID
		}
		out = append(out, Award{Entry: e, Capped: true})
	}
	for _, a := range acts {
		title, course := f.Titles[a.CourseID], fmt.Sprintf("course:%d", a.CourseID)
		p := Pair{a.LearnerID, a.CourseID}
		switch a.Kind {
		case Enrolled:
			if f.First[a.LearnerID] == a.EnrolmentID {
				add(a, models.KarmaFirstEnrolment, "", rules[models.KarmaFirstEnrolment].Points, "First enrolment: "+title)
			}
		case Completed:
			due, assigned := f.Due[p]
			add(a, models.KarmaCourseCompletion, course, rules[models.KarmaCourseCompletion].Points, "Completed "+title)
			if assigned {
				out[len(out)-1].Capped = false // a plan's course is always earned
				points, note := OnTime(rules[models.KarmaPlanOnTime], title, a.At, due)
				add(a, models.KarmaPlanOnTime, course, points, note)
			}
			if f.Passed[p] {
				add(a, models.KarmaAssessmentPassed, course, rules[models.KarmaAssessmentPassed].Points, "Passed the final assessment of "+title)
			}
		case PassedAssessment:
			if f.Completed[p] {
				add(a, models.KarmaAssessmentPassed, course, rules[models.KarmaAssessmentPassed].Points, "Passed the final assessment of "+title)
			}
		case Rated:
			add(a, models.KarmaCourseRating, course, rules[models.KarmaCourseRating].Points, "Rated "+title)
		case AttendedEvent:
			add(a, models.KarmaEventAttendance, fmt.Sprintf("event:%d", a.EventID), rules[models.KarmaEventAttendance].Points,
				"Attended "+f.Events[a.EventID])
		}
	}
	return out
}

// OnTime returns the PLAN_COURSE_ON_TIME points of completing a plan's course at
// done, due then, and the note that explains them.
func OnTime(r models.KarmaRule, title string, done, due time.Time) (int, string) {
	late := done.Sub(due)
	if late <= 0 {
		return r.Points, fmt.Sprintf("Completed %s by the plan's due date", title)
	}
	months := int((late + lateMonth - 1) / lateMonth)
	days := int((late + 24*time.Hour - 1) / (24 * time.Hour))
	penalty := r.LatePenaltyPerMonth * months
	unit := "days"
	if days == 1 {
		unit = "day"
	}
	note := fmt.Sprintf("Completed %s, %d %s after the plan's due date: %d − %d", title, days, unit, r.Points, penalty)
	if penalty >= r.Points && r.Points > 0 {
		note += ", no points left"
	}
	return max(0, r.Points-penalty), note
}

// ISTMonth returns the first instant of t's calendar month in India Standard Time.
func ISTMonth(t time.Time) time.Time {
	t = t.In(IST)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, IST)
}

// LedgerKey is what the ledger holds once per learner.
type LedgerKey struct {
	LearnerID int64
	Reason    models.KarmaReason
	Subject   string
}

// CapKey counts a learner's awards of a reason in an IST month (its first day).
type CapKey struct {
	LearnerID int64
	Reason    models.KarmaReason
	Month     time.Time
}

// Counted reports whether the award counts towards a monthly cap: it is capped and
// its rule has one.
func (a Award) Counted(rules KarmaRules) bool {
	return a.Capped && rules[a.Entry.Reason].MonthlyCap != nil
}

// AnyCounted reports whether any of the awards counts towards a monthly cap, which
// is when the monthly counts must be read (and held still) before Admit.
func AnyCounted(awards []Award, rules KarmaRules) bool {
	return slices.ContainsFunc(awards, func(a Award) bool { return a.Counted(rules) })
}

// Ledger is a learner's karma ledger as Admit sees it.
type Ledger interface {
	// Holds reports whether the ledger holds an entry of the key.
	Holds(LedgerKey) bool
	// Count returns how many entries counting towards a cap the key's learner has of
	// its reason in its month.
	Count(CapKey) int
	// Add takes e into the ledger; counted: it counts towards its rule's cap.
	Add(e models.KarmaEntry, counted bool)
}

// Admit adds to l, in order, the awards it takes: those whose key it does not
// hold yet and, of those that count towards a cap, those under the cap of their
// learner's month. An award over the cap is not earned, so not written.
func Admit(awards []Award, rules KarmaRules, l Ledger) {
	for _, a := range awards {
		e := a.Entry
		if l.Holds(LedgerKey{e.LearnerID, e.Reason, e.Subject}) {
			continue
		}
		counted := a.Counted(rules)
		if counted && l.Count(CapKey{e.LearnerID, e.Reason, ISTMonth(e.AwardedAt)}) >= *rules[e.Reason].MonthlyCap {
			continue
		}
		l.Add(e, counted)
	}
}

// FirstEnrolment returns the learner's earliest enrolment of es (by enrolled_at,
// then id), which earns FIRST_ENROLMENT; nil for none. The store finds it in SQL
// (firstEnrolments) by the same order.
func FirstEnrolment(es []*models.Enrolment) *models.Enrolment {
	var first *models.Enrolment
	for _, e := range es {
		if first == nil || e.EnrolledAt.Before(first.EnrolledAt) || (e.EnrolledAt.Equal(first.EnrolledAt) && e.ID < first.ID) {
			first = e
		}
	}
	return first
}
