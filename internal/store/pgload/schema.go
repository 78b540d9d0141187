package pgload

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// The tables a load writes, their columns, sequences, constraints and indexes,
// as the loader reads them from the catalogue and sets them aside.

// loadTable is a table the loader writes, with the columns it copies and their types.
type loadTable struct {
	name    string
	columns []string // "name type", type as format_type spells it
}

// The tables, in the order of loadOutput.rows.
const (
	tLearners = iota
	tLearnerRoles
	tEvidence
	tProficiencies
	tEnrolments
	tCertificates
	tCourseRatings
	tAttendance
	tKarmaLedger
	tKarmaTotals
	tLearnerGaps
	tGapRollups
	tPeerEvents
	tPeerSums
	numLoadTables
)

const (
	cInt8  = "bigint"
	cInt4  = "integer"
	cFloat = "double precision"
	cText  = "text"
	cTime  = "timestamp with time zone"
)

func cols(spec ...string) []string { return spec }

var loadTables = [numLoadTables]loadTable{
	{"learners", cols("id "+cInt8, "employee_code "+cText, "name "+cText, "email "+cText, "designation "+cText,
		"organisation_id "+cInt8, "version "+cInt8, "created_at "+cTime, "updated_at "+cTime)},
	{"learner_roles", cols("learner_id "+cInt8, "role_id "+cInt8)},
	{"evidence", cols("id "+cInt8, "learner_id "+cInt8, "competency_id "+cInt8, "source "+cText, "level "+cInt4,
		"score "+cFloat, "observed_at "+cTime, "created_at "+cTime, "verification "+cText)},
	{"proficiencies", cols("learner_id "+cInt8, "competency_id "+cInt8, "level "+cInt4, "confidence "+cFloat,
		"distribution "+cText, "updated_at "+cTime, "p0 "+cFloat, "p1 "+cFloat, "p2 "+cFloat, "p3 "+cFloat, "p4 "+cFloat, "p5 "+cFloat)},
	{"enrolments", cols("id "+cInt8, "learner_id "+cInt8, "course_id "+cInt8, "status "+cText, "progress "+cFloat,
		"enrolled_at "+cTime, "completed_at "+cTime)},
	{"certificates", cols("id "+cInt8, "learner_id "+cInt8, "course_id "+cInt8, "enrolment_id "+cInt8,
		"verification_code "+cText, "issued_at "+cTime, "verification "+cText)},
	{"course_ratings", cols("learner_id "+cInt8, "course_id "+cInt8, "stars "+cInt4, "rated_at "+cTime)},
	{"attendance", cols("session_id "+cInt8, "learner_id "+cInt8, "recorded_at "+cTime, "recorded_by "+cText)},
	{"karma_ledger", cols("id "+cInt8, "learner_id "+cInt8, "reason "+cText, "subject "+cText, "points "+cInt4,
		"course_id "+cInt8, "event_id "+cInt8, "note "+cText, "awarded_at "+cTime)},
	{"karma_totals", cols("learner_id "+cInt8, "points "+cInt4)},
	{"learner_gaps", cols("learner_id "+cInt8, "competency_id "+cInt8, "organisation_id "+cInt8, "required "+cInt4,
		"weight "+cFloat, "gap "+cFloat, "level "+cInt4, "d0 "+cFloat, "d1 "+cFloat, "d2 "+cFloat, "d3 "+cFloat, "d4 "+cFloat, "d5 "+cFloat)},
	{"gap_rollups", cols("organisation_id "+cInt8, "competency_id "+cInt8, "required "+cInt4, "learners "+cInt8,
		"with_gap "+cInt8, "sum_gap "+cFloat, "sum_weighted "+cFloat, "h0 "+cInt8, "h1 "+cInt8, "h2 "+cInt8, "h3 "+cInt8,
		"h4 "+cInt8, "h5 "+cInt8, "wm0 "+cFloat, "wm1 "+cFloat, "wm2 "+cFloat, "wm3 "+cFloat, "wm4 "+cFloat, "wm5 "+cFloat)},
	{"peer_events", cols("learner_id "+cInt8, "role_id "+cInt8, "course_id "+cInt8, "weight "+cFloat, "value "+cFloat)},
	{"peer_sums", cols("role_id "+cInt8, "course_id "+cInt8, "events "+cInt8, "weight "+cFloat, "outcome "+cFloat)},
}

// copySQL returns the COPY statement of table t.
func (t loadTable) copySQL() string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i], _, _ = strings.Cut(c, " ")
	}
	return fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (FORMAT binary, FREEZE)", t.name, strings.Join(names, ", "))
}

// sequenced are the loaded tables whose id comes from a sequence the loader advances.
var sequenced = []string{"learners", "evidence", "enrolments", "certificates", "karma_ledger"}

// loadSequence is a table's id sequence as the bulk path would draw from it.
type loadSequence struct {
	name        string // as pg_get_serial_sequence gives it
	start, next int64  // the next value before the load, and now
}

// take returns the next value, as nextval would.
func (s *loadSequence) take() int64 { s.next++; return s.next - 1 }

