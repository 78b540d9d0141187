package domain

import (
	"strings"
	"time"
)

// Plan assignment. A plan assigns its courses to an audience within its
// organisation's subtree: the ACTIVE learners holding one of its roles, having one
// of its designations, or named, any of these (no criteria: everyone). The store
// resolves the audience with one INSERT ... SELECT, whatever its size; a plan's
// status moves by models.Plan.Move. A course a LIVE plan assigns is due by the
// earliest due date of the LIVE plans that assign it, which the karma rules read
// (KarmaFacts.Due).

// AudienceDesignations returns the designations an audience names as learners'
// designations are compared with them: lower-case (the store compares
// LOWER(designation)), without surrounding space.
func AudienceDesignations(ds []string) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = strings.ToLower(strings.TrimSpace(d))
	}
	return out
}

// AddDue records in due that a LIVE plan assigns course p to its learner by at:
// the pair is due by the earliest such date.
func AddDue(due map[Pair]time.Time, p Pair, at time.Time) {
	if d, ok := due[p]; !ok || at.Before(d) {
		due[p] = at
	}
}
