package recommender_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// eOffice is a learner at level 1 of competency 1 (E-Office, required 2) and level 0
// of competency 2 (Digital Tools, required 2).
func eOffice() recommender.Learner {
	return recommender.Learner{
		Requirements: []recommender.Requirement{
			{CompetencyID: 1, Level: 2, Weight: 3, RoleName: "Assistant Section Officer"},
			{CompetencyID: 2, Level: 2, Weight: 1, RoleName: "Assistant Section Officer"},
		},
		Stored: map[int64][]float64{1: {0.02, 0.95, 0.03, 0, 0, 0}, 2: {0.9, 0.08, 0.02, 0, 0, 0}},
	}
}

var eOfficeNames = map[int64]string{1: "E-Office", 2: "Digital Tools", 3: "Railway Commercial", 4: "Data Analytics", 5: "Sound Judgement"}

// TestListSinksInterchangeableCourses: of five courses raising E-Office 1->2, one
// leads; a course on another gap comes second although each E-Office course closes
// more on its own; the rest sink, are its alternatives and say why.
func TestListSinksInterchangeableCourses(t *testing.T) {
	p := recommender.DefaultParams()
	var courses []recommender.Course
	for id := int64(1); id <= 5; id++ {
		courses = append(courses, recommender.Course{ID: id, Title: "e-Office " + string(rune('A'+id-1)), Hours: float64(id),
			RatingSum: int(30 + id), RatingCount: 10, Imparts: []recommender.Impart{{CompetencyID: 1, From: 1, To: 2}}})
	}
	courses = append(courses, recommender.Course{ID: 6, Title: "Digital Tools", Hours: 2,
		Imparts: []recommender.Impart{{CompetencyID: 2, From: 0, To: 2}}})
	cat := recommender.NewCatalogue(courses, eOfficeNames, nil)
	l := eOffice()

	indep := cat.Recommend(p, recommender.Learner{Requirements: l.Requirements, Stored: l.Stored, Exclude: map[int64]bool{6: true}}, 1, recommender.ScoreOptions{})
	digital := cat.Recommend(p, recommender.Learner{Requirements: l.Requirements, Stored: l.Stored, Exclude: map[int64]bool{1: true, 2: true, 3: true, 4: true, 5: true}}, 1, recommender.ScoreOptions{})
	if !(indep[0].Score > digital[0].Score) {
		t.Fatalf("the case needs an E-Office course to beat Digital Tools on its own: %v vs %v", indep[0].Score, digital[0].Score)
	}

	recs := cat.Recommend(p, l, 10, recommender.ScoreOptions{})
	var ids []int64
	for _, r := range recs {
		ids = append(ids, r.CourseID)
	}
	// The best-rated E-Office course first, Digital Tools second, then the other
	// E-Office courses by quality (rating, then hours).
	if want := []int64{5, 6, 4, 3, 2, 1}; !slices.Equal(ids, want) {
		t.Fatalf("list %v, want %v", ids, want)
	}
	if want := []int64{4, 3, 2, 1}; !slices.Equal(recs[0].Alternatives, want) {
		t.Errorf("alternatives of the first %v, want %v", recs[0].Alternatives, want)
	}
	if len(recs[1].Alternatives) != 0 {
		t.Errorf("Digital Tools stands for %v, want nothing", recs[1].Alternatives)
	}
	for _, r := range recs[2:] {
		if !(r.Score < 0.1*recs[0].Score) {
			t.Errorf("course %d scores %v after the first E-Office course (%v), want its small marginal value", r.CourseID, r.Score, recs[0].Score)
		}
		if !strings.Contains(english(r.Explanation), "also covers E-Office, like e-Office E above") && !strings.HasPrefix(english(r.Explanation), "An alternative to e-Office E above: also covers E-Office") {
			t.Errorf("course %d: explanation %q does not say an earlier course covers the gap", r.CourseID, english(r.Explanation))
		}
	}
}

