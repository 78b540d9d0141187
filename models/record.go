package models

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// Records are rows keyed by codes, as bulk import and seeding write them. The store
// upserts a batch of them on each kind's key and reports the rows it could not take.

// OrganisationRecord is an organisations CSV row.
type OrganisationRecord struct {
	Code, Name string
	Type       OrganisationType
	ParentCode string // "" for a ministry
	// Domain is the area of the DOMAIN competencies the organisation governs; ""
	// leaves a stored organisation's domain as it is (and gives a new one none).
	Domain string
}

// CompetencyRecord is a competencies CSV row. Levels may be empty: existing
// descriptors are kept, or generic ones stored for a new competency.
type CompetencyRecord struct {
	Code, Name, Description, Area, SubTheme string
	Type                                    CompetencyType
	Levels                                  []CompetencyLevel
	// NameHi, when HasNameHi, is the Hindi name (nil: none); a record without
	// HasNameHi leaves the stored one alone.
	NameHi    *string
	HasNameHi bool
}

// RoleRecord is a roles CSV row.
type RoleRecord struct {
	Code, Name, Description string
}

// RoleRequirementRecord is a role_requirements CSV row.
type RoleRequirementRecord struct {
	RoleCode, CompetencyCode string
	RequiredLevel            int
	Weight                   float64
}

// CourseRecord is a courses CSV row. When HasPassMark is set, PassMark replaces the
// pass mark of the course's final assessment, nil meaning the course has none (so an
// empty cell clears it, as an empty description does); otherwise the stored pass
// mark is left as it is (a new course has none), so files from before the column
// existed do not take final assessments away.
type CourseRecord struct {
	Code, Title, Description, Provider string
	Format                             CourseFormat
	DurationHours                      float64
	PassMark                           *float64
	HasPassMark                        bool
	// TitleHi, when HasTitleHi, is the Hindi title (nil: none); a record without
	// HasTitleHi leaves the stored one alone.
	TitleHi    *string
	HasTitleHi bool
}

// CourseCompetencyRecord is a course_competencies CSV row.
type CourseCompetencyRecord struct {
	CourseCode, CompetencyCode string
	FromLevel, ToLevel         int
}

// LearnerRecord is a learners CSV row. When HasRoles is set, RoleCodes replaces the
// learner's roles; otherwise their roles are left as they are.
type LearnerRecord struct {
	EmployeeCode, Name, Email, Designation, OrganisationCode string
	RoleCodes                                                []string
	HasRoles                                                 bool
}

// EvidenceRecord is an evidence CSV row, keyed by (employee code, competency code,
// source, observed at). Score is nil when the row gives none.
type EvidenceRecord struct {
	EmployeeCode, CompetencyCode string
	Source                       EvidenceSource
	Level                        int
	Score                        *float64
	ObservedAt                   time.Time
}

// EnrolmentRecord is an enrolments CSV row, keyed by (employee code, course code).
// CompletedAt is set exactly when Status is COMPLETED; a nil Rating leaves the
// learner's rating of the course as it is.
type EnrolmentRecord struct {
	EmployeeCode, CourseCode string
	Status                   EnrolmentStatus
	Progress                 float64
	EnrolledAt               time.Time
	CompletedAt              *time.Time
	Rating                   *int
}

// Validate checks the fields that need no database, against the time now; field
// names are relative (status, progress, enrolledAt, completedAt, rating).
func (r *EnrolmentRecord) Validate(now time.Time) error {
	switch {
	case !r.Status.Valid():
		return Invalid("status", "must be ENROLLED, IN_PROGRESS, COMPLETED or DROPPED")
	case math.IsNaN(r.Progress) || r.Progress < 0 || r.Progress > 1:
		return Invalid("progress", "must be between 0 and 1")
	case r.EnrolledAt.IsZero():
		return Invalid("enrolledAt", "must not be empty")
	case r.EnrolledAt.Year() < 1970:
		return Invalid("enrolledAt", "must be after 1970")
	case r.EnrolledAt.After(now.Add(ClockSkew)):
		return Invalid("enrolledAt", "must not be in the future")
	case r.Status == Completed && r.CompletedAt == nil:
		return Invalid("completedAt", "is required for a COMPLETED enrolment")
	case r.Status != Completed && r.CompletedAt != nil:
		return Invalid("completedAt", "must be empty unless the status is COMPLETED")
	case r.Status == Completed && r.Progress != 1:
		return Invalid("progress", "must be 1 for a COMPLETED enrolment")
	case r.CompletedAt != nil && r.CompletedAt.Before(r.EnrolledAt):
		return Invalid("completedAt", "must not be before enrolled_at")
	case r.CompletedAt != nil && r.CompletedAt.After(now.Add(ClockSkew)):
		return Invalid("completedAt", "must not be in the future")
	case r.Rating != nil && (*r.Rating < 1 || *r.Rating > 5):
		return Invalid("rating", "must be between 1 and 5")
	}
	return nil
}

