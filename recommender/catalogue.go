package recommender

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/openkarmayogi/karmayogi/models"
)

// Impart says a course takes a competency from level From (0..4) to level To
// (From+1..5).
type Impart struct {
	CompetencyID int64
	From, To     int
	// Efficacy is the share of completers the course actually moves from From to To,
	// in (0, 1]: the estimated course effect (course effectiveness) over the catalogue's
	// claim. 0 means no estimate: the claim is taken at its word (1). A course applied
	// with efficacy e mixes the projection in: P' = (1-e)·P + e·Project(P), so the gap
	// it closes is e·GapClosed.
	Efficacy float64
}

// efficacy returns im.Efficacy, or 1 when there is no estimate (see Impart).
func (im Impart) efficacy() float64 {
	if im.Efficacy > 0 && im.Efficacy <= 1 {
		return im.Efficacy
	}
	return 1
}

// Course is a course as the recommender sees it.
type Course struct {
	ID      int64
	Title   string
	TitleHi string // in Hindi, for explanations read in Hindi; "": none
	Hours   float64
	// RatingSum and RatingCount are the raw stars given (1..5 each); the quality signal
	// is their Bayesian average (see Quality).
	RatingSum, RatingCount int
	// Enrolments is the course's popularity, for the "popular" baseline.
	Enrolments int
	Imparts    []Impart
	// Domains are the domains the course belongs to: the areas of the functional and
	// domain competencies it imparts (behavioural competencies belong to every
	// domain). A course with domains is suggested to a learner only when one of them
	// is among the learner's (Focus.Domains), so a course on another domain's subject
	// is never suggested for its behavioural or functional side effects alone.
	Domains []string
}

// PeerKey identifies the peer signal of one course for the holders of one role.
type PeerKey struct{ RoleID, CourseID int64 }

// Catalogue is an immutable in-memory snapshot of the courses, with the signals the
// recommender needs precomputed. It is safe for concurrent use.
//
// The courses x competencies matrix of imparts is held sparse and column-compressed
// (CSC): for each competency, the run of postings (course index, from, to) of the
// courses imparting it, courses in ID order. Scoring one learner is then one pass over
// the columns of the learner's required competencies, accumulating the expected
// weighted gap closed of every touched course into a dense per-course vector; courses
// touching none of them are never looked at. Each course's own imparts (the rows) stay
// on the Course. The peer signal is expanded into one dense per-course vector per role.
type Catalogue struct {
	courses []Course        // by ID; Imparts cleaned and sorted by competency
	index   map[int64]int32 // course ID -> position in courses
	names   map[int64]string
	namesHi map[int64]string // Hindi names, where a competency has one

	// CSC: column j (competency cols[j]) holds postings colStart[j]..colStart[j+1]-1.
	col      map[int64]int32
	colStart []int32
	post     []posting

	quality []float64 // per course, in [0, 1]
	rating  []float64 // per course: the Bayesian-average stars, 0 when unrated
	maxTo   map[int64]int
	peer    map[int64][]float64 // role ID -> per-course peer signal

	hasDomains bool // some course has Domains
}

// posting is one non-zero of the courses x competencies matrix.
type posting struct {
	course   int32
	from, to int8
	efficacy float64 // Impart.efficacy()
}

// NewCatalogue returns a snapshot of courses (copied; on a repeated ID the first is
// kept), the competency names used in explanations, and the peer signal per (role,
// course) in [0, 1] (absent = 0; values outside are clamped, keys naming unknown
// courses ignored; see PeerSignals). An impart outside 0 <= From < To <= 5 is dropped;
// where a course lists one competency twice, the impart with the higher To (then the
// lower From) is kept.
func NewCatalogue(courses []Course, competencyNames map[int64]string, peer map[PeerKey]float64) *Catalogue {
	c := &Catalogue{
		index: make(map[int64]int32, len(courses)),
		names: make(map[int64]string, len(competencyNames)),
		col:   make(map[int64]int32),
		maxTo: make(map[int64]int),
		peer:  make(map[int64][]float64),
	}
	for id, n := range competencyNames {
		c.names[id] = n
	}
	seen := make(map[int64]bool, len(courses))
	for _, in := range courses {
		if seen[in.ID] {
			continue
		}
		seen[in.ID] = true
		out := in
		out.Imparts = cleanImparts(in.Imparts)
		out.Domains = slices.Clone(in.Domains)
		c.hasDomains = c.hasDomains || len(in.Domains) > 0
		c.courses = append(c.courses, out)
	}
	slices.SortFunc(c.courses, func(a, b Course) int { return cmp.Compare(a.ID, b.ID) })

	var competencies []int64
	count := make(map[int64]int32)
	c.quality = make([]float64, len(c.courses))
	c.rating = make([]float64, len(c.courses))
	for i, course := range c.courses {
		c.index[course.ID] = int32(i)
		c.quality[i], c.rating[i] = Quality(course.RatingSum, course.RatingCount)
		for _, im := range course.Imparts {
			if count[im.CompetencyID] == 0 {
				competencies = append(competencies, im.CompetencyID)
			}
			count[im.CompetencyID]++
			c.maxTo[im.CompetencyID] = max(c.maxTo[im.CompetencyID], im.To)
		}
	}
	slices.Sort(competencies)
	c.colStart = make([]int32, len(competencies)+1)
	for j, id := range competencies {
		c.col[id] = int32(j)
		c.colStart[j+1] = c.colStart[j] + count[id]
	}
	c.post = make([]posting, c.colStart[len(competencies)])
	fill := slices.Clone(c.colStart[:len(competencies)])
	for i, course := range c.courses {
		for _, im := range course.Imparts {
			j := c.col[im.CompetencyID]
			c.post[fill[j]] = posting{course: int32(i), from: int8(im.From), to: int8(im.To), efficacy: im.efficacy()}
			fill[j]++
		}
	}

	for k, s := range peer {
		i, ok := c.index[k.CourseID]
		if !ok || !(s > 0) {
			continue
		}
		v := c.peer[k.RoleID]
		if v == nil {
			v = make([]float64, len(c.courses))
			c.peer[k.RoleID] = v
		}
		v[i] = min(s, 1)
	}
	return c
}

