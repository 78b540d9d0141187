package graph

import (
	"strings"

	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/openkarmayogi/karmayogi/graph/generated"
)

// SDL returns the whole schema, with descriptions, as one SDL document: what
// `karmayogi schema` prints and schema.graphql holds.
func SDL() string {
	var b strings.Builder
	formatter.NewFormatter(&b).FormatSchema(generated.NewExecutableSchema(generated.Config{}).Schema())
	return b.String()
}
