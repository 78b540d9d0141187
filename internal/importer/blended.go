package importer

import (
	"strconv"
	"strings"

	"github.com/openkarmayogi/karmayogi/models"
)

// The kinds an institute uploads for classroom learning: learning events, batches,
// the sessions of both, and attendance registers.

var events = spec[models.EventRecord]{
	required: []string{"code", "name", "starts_at", "ends_at"},
	optional: []string{"description", "organisation_code"},
	parse: func(r *row) (rec models.EventRecord, err error) {
		if rec.Code, err = r.text("code"); err != nil {
			return rec, err
		}
		if rec.Name, err = r.text("name"); err != nil {
			return rec, err
		}
		if rec.StartsAt, err = r.timestamp("starts_at"); err != nil {
			return rec, err
		}
		if rec.EndsAt, err = r.timestamp("ends_at"); err != nil {
			return rec, err
		}
		rec.Description = r.cell("description")
		rec.OrganisationCode = r.cell("organisation_code")
		return rec, nil
	},
	key:   func(r models.EventRecord) string { return r.Code },
	write: models.BulkWriter.UpsertEvents,
}

var batches = spec[models.BatchRecord]{
	required: []string{"code", "course_code", "name", "starts_at", "ends_at", "seats"},
	optional: []string{"venue", "link", "policy", "required_attendance"},
	parse: func(r *row) (rec models.BatchRecord, err error) {
		if rec.Code, err = r.text("code"); err != nil {
			return rec, err
		}
		if rec.CourseCode, err = r.text("course_code"); err != nil {
			return rec, err
		}
		if rec.Name, err = r.text("name"); err != nil {
			return rec, err
		}
		rec.Venue, rec.Link = r.cell("venue"), r.cell("link") // the store checks one is given
		if rec.StartsAt, err = r.timestamp("starts_at"); err != nil {
			return rec, err
		}
		if rec.EndsAt, err = r.timestamp("ends_at"); err != nil {
			return rec, err
		}
		if rec.Seats, err = r.integer("seats", 1, models.MaxSeats); err != nil {
			return rec, err
		}
		rec.Policy = models.PolicyOpen
		if r.cell("policy") != "" {
			p, err := r.enum("policy", string(models.PolicyOpen), string(models.PolicyOneStep), string(models.PolicyTwoStep))
			if err != nil {
				return rec, err
			}
			rec.Policy = models.EnrolmentPolicy(p)
		}
		rec.RequiredAttendance, err = r.positive("required_attendance", 1, true, models.DefaultRequiredAttendance)
		return rec, err
	},
	key:   func(r models.BatchRecord) string { return r.Code },
	write: models.BulkWriter.UpsertBatches,
}

var sessions = spec[models.SessionRecord]{
	required: []string{"code", "title", "starts_at", "ends_at"},
	optional: []string{"batch_code", "event_code", "kind", "venue", "link", "capacity", "competencies"},
	parse: func(r *row) (rec models.SessionRecord, err error) {
		if rec.Code, err = r.text("code"); err != nil {
			return rec, err
		}
		rec.BatchCode, rec.EventCode = r.cell("batch_code"), r.cell("event_code")
		if (rec.BatchCode == "") == (rec.EventCode == "") {
			return rec, reject("batch_code", "give exactly one of batch_code and event_code")
		}
		if rec.Title, err = r.text("title"); err != nil {
			return rec, err
		}
		if r.cell("kind") != "" {
			k, err := r.enum("kind", string(models.SessionClass), string(models.SessionTalk), string(models.SessionWorkshop), string(models.SessionSeminar))
			if err != nil {
				return rec, err
			}
			rec.Kind = models.SessionKind(k)
		}
		rec.Venue, rec.Link = r.cell("venue"), r.cell("link")
		if rec.StartsAt, err = r.timestamp("starts_at"); err != nil {
			return rec, err
		}
		if rec.EndsAt, err = r.timestamp("ends_at"); err != nil {
			return rec, err
		}
		if r.cell("capacity") != "" {
			c, err := r.integer("capacity", 1, models.MaxSeats)
			if err != nil {
				return rec, err
			}
			rec.Capacity = &c
		}
		rec.Competencies, err = sessionCompetencies(r)
		return rec, err
	},
	key:   func(r models.SessionRecord) string { return r.Code },
	write: models.BulkWriter.UpsertSessions,
}

// sessionCompetencies parses "CODE:LEVEL; CODE:LEVEL", the competencies an event
// session touches and at what level.
func sessionCompetencies(r *row) ([]models.SessionCompetencyCode, error) {
	var out []models.SessionCompetencyCode
	for _, entry := range r.codes("competencies") {
		code, level, ok := strings.Cut(entry, ":")
		n, err := strconv.Atoi(strings.TrimSpace(level))
		if !ok || err != nil || n < 1 || n > models.MaxLevel {
			return nil, reject("competencies", "%s must be CODE:LEVEL with a level from 1 to %d, e.g. FUNC-EOFFICE:2", quoteShort(entry), models.MaxLevel)
		}
		out = append(out, models.SessionCompetencyCode{Code: strings.TrimSpace(code), Level: n})
	}
	return out, nil
}

var attendance = spec[models.AttendanceRecord]{
	required: []string{"session_code", "employee_code"},
	parse: func(r *row) (rec models.AttendanceRecord, err error) {
		if rec.SessionCode, err = r.text("session_code"); err != nil {
			return rec, err
		}
		rec.EmployeeCode, err = r.text("employee_code")
		return rec, err
	},
	key:   func(r models.AttendanceRecord) string { return r.SessionCode + "\x00" + r.EmployeeCode },
	write: models.BulkWriter.UpsertAttendance,
}
