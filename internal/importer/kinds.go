package importer

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// spec describes one kind of file: its columns, how a row becomes a record, the
// record's key (so a later row of the same key supersedes an earlier one waiting for
// its parent), and which BulkWriter method stores a batch.
type spec[T any] struct {
	required, optional []string
	parse              func(r *row) (T, error)
	key                func(T) string
	// unique, when set, names the column a file may not repeat a key in: a row
	// whose key an earlier row had is rejected there.
	unique string
	write  func(w models.BulkWriter, ctx context.Context, recs []T) ([]models.RecordError, error)
}

var organisations = spec[models.OrganisationRecord]{
	required: []string{"code", "name", "type"},
	optional: []string{"parent_code", "domain"},
	parse: func(r *row) (rec models.OrganisationRecord, err error) {
		if rec.Code, err = r.text("code"); err != nil {
			return rec, err
		}
		if rec.Name, err = r.text("name"); err != nil {
			return rec, err
		}
		t, err := r.enum("type", string(models.OrgMinistry), string(models.OrgDepartment), string(models.OrgOrganisation))
		if err != nil {
			return rec, err
		}
		rec.Type = models.OrganisationType(t)
		rec.ParentCode = r.cell("parent_code")
		rec.Domain = r.cell("domain")
		switch {
		case rec.Type == models.OrgMinistry && rec.ParentCode != "":
			return rec, reject("parent_code", "must be empty for a ministry")
		case rec.Type != models.OrgMinistry && rec.ParentCode == "":
			return rec, reject("parent_code", "must not be empty for a %s", strings.ToLower(t))
		}
		return rec, nil
	},
	key:   func(r models.OrganisationRecord) string { return r.Code },
	write: models.BulkWriter.UpsertOrganisations,
}

var competencies = spec[models.CompetencyRecord]{
	required: []string{"code", "name", "type", "area"},
	optional: []string{"description", "name_hi"},
	parse: func(r *row) (rec models.CompetencyRecord, err error) {
		if rec.Code, err = r.text("code"); err != nil {
			return rec, err
		}
		if rec.Name, err = r.text("name"); err != nil {
			return rec, err
		}
		t, err := r.enum("type", string(models.Behavioural), string(models.Functional), string(models.Domain))
		if err != nil {
			return rec, err
		}
		rec.Type = models.CompetencyType(t)
		if rec.Area, err = r.text("area"); err != nil {
			return rec, err
		}
		rec.Description = r.cell("description")
		// As pass_mark: with the column, an empty cell means no Hindi name; without
		// it, stored Hindi names are left alone.
		if r.has("name_hi") {
			rec.HasNameHi, rec.NameHi = true, models.OptionalText(r.cell("name_hi"))
		}
		return rec, nil
	},
	key:   func(r models.CompetencyRecord) string { return r.Code },
	write: models.BulkWriter.UpsertCompetencies,
}

var roles = spec[models.RoleRecord]{
	required: []string{"code", "name"},
	optional: []string{"description"},
	parse: func(r *row) (rec models.RoleRecord, err error) {
		if rec.Code, err = r.text("code"); err != nil {
			return rec, err
		}
		if rec.Name, err = r.text("name"); err != nil {
			return rec, err
		}
		rec.Description = r.cell("description")
		return rec, nil
	},
	key:   func(r models.RoleRecord) string { return r.Code },
	write: models.BulkWriter.UpsertRoles,
}

var roleRequirements = spec[models.RoleRequirementRecord]{
	required: []string{"role_code", "competency_code", "required_level"},
	optional: []string{"weight"},
	parse: func(r *row) (rec models.RoleRequirementRecord, err error) {
		if rec.RoleCode, err = r.text("role_code"); err != nil {
			return rec, err
		}
		if rec.CompetencyCode, err = r.text("competency_code"); err != nil {
			return rec, err
		}
		if rec.RequiredLevel, err = r.integer("required_level", 1, models.MaxLevel); err != nil {
			return rec, err
		}
		if rec.Weight, err = r.positive("weight", models.MaxWeight, true, 1); err != nil {
			return rec, err
		}
		return rec, nil
	},
	key:   func(r models.RoleRequirementRecord) string { return r.RoleCode + "\x00" + r.CompetencyCode },
	write: models.BulkWriter.UpsertRoleRequirements,
}

