package store

import (
	"context"
	"crypto/rand"
	"reflect"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// SetEstimator sets how evidence becomes the proficiency the store keeps; the
// learning record cannot be written without one.
func (db *DB) SetEstimator(e models.Estimator) { db.estimator = e }

var (
	evidencePages    = NewestFirst[*models.Evidence]{Column: "observed_at", At: func(e *models.Evidence) time.Time { return e.ObservedAt }, ID: func(e *models.Evidence) int64 { return e.ID }}
	enrolmentPages   = NewestFirst[*models.Enrolment]{Column: "enrolled_at", At: func(e *models.Enrolment) time.Time { return e.EnrolledAt }, ID: func(e *models.Enrolment) int64 { return e.ID }}
	certificatePages = NewestFirst[*models.Certificate]{Column: "issued_at", At: func(c *models.Certificate) time.Time { return c.IssuedAt }, ID: func(c *models.Certificate) int64 { return c.ID }}
)

// instant normalises a time as the store keeps it: UTC, to the microsecond (what
// PostgreSQL holds), so times compare equal on both engines.
func instant(t time.Time) time.Time { return domain.Instant(t) }

// SaveEvidence stores validated evidence (service.Learning validates it against
// Now) and the re-estimated proficiency in its competency in one transaction, and
// bumps the learner's version. The same observation again
// (learner, competency, source and time) replaces the earlier one. It returns the
// requirement it read for the gap row too, so the caller need not read it again.
func (db *DB) SaveEvidence(ctx context.Context, n *models.NewEvidence) (*models.RecordedEvidence, error) {
	now := db.now()
	at := now
	if !n.ObservedAt.IsZero() {
		at = instant(n.ObservedAt)
	}
	ev := &models.Evidence{LearnerID: n.LearnerID, CompetencyID: n.CompetencyID, Source: n.Source, Level: n.Level,
		Score: n.Score, ObservedAt: at, CreatedAt: now}
	rec := &models.RecordedEvidence{Evidence: ev}
	err := db.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		// The version first: it checks the learner exists, and locks their row, so
		// writes for one learner queue here rather than deadlock further on. In the
		// same round trip it returns the level stored before this evidence: the
		// learner's peer events depend on their levels alone, so a write that
		// leaves the level leaves them too.
		var was []struct {
			Level *int `bun:"level"`
		}
		c, l := n.CompetencyID, n.LearnerID
		if err := tx.NewUpdate().Table("learners").Set("version = version + 1").Set("updated_at = ?", now).
			Where("id = ?", l).
			Returning("(SELECT level FROM proficiencies WHERE learner_id = ? AND competency_id = ?) AS level", l, c).
			Scan(ctx, &was); err != nil {
			return err
		} else if len(was) == 0 {
			return models.NotFound("learner")
		}
		// The competency's foreign key checks that it exists: the learner is locked
		// and exists, so a violation can only be the competency's, and no statement
		// of its own is spent on the check.
		rows, err := db.insertEvidence(ctx, tx, ev)
		if err != nil {
			if kind, _ := Violation(err); kind == ForeignKeyViolation {
				return models.Invalid("competencyId", "no such competency")
			}
			return err
		}
		profs, needs, err := db.reestimate(ctx, tx, map[int64][]int64{l: {c}}, rows)
		if err != nil {
			return err
		}
		rec.Proficiency = profs[0]
		if len(needs) > 0 { // none: no role of theirs requires the competency
			rec.Required = needs[0].Required
		}
		if was[0].Level != nil && *was[0].Level == rec.Proficiency.Level {
			return nil
		}
		return RefreshPeers(ctx, tx, []int64{l})
	})
	if err != nil {
		return nil, err
	}
	change.Learners(ctx, n.LearnerID) // here: the batched writer runs the transaction under its own context
	return rec, nil
}

