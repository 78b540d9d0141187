package models

import (
	"context"
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
	RoleID    int64   `bun:"role_id"`
	CourseID  int64   `bun:"course_id"`
	Completed bool    `bun:"completed"`
	Dismissed bool    `bun:"dismissed"`
	Rating    int     `bun:"rating"` // 0: not rated
	HadGap    float64 `bun:"had_gap"`
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
	// role did with the course.
	FindPeerOutcomes(ctx context.Context) ([]PeerOutcome, error)
	// Dismiss records a dismissal (again: the reason is replaced) and bumps the
	// learner's version. EINVALID (courseId, reason); ENOTFOUND for an unknown learner.
	Dismiss(ctx context.Context, learnerID, courseID int64, reason string) error
}
