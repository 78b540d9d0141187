package graph

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/openkarmayogi/karmayogi/models"
)

// The GraphQL type names that global IDs carry.
const (
	typeOrganisation = "Organisation"
	typeCompetency   = "Competency"
	typeRole         = "Role"
	typeCourse       = "Course"
	typeLearner      = "Learner"
	typeAuditEntry   = "AuditEntry"
	typeEvidence     = "Evidence"
	typeEnrolment    = "Enrolment"
	typeCertificate  = "Certificate"
)

// GlobalID returns the opaque global ID of the object of GraphQL type typ with
// database ID id: base64url, without padding, of "Type:id" (e.g. "Learner:42").
func GlobalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// ParseGlobalID returns the type name and database ID in a global ID; ok is false
// unless s is exactly what GlobalID returns for some type and positive ID (trailing
// base64 padding is tolerated).
func ParseGlobalID(s string) (typ string, id int64, ok bool) {
	s = strings.TrimRight(s, "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, false
	}
	typ, num, found := strings.Cut(string(b), ":")
	if !found || typ == "" {
		return "", 0, false
	}
	id, err = strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || GlobalID(typ, id) != s {
		return "", 0, false
	}
	return typ, id, true
}

// decodeID returns the database ID in s, which must be a global ID of type want;
// otherwise an EINVALID error naming field (the path in the arguments).
func decodeID(field, want, s string) (int64, error) {
	typ, id, ok := ParseGlobalID(s)
	if !ok {
		return 0, models.Invalid(field, "is not a valid ID")
	}
	if typ != want {
		return 0, models.Invalid(field, "is not the ID of a %s", strings.ToLower(want))
	}
	return id, nil
}

// decodeOptionalID is decodeID for an optional argument: nil stays nil.
func decodeOptionalID(field, want string, s *string) (*int64, error) {
	if s == nil {
		return nil, nil
	}
	id, err := decodeID(field, want, *s)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// decodeIDs decodes a list of global IDs of type want; errors name field[i].
func decodeIDs(field, want string, ss []string) ([]int64, error) {
	ids := make([]int64, len(ss))
	for i, s := range ss {
		id, err := decodeID(fmt.Sprintf("%s[%d]", field, i), want, s)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}