// insertEvidence writes ev, replacing an earlier copy of the same observation,
// sets its ID, and returns its pair's evidence as it now stands. On PostgreSQL
// that is one statement: the insert's rows and the pair's others, read in the
// snapshot from before it (so a replaced row is left out by its ID). The learner
// must be locked first: a statement that waited for the lock would read a
// snapshot from before the write it waited for.
func (db *DB) insertEvidence(ctx context.Context, tx bun.Tx, ev *models.Evidence) ([]models.Evidence, error) {
	ins := tx.NewInsert().Model(ev).ExcludeColumn("id").
		On("CONFLICT (learner_id, competency_id, source, observed_at) DO UPDATE").
		Set("level = EXCLUDED.level").Set("score = EXCLUDED.score")
	pair := map[int64][]int64{ev.LearnerID: {ev.CompetencyID}}
	if db.dialect != "postgres" {
		if _, err := ins.Returning("id").Exec(ctx); err != nil {
			return nil, err
		}
		return readPairEvidence(ctx, tx, pair)
	}
	cols := evidenceColumns(tx)
	var rows []models.Evidence
	if err := tx.NewRaw(`WITH e AS (?) SELECT * FROM e UNION ALL
SELECT ? FROM evidence WHERE learner_id = ? AND competency_id = ? AND id NOT IN (SELECT id FROM e)
ORDER BY observed_at, id`, ins.Returning("?", cols), cols, ev.LearnerID, ev.CompetencyID).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.Source == ev.Source && r.ObservedAt.Equal(ev.ObservedAt) {
			ev.ID = r.ID
		}
	}
	return rows, nil
}

// evidenceColumns lists models.Evidence's columns, as bun maps them.
func evidenceColumns(idb bun.IDB) bun.Safe {
	t := idb.Dialect().Tables().Get(reflect.TypeFor[models.Evidence]())
	cols := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = string(f.SQLName)
	}
	return bun.Safe(strings.Join(cols, ", "))
}

// ReestimateIn recomputes the stored proficiency of each learner in each of the
// listed competencies from all of their evidence in it, refreshes the learners'
// gap rows and rollups in those competencies, and returns the estimates.
func (db *DB) ReestimateIn(ctx context.Context, idb bun.IDB, pairs map[int64][]int64) ([]*models.Proficiency, error) {
	rows, err := readPairEvidence(ctx, idb, pairs)
	if err != nil {
		return nil, err
	}
	out, _, err := db.reestimate(ctx, idb, pairs, rows)
	return out, err
}

// reestimate is ReestimateIn from the pairs' evidence (rows, in order; rows of
// other pairs are passed over), which also returns the requirements it read. They
// are read first, so that the estimates, gap rows and rollups of each batch are
// written in one round trip.
func (db *DB) reestimate(ctx context.Context, idb bun.IDB, pairs map[int64][]int64, rows []models.Evidence) ([]*models.Proficiency, []need, error) {
	out := db.estimate(pairs, rows)
	var read []need
	for lo := 0; lo < len(out); lo += refreshBatch {
		chunk := out[lo:min(lo+refreshBatch, len(out))]
		needs, err := readNeeds(ctx, idb, chunk)
		if err != nil {
			return nil, nil, err
		}
		read = append(read, needs...)
		writes := upsertProficiencies(idb, chunk)
		if gaps := db.gapRows(chunk, needs); len(gaps) > 0 {
			writes = append(writes, db.writeGapRows(idb, gaps)...)
		}
		if err := execTogether(ctx, idb, writes); err != nil {
			return nil, nil, err
		}
	}
	return out, read, nil
}

// estimateAndStore is ReestimateIn without the gaps: it returns the estimates.
// Whoever calls it owes the gap rows a refresh.
func (db *DB) estimateAndStore(ctx context.Context, idb bun.IDB, pairs map[int64][]int64) ([]*models.Proficiency, error) {
	rows, err := readPairEvidence(ctx, idb, pairs)
	if err != nil {
		return nil, err
	}
	out := db.estimate(pairs, rows)
	return out, execTogether(ctx, idb, upsertProficiencies(idb, out))
}

