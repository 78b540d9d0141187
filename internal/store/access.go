package store

import (
	"context"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

var _ models.AccessStore = (*DB)(nil)

type setting struct {
	bun.BaseModel `bun:"table:settings"`
	Name          string `bun:"name,pk"`
	Value         string `bun:"value"`
}

// EnsureSetting stores value under name unless one is stored, and returns the stored one.
func (db *DB) EnsureSetting(ctx context.Context, name, value string) (string, error) {
	if _, err := db.bun.NewInsert().Model(&setting{Name: name, Value: value}).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return "", err
	}
	var s setting // what was stored, maybe by another process: on the primary
	err := db.bun.NewSelect().Model(&s).Where("name = ?", name).Scan(Fresh(ctx))
	return s.Value, err
}

var _ models.RevocationStore = (*DB)(nil)

type tokenRevocation struct {
	bun.BaseModel `bun:"table:token_revocations"`
	Subject       string    `bun:"subject,pk"`
	NotBefore     time.Time `bun:"not_before"`
}

// RevokeTokens sets the subject's not-before instant to at.
func (db *DB) RevokeTokens(ctx context.Context, subject string, at time.Time) error {
	_, err := db.bun.NewInsert().Model(&tokenRevocation{Subject: subject, NotBefore: instant(at)}).
		On("CONFLICT (subject) DO UPDATE").Set("not_before = EXCLUDED.not_before").Exec(ctx)
	return err
}

// FindNotBefore returns the subject's not-before instant, zero when none. It reads
// the primary: a replica behind it would let a revoked token through.
func (db *DB) FindNotBefore(ctx context.Context, subject string) (time.Time, error) {
	var rows []tokenRevocation
	if err := db.bun.NewSelect().Model(&rows).Where("subject = ?", subject).Scan(Fresh(ctx)); err != nil || len(rows) == 0 {
		return time.Time{}, err
	}
	return rows[0].NotBefore, nil
}

// SaveOTP stores o, replacing any earlier code for the email.
func (db *DB) SaveOTP(ctx context.Context, o *models.OTP) error {
	_, err := db.bun.NewInsert().Model(o).ModelTableExpr("otp_codes").
		On("CONFLICT (email) DO UPDATE").
		Set("code_hash = EXCLUDED.code_hash").Set("expires_at = EXCLUDED.expires_at").
		Set("attempts = 0").Set("created_at = EXCLUDED.created_at").Exec(ctx)
	return err
}

// FindOTP returns ENOTFOUND when the email has no code.
func (db *DB) FindOTP(ctx context.Context, email string) (*models.OTP, error) {
	o := new(models.OTP)
	err := db.bun.NewSelect().Model(o).ModelTableExpr("otp_codes AS otp").Where("email = ?", email).Scan(ctx)
	if err != nil {
		return nil, NotFoundOr(err, "code")
	}
	return o, nil
}

// CountOTPAttempt adds one attempt and returns how many there have been.
func (db *DB) CountOTPAttempt(ctx context.Context, email string) (int, error) {
	var n int
	err := db.bun.NewUpdate().Table("otp_codes").Set("attempts = attempts + 1").Where("email = ?", email).
		Returning("attempts").Scan(ctx, &n)
	if err != nil {
		return 0, NotFoundOr(err, "code")
	}
	return n, nil
}

// DeleteOTP removes the email's code.
func (db *DB) DeleteOTP(ctx context.Context, email string) error {
	_, err := db.bun.NewDelete().Table("otp_codes").Where("email = ?", email).Exec(ctx)
	return err
}

// AppendAudit stores e.
func (db *DB) AppendAudit(ctx context.Context, e *models.AuditEntry) error {
	_, err := db.bun.NewInsert().Model(e).ModelTableExpr("audit_entries").ExcludeColumn("id").Returning("id").Exec(ctx)
	return err
}

// FindAuditEntryByID returns ENOTFOUND if there is no such entry.
func (db *DB) FindAuditEntryByID(ctx context.Context, id int64) (*models.AuditEntry, error) {
	e := new(models.AuditEntry)
	err := db.bun.NewSelect().Model(e).ModelTableExpr("audit_entries AS audit_entry").Where("id = ?", id).Scan(ctx)
	if err != nil {
		return nil, NotFoundOr(err, "audit entry")
	}
	return e, nil
}

// FindAuditEntries pages through the audit log, newest first.
func (db *DB) FindAuditEntries(ctx context.Context, p models.PageRequest) (*models.Page[*models.AuditEntry], error) {
	q := db.bun.NewSelect().Model((*models.AuditEntry)(nil)).ModelTableExpr("audit_entries AS audit_entry")
	page := &models.Page[*models.AuditEntry]{HasPrevious: p.After != nil}
	if !p.SkipTotal {
		n, err := q.Count(ctx)
		if err != nil {
			return nil, err
		}
		page.TotalCount = int(n)
	}
	if p.After != nil {
		q = q.Where("id < ?", p.After.ID)
	}
	var items []*models.AuditEntry
	if err := q.Order("id DESC").Limit(int64(p.First+1)).Scan(ctx, &items); err != nil {
		return nil, err
	}
	if len(items) > p.First {
		items, page.HasNextPage = items[:p.First], true
	}
	page.Items = items
	for _, e := range items {
		page.Cursors = append(page.Cursors, models.Cursor{Key: strconv.FormatInt(e.ID, 10), ID: e.ID})
	}
	return page, nil
}

// FindLearnerByEmployeeCode returns ENOTFOUND if no learner has the code.
func (db *DB) FindLearnerByEmployeeCode(ctx context.Context, code string) (*models.Learner, error) {
	l := new(models.Learner)
	if err := db.bun.NewSelect().Model(l).Where("employee_code = ?", code).Limit(1).Scan(ctx); err != nil {
		return nil, NotFoundOr(err, "learner")
	}
	return l, nil
}

// FindOrganisationByCode returns ENOTFOUND if no organisation has the code.
func (db *DB) FindOrganisationByCode(ctx context.Context, code string) (*models.Organisation, error) {
	o := new(models.Organisation)
	if err := db.bun.NewSelect().Model(o).Where("code = ?", code).Limit(1).Scan(ctx); err != nil {
		return nil, NotFoundOr(err, "organisation")
	}
	return o, nil
}

// FindLearnerByEmail returns ENOTFOUND if no learner has the (normalised) email.
func (db *DB) FindLearnerByEmail(ctx context.Context, email string) (*models.Learner, error) {
	l := new(models.Learner)
	err := db.bun.NewSelect().Model(l).Where("email = ?", models.NormaliseEmail(email)).Limit(1).Scan(ctx)
	if err != nil {
		return nil, NotFoundOr(err, "learner")
	}
	return l, nil
}
