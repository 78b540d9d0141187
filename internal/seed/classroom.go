package seed

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// Classroom learning in the demo: a Karmayogi Saptah (National Learning Week) held
// before the reference date, whose sessions a share of learners attended, the next
// one open for registration, and upcoming batches of face-to-face and blended
// courses with seats to request. Its dates are fixed, like the learning record's.

// The weeks of the two learning events (IST days; sessions run in office hours).
var (
	pastSaptah = time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC)
	nextSaptah = time.Date(2027, 10, 18, 0, 0, 0, 0, time.UTC)
	// batchTerm is when the upcoming batches start, a week apart.
	batchTerm = time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
)

// saptahTalks are the sessions of each learning week: a title and its kind.
var saptahTalks = []struct {
	title string
	kind  models.SessionKind
}{
	{"Karmayogi: from rules to roles", models.SessionTalk},
	{"Citizen-centric service delivery", models.SessionSeminar},
	{"Working with e-Office end to end", models.SessionWorkshop},
	{"Public procurement on GeM", models.SessionWorkshop},
	{"Data for decisions in government", models.SessionTalk},
	{"Leading teams through change", models.SessionSeminar},
	{"Integrity and ethics in public life", models.SessionTalk},
	{"Effective noting and drafting", models.SessionWorkshop},
	{"Grievance redressal with CPGRAMS", models.SessionWorkshop},
	{"Mission LiFE: sustainable offices", models.SessionTalk},
}

// classroom holds the events, batches and sessions of the demo, and who attended
// the past week's sessions.
type classroom struct {
	events   []models.EventRecord
	batches  []models.BatchRecord
	sessions []models.SessionRecord
	past     []string // codes of the past week's sessions, in order
	rng      *rand.Rand
}

// newClassroom builds the events and batches: sessions touch competencies roles
// require (so attending them is evidence that matters), and batches run the first
// face-to-face and blended courses of the catalogue.
func newClassroom(rng *rand.Rand, reqs []models.RoleRequirementRecord, crs []models.CourseRecord) *classroom {
	c := &classroom{rng: rng}
	var required []string
	seen := map[string]bool{}
	for _, r := range reqs {
		if !seen[r.CompetencyCode] {
			seen[r.CompetencyCode] = true
			required = append(required, r.CompetencyCode)
		}
	}
	for _, week := range []struct {
		code  string
		year  int
		start time.Time
	}{{"SAPTAH-2026", 2026, pastSaptah}, {"SAPTAH-2027", 2027, nextSaptah}} {
		c.events = append(c.events, models.EventRecord{Code: week.code,
			Name:        fmt.Sprintf("Karmayogi Saptah %d", week.year),
			Description: "National Learning Week: talks, seminars and workshops for every civil servant.",
			StartsAt:    week.start, EndsAt: week.start.Add(7 * 24 * time.Hour)})
		for i, t := range saptahTalks {
			// Two sessions a day, at 10:00 and 14:30 IST.
			start := week.start.Add(time.Duration(i/2)*24*time.Hour + 4*time.Hour + 30*time.Minute)
			if i%2 == 1 {
				start = start.Add(4*time.Hour + 30*time.Minute)
			}
			capacity := 200 + 100*rng.IntN(4)
			s := models.SessionRecord{Code: fmt.Sprintf("%s-S%02d", week.code, i+1), EventCode: week.code,
				Title: t.title, Kind: t.kind, Link: "https://igotkarmayogi.gov.in/saptah", StartsAt: start,
				EndsAt: start.Add(90 * time.Minute), Capacity: &capacity}
			for _, k := range rng.Perm(len(required))[:min(1+rng.IntN(2), len(required))] {
				s.Competencies = append(s.Competencies, models.SessionCompetencyCode{Code: required[k], Level: 1 + rng.IntN(2)})
			}
			c.sessions = append(c.sessions, s)
			if week.start.Equal(pastSaptah) {
				c.past = append(c.past, s.Code)
			}
		}
	}
	policies := []models.EnrolmentPolicy{models.PolicyOpen, models.PolicyOneStep, models.PolicyTwoStep}
	venues := []string{"ISTM, New Delhi", "LBSNAA, Mussoorie", "RCVP Noronha Academy, Bhopal", "ATI, Mysuru"}
	for _, cr := range crs {
		if cr.Format == models.Online || len(c.batches) == 20 {
			continue
		}
		n := len(c.batches)
		start := batchTerm.Add(time.Duration(n) * 7 * 24 * time.Hour)
		days := 3 + rng.IntN(3)
		b := models.BatchRecord{Code: fmt.Sprintf("%s-B1", cr.Code), CourseCode: cr.Code,
			Name: fmt.Sprintf("%s, batch 1", cr.Title), StartsAt: start.Add(3*time.Hour + 30*time.Minute),
			EndsAt: start.Add(time.Duration(days-1)*24*time.Hour + 12*time.Hour), Seats: 20 + 5*rng.IntN(5),
			Policy: policies[n%len(policies)], RequiredAttendance: models.DefaultRequiredAttendance}
		if cr.Format == models.Blended {
			b.Link = "https://igotkarmayogi.gov.in/live"
		}
		b.Venue = venues[rng.IntN(len(venues))]
		c.batches = append(c.batches, b)
		for d := range days {
			at := start.Add(time.Duration(d)*24*time.Hour + 3*time.Hour + 30*time.Minute) // 09:00 IST
			c.sessions = append(c.sessions, models.SessionRecord{Code: fmt.Sprintf("%s-D%d", b.Code, d+1),
				BatchCode: b.Code, Title: fmt.Sprintf("Day %d", d+1), Kind: models.SessionClass,
				StartsAt: at, EndsAt: at.Add(7 * time.Hour)})
		}
	}
	return c
}

// attendance returns the past week's sessions a learner attended: about one in
// five learners came, to one to three sessions.
func (c *classroom) attendance(l models.LearnerRecord) []models.AttendanceRecord {
	if c.rng.Float64() >= 0.2 {
		return nil
	}
	var out []models.AttendanceRecord
	for _, k := range c.rng.Perm(len(c.past))[:1+c.rng.IntN(3)] {
		out = append(out, models.AttendanceRecord{SessionCode: c.past[k], EmployeeCode: l.EmployeeCode})
	}
	return out
}
