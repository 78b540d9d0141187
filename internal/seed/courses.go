package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/openkarmayogi/karmayogi/models"
)

// provider is a training institution that publishes courses on iGOT Karmayogi.
type provider struct {
	name, full string
	// topics are the competency areas and codes the provider specialises in.
	topics []string
	// campus providers teach more in classrooms than online.
	campus bool
}

var providers = []provider{
	{name: "Karmayogi Bharat", full: "Karmayogi Bharat"},
	{name: "ISTM", full: "the Institute of Secretariat Training and Management (ISTM)", topics: []string{
		"Office Management", "Establishment & HR", "Handling Parliamentary Matters", "Handling RTI Matters", "Vigilance Administration",
		"Cabinet note preparation", "Administration Matters", "Communication", "Litigation Management", "Personnel Administration"}},
	{name: "LBSNAA", full: "the Lal Bahadur Shastri National Academy of Administration (LBSNAA)", campus: true, topics: []string{
		"Strategic Leadership", "Team Leadership", "Collaborative Leadership", "Decision Making", "Policy Architecture",
		"Government Program Formulation", "Self-Awareness", "DOM-HOM-004"}},
	{name: "NIFM", full: "the National Institute of Financial Management (NIFM)", topics: []string{
		"Financial Management", "Public Procurement (GFR)", "Material Management", "DOM-FIN-004", "DOM-FIN-005", "DOM-FIN-006"}},
	{name: "NCGG", full: "the National Centre for Good Governance (NCGG)", topics: []string{
		"Citizen Centricity", "Grievance Redressal", "Service Orientation", "Change Management", "DOM-PER-005"}},
	{name: "NeGD", full: "the National e-Governance Division (NeGD)", topics: []string{"Digital Fluency", "Digital Governance", "Data Protection"}},
	{name: "NIC", full: "the National Informatics Centre (NIC)", topics: []string{"Digital Fluency", "Data Analytics", "Digital Governance", "FUN-084", "FUN-105"}},
	{name: "IIM Ahmedabad", full: "the Indian Institute of Management Ahmedabad", campus: true, topics: []string{
		"Strategic Leadership", "Decision Making", "Project Management", "Operational Excellence", "Creativity & Innovation",
		"Collaborative Leadership", "Outcome Orientation"}},
	{name: "IIT Madras", full: "the Indian Institute of Technology Madras", topics: []string{"Data Analytics", "Solution Orientation", "Digital Fluency"}},
	{name: "AIIMS New Delhi", full: "the All India Institute of Medical Sciences, New Delhi", topics: []string{"Public Health", "Personal Effectiveness"}},
	{name: "NIHFW", full: "the National Institute of Health and Family Welfare (NIHFW)", topics: []string{"Public Health"}},
	{name: "NADT", full: "the National Academy of Direct Taxes (NADT), Nagpur", campus: true, topics: []string{"DOM-FIN-001"}},
	{name: "NACIN", full: "the National Academy of Customs, Indirect Taxes and Narcotics (NACIN)", campus: true, topics: []string{"DOM-FIN-002", "DOM-FIN-003"}},
	{name: "CPWD Training Institute", full: "the CPWD Training Institute", campus: true, topics: []string{"FUN-060", "FUN-061", "Material Management", "Project Management"}},
	{name: "SSIFS", full: "the Sushma Swaraj Institute of Foreign Service (SSIFS)", campus: true, topics: []string{"Foreign Affairs"}},
	{name: "NIRDPR", full: "the National Institute of Rural Development and Panchayati Raj (NIRDPR)", topics: []string{"Rural Development", "Monitoring & Evaluation"}},
	{name: "MANAGE", full: "the National Institute of Agricultural Extension Management (MANAGE)", topics: []string{"Agriculture"}},
	{name: "IGNFA", full: "the Indira Gandhi National Forest Academy (IGNFA)", campus: true, topics: []string{"Environment and Forests"}},
	{name: "IAHE", full: "the Indian Academy of Highway Engineers (IAHE)", campus: true, topics: []string{"Roads and Highways"}},
	{name: "NIDM", full: "the National Institute of Disaster Management (NIDM)", topics: []string{"DOM-HOM-003"}},
	{name: "SVPNPA", full: "the Sardar Vallabhbhai Patel National Police Academy (SVPNPA)", campus: true, topics: []string{"DOM-HOM-001", "DOM-HOM-002", "DOM-HOM-005"}},
	{name: "IRITM", full: "the Indian Railways Institute of Transport Management (IRITM)", campus: true, topics: []string{"Railway Operations"}},
	{name: "NIEPA", full: "the National Institute of Educational Planning and Administration (NIEPA)", topics: []string{"Education"}},
}

// providerNamed returns the provider with the given short name.
func providerNamed(name string) provider {
	for _, p := range providers {
		if p.name == name {
			return p
		}
	}
	panic("seed: no provider named " + name)
}