var courses = spec[models.CourseRecord]{
	required: []string{"code", "title", "provider", "format", "duration_hours"},
	optional: []string{"description", "pass_mark", "title_hi"},
	parse: func(r *row) (rec models.CourseRecord, err error) {
		if rec.Code, err = r.text("code"); err != nil {
			return rec, err
		}
		if rec.Title, err = r.text("title"); err != nil {
			return rec, err
		}
		if rec.Provider, err = r.text("provider"); err != nil {
			return rec, err
		}
		f, err := r.enum("format", string(models.Online), string(models.FaceToFace), string(models.Blended))
		if err != nil {
			return rec, err
		}
		rec.Format = models.CourseFormat(f)
		if rec.DurationHours, err = r.positive("duration_hours", models.MaxCourseHours, false, 0); err != nil {
			return rec, err
		}
		rec.Description = r.cell("description")
		// With the column in the header, the cell is the course's pass mark and an
		// empty one means no final assessment; without it, pass marks are left alone.
		if r.has("pass_mark") {
			rec.HasPassMark = true
			if r.cell("pass_mark") != "" {
				m, err := r.positive("pass_mark", 1, false, 0)
				if err != nil {
					return rec, err
				}
				rec.PassMark = &m
			}
		}
		if r.has("title_hi") { // as pass_mark
			rec.HasTitleHi, rec.TitleHi = true, models.OptionalText(r.cell("title_hi"))
		}
		return rec, nil
	},
	key:   func(r models.CourseRecord) string { return r.Code },
	write: models.BulkWriter.UpsertCourses,
}

var courseCompetencies = spec[models.CourseCompetencyRecord]{
	required: []string{"course_code", "competency_code", "from_level", "to_level"},
	parse: func(r *row) (rec models.CourseCompetencyRecord, err error) {
		if rec.CourseCode, err = r.text("course_code"); err != nil {
			return rec, err
		}
		if rec.CompetencyCode, err = r.text("competency_code"); err != nil {
			return rec, err
		}
		if rec.FromLevel, err = r.integer("from_level", 0, models.MaxLevel-1); err != nil {
			return rec, err
		}
		if rec.ToLevel, err = r.integer("to_level", 1, models.MaxLevel); err != nil {
			return rec, err
		}
		if rec.ToLevel <= rec.FromLevel {
			return rec, reject("to_level", "must be greater than from_level")
		}
		return rec, nil
	},
	key:   func(r models.CourseCompetencyRecord) string { return r.CourseCode + "\x00" + r.CompetencyCode },
	write: models.BulkWriter.UpsertCourseCompetencies,
}

var learners = spec[models.LearnerRecord]{
	required: []string{"employee_code", "name", "email", "designation", "organisation_code"},
	optional: []string{"role_codes"},
	parse: func(r *row) (rec models.LearnerRecord, err error) {
		if rec.EmployeeCode, err = r.text("employee_code"); err != nil {
			return rec, err
		}
		if rec.Name, err = r.text("name"); err != nil {
			return rec, err
		}
		if rec.Email, err = r.email("email"); err != nil {
			return rec, err
		}
		if rec.Designation, err = r.text("designation"); err != nil {
			return rec, err
		}
		if rec.OrganisationCode, err = r.text("organisation_code"); err != nil {
			return rec, err
		}
		// With the column in the header, the cell is the whole list of roles, so an
		// empty cell takes every role away; without it, roles are left alone.
		if r.has("role_codes") {
			rec.HasRoles = true
			rec.RoleCodes = r.codes("role_codes")
		}
		return rec, nil
	},
	key:   func(r models.LearnerRecord) string { return r.EmployeeCode },
	write: models.BulkWriter.UpsertLearners,
}

var evidence = spec[models.EvidenceRecord]{
	required: []string{"employee_code", "competency_code", "source", "level", "observed_at"},
	optional: []string{"score"},
	parse: func(r *row) (rec models.EvidenceRecord, err error) {
		if rec.EmployeeCode, err = r.text("employee_code"); err != nil {
			return rec, err
		}
		if rec.CompetencyCode, err = r.text("competency_code"); err != nil {
			return rec, err
		}
		s, err := r.enum("source", string(models.Assessment), string(models.SelfRating), string(models.SupervisorRating),
			string(models.CourseCompletion), string(models.Certification))
		if err != nil {
			return rec, err
		}
		rec.Source = models.EvidenceSource(s)
		if rec.Level, err = r.integer("level", 1, models.MaxLevel); err != nil {
			return rec, err
		}
		if r.cell("score") != "" {
			score, err := r.fraction("score")
			if err != nil {
				return rec, err
			}
			rec.Score = &score
		}
		rec.ObservedAt, err = r.timestamp("observed_at")
		return rec, err
	},
	key: func(r models.EvidenceRecord) string {
		return strings.Join([]string{r.EmployeeCode, r.CompetencyCode, string(r.Source), r.ObservedAt.UTC().Format(time.RFC3339Nano)}, "\x00")
	},
	write: models.BulkWriter.UpsertEvidence,
}