// readPairEvidence reads the evidence of the learners in the competencies, in
// the order the estimator reads it (and of some pairs not asked for, when the
// learners' competencies differ).
func readPairEvidence(ctx context.Context, idb bun.IDB, pairs map[int64][]int64) ([]models.Evidence, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	learners, competencies := make([]int64, 0, len(pairs)), []int64{}
	for l, cs := range pairs {
		learners = append(learners, l)
		competencies = append(competencies, cs...)
	}
	var rows []models.Evidence
	err := idb.NewSelect().Model(&rows).Where("learner_id IN (?)", bun.List(learners)).
		Where("competency_id IN (?)", bun.List(Dedupe(competencies))).
		Order("learner_id", "competency_id", "observed_at", "id").Scan(ctx)
	return rows, err
}

// estimate estimates each pair from its evidence among rows.
func (db *DB) estimate(pairs map[int64][]int64, rows []models.Evidence) []*models.Proficiency {
	if db.estimator == nil {
		panic("store: the learning record needs an estimator (SetEstimator)")
	}
	wanted := map[[2]int64]bool{}
	for l, cs := range pairs {
		for _, c := range cs {
			wanted[[2]int64{l, c}] = true
		}
	}
	byPair := map[[2]int64][]models.Evidence{}
	for _, e := range rows {
		if k := [2]int64{e.LearnerID, e.CompetencyID}; wanted[k] {
			byPair[k] = append(byPair[k], e)
		}
	}
	out := make([]*models.Proficiency, 0, len(wanted))
	for k := range wanted {
		p := db.estimator.Estimate(k[0], k[1], byPair[k])
		out = append(out, &p)
	}
	return out
}

// execTogether runs statements whose results nobody reads in one round trip:
// one simple-protocol message on PostgreSQL (pgx sends a statement without
// arguments so, and bun writes the arguments into the text), one Exec on SQLite.
func execTogether(ctx context.Context, idb bun.IDB, qs []schema.QueryAppender) error {
	if len(qs) == 0 {
		return nil
	}
	args := make([]any, len(qs))
	for i, q := range qs {
		args[i] = q
	}
	_, err := idb.NewRaw(strings.TrimSuffix(strings.Repeat("?;\n", len(qs)), ";\n"), args...).Exec(ctx)
	return err
}

// proficiencyRow is a proficiency as stored: the distribution both as the JSON the
// API reads and as six columns p0..p5 that gap reports aggregate in SQL.
type proficiencyRow struct {
	bun.BaseModel `bun:"table:proficiencies,alias:proficiency"`
	models.Proficiency
	P0 float64 `bun:"p0"`
	P1 float64 `bun:"p1"`
	P2 float64 `bun:"p2"`
	P3 float64 `bun:"p3"`
	P4 float64 `bun:"p4"`
	P5 float64 `bun:"p5"`
}

// upsertProficiencies are the statements that write estimates, in batches that
// stay under SQLite's limit on bound parameters.
func upsertProficiencies(idb bun.IDB, profs []*models.Proficiency) []schema.QueryAppender {
	const batch = 300
	var qs []schema.QueryAppender
	for lo := 0; lo < len(profs); lo += batch {
		chunk := profs[lo:min(lo+batch, len(profs))]
		rows := make([]proficiencyRow, len(chunk))
		for i, p := range chunk {
			rows[i].Proficiency = *p
			if d := p.Distribution; len(d) == 6 {
				rows[i].P0, rows[i].P1, rows[i].P2, rows[i].P3, rows[i].P4, rows[i].P5 = d[0], d[1], d[2], d[3], d[4], d[5]
			}
		}
		qs = append(qs, idb.NewInsert().Model(&rows).
			On("CONFLICT (learner_id, competency_id) DO UPDATE").
			Set("level = EXCLUDED.level").Set("confidence = EXCLUDED.confidence").
			Set("distribution = EXCLUDED.distribution").Set("updated_at = EXCLUDED.updated_at").
			Set("p0 = EXCLUDED.p0").Set("p1 = EXCLUDED.p1").Set("p2 = EXCLUDED.p2").
			Set("p3 = EXCLUDED.p3").Set("p4 = EXCLUDED.p4").Set("p5 = EXCLUDED.p5"))
	}
	return qs
}

