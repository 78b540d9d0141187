package graph

import (
	"context"
	"io"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/openkarmayogi/karmayogi/graph/generated"
	"github.com/openkarmayogi/karmayogi/internal/server/dataload"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlext"
	"github.com/openkarmayogi/karmayogi/internal/server/respcache"
	"github.com/openkarmayogi/karmayogi/internal/service"
)

// What the endpoint's machinery (internal/server/gqlext, respcache) needs to know
// of this schema.

// responseCacheRules are the fields whose answers the response cache may keep
// (respcache.Rules).
func responseCacheRules() respcache.Rules {
	return respcache.Rules{Roots: cacheableRoots, Fields: cacheableFields,
		LearnerID: func(s string) (int64, error) { return decodeID("learnerId", typeLearner, s) }}
}

// cacheableRoots are the query fields whose answers may be cached, with the name
// of the argument naming the learner they depend on ("": none, the catalogue,
// whose cached answers every caller of a role shares: nothing in them is one
// caller's, and authz.Field admits every signed-in caller to them alike).
var cacheableRoots = map[string]string{
	"recommendations": "learnerId",
	"learningPath":    "learnerId",
	"learner":         "id",
	"courses":         "",
	"competencies":    "",
}

// cacheableFields are the fields below the roots that depend only on what the
// epochs stand for. Left out on purpose: counters that move without a mutation
// of the learner or the catalogue (a course's enrolments and ratings, moved by
// other learners). RecommendationList.cached says whether the ranking came from
// a cache: an answer that says false is never stored (the resolver marks it
// respcache.Volatile), and one served from the response cache did come from one.
var cacheableFields = map[string]bool{}

func init() {
	for typ, fields := range map[string][]string{
		"RecommendationList":    {"learner", "role", "items", "generatedAt", "cached"},
		"Recommendation":        {"rank", "score", "course", "gapsAddressed", "explanation", "signals"},
		"RecommendationSignals": nil, // every field: scalars of the ranking
		"LearningPath":          {"learner", "role", "steps", "totalHours", "gapBefore", "gapAfter"},
		"LearningPathStep":      {"order", "course", "cumulativeHours", "gapsAddressed", "dueDate"},
		"GapContribution":       {"competency", "fromLevel", "toLevel", "gapClosed"},
		"Competency":            {"id", "code", "name", "nameHi", "description", "type", "area"},
		"Course":                {"id", "code", "title", "titleHi", "description", "provider", "format", "durationHours"},
		"CourseConnection":      {"edges", "pageInfo", "totalCount"},
		"CourseEdge":            {"cursor", "node"},
		"CompetencyConnection":  {"edges", "pageInfo", "totalCount"},
		"CompetencyEdge":        {"cursor", "node"},
		"PageInfo":              {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"},
		"Learner":               {"id", "name", "proficiencies", "evidence", "enrolments", "certificates"},
		"Proficiency":           nil, // read as of the day (service.ReadTime), as recommendations are
		"Evidence":              {"id", "competency", "source", "level", "score", "observedAt", "course"},
		"EvidenceConnection":    {"edges", "pageInfo", "totalCount"},
		"EvidenceEdge":          {"cursor", "node"},
		"Enrolment":             {"id", "learner", "course", "status", "progress", "enrolledAt", "completedAt", "certificate"},
		"EnrolmentConnection":   {"edges", "pageInfo", "totalCount"},
		"EnrolmentEdge":         {"cursor", "node"},
		"Certificate":           {"id", "learner", "course", "issuedAt", "verificationCode"},
		"CertificateConnection": {"edges", "pageInfo", "totalCount"},
		"CertificateEdge":       {"cursor", "node"},
		"Role":                  {"id", "code", "name"},
	} {
		if fields == nil {
			cacheableFields[typ+".*"] = true
		}
		for _, f := range fields {
			cacheableFields[typ+"."+f] = true
		}
	}
}

// freshRanking tells the response cache not to keep an answer that shows a
// ranking computed afresh as such (cached: false): see cacheableFields.
func freshRanking(ctx context.Context, list *service.RecommendationList) {
	if !list.Cached && dataload.Selects(ctx, "cached") {
		respcache.Volatile(ctx)
	}
}

var (
	schemaOnce sync.Once
	schemaAST  *ast.Schema
)

func schema() *ast.Schema {
	schemaOnce.Do(func() { schemaAST = generated.NewExecutableSchema(generated.Config{}).Schema() })
	return schemaAST
}

// ReadAllowlist reads the documents that may be registered as persisted queries,
// each checked against the schema (gqlext.ReadAllowlist).
func ReadAllowlist(r io.Reader) (*gqlext.Allowlist, error) { return gqlext.ReadAllowlist(schema(), r) }

// CanonicalDocument checks query against the schema and returns it in canonical
// form (gqlext.CanonicalDocument).
func CanonicalDocument(query string) (string, error) {
	return gqlext.CanonicalDocument(schema(), query)
}
