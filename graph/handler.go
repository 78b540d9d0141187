package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/openkarmayogi/karmayogi/graph/generated"
	"github.com/openkarmayogi/karmayogi/models"
)

// Services are what the resolvers call.
type Services struct {
	Organisations models.OrganisationService
	Catalogue     models.CatalogueService
	Learners      models.LearnerService
	Access        models.AccessStore // audit log and sign-in state
	SignIn        SignIn
	Tokens        TokenVerifier
}

// Options configure the GraphQL endpoint.
type Options struct {
	// Introspection allows __schema and __type queries (development).
	Introspection bool
	// ComplexityLimit is the highest query cost admitted; 0 means DefaultComplexityLimit.
	ComplexityLimit int
	// Logger receives internal errors and panics; nil means slog.Default().
	Logger *slog.Logger
}

// Request limits besides complexity.
const (
	maxBodyBytes     = 1 << 20 // a request body, query and variables together
	parserTokenLimit = 15000   // tokens in a query document
	queryCacheSize   = 1000    // parsed and validated query documents kept
)

// NewHandler returns the GraphQL endpoint: queries over GET and POST, mutations
// over POST only, per-request dataloaders, the error presenter, a cache of parsed
// queries, introspection per Options and a fixed complexity limit. Persisted
// queries (APQ) are off for now.
func NewHandler(s Services, o Options) http.Handler {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	cfg := generated.Config{Resolvers: &Resolver{orgs: s.Organisations, catalogue: s.Catalogue, learners: s.Learners,
		access: s.Access, signIn: s.SignIn}}
	setComplexity(&cfg.Complexity)

	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	srv.SetParserTokenLimit(parserTokenLimit)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	limit := o.ComplexityLimit
	if limit <= 0 {
		limit = DefaultComplexityLimit
	}
	srv.Use(extension.FixedComplexityLimit(limit))
	srv.SetErrorPresenter(errorPresenter(logger))
	srv.SetRecoverFunc(recoverFunc(logger))
	srv.AroundFields(guardFields(s.Access))

	return limitBody(authenticate(s.Tokens, withLoaders(s, srv)))
}

// limitBody caps the size of a request body.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// Playground returns GraphiQL pointed at endpoint.
func Playground(endpoint string) http.Handler {
	return playground.Handler("Karmayogi competency graph", endpoint)
}
