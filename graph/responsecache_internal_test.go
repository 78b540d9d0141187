package graph

import (
	"log/slog"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph/generated"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlext"
	"github.com/openkarmayogi/karmayogi/internal/server/respcache"
)

// TestResponseCacheShapes: only documents whose every field is known to depend on
// what the key and the epochs stand for are cached; counters, mutations, unknown
// roots, several operations and directives other than include and skip are not.
// The cached flag is (TestResponseCacheKeepsOnlyCachedRankings: only the answers
// that say true are kept).
func TestResponseCacheShapes(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	rc := respcache.New(respcache.Options{}, schema, responseCacheRules(), gqlext.CostLimit{}.Allow, slog.Default())
	for doc, want := range map[string]bool{
		`query($l: ID!) { recommendations(learnerId: $l, first: 10) { items { course { id title } } } }`:                    true,
		`query($l: ID!) { learningPath(learnerId: $l) { totalHours steps { order course { id title } } } }`:                 true,
		`query { courses(first: 20) { totalCount edges { node { id title } } } }`:                                           true,
		`query($l: ID!, $t: Boolean!) { learner(id: $l) { name @include(if: $t) } }`:                                        true,
		`query($l: ID!) { recommendations(learnerId: $l) { items { course { ...C } } } } fragment C on Course { id title }`: true,
		`query($l: ID!) { recommendations(learnerId: $l) { cached } }`:                                                      true,
		`query($l: ID!) { recommendations(learnerId: $l) { items { course { enrolmentCount } } } }`:                         false,
		`query($l: ID!) { recommendations(learnerId: $l) { items { course { rating ratingCount } } } }`:                     false,
		`query($l: ID!) { learner(id: $l) { name proficiencies { level } } }`:                                               true,
		`query($l: ID!) { learner(id: $l) { enrolments(first: 5) { edges { node { course { enrolmentCount } } } } } }`:      false,
		`query($l: ID!) { learner(id: $l) { karmaPoints } }`:                                                                false,
		`query($l: ID!) { learner(id: $l) { email } }`:                                                                      false,
		`query { me { id } }`: false,
		`query A { courses(first: 1) { totalCount } } query B { courses(first: 2) { totalCount } }`:   false,
		`mutation($i: EnrolInput!) { enrol(input: $i) { enrolment { id } } }`:                         false,
		`query { courses(first: 20) { totalCount } courses2: roles(first: 1) { totalCount } }`:        false,
		`query { courses(first: 20) { totalCount } courses2: competencies(first: 1) { totalCount } }`: true,
		`query { competencies(first: 1) { edges { node { levels { level } } } } }`:                    false,
		`query @deprecated { courses(first: 1) { totalCount } }`:                                      false,
		`query { courses(first: 1) { totalCount`:                                                      false, // does not parse
	} {
		if got := rc.Cacheable(doc, ""); got != want {
			t.Errorf("cacheable %v, want %v: %s", got, want, doc)
		}
	}
	if rc.Cacheable(`query A { courses(first: 1) { totalCount } }`, "B") {
		t.Error("an operation name the document does not have was cached")
	}
}