// queryer is what both *sql.DB and *sql.Conn offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// learnerTables returns the learners table and every table that refers to it,
// directly or through another: the tables that must be empty for a load.
func learnerTables(ctx context.Context, q queryer) ([]string, error) {
	rows, err := q.QueryContext(ctx, `
WITH RECURSIVE t (oid) AS (
	SELECT 'learners'::regclass::oid
	UNION
	SELECT c.conrelid FROM pg_constraint AS c JOIN t ON c.confrelid = t.oid WHERE c.contype = 'f'
)
SELECT oid::regclass::text FROM t ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The rollups and peer sums refer to no learner, but only learners' records fill them.
	for _, t := range []string{"gap_rollups", "peer_sums"} {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// firstNonEmpty returns the first of the tables that holds a row, or "".
func firstNonEmpty(ctx context.Context, q queryer, tables []string) (string, error) {
	parts := make([]string, len(tables))
	for i, t := range tables {
		parts[i] = fmt.Sprintf("SELECT %s AS name WHERE EXISTS (SELECT 1 FROM %s)", quoteLiteral(t), t)
	}
	rows, err := q.QueryContext(ctx, strings.Join(parts, " UNION ALL ")+" LIMIT 1")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var name string
	if rows.Next() {
		if err := rows.Scan(&name); err != nil {
			return "", err
		}
	}
	return name, rows.Err()
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// checkColumns checks that each loaded table has the columns the loader copies,
// of the types it encodes, and that every other column may be left to its default.
func (l *Loader) checkColumns(ctx context.Context) error {
	for _, t := range loadTables {
		rows, err := l.conn.QueryContext(ctx, `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
FROM pg_attribute AS a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`, t.name)
		if err != nil {
			return err
		}
		have := map[string]string{}
		var loose []string
		for rows.Next() {
			var name, typ string
			var notNull, hasDefault bool
			if err := rows.Scan(&name, &typ, &notNull, &hasDefault); err != nil {
				rows.Close()
				return err
			}
			have[name] = typ
			if notNull && !hasDefault {
				loose = append(loose, name)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		copied := map[string]bool{}
		for _, c := range t.columns {
			name, typ, _ := strings.Cut(c, " ")
			copied[name] = true
			if have[name] != typ {
				return fmt.Errorf("store: bulk load: %s.%s is %q, the loader writes %s", t.name, name, have[name], typ)
			}
		}
		for _, name := range loose {
			if !copied[name] {
				return fmt.Errorf("store: bulk load: %s.%s needs a value the loader does not write", t.name, name)
			}
		}
	}
	return nil
}

// Constraints and indexes.

// loadDefs are the constraints and indexes of the loaded tables, set aside for
// the load and built again from these definitions at its end.
type loadDefs struct {
	keys    []loadDef // primary keys and unique constraints
	indexes []loadDef // other indexes
	foreign []loadDef // foreign keys on the loaded tables and those referring to them
}

// loadDef is one constraint or index: its table, name and definition.
type loadDef struct {
	table, name, def string
}

// readDefs reads the definitions of the loaded tables' constraints and indexes.
func readDefs(ctx context.Context, q queryer) (*loadDefs, error) {
	regs := make([]string, numLoadTables)
	for i, t := range loadTables {
		regs[i] = quoteLiteral(t.name) + "::regclass"
	}
	in := strings.Join(regs, ", ")
	d := &loadDefs{}
	scan := func(query string, each func(table, name, kind, def, index string) error) error {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var table, name, kind, def, index string
			if err := rows.Scan(&table, &name, &kind, &def, &index); err != nil {
				return err
			}
			if err := each(table, name, kind, def, index); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := scan(`
SELECT c.conrelid::regclass::text, quote_ident(c.conname), c.contype::text, pg_get_constraintdef(c.oid),
	CASE WHEN c.contype IN ('p', 'u') THEN c.conindid::regclass::text ELSE '' END
FROM pg_constraint AS c
WHERE (c.contype IN ('p', 'u', 'f') AND c.conrelid IN (`+in+`)) OR (c.contype = 'f' AND c.confrelid IN (`+in+`))
ORDER BY c.conrelid::regclass::text, c.conname`, func(table, name, kind, def, index string) error {
		switch kind {
		case "f":
			d.foreign = append(d.foreign, loadDef{table, name, def})
		default:
			if index != name {
				return fmt.Errorf("store: bulk load: constraint %s of %s has index %s of another name", name, table, index)
			}
			d.keys = append(d.keys, loadDef{table, name, def})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scan(`
SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, '', pg_get_indexdef(i.indexrelid), ''
FROM pg_index AS i
WHERE i.indrelid IN (`+in+`) AND NOT EXISTS (
	SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
ORDER BY 1, 2`, func(table, name, _, def, _ string) error {
		d.indexes = append(d.indexes, loadDef{table, name, def})
		return nil
	})
	return d, err
}

// dropSQL sets the constraints and indexes aside: foreign keys first, which may
// refer to the keys.
func (d *loadDefs) dropSQL() string {
	var sb strings.Builder
	for _, f := range d.foreign {
		fmt.Fprintf(&sb, "ALTER TABLE %s DROP CONSTRAINT %s;\n", f.table, f.name)
	}
	for _, k := range d.keys {
		fmt.Fprintf(&sb, "ALTER TABLE %s DROP CONSTRAINT %s;\n", k.table, k.name)
	}
	for _, i := range d.indexes {
		fmt.Fprintf(&sb, "DROP INDEX %s;\n", i.name)
	}
	return sb.String()
}