// TestListAllRedundant: a catalogue of one competency and many equal courses still
// fills the list, in order of quality, each after the first an alternative to it.
func TestListAllRedundant(t *testing.T) {
	p := recommender.DefaultParams()
	courses := []recommender.Course{
		{ID: 1, Title: "Short", Hours: 1, RatingSum: 35, RatingCount: 10, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 3}}},
		{ID: 2, Title: "Long", Hours: 3, RatingSum: 45, RatingCount: 10, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 3}}},
		{ID: 3, Title: "Unrated short", Hours: 1, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 3}}},
		{ID: 4, Title: "Unrated long", Hours: 5, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 3}}},
		{ID: 5, Title: "Works half the time", Hours: 1, RatingSum: 50, RatingCount: 10, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 3, Efficacy: 0.5}}},
	}
	cat := recommender.NewCatalogue(courses, eOfficeNames, nil)
	l := recommender.Learner{Requirements: []recommender.Requirement{{CompetencyID: 1, Level: 3, Weight: 1}}}
	recs := cat.Recommend(p, l, 10, recommender.ScoreOptions{})
	var ids []int64
	for _, r := range recs {
		ids = append(ids, r.CourseID)
	}
	// First the best on its own (the best rated of those that work fully); after it
	// nothing adds anything, so the rest follow by effectiveness (course 5, which
	// works half the time, last), then rating, then hours.
	if want := []int64{2, 1, 3, 4, 5}; !slices.Equal(ids, want) {
		t.Fatalf("list %v, want %v", ids, want)
	}
	if want := []int64{1, 3, 4, 5}; !slices.Equal(recs[0].Alternatives, want) {
		t.Errorf("alternatives %v, want %v", recs[0].Alternatives, want)
	}
	for _, r := range recs[2:] {
		if r.Score != 0 || len(r.Gaps) != 0 || !strings.HasPrefix(english(r.Explanation), "An alternative to Long above: also covers E-Office") {
			t.Errorf("course %d: score %v, gaps %v, explanation %q", r.CourseID, r.Score, r.Gaps, english(r.Explanation))
		}
	}
}

// TestListDomains: a course on another domain's subject is not suggested for its
// behavioural side effect, in lists and learning paths alike, unless the learner
// works in that domain.
func TestListDomains(t *testing.T) {
	p := recommender.DefaultParams()
	courses := []recommender.Course{
		{ID: 1, Title: "Advanced Railway Commercial Management", Hours: 1, Domains: []string{"Railway Operations"},
			Imparts: []recommender.Impart{{CompetencyID: 3, From: 3, To: 4}, {CompetencyID: 5, From: 0, To: 4}}},
		{ID: 2, Title: "Sound Judgement", Hours: 8, Imparts: []recommender.Impart{{CompetencyID: 5, From: 0, To: 2}}},
	}
	cat := recommender.NewCatalogue(courses, eOfficeNames, nil)
	l := recommender.Learner{Requirements: []recommender.Requirement{{CompetencyID: 5, Level: 4, Weight: 1}},
		Focus: recommender.Focus{Domains: []string{"Personnel Administration"}}}
	ids := func(recs []recommender.Recommendation) []int64 {
		var out []int64
		for _, r := range recs {
			out = append(out, r.CourseID)
		}
		return out
	}
	if got := ids(cat.Recommend(p, l, 10, recommender.ScoreOptions{})); !slices.Equal(got, []int64{2}) {
		t.Errorf("outside the railways: %v, want [2]", got)
	}
	path := cat.LearningPath(p, l, 0, nil)
	if len(path.Steps) != 1 || path.Steps[0].CourseID != 2 {
		t.Errorf("path outside the railways: %+v", path.Steps)
	}
	// An assigned course stays on the path, whatever its domain.
	path = cat.LearningPath(p, l, 0, []recommender.Assigned{{CourseID: 1}})
	if len(path.Steps) == 0 || path.Steps[0].CourseID != 1 {
		t.Errorf("assigned course left off the path: %+v", path.Steps)
	}
	l.Focus.Domains = append(l.Focus.Domains, "Railway Operations")
	if got := ids(cat.Recommend(p, l, 10, recommender.ScoreOptions{})); !slices.Contains(got, 1) {
		t.Errorf("in the railways: %v, want course 1 among them", got)
	}
}