// cleanImparts returns the valid imparts, one per competency, sorted by competency.
func cleanImparts(in []Impart) []Impart {
	out := make([]Impart, 0, len(in))
	for _, im := range in {
		if im.From >= 0 && im.From < im.To && im.To <= models.MaxLevel {
			out = append(out, im)
		}
	}
	slices.SortFunc(out, func(a, b Impart) int {
		if c := cmp.Compare(a.CompetencyID, b.CompetencyID); c != 0 {
			return c
		}
		if c := cmp.Compare(b.To, a.To); c != 0 {
			return c
		}
		return cmp.Compare(a.From, b.From)
	})
	return slices.CompactFunc(out, func(a, b Impart) bool { return a.CompetencyID == b.CompetencyID })
}

// Course returns the course with the given ID (a copy) and whether there is one.
func (c *Catalogue) Course(id int64) (Course, bool) {
	i, ok := c.index[id]
	if !ok {
		return Course{}, false
	}
	out := c.courses[i]
	out.Imparts = slices.Clone(out.Imparts)
	out.Domains = slices.Clone(out.Domains)
	return out, true
}

// Len returns the number of courses.
func (c *Catalogue) Len() int { return len(c.courses) }

// Quality returns the quality signal q in [0, 1] and the Bayesian-average rating r of a
// course from its raw stars (ratingSum over ratingCount ratings of 1..5):
//
//	r = (RatingPriorWeight·RatingPriorMean + ratingSum) / (RatingPriorWeight + ratingCount)
//	q = (r - 1) / 4, clamped to [0, 1]
//
// with models.RatingPriorMean and models.RatingPriorWeight, so an unrated course has
// the prior's quality q0 = (RatingPriorMean-1)/4 = 0.625. r is returned as 0 when the
// course is unrated (for explanations, which then say nothing of ratings).
func Quality(ratingSum, ratingCount int) (q, rating float64) {
	count := max(ratingCount, 0)
	r := (models.RatingPriorWeight*models.RatingPriorMean + float64(ratingSum)) / float64(models.RatingPriorWeight+count)
	q = min(max((r-1)/4, 0), 1)
	if count == 0 {
		r = 0
	}
	return q, r
}

// column returns the postings of the courses imparting a competency.
func (c *Catalogue) column(competencyID int64) []posting {
	j, ok := c.col[competencyID]
	if !ok {
		return nil
	}
	return c.post[c.colStart[j]:c.colStart[j+1]]
}

// WithHindiNames returns the catalogue with the Hindi names of competencies (by
// ID) that explanations read in Hindi use; c itself is unchanged.
func (c *Catalogue) WithHindiNames(names map[int64]string) *Catalogue {
	out := *c
	out.namesHi = names
	return &out
}

// competencyArg returns the name of a competency as a phrase argument, with its
// Hindi name when it has one.
func (c *Catalogue) competencyArg(id int64) models.PhraseArg {
	return models.PhraseArg{Text: c.competencyName(id), Hi: c.namesHi[id]}
}

// courseArg returns the title of the course at index i as a phrase argument.
func (c *Catalogue) courseArg(i int32) models.PhraseArg {
	return models.PhraseArg{Text: c.courses[i].Title, Hi: c.courses[i].TitleHi}
}

// competencyName returns the name of a competency for explanations.
func (c *Catalogue) competencyName(id int64) string {
	if n, ok := c.names[id]; ok && n != "" {
		return n
	}
	return "competency " + strconv.FormatInt(id, 10)
}
