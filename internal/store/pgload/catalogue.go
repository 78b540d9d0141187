package pgload

import (
	"context"
	"fmt"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/models"
)

// The catalogue: read once when the learners begin, and written through the
// bulk path before them.

// loadCatalogue is what the loader reads of the catalogue when the load begins.
type loadCatalogue struct {
	orgs, roles, comps, courses map[string]int64 // ids by code
	titles                      map[int64]string // course titles
	imparts                     map[int64][]models.CourseCompetency
	reqs                        map[int64][]models.RoleRequirement // by role
	sessions                    map[string]*models.Session
	touches                     map[int64][]models.SessionCompetency // by session
	batchCodes                  map[int64]string
	eventNames                  map[int64]string
	rules                       domain.KarmaRules
	priors                      [5][6]float64
}

// loadCatalogueSnapshot reads the catalogue the learning record refers to.
func loadCatalogueSnapshot(ctx context.Context, db *store.DB) (*loadCatalogue, error) {
	c := &loadCatalogue{titles: map[int64]string{}, imparts: map[int64][]models.CourseCompetency{},
		reqs: map[int64][]models.RoleRequirement{}, sessions: map[string]*models.Session{},
		touches: map[int64][]models.SessionCompetency{}, priors: db.Priors().Pooled}
	codes := func(table string) (map[string]int64, error) {
		var rows []struct {
			ID   int64  `bun:"id"`
			Code string `bun:"code"`
		}
		err := db.Bun().NewSelect().Table(table).Column("id", "code").Scan(ctx, &rows)
		out := make(map[string]int64, len(rows))
		for _, r := range rows {
			out[r.Code] = r.ID
		}
		return out, err
	}
	var err error
	if c.orgs, err = codes("organisations"); err != nil {
		return nil, err
	}
	if c.roles, err = codes("roles"); err != nil {
		return nil, err
	}
	if c.comps, err = codes("competencies"); err != nil {
		return nil, err
	}
	var courses []struct {
		ID    int64  `bun:"id"`
		Code  string `bun:"code"`
		Title string `bun:"title"`
	}
	if err := db.Bun().NewSelect().Table("courses").Column("id", "code", "title").Scan(ctx, &courses); err != nil {
		return nil, err
	}
	c.courses = make(map[string]int64, len(courses))
	for _, r := range courses {
		c.courses[r.Code], c.titles[r.ID] = r.ID, r.Title
	}
	var links []models.CourseCompetency
	if err := db.Bun().NewSelect().Model(&links).Order("course_id", "competency_id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, cc := range links {
		c.imparts[cc.CourseID] = append(c.imparts[cc.CourseID], cc)
	}
	var reqs []models.RoleRequirement
	if err := db.Bun().NewSelect().Model(&reqs).Order("role_id", "competency_id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range reqs {
		c.reqs[r.RoleID] = append(c.reqs[r.RoleID], r)
	}
	var sessions []*models.Session
	if err := db.Bun().NewSelect().Model(&sessions).Scan(ctx); err != nil {
		return nil, err
	}
	for _, s := range sessions {
		c.sessions[s.Code] = s
	}
	var touches []models.SessionCompetency
	if err := db.Bun().NewSelect().Model(&touches).Order("session_id", "competency_id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, t := range touches {
		c.touches[t.SessionID] = append(c.touches[t.SessionID], t)
	}
	var batches []struct {
		ID   int64  `bun:"id"`
		Name string `bun:"name"`
	}
	if err := db.Bun().NewSelect().Table("batches").ColumnExpr("id, code AS name").Scan(ctx, &batches); err != nil {
		return nil, err
	}
	c.batchCodes = make(map[int64]string, len(batches))
	for _, b := range batches {
		c.batchCodes[b.ID] = b.Name
	}
	if err := db.Bun().NewSelect().Table("learning_events").Column("id", "name").Scan(ctx, &batches); err != nil {
		return nil, err
	}
	c.eventNames = make(map[int64]string, len(batches))
	for _, e := range batches {
		c.eventNames[e.ID] = e.Name
	}
	rules, err := karma.New(db).FindKarmaRules(ctx)
	if err != nil {
		return nil, err
	}
	c.rules = make(domain.KarmaRules, len(rules))
	for _, r := range rules {
		c.rules[r.Reason] = r
	}
	return c, nil
}

// errCatalogueLate refuses catalogue records once learners are loading: the load
// holds locks the ordinary path would wait on.
func errCatalogueLate(kind string) error {
	return fmt.Errorf("store: bulk load: %s records must come before the first learner", kind)
}

func (l *Loader) UpsertOrganisations(ctx context.Context, recs []models.OrganisationRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("organisation")
	}
	return l.bulk.UpsertOrganisations(ctx, recs)
}

func (l *Loader) UpsertCompetencies(ctx context.Context, recs []models.CompetencyRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("competency")
	}
	return l.bulk.UpsertCompetencies(ctx, recs)
}

func (l *Loader) UpsertRoles(ctx context.Context, recs []models.RoleRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("role")
	}
	return l.bulk.UpsertRoles(ctx, recs)
}

func (l *Loader) UpsertRoleRequirements(ctx context.Context, recs []models.RoleRequirementRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("role requirement")
	}
	return l.bulk.UpsertRoleRequirements(ctx, recs)
}

func (l *Loader) UpsertCourses(ctx context.Context, recs []models.CourseRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("course")
	}
	return l.bulk.UpsertCourses(ctx, recs)
}

func (l *Loader) UpsertCourseCompetencies(ctx context.Context, recs []models.CourseCompetencyRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("course competency")
	}
	return l.bulk.UpsertCourseCompetencies(ctx, recs)
}

func (l *Loader) UpsertEvents(ctx context.Context, recs []models.EventRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("event")
	}
	return l.bulk.UpsertEvents(ctx, recs)
}

func (l *Loader) UpsertBatches(ctx context.Context, recs []models.BatchRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("batch")
	}
	return l.bulk.UpsertBatches(ctx, recs)
}

func (l *Loader) UpsertSessions(ctx context.Context, recs []models.SessionRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("session")
	}
	return l.bulk.UpsertSessions(ctx, recs)
}

// UpsertAssessmentItems writes item banks through the bulk path: they belong to the
// catalogue, written before the learners.
func (l *Loader) UpsertAssessmentItems(ctx context.Context, recs []models.AssessmentItemRecord) ([]models.RecordError, error) {
	if l.mode != loadBeforeLearners && l.mode != loadPassThrough {
		return nil, errCatalogueLate("assessment item")
	}
	return l.db.UpsertAssessmentItems(ctx, recs)
}