// RecordError says why the record at Index of a batch was rejected, naming the
// column at fault.
type RecordError struct {
	Index  int
	Column string
	Reason string
	// Unresolved is set when the record names a parent that is not stored yet, so a
	// caller streaming a file may retry it once later rows have been written.
	Unresolved bool
}

// RecordErrors collects the RecordErrors of a batch, in the order found.
type RecordErrors []RecordError

// Add records that record i is rejected for column, saying why.
func (r *RecordErrors) Add(i int, column, format string, args ...any) {
	*r = append(*r, RecordError{Index: i, Column: column, Reason: fmt.Sprintf(format, args...)})
}

// Reject records err, a validation error whose field columns maps to a column of
// the file (a field it does not list is its own column).
func (r *RecordErrors) Reject(i int, err error, columns map[string]string) {
	field := ErrorField(err)
	col := columns[field]
	if col == "" {
		col = field
	}
	r.Add(i, col, "%s", ErrorMessage(err))
}

// RecordRefusals collects, by index, the records a write refuses against what is
// stored. A write may run a batch again a record at a time, so a record's refusal
// is cleared whenever it is written again.
type RecordRefusals map[int]RecordError

// Add records that record i is refused for column, saying why.
func (r RecordRefusals) Add(i int, column, format string, args ...any) {
	r[i] = RecordError{Index: i, Column: column, Reason: fmt.Sprintf(format, args...)}
}

// Reject records err as RecordErrors.Reject does.
func (r RecordRefusals) Reject(i int, err error, columns map[string]string) {
	var one RecordErrors
	one.Reject(i, err, columns)
	r[i] = one[0]
}

// Clear forgets the refusals of the records idxs.
func (r RecordRefusals) Clear(idxs []int) {
	for _, i := range idxs {
		delete(r, i)
	}
}

// AppendTo adds the refusals to rejected, in index order.
func (r RecordRefusals) AppendTo(rejected []RecordError) []RecordError {
	for _, i := range slices.Sorted(maps.Keys(r)) {
		rejected = append(rejected, r[i])
	}
	return rejected
}

// EventRecord is an events CSV row, keyed by its code; OrganisationCode is the
// host ("": national).
type EventRecord struct {
	Code, Name, Description, OrganisationCode string
	StartsAt, EndsAt                          time.Time
}

// BatchRecord is a batches CSV row, keyed by its code. Re-importing a batch with
// more seats moves its waiting list up; fewer seats than are taken is refused, and
// so is another course.
type BatchRecord struct {
	Code, CourseCode, Name, Venue, Link string
	StartsAt, EndsAt                    time.Time
	Seats                               int
	Policy                              EnrolmentPolicy
	RequiredAttendance                  float64 // 0: DefaultRequiredAttendance
}

// SessionRecord is a sessions CSV row, keyed by its code: a session of the batch
// BatchCode or of the event EventCode (exactly one is set, and it never changes).
// Re-importing an event session with more places moves its waiting list up; fewer
// places than are registered is refused.
type SessionRecord struct {
	Code, BatchCode, EventCode, Title, Venue, Link string
	Kind                                           SessionKind
	StartsAt, EndsAt                               time.Time
	Capacity                                       *int
	Competencies                                   []SessionCompetencyCode
}

// SessionCompetencyCode is a competency an event session touches, by code.
type SessionCompetencyCode struct {
	Code  string
	Level int
}

// AttendanceRecord is an attendance CSV row: a learner attended a session.
type AttendanceRecord struct {
	SessionCode, EmployeeCode string
}

// BlendedBulkWriter upserts events, batches, sessions and attendance as BulkWriter
// does the other kinds: attendance has exactly the effects of RecordAttendance.
type BlendedBulkWriter interface {
	UpsertEvents(ctx context.Context, recs []EventRecord) ([]RecordError, error)
	UpsertBatches(ctx context.Context, recs []BatchRecord) ([]RecordError, error)
	UpsertSessions(ctx context.Context, recs []SessionRecord) ([]RecordError, error)
	UpsertAttendance(ctx context.Context, recs []AttendanceRecord) ([]RecordError, error)
}