// TestListInterests: an interest gets a share of the slots below the role's
// requirements, and the explanation names it.
func TestListInterests(t *testing.T) {
	p := recommender.DefaultParams()
	var courses []recommender.Course
	for id := int64(1); id <= 8; id++ { // role courses, each on its own competency 10+id
		courses = append(courses, recommender.Course{ID: id, Title: "Role course", Hours: 1,
			Imparts: []recommender.Impart{{CompetencyID: 10 + id, From: 0, To: 3}}})
	}
	courses = append(courses, recommender.Course{ID: 20, Title: "Data Analytics in Practice", Hours: 1,
		Imparts: []recommender.Impart{{CompetencyID: 4, From: 0, To: 2}}})
	cat := recommender.NewCatalogue(courses, eOfficeNames, nil)
	l := recommender.Learner{}
	for id := int64(11); id <= 18; id++ {
		l.Requirements = append(l.Requirements, recommender.Requirement{CompetencyID: id, Level: 3, Weight: 1, RoleName: "Data Analyst"})
	}
	without := cat.Recommend(p, l, 5, recommender.ScoreOptions{})
	for _, r := range without {
		if r.CourseID == 20 {
			t.Fatalf("the interest course is listed without the interest: %+v", without)
		}
	}
	l.Focus.Interests = []int64{4}
	recs := cat.Recommend(p, l, 5, recommender.ScoreOptions{})
	k := slices.IndexFunc(recs, func(r recommender.Recommendation) bool { return r.CourseID == 20 })
	if k < 0 {
		t.Fatalf("the interest course is not in the first five: %+v", recs)
	}
	if k != 4 {
		t.Errorf("the interest course is item %d, want 5 (weighted below the role, owed the fifth slot)", k+1)
	}
	if !strings.Contains(english(recs[k].Explanation), "Data Analytics at level 2 (no evidence yet: estimated from people whose roles do not require it), one of your learning interests") &&
		!strings.Contains(english(recs[k].Explanation), "Data Analytics from level 0 (no evidence yet: estimated from people whose roles do not require it) to 2, one of your learning interests") {
		t.Errorf("explanation %q", english(recs[k].Explanation))
	}
	for _, r := range recs[:k] {
		if !(r.Signals.GapCoverage > recs[k].Signals.GapCoverage) {
			t.Errorf("role course %d covers %v, the interest %v: want the role's weighted higher", r.CourseID, r.Signals.GapCoverage, recs[k].Signals.GapCoverage)
		}
	}
}

// TestCohortRequirements weighs the requirements of the roles a cohort holds by how
// many hold them.
func TestCohortRequirements(t *testing.T) {
	reqs := map[int64][]recommender.Requirement{
		1: {{CompetencyID: 10, Level: 2, Weight: 2, RoleName: "ASO"}, {CompetencyID: 11, Level: 1, Weight: 1, RoleName: "ASO"}},
		2: {{CompetencyID: 10, Level: 3, Weight: 1, RoleName: "SO"}, {CompetencyID: 12, Level: 3, Weight: 3, RoleName: "SO"}},
	}
	got := recommender.CohortRequirements(map[int64]int{1: 3, 2: 1}, reqs)
	want := []recommender.Requirement{
		{CompetencyID: 10, Level: 2, Weight: 0.75*2 + 0.25*1, RoleName: "ASO"},
		{CompetencyID: 11, Level: 1, Weight: 0.75, RoleName: "ASO"},
		{CompetencyID: 12, Level: 3, Weight: 0.75, RoleName: "SO"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got := recommender.CohortRequirements(nil, reqs); got != nil {
		t.Errorf("no holders: %+v", got)
	}
	// The explanation states the basis.
	cat := recommender.NewCatalogue([]recommender.Course{{ID: 1, Title: "c", Hours: 1, Imparts: []recommender.Impart{{CompetencyID: 10, From: 0, To: 2}}}}, nil, nil)
	l := recommender.Learner{Requirements: want, Focus: recommender.Focus{Basis: models.Say("rec.basis_organisation", "X")}}
	recs := cat.Recommend(recommender.DefaultParams(), l, 10, recommender.ScoreOptions{})
	if len(recs) != 1 || !strings.HasSuffix(english(recs[0].Explanation), "; you hold no role yet, so this is measured against the most common needs of X.") {
		t.Errorf("recs %+v", recs)
	}
}

// TestExplanationSaysWhenNoEvidence: a level resting on no evidence at all is said to
// come from the people in the learner's role.
func TestExplanationSaysWhenNoEvidence(t *testing.T) {
	cat := recommender.NewCatalogue([]recommender.Course{{ID: 1, Title: "Noting", Hours: 2,
		Imparts: []recommender.Impart{{CompetencyID: 7, From: 0, To: 3}}}}, map[int64]string{7: "Noting and Drafting"}, nil)
	l := recommender.Learner{RoleIDs: []int64{1}, Requirements: []recommender.Requirement{{CompetencyID: 7, Level: 3, Weight: 1, RoleName: "Section Officer"}}}
	recs := cat.Recommend(recommender.DefaultParams(), l, 5, recommender.ScoreOptions{})
	if len(recs) != 1 || !strings.Contains(english(recs[0].Explanation), "(no evidence yet: estimated from people in your role)") {
		t.Fatalf("recommendations %+v", recs)
	}
}

// english renders an explanation as the API does for English readers.
func english(e recommender.Explanation) string { return i18n.English.Explain(e) }
