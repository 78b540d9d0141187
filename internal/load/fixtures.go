package load

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Learner is a seeded learner the workload acts as or on.
type Learner struct {
	ID, OrganisationID int64
}

// Fixtures are the seeded rows the workload picks from: database IDs, which the
// targets turn into global IDs and tokens.
type Fixtures struct {
	Learners      []Learner
	Competencies  []int64
	Organisations []int64
}

// LoadFixtures reads up to maxLearners learners (the lowest IDs: a 1M-learner
// database needs no more distinct tokens than a run can use), every competency
// and every organisation.
func LoadFixtures(ctx context.Context, db *sql.DB, maxLearners int) (*Fixtures, error) {
	fx := &Fixtures{}
	rows, err := db.QueryContext(ctx, `SELECT id, organisation_id FROM learners ORDER BY id LIMIT $1`, maxLearners)
	if err != nil {
		return nil, fmt.Errorf("load: learners: %w", err)
	}
	for rows.Next() {
		var l Learner
		if err := rows.Scan(&l.ID, &l.OrganisationID); err != nil {
			rows.Close()
			return nil, err
		}
		fx.Learners = append(fx.Learners, l)
	}
	rows.Close()
	if fx.Competencies, err = ids(ctx, db, `SELECT id FROM competencies ORDER BY id`); err != nil {
		return nil, err
	}
	if fx.Organisations, err = ids(ctx, db, `SELECT id FROM organisations ORDER BY id`); err != nil {
		return nil, err
	}
	if len(fx.Learners) < 10 || len(fx.Competencies) == 0 || len(fx.Organisations) == 0 {
		return nil, fmt.Errorf("load: the database holds %d learners, %d competencies, %d organisations: seed it first",
			len(fx.Learners), len(fx.Competencies), len(fx.Organisations))
	}
	return fx, nil
}

func ids(ctx context.Context, db *sql.DB, query string) ([]int64, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("load: %s: %w", query, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// GlobalID is the API's opaque ID of an object: base64url, unpadded, of
// "Type:id", as graph.GlobalID makes it (a test checks that they agree). It is
// repeated here so the harness depends on the API, not on the server's code.
func GlobalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// ParseGlobalID returns the database ID in a global ID of type typ; ok is false
// for anything else.
func ParseGlobalID(typ, s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return 0, false
	}
	t, num, found := strings.Cut(string(b), ":")
	if !found || t != typ {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	return id, err == nil && id > 0
}