// titleTemplates holds course titles by the level a course takes learners to.
var titleTemplates = [models.MaxLevel + 1][]string{
	1: {"Foundations of %s", "Introduction to %s", "%s: The Basics", "Getting Started with %s", "%s for New Entrants", "Understanding %s"},
	2: {"%s in Practice", "Applied %s", "A Practical Guide to %s", "%s: Essentials for Section Officers", "%s at Work", "Building Blocks of %s"},
	3: {"%s: Case Studies from Indian Administration", "Strengthening %s", "%s for Middle Management", "%s: Beyond the Basics", "%s: Tools and Techniques", "Deepening %s"},
	4: {"Advanced %s", "Advanced %s for Senior Officers", "Leading %s in Ministries", "%s: Policy and Practice", "%s for Deputy Secretaries and Directors", "Mastering %s"},
	5: {"Masterclass: %s", "%s for Joint Secretaries and Above", "Strategic Perspectives on %s", "%s: Leadership Perspectives", "%s: Global Practices and Lessons for India"},
}

// classroomTemplates are extra titles for courses taught at least partly in a
// classroom; executiveTemplates for such courses at level 4 and above, and
// residentialTemplates for classroom courses of three days or more.
var (
	classroomTemplates   = []string{"Workshop on %s", "%s: A Hands-on Workshop", "%s Clinic", "%s: Learning from the Field"}
	executiveTemplates   = []string{"Executive Programme in %s"}
	residentialTemplates = []string{"Residential Programme on %s"}
)

// audiences says who a course is for, by the level it takes learners to.
var audiences = [models.MaxLevel + 1]string{
	1: "Suited to new entrants and Assistant Section Officers.",
	2: "Suited to Assistant Section Officers and Section Officers.",
	3: "Suited to Section Officers and Under Secretaries.",
	4: "Suited to Deputy Secretaries and Directors.",
	5: "Suited to Joint Secretaries and above.",
}

// durations are the hours a course may last, with weights skewed short as on iGOT.
var durations = map[models.CourseFormat]struct {
	hours   []float64
	weights []float64
}{
	models.Online:     {[]float64{0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16}, []float64{3, 5, 3, 4, 3, 2, 1.5, 1, 0.5, 0.3}},
	models.Blended:    {[]float64{4, 6, 8, 12, 16, 20, 24}, []float64{2, 3, 3, 2, 1.5, 1, 0.5}},
	models.FaceToFace: {[]float64{6, 12, 18, 24, 30, 40}, []float64{2, 3, 2, 1.5, 1, 0.8}},
}

// extraTargets weighs the level a course beyond the coverage ladder takes learners to.
var extraTargets = []float64{0, 0.25, 0.30, 0.25, 0.14, 0.06}

// ladder is the order in which each competency gets its first courses, so that even
// a small catalogue reaches several levels of every competency.
var ladder = []int{1, 3, 2, 4, 5}

// unreachableGaps chooses the competencies whose level 5 no course reaches: a few
// that roles require at level 5, so gap analytics has needs no course can meet, and
// a few others.
func unreachableGaps(rng *rand.Rand, cat *catalogue, reqs []models.RoleRequirementRecord) []bool {
	gaps := make([]bool, len(cat.comps))
	var at5 []int
	for _, r := range reqs {
		if i := cat.byCode[r.CompetencyCode]; r.RequiredLevel == models.MaxLevel && !slices.Contains(at5, i) {
			at5 = append(at5, i)
		}
	}
	rng.Shuffle(len(at5), func(i, j int) { at5[i], at5[j] = at5[j], at5[i] })
	for _, i := range at5[:min(3, len(at5))] {
		gaps[i] = true
	}
	for n := 0; n < 3; {
		if i := rng.IntN(len(gaps)); !gaps[i] && !slices.Contains(at5, i) {
			gaps[i] = true
			n++
		}
	}
	return gaps
}

// course is a course before its code is known.
type course struct {
	rec   models.CourseRecord
	comps []models.CourseCompetencyRecord
}

// courseMaker builds courses one at a time, keeping titles unique.
type courseMaker struct {
	rng         *rand.Rand
	cat         *catalogue
	gaps        []bool
	titles      map[string]bool
	behavioural []int
}

