package models

import (
	"fmt"
	"math"
	"time"
)

// CourseFormat is how a course is delivered.
type CourseFormat string

const (
	Online     CourseFormat = "ONLINE"
	FaceToFace CourseFormat = "FACE_TO_FACE"
	Blended    CourseFormat = "BLENDED"
)

// Valid reports whether f is a known course format.
func (f CourseFormat) Valid() bool { return f == Online || f == FaceToFace || f == Blended }

// MaxCourseHours bounds a course's duration (a year of full-time study).
const MaxCourseHours = 2000

// Course imparts competencies. RatingSum and RatingCount hold the stars given
// (the proficiency issue fills them); EnrolmentCount counts enrolments.
type Course struct {
	ID            int64        `bun:"id,pk,autoincrement"`
	Code          string       `bun:"code"`
	Title         string       `bun:"title"`
	TitleHi       *string      `bun:"title_hi"` // in Hindi; nil: none, Title stands
	Description   string       `bun:"description"`
	Provider      string       `bun:"provider"`
	Format        CourseFormat `bun:"format"`
	DurationHours float64      `bun:"duration_hours"`
	// PassMark is the score (0..1) that passes the course's final assessment; nil
	// when the course has none.
	PassMark *float64 `bun:"pass_mark"`
	// ProviderVerified: only the provider's confirmation (confirmCompletion)
	// completes the course; a learner's progress never does.
	ProviderVerified bool      `bun:"provider_verified"`
	RatingSum        int       `bun:"rating_sum"`
	RatingCount      int       `bun:"rating_count"`
	EnrolmentCount   int       `bun:"enrolment_count"`
	CreatedAt        time.Time `bun:"created_at"`
	UpdatedAt        time.Time `bun:"updated_at"`
}

// CourseCompetency says a course takes a learner from FromLevel (0..4) to ToLevel
// (FromLevel+1..5) in a competency.
type CourseCompetency struct {
	CourseID     int64 `bun:"course_id,pk"`
	CompetencyID int64 `bun:"competency_id,pk"`
	FromLevel    int   `bun:"from_level"`
	ToLevel      int   `bun:"to_level"`
}

// Validate checks the levels; field names are relative.
func (c *CourseCompetency) Validate() error {
	if err := validateLevel("fromLevel", c.FromLevel, 0, MaxLevel-1); err != nil {
		return err
	}
	if err := validateLevel("toLevel", c.ToLevel, 1, MaxLevel); err != nil {
		return err
	}
	if c.ToLevel <= c.FromLevel {
		return Invalid("toLevel", "must be greater than fromLevel")
	}
	return nil
}

// CourseFilter selects courses; nil fields do not filter. MinLevel keeps courses
// that take CompetencyID to at least that level.
type CourseFilter struct {
	CompetencyID     *int64
	MinLevel         *int
	Provider         *string
	Format           *CourseFormat
	MaxDurationHours *float64
	Search           *string
}

// NewCourse is the input to CreateCourse.
type NewCourse struct {
	Code          string
	Title         string
	TitleHi       *string // nil or empty: none
	Description   string
	Provider      string
	Format        CourseFormat
	DurationHours float64
	PassMark      *float64 // nil: no final assessment
	// ProviderVerified: only the provider's confirmation completes the course.
	ProviderVerified bool
	Competencies     []CourseCompetency
}

// Validate checks the fields that need no database.
func (n *NewCourse) Validate() error {
	if err := validateCode("code", n.Code); err != nil {
		return err
	}
	if err := validateName("title", n.Title); err != nil {
		return err
	}
	if err := validateOptionalName("titleHi", n.TitleHi); err != nil {
		return err
	}
	if err := validateText("description", n.Description, 0, 4000); err != nil {
		return err
	}
	if err := validateName("provider", n.Provider); err != nil {
		return err
	}
	if !n.Format.Valid() {
		return Invalid("format", "must be ONLINE, FACE_TO_FACE or BLENDED")
	}
	if err := validatePositive("durationHours", n.DurationHours, MaxCourseHours); err != nil {
		return err
	}
	if err := validatePassMark(n.PassMark); err != nil {
		return err
	}
	return validateCourseCompetencies(n.Competencies)
}

func validateCourseCompetencies(cs []CourseCompetency) error {
	seen := map[int64]bool{}
	for i, c := range cs {
		f := fmt.Sprintf("competencies[%d].", i)
		if err := c.Validate(); err != nil {
			return WithFieldPrefix(err, f)
		}
		if seen[c.CompetencyID] {
			return Invalid(f+"competencyId", "competency is listed twice")
		}
		seen[c.CompetencyID] = true
	}
	return nil
}

// CourseUpdate is the input to UpdateCourse; nil fields are left as they are.
// Competencies, when given, replaces the course's competencies.
type CourseUpdate struct {
	Title *string
	// TitleHi, when SetTitleHi, replaces the Hindi title (nil or empty: none).
	TitleHi       *string
	SetTitleHi    bool
	Description   *string
	DurationHours *float64
	// PassMark, when SetPassMark, replaces the final assessment's pass mark (nil: none).
	PassMark    *float64
	SetPassMark bool
	// ProviderVerified, when given, sets whether only the provider completes the course.
	ProviderVerified *bool
	Competencies     []CourseCompetency
	// ReplaceCompetencies is true when Competencies was given (even empty).
	ReplaceCompetencies bool
}

// Validate checks the fields given.
func (u *CourseUpdate) Validate() error {
	if u.Title != nil {
		if err := validateName("title", *u.Title); err != nil {
			return err
		}
	}
	if u.SetTitleHi {
		if err := validateOptionalName("titleHi", u.TitleHi); err != nil {
			return err
		}
	}
	if u.Description != nil {
		if err := validateText("description", *u.Description, 0, 4000); err != nil {
			return err
		}
	}
	if u.DurationHours != nil {
		if err := validatePositive("durationHours", *u.DurationHours, MaxCourseHours); err != nil {
			return err
		}
	}
	if u.SetPassMark {
		if err := validatePassMark(u.PassMark); err != nil {
			return err
		}
	}
	return validateCourseCompetencies(u.Competencies)
}

// validatePassMark checks a final assessment's pass mark: above 0, at most 1.
func validatePassMark(m *float64) error {
	if m != nil && (math.IsNaN(*m) || *m <= 0 || *m > 1) {
		return Invalid("passMark", "must be above 0 and at most 1")
	}
	return nil
}
