package models

import (
	"context"
	"math"
	"time"
)

// Dismissal records that a learner does not want a course recommended again.
type Dismissal struct {
	LearnerID   int64     `bun:"learner_id,pk"`
	CourseID    int64     `bun:"course_id,pk"`
	Reason      string    `bun:"reason"`
	DismissedAt time.Time `bun:"dismissed_at"`
}

// MaxDismissReason bounds the free text of a dismissal.
const MaxDismissReason = 500

// Catalogue is the whole course catalogue as the recommender holds it in memory.
type Catalogue struct {
	Version         int64 // the catalogue version it was read at
	Courses         []*Course
	Imparts         map[int64][]CourseCompetency // by course ID
	CompetencyNames map[int64]string
	// CompetencyNamesHi holds the Hindi names of the competencies that have one.
	CompetencyNamesHi map[int64]string
	// Effects holds the last fit's course effects, by course ID (see Efficacy).
	Effects map[int64][]CourseEffect
	// CompetencyDomains holds, for each functional and domain competency, its area:
	// the domain a course on it belongs to (behavioural ones belong to every domain).
	CompetencyDomains map[int64]string
}

// PeerOutcome is what one learner holding a role did with one course, and how
// large their weighted gap on its competencies was: the raw material of the peer
// signal.
type PeerOutcome struct {
	LearnerID int64   `bun:"learner_id"`
	RoleID    int64   `bun:"role_id"`
	CourseID  int64   `bun:"course_id"`
	Completed bool    `bun:"completed"`
	Dismissed bool    `bun:"dismissed"`
	Rating    int     `bun:"rating"` // 0: not rated
	HadGap    float64 `bun:"had_gap"`
}

// The constants of a peer event's weight (PeerOutcome.Weight).
const (
	// PeerNoGapWeight is the weight of an event from a learner without a gap on the
	// course's competencies; one with a gap of PeerFullGap or more weighs 1.
	PeerNoGapWeight = 0.25
	PeerFullGap     = 1.0
)

// Weight is u, how much the event counts in its peer signal:
//
//	u = PeerNoGapWeight + (1 - PeerNoGapWeight)·min(1, HadGap/PeerFullGap)
//
// so the events of learners who had a gap on the course's competencies weigh up to
// four times as much as those of learners who had none (whose completion says
// little about what the course teaches). A HadGap that is negative or NaN counts as 0.
func (o PeerOutcome) Weight() float64 {
	gap := o.HadGap
	if !(gap > 0) {
		gap = 0
	}
	return PeerNoGapWeight + (1-PeerNoGapWeight)*math.Min(1, gap/PeerFullGap)
}

// Value is the event's outcome in [-1, 1]:
//
//	v = (c + (Rating - 3)/2) / 2 when rated 1..5, c otherwise
//	c = +1 if completed, -1 if dismissed, 0 otherwise (both: 0)
//
// Completions and high ratings raise a peer signal, dismissals and low ratings
// (below 3 stars) lower it; a rating outside 1..5 counts as none.
func (o PeerOutcome) Value() float64 {
	var v float64
	if o.Completed {
		v++
	}
	if o.Dismissed {
		v--
	}
	if o.Rating >= 1 && o.Rating <= 5 {
		v = (v + float64(o.Rating-3)/2) / 2
	}
	return v
}

// PeerSum is the sums of the peer events of one (role, course), which the store
// keeps up to date as the events change: how many, Σ Weight and Σ Weight·Value.
type PeerSum struct {
	RoleID   int64   `bun:"role_id,pk"`
	CourseID int64   `bun:"course_id,pk"`
	Events   int64   `bun:"events"`
	Weight   float64 `bun:"weight"`
	Outcome  float64 `bun:"outcome"`
}

// AddEvent adds sign (+1, or −1 to take one away) events of weight w and value v:
//
//	Events += sign,  Weight += sign·w,  Outcome += sign·w·v
func (s *PeerSum) AddEvent(sign int64, w, v float64) {
	s.Events += sign
	s.Weight += float64(sign) * w
	s.Outcome += float64(sign) * w * v
}

// Add adds the sums o of other events.
func (s *PeerSum) Add(o PeerSum) {
	s.Events += o.Events
	s.Weight += o.Weight
	s.Outcome += o.Outcome
}

// RecommenderStore is what the recommendation service reads and writes besides
// the learning record.
type RecommenderStore interface {
	// CatalogueVersion returns the counter bumped by every catalogue change.
	CatalogueVersion(ctx context.Context) (int64, error)
	// FindCatalogue reads every course with what it imparts, and competency names.
	FindCatalogue(ctx context.Context) (*Catalogue, error)
	// FindExcludedCourseIDs returns the courses never to recommend to a learner:
	// those they are enrolled in or completed (not dropped), and those they dismissed.
	FindExcludedCourseIDs(ctx context.Context, learnerID int64) ([]int64, error)
	// FindPeerOutcomes returns, per role and course, what the learners holding the
	// role did with the course: every event, read from the learning record.
	FindPeerOutcomes(ctx context.Context) ([]PeerOutcome, error)
	// FindPeerSums returns the sums of those events per role and course, as kept
	// up to date by the writes that move them (one row per pair, not per learner).
	FindPeerSums(ctx context.Context) ([]PeerSum, error)
	// Dismiss records a dismissal (again: the reason is replaced) and bumps the
	// learner's version. EINVALID (courseId, reason); ENOTFOUND for an unknown learner.
	Dismiss(ctx context.Context, learnerID, courseID int64, reason string) error
}