// BumpLearners increments the version of each learner listed, and refreshes their
// peer events (whatever moves a learner's version may have moved them).
func (db *DB) BumpLearners(ctx context.Context, idb bun.IDB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := idb.NewUpdate().Table("learners").Set("version = version + 1").Set("updated_at = ?", db.now()).
		Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
		return err
	}
	change.Learners(ctx, ids...)
	return RefreshPeers(ctx, idb, ids)
}

// FindEvidenceByID returns ENOTFOUND if there is no such evidence.
func (db *DB) FindEvidenceByID(ctx context.Context, id int64) (*models.Evidence, error) {
	return One[models.Evidence](ctx, db.bun, id, "evidence")
}

// FindEvidence pages through a learner's evidence, newest first.
func (db *DB) FindEvidence(ctx context.Context, learnerID int64, p models.PageRequest) (*models.Page[*models.Evidence], error) {
	return evidencePages.Fetch(ctx, db.bun.NewSelect().Model((*models.Evidence)(nil)).Where("learner_id = ?", learnerID), p)
}

// FindProficienciesByLearnerIDs returns each learner's stored proficiencies, in
// competency ID order.
func (db *DB) FindProficienciesByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]*models.Proficiency, error) {
	out := make(map[int64][]*models.Proficiency, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*models.Proficiency
	if err := db.bun.NewSelect().Model(&rows).Where("learner_id IN (?)", bun.List(ids)).
		Order("learner_id", "competency_id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, p := range rows {
		out[p.LearnerID] = append(out[p.LearnerID], p)
	}
	return out, nil
}

// InsertEnrolment enrols a learner in a course, once.
func (db *DB) InsertEnrolment(ctx context.Context, learnerID, courseID int64) (*models.Enrolment, error) {
	var e *models.Enrolment
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		e, err = db.EnrolTx(ctx, tx, learnerID, courseID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// EnrolTx enrols a learner in a course in the caller's transaction, once, with what
// follows from it: the course's count, karma and the learner's version.
func (db *DB) EnrolTx(ctx context.Context, tx bun.Tx, learnerID, courseID int64) (*models.Enrolment, error) {
	e := &models.Enrolment{LearnerID: learnerID, CourseID: courseID, Status: models.Enrolled, EnrolledAt: db.now()}
	l, err := One[models.Learner](ctx, tx, learnerID, "learner")
	if err != nil {
		return nil, err
	}
	if err := checkCourse(ctx, tx, courseID); err != nil {
		return nil, err
	}
	if n, err := tx.NewSelect().Table("enrolments").Where("learner_id = ? AND course_id = ?", learnerID, courseID).Count(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		return nil, AlreadyEnrolled()
	}
	if _, err := tx.NewInsert().Model(e).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		if kind, _ := Violation(err); kind == UniqueViolation { // a concurrent enrol won
			return nil, AlreadyEnrolled()
		}
		return nil, err
	}
	if _, err := tx.NewUpdate().Table("courses").Set("enrolment_count = enrolment_count + 1").Where("id = ?", courseID).Exec(ctx); err != nil {
		return nil, err
	}
	if err := db.AwardKarma(ctx, tx, []domain.Activity{{Kind: domain.Enrolled, LearnerID: learnerID, CourseID: courseID, EnrolmentID: e.ID, At: e.EnrolledAt}}); err != nil {
		return nil, err
	}
	return e, db.BumpLearner(ctx, tx, l)
}

// checkCourse returns EINVALID (field courseId) unless the course exists.
func checkCourse(ctx context.Context, idb bun.IDB, id int64) error {
	found, err := ExistingIDs(ctx, idb, "courses", []int64{id})
	if err != nil {
		return err
	}
	if !found[id] {
		return models.Invalid("courseId", "no such course")
	}
	return nil
}

func AlreadyEnrolled() error {
	e := models.Errorf(models.ECONFLICT, "the learner is already enrolled in this course")
	e.Field = "courseId"
	return e
}

// FindEnrolmentByID returns ENOTFOUND if there is no such enrolment.
func (db *DB) FindEnrolmentByID(ctx context.Context, id int64) (*models.Enrolment, error) {
	return One[models.Enrolment](ctx, db.bun, id, "enrolment")
}

// FindEnrolmentsByIDs returns the enrolments that exist, keyed by ID.
func (db *DB) FindEnrolmentsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Enrolment, error) {
	return ByID(ctx, db.bun, ids, func(e *models.Enrolment) int64 { return e.ID })
}

// FindEnrolments pages through a learner's enrolments, newest first.
func (db *DB) FindEnrolments(ctx context.Context, learnerID int64, status *models.EnrolmentStatus, p models.PageRequest) (*models.Page[*models.Enrolment], error) {
	q := db.bun.NewSelect().Model((*models.Enrolment)(nil)).Where("learner_id = ?", learnerID)
	if status != nil {
		q = q.Where("status = ?", *status)
	}
	return enrolmentPages.Fetch(ctx, q, p)
}

// SaveProgress moves an enrolment forward to progress, in 0..1 (service.Learning
// checks it); progress 1 completes the course when
// the course allows it (models.Course.Completion): a course with a pass mark waits
// for a passed final assessment, a provider-verified course for its provider's
// confirmation, and meanwhile the enrolment stays IN_PROGRESS at progress 1. Once
// complete, an enrolment stays complete: setting 1 again changes nothing.
func (db *DB) SaveProgress(ctx context.Context, enrolmentID int64, progress float64) (*models.Enrolment, error) {
	var e *models.Enrolment
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if e, err = One[models.Enrolment](ctx, tx, enrolmentID, "enrolment"); err != nil {
			return err
		}
		switch {
		case progress < e.Progress:
			return models.Invalid("progress", "must not go below the current progress %.2f", e.Progress)
		case e.Status == models.Completed || (progress == e.Progress && progress < 1 && e.Status != models.Dropped):
			return nil // nothing to change
		}
		how, done := models.CompletionVerification(""), false
		if progress == 1 {
			if how, done, err = db.Completion(ctx, tx, e, models.ByProgress); err != nil {
				return err
			}
		}
		if progress == e.Progress && e.Status == models.InProgress && !done {
			return nil // still waiting for an assessment or the provider
		}
		return db.Advance(ctx, tx, e, progress, how, done)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Completion asks the course's rule (models.Course.Completion) whether enrolment e
// completes by path, reading the course and whether its final assessment was passed.
func (db *DB) Completion(ctx context.Context, idb bun.IDB, e *models.Enrolment, path models.CompletionPath) (models.CompletionVerification, bool, error) {
	c, err := One[models.Course](ctx, idb, e.CourseID, "course")
	if err != nil {
		return "", false, err
	}
	passed, err := idb.NewSelect().Table("assessment_attempts").Where("enrolment_id = ? AND passed = ?", e.ID, true).Exists(ctx)
	if err != nil {
		return "", false, err
	}
	how, ok := c.Completion(path, passed)
	return how, ok, nil
}

// Advance sets enrolment e's progress and, when done, completes it (verified how)
// with the effects of completing, and bumps the learner's version.
func (db *DB) Advance(ctx context.Context, tx bun.Tx, e *models.Enrolment, progress float64, how models.CompletionVerification, done bool) error {
	before := e.Progress
	e.Progress, e.Status = progress, models.InProgress
	if done {
		now := db.now()
		e.Progress, e.Status, e.CompletedAt = 1, models.Completed, &now
	}
	// The progress condition makes a concurrent update of the same enrolment
	// lose cleanly instead of completing the course twice.
	res, err := tx.NewUpdate().Model(e).Column("progress", "status", "completed_at").WherePK().
		Where("progress = ? AND status <> ?", before, models.Completed).Exec(ctx)
	if ok, err := Affected(res, err); err != nil {
		return err
	} else if !ok {
		return models.Errorf(models.ECONFLICT, "the enrolment changed while it was being updated; try again")
	}
	if done {
		if err := db.Complete(ctx, tx, []*models.Enrolment{e}, how); err != nil {
			return err
		}
	}
	return db.BumpLearners(ctx, tx, []int64{e.LearnerID})
}

// SaveCompletion completes an enrolment on its course provider's word, verified
// PROVIDER: progress 1, a certificate and the effects of completing. An enrolment
// completed already is left as it is. ENOTFOUND for an unknown enrolment; EINVALID
// (enrolmentId) for a dropped one.
func (db *DB) SaveCompletion(ctx context.Context, enrolmentID int64) (*models.Enrolment, error) {
	var e *models.Enrolment
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if e, err = One[models.Enrolment](ctx, tx, enrolmentID, "enrolment"); err != nil {
			return err
		}
		switch e.Status {
		case models.Completed:
			return nil
		case models.Dropped:
			return models.Invalid("enrolmentId", "the enrolment was dropped")
		}
		return db.Advance(ctx, tx, e, 1, models.VerifiedByProvider, true)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Complete gives the effects of completing courses, verified how: a certificate per
// enrolment, issued when it completed, karma earned then, and COURSE_COMPLETION
// evidence at each competency's toLevel, observed then and carrying how, with the
// proficiencies it changes.
func (db *DB) Complete(ctx context.Context, idb bun.IDB, done []*models.Enrolment, how models.CompletionVerification) error {
	if len(done) == 0 {
		return nil
	}
	courseIDs := make([]int64, len(done))
	for i, e := range done {
		courseIDs[i] = e.CourseID
	}
	certs, acts := domain.CompletionCertificates(done, how, verificationCode)
	if _, err := idb.NewInsert().Model(&certs).ExcludeColumn("id").On("CONFLICT (learner_id, course_id) DO NOTHING").Exec(ctx); err != nil {
		return err
	}
	if err := db.AwardKarma(ctx, idb, acts); err != nil {
		return err
	}
	imparts, err := CourseCompetencies(ctx, idb, Dedupe(courseIDs))
	if err != nil {
		return err
	}
	evidence := domain.CompletionEvidence(done, how, imparts, db.now())
	pairs := map[int64][]int64{}
	for _, e := range evidence {
		pairs[e.LearnerID] = append(pairs[e.LearnerID], e.CompetencyID)
	}
	if len(evidence) == 0 {
		return nil
	}
	if _, err := idb.NewInsert().Model(&evidence).ExcludeColumn("id").
		On("CONFLICT (learner_id, competency_id, source, observed_at) DO UPDATE").Set("level = EXCLUDED.level").
		Set("verification = EXCLUDED.verification").Exec(ctx); err != nil {
		return err
	}
	_, err = db.ReestimateIn(ctx, idb, pairs)
	return err
}

// CourseCompetencies returns what each course imparts.
func CourseCompetencies(ctx context.Context, idb bun.IDB, ids []int64) (map[int64][]models.CourseCompetency, error) {
	var rows []models.CourseCompetency
	if err := idb.NewSelect().Model(&rows).Where("course_id IN (?)", bun.List(ids)).Order("course_id", "competency_id").Scan(ctx); err != nil {
		return nil, err
	}
	out := map[int64][]models.CourseCompetency{}
	for _, r := range rows {
		out[r.CourseID] = append(out[r.CourseID], r)
	}
	return out, nil
}

// verificationCode returns a fresh certificate code, e.g. "KY-7QF2-M9XD-C4RT-WB8H":
// 80 random bits in Crockford's base32, which has no I, L, O or U to misread.
func verificationCode() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := make([]byte, 16)
	rand.Read(b)
	out := []byte("KY")
	for i, c := range b {
		if i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, alphabet[c%32])
	}
	return string(out)
}

// FindCertificateByID returns ENOTFOUND if there is no such certificate.
func (db *DB) FindCertificateByID(ctx context.Context, id int64) (*models.Certificate, error) {
	return One[models.Certificate](ctx, db.bun, id, "certificate")
}

// FindCertificatesByEnrolmentIDs returns the certificates of those enrolments that have one.
func (db *DB) FindCertificatesByEnrolmentIDs(ctx context.Context, ids []int64) (map[int64]*models.Certificate, error) {
	out := make(map[int64]*models.Certificate, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*models.Certificate
	if err := db.bun.NewSelect().Model(&rows).Where("enrolment_id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, c := range rows {
		out[c.EnrolmentID] = c
	}
	return out, nil
}

// FindCertificates pages through a learner's certificates, newest first.
func (db *DB) FindCertificates(ctx context.Context, learnerID int64, p models.PageRequest) (*models.Page[*models.Certificate], error) {
	return certificatePages.Fetch(ctx, db.bun.NewSelect().Model((*models.Certificate)(nil)).Where("learner_id = ?", learnerID), p)
}

// FindCertificateByCode returns ENOTFOUND if no certificate has the verification code.
func (db *DB) FindCertificateByCode(ctx context.Context, code string) (*models.Certificate, error) {
	c := new(models.Certificate)
	if err := db.bun.NewSelect().Model(c).Where("verification_code = ?", code).Limit(1).Scan(ctx); err != nil {
		return nil, NotFoundOr(err, "certificate")
	}
	return c, nil
}

// SaveRating records a learner's stars for a course they are enrolled in; rating
// again replaces the earlier stars. The course's sum and count move by the
// difference. The first rating of a course earns karma; rating again does not.
func (db *DB) SaveRating(ctx context.Context, learnerID, courseID int64, stars int) (*models.Course, error) {
	var c *models.Course
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := One[models.Learner](ctx, tx, learnerID, "learner"); err != nil {
			return err
		}
		if n, err := tx.NewSelect().Table("enrolments").Where("learner_id = ? AND course_id = ?", learnerID, courseID).Count(ctx); err != nil {
			return err
		} else if n == 0 {
			return models.Invalid("courseId", "the learner is not enrolled in this course")
		}
		var old []models.CourseRating
		if err := tx.NewSelect().Model(&old).Where("learner_id = ? AND course_id = ?", learnerID, courseID).Scan(ctx); err != nil {
			return err
		}
		sum, count := stars, 1
		if len(old) == 1 {
			sum, count = stars-old[0].Stars, 0
		}
		r := &models.CourseRating{LearnerID: learnerID, CourseID: courseID, Stars: stars, RatedAt: db.now()}
		if _, err := tx.NewInsert().Model(r).On("CONFLICT (learner_id, course_id) DO UPDATE").
			Set("stars = EXCLUDED.stars").Set("rated_at = EXCLUDED.rated_at").Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Table("courses").Set("rating_sum = rating_sum + ?", sum).
			Set("rating_count = rating_count + ?", count).Where("id = ?", courseID).Exec(ctx); err != nil {
			return err
		}
		if len(old) == 0 {
			if err := db.AwardKarma(ctx, tx, []domain.Activity{{Kind: domain.Rated, LearnerID: learnerID, CourseID: courseID, At: r.RatedAt}}); err != nil {
				return err
			}
		}
		var err error
		c, err = One[models.Course](ctx, tx, courseID, "course")
		if err != nil {
			return err
		}
		return db.BumpLearners(ctx, tx, []int64{learnerID})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Reestimate rebuilds every stored proficiency from the evidence log, a batch of
// learners at a time (ReestimateLearners), bumps the version of each learner with
// evidence and rebuilds the gap rollups. It returns how many learners it
// re-estimated. (The service's Estimator runs the same batches resumably.)
func (db *DB) Reestimate(ctx context.Context) (int, error) {
	const batch = 500
	var after int64
	total := 0
	for {
		ids, err := db.FindLearnerIDsWithEvidence(Fresh(ctx), after, batch)
		if err != nil {
			return total, err
		}
		if len(ids) == 0 {
			return total, db.RefreshAllGaps(ctx) // learners without evidence have gaps too
		}
		if err := db.ReestimateLearners(ctx, ids); err != nil {
			return total, err
		}
		total += len(ids)
		after = ids[len(ids)-1]
	}
}