// courses builds n courses: first a ladder of levels for every competency in turn,
// then courses on random competencies skewed to lower levels; then shuffles them so
// codes do not follow the ladder.
func courses(rng *rand.Rand, cat *catalogue, gaps []bool, n int) ([]models.CourseRecord, []models.CourseCompetencyRecord) {
	m := &courseMaker{rng: rng, cat: cat, gaps: gaps, titles: make(map[string]bool, n)}
	for i, c := range cat.comps {
		if c.rec.Type == models.Behavioural {
			m.behavioural = append(m.behavioural, i)
		}
	}
	type slot struct{ comp, to int }
	plan := make([]slot, 0, n)
	order := rng.Perm(len(cat.comps))
	for _, to := range ladder {
		for _, ci := range order {
			if len(plan) == n {
				break
			}
			t := to
			if t == models.MaxLevel && gaps[ci] {
				t = 3
			}
			plan = append(plan, slot{ci, t})
		}
	}
	for len(plan) < n {
		ci := rng.IntN(len(cat.comps))
		t := pick(rng, extraTargets)
		if t == models.MaxLevel && gaps[ci] {
			t = 4
		}
		plan = append(plan, slot{ci, t})
	}
	built := make([]course, len(plan))
	for i, s := range plan {
		built[i] = m.build(s.comp, s.to)
	}
	rng.Shuffle(len(built), func(i, j int) { built[i], built[j] = built[j], built[i] })

	width := max(5, len(fmt.Sprint(n)))
	recs := make([]models.CourseRecord, len(built))
	var links []models.CourseCompetencyRecord
	for i, c := range built {
		c.rec.Code = fmt.Sprintf("CRS-%0*d", width, i+1)
		recs[i] = c.rec
		for _, l := range c.comps {
			l.CourseCode = c.rec.Code
			links = append(links, l)
		}
	}
	return recs, links
}

// build builds one course that takes learners of competency ci up to level to.
func (m *courseMaker) build(ci, to int) course {
	rng, primary := m.rng, m.cat.comps[ci]
	from := to - 1
	if to >= 2 && rng.Float64() < 0.3 {
		from = to - 2
	}
	comps := []int{ci}
	links := []models.CourseCompetencyRecord{{CompetencyCode: primary.rec.Code, FromLevel: from, ToLevel: to}}
	extra := 0
	if r := rng.Float64(); r >= 0.85 {
		extra = 2
	} else if r >= 0.5 {
		extra = 1
	}
	for range extra {
		si := m.secondary(primary, comps)
		if si < 0 {
			break
		}
		f := max(from-rng.IntN(2), 0)
		t := f + 1
		if t == models.MaxLevel && m.gaps[si] {
			f, t = 3, 4
		}
		comps = append(comps, si)
		links = append(links, models.CourseCompetencyRecord{CompetencyCode: m.cat.comps[si].rec.Code, FromLevel: f, ToLevel: t})
	}
	// A course on two competencies of one theme is sometimes named for both.
	topic, topicHi, also := primary.topic, primary.topicHi, comps[1:]
	if len(comps) > 1 && rng.Float64() < 0.3 {
		second := m.cat.comps[comps[1]]
		if second.rec.Area == primary.rec.Area && !strings.Contains(topic, " and ") && !strings.Contains(second.topic, " and ") {
			topic += " and " + second.topic
			if topicHi != "" && second.topicHi != "" {
				topicHi += " और " + second.topicHi
			} else {
				topicHi = ""
			}
			also = comps[2:]
		}
	}

	p := m.provider(primary)
	format := m.format(p)
	d := durations[format]
	h := pick(rng, d.weights)
	if to >= 4 && h+1 < len(d.hours) && rng.Float64() < 0.4 {
		h++ // senior programmes run longer
	}
	title, hi := m.title(topic, topicHi, to, format, d.hours[h], p)
	rec := models.CourseRecord{
		Title:         title,
		TitleHi:       models.OptionalText(hi),
		HasTitleHi:    true,
		Provider:      p.name,
		Format:        format,
		DurationHours: d.hours[h],
	}
	rec.Description = m.describe(primary, also, topic, p, format, rec.DurationHours, from, to)
	return course{rec: rec, comps: links}
}