var enrolments = spec[models.EnrolmentRecord]{
	required: []string{"employee_code", "course_code", "status", "progress", "enrolled_at"},
	optional: []string{"completed_at", "rating"},
	parse: func(r *row) (rec models.EnrolmentRecord, err error) {
		if rec.EmployeeCode, err = r.text("employee_code"); err != nil {
			return rec, err
		}
		if rec.CourseCode, err = r.text("course_code"); err != nil {
			return rec, err
		}
		s, err := r.enum("status", string(models.Enrolled), string(models.InProgress), string(models.Completed), string(models.Dropped))
		if err != nil {
			return rec, err
		}
		rec.Status = models.EnrolmentStatus(s)
		if rec.Progress, err = r.fraction("progress"); err != nil {
			return rec, err
		}
		if rec.EnrolledAt, err = r.timestamp("enrolled_at"); err != nil {
			return rec, err
		}
		if r.cell("completed_at") != "" {
			at, err := r.timestamp("completed_at")
			if err != nil {
				return rec, err
			}
			rec.CompletedAt = &at
		}
		if r.cell("rating") != "" {
			stars, err := r.integer("rating", 1, 5)
			if err != nil {
				return rec, err
			}
			rec.Rating = &stars
		}
		return rec, nil
	},
	key:   func(r models.EnrolmentRecord) string { return r.EmployeeCode + "\x00" + r.CourseCode },
	write: models.BulkWriter.UpsertEnrolments,
}

// assessmentItems is the assessment_items kind. Unlike the other kinds, a code
// repeated within a file is an error (two items cannot share a code, and a later
// row silently replacing an earlier question is more likely a slip than an edit).
var assessmentItems = spec[models.AssessmentItemRecord]{
	required: []string{"code", "competency_code", "level", "stem", "options", "correct"},
	optional: []string{"discrimination", "difficulty", "course_code"},
	unique:   "code",
	parse: func(r *row) (rec models.AssessmentItemRecord, err error) {
		if rec.Code, err = r.text("code"); err != nil {
			return rec, err
		}
		if rec.CompetencyCode, err = r.text("competency_code"); err != nil {
			return rec, err
		}
		rec.CourseCode = strings.TrimSpace(r.cell("course_code"))
		if rec.Level, err = r.integer("level", 1, models.MaxLevel); err != nil {
			return rec, err
		}
		if rec.Stem, err = r.text("stem"); err != nil {
			return rec, err
		}
		opts, err := r.text("options")
		if err != nil {
			return rec, err
		}
		for _, o := range strings.Split(opts, "|") {
			o = strings.TrimSpace(o)
			if o == "" {
				return rec, reject("options", "an option is empty")
			}
			rec.Options = append(rec.Options, o)
		}
		if n := len(rec.Options); n < models.MinItemOptions || n > models.MaxItemOptions {
			return rec, reject("options", "has %d options, want %d to %d (separated by |)", n, models.MinItemOptions, models.MaxItemOptions)
		}
		if rec.Correct, err = r.integer("correct", 1, len(rec.Options)); err != nil {
			return rec, err
		}
		// Each parameter is parsed on its own; that they go together is the item's
		// rule (models.AssessmentItem.Validate), which the store reports by line.
		if r.cell("discrimination") != "" {
			a, err := r.positive("discrimination", 10, false, 0)
			if err != nil {
				return rec, err
			}
			rec.Discrimination = &a
		}
		if d := r.cell("difficulty"); d != "" {
			b, err := strconv.ParseFloat(d, 64)
			if err != nil || math.IsNaN(b) || math.IsInf(b, 0) || b < -5 || b > 10 {
				return rec, reject("difficulty", "must be a number between -5 and 10")
			}
			rec.Difficulty = &b
		}
		return rec, nil
	},
	key: func(r models.AssessmentItemRecord) string { return r.Code },
	write: func(w models.BulkWriter, ctx context.Context, recs []models.AssessmentItemRecord) ([]models.RecordError, error) {
		iw, ok := w.(models.AssessmentItemWriter)
		if !ok {
			return nil, errors.New("this store keeps no assessment items")
		}
		return iw.UpsertAssessmentItems(ctx, recs)
	},
}