// secondary picks another competency for a course on primary: usually one of the
// same theme or area, otherwise a behavioural one, never one already taken.
func (m *courseMaker) secondary(primary competency, taken []int) int {
	var cands []int
	for _, i := range m.cat.byTheme[primary.rec.Area] {
		if !slices.Contains(taken, i) {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 || m.rng.Float64() < 0.4 {
		cands = cands[:0]
		for _, i := range m.behavioural {
			if !slices.Contains(taken, i) {
				cands = append(cands, i)
			}
		}
	}
	if len(cands) == 0 {
		return -1
	}
	return cands[m.rng.IntN(len(cands))]
}

// provider picks a specialist institution for the competency most of the time, and
// otherwise one of the generalists.
func (m *courseMaker) provider(c competency) provider {
	var specialists []int
	for i, p := range providers {
		if slices.Contains(p.topics, c.rec.Area) || slices.Contains(p.topics, c.rec.Code) {
			specialists = append(specialists, i)
		}
	}
	if len(specialists) > 0 && m.rng.Float64() < 0.7 {
		return providers[specialists[m.rng.IntN(len(specialists))]]
	}
	// Karmayogi Bharat publishes on every subject; ISTM teaches the secretariat's
	// functional and behavioural basics, NCGG only behavioural ones.
	generalists, weights := []string{"Karmayogi Bharat", "ISTM", "NCGG"}, []float64{5, 2, 1}
	switch c.rec.Type {
	case models.Domain:
		generalists, weights = generalists[:1], weights[:1]
	case models.Functional:
		generalists, weights = generalists[:2], weights[:2]
	}
	return providerNamed(generalists[pick(m.rng, weights)])
}

func (m *courseMaker) format(p provider) models.CourseFormat {
	weights := []float64{0.85, 0.10, 0.05}
	if p.campus {
		weights = []float64{0.45, 0.25, 0.30}
	}
	return []models.CourseFormat{models.Online, models.Blended, models.FaceToFace}[pick(m.rng, weights)]
}

// title picks an unused title for a course on topic, falling back to the provider's
// name and then a module number when every template is taken; with its Hindi
// title (titleHi), "" when the topic has no Hindi.
func (m *courseMaker) title(topic, topicHi string, to int, format models.CourseFormat, hours float64, p provider) (string, string) {
	var classroom []string
	if format != models.Online {
		classroom = slices.Clone(classroomTemplates)
		if to >= 4 {
			classroom = append(classroom, executiveTemplates...)
		}
		if format == models.FaceToFace && hours >= 18 {
			classroom = append(classroom, residentialTemplates...)
		}
	}
	tpls := append(slices.Clone(titleTemplates[to]), classroom...)
	m.rng.Shuffle(len(tpls), func(i, j int) { tpls[i], tpls[j] = tpls[j], tpls[i] })
	if len(classroom) > 0 && m.rng.Float64() < 0.5 {
		// Classroom courses are usually named as workshops or programmes.
		tpl := classroom[m.rng.IntN(len(classroom))]
		if s := fmt.Sprintf(tpl, topic); !m.titles[s] {
			m.titles[s] = true
			return s, titleHi(tpl, topicHi, "", 0)
		}
	}
	for _, t := range tpls {
		if s := fmt.Sprintf(t, topic); !m.titles[s] {
			m.titles[s] = true
			return s, titleHi(t, topicHi, "", 0)
		}
	}
	base := fmt.Sprintf(tpls[0], topic)
	s := fmt.Sprintf("%s (%s)", base, p.name)
	module := 0
	for k := 2; m.titles[s]; k++ {
		s, module = fmt.Sprintf("%s: Module %d", base, k), k
	}
	m.titles[s] = true
	return s, titleHi(tpls[0], topicHi, p.name, module)
}

func (m *courseMaker) describe(primary competency, others []int, topic string, p provider, format models.CourseFormat, hours float64, from, to int) string {
	var b strings.Builder
	lead := "A self-paced online course"
	switch {
	case format == models.Blended:
		lead = "A blended programme"
	case format == models.FaceToFace && hours >= 24:
		lead = "A residential programme"
	case format == models.FaceToFace:
		lead = "A classroom programme"
	}
	if from == 0 {
		fmt.Fprintf(&b, "%s by %s for officers new to %s, taking them to %s level.", lead, p.full, topic, models.LevelNames[to-1])
	} else {
		fmt.Fprintf(&b, "%s by %s that takes officers from %s to %s level in %s.", lead, p.full,
			models.LevelNames[from-1], models.LevelNames[to-1], topic)
	}
	if s := firstSentence(primary.rec.Description); s != "" {
		fmt.Fprintf(&b, " About %s: %s", primary.rec.Name, s)
	}
	if len(others) > 0 {
		names := make([]string, len(others))
		for i, o := range others {
			names[i] = m.cat.comps[o].rec.Name
		}
		fmt.Fprintf(&b, " Also develops %s.", strings.Join(names, " and "))
	}
	switch format {
	case models.Online:
		b.WriteString(" Short videos, readings and quizzes, with a final assessment.")
	case models.Blended:
		b.WriteString(" Online modules followed by classroom case discussions, with a final assessment.")
	default:
		b.WriteString(" Lectures, group exercises and case discussions drawn from ministries, with a final assessment.")
	}
	b.WriteString(" " + audiences[to])
	return b.String()
}

// firstSentence returns the first sentence of s if it is short enough to quote in a
// course description, or "". A sentence ends at a full stop followed by a capital,
// so "papers etc. to identify" does not end one.
func firstSentence(s string) string {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' && s[i+2] >= 'A' && s[i+2] <= 'Z' {
			s = s[:i+1]
			break
		}
	}
	if utf8.RuneCountInString(s) > 280 {
		return ""
	}
	return s
}

// pick returns an index drawn with probability proportional to its weight.
func pick(rng *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
