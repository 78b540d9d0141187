package graph

import (
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/validator/rules"
	"go.opentelemetry.io/otel/trace"

	"github.com/openkarmayogi/karmayogi/graph/generated"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlerr"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlext"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlhttp"
	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/internal/server/respcache"
	"github.com/openkarmayogi/karmayogi/internal/server/wsguard"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
	"github.com/openkarmayogi/karmayogi/models"
)

// Services are what the resolvers call; package app builds them (app.NewServices).
// Every one is required: graph fills in none.
type Services struct {
	Organisations models.OrganisationService
	Catalogue     models.CatalogueService
	Learners      models.LearnerService
	Learning      models.LearningService
	// Recommendations ranks courses and plans paths.
	Recommendations *service.Recommendations
	// Reports computes gap reports, for the GraphQL endpoint and the report files alike.
	Reports     *service.Reports
	Proficiency ProficiencyReader // the estimator in use: the passbook's levels
	Plans       models.PlanService
	// Blended keeps batches, learning events, their sessions, seats, registrations
	// and attendance.
	Blended models.BlendedService
	// Karma keeps karma rules, the ledger, leaderboards and final assessments.
	Karma models.KarmaService
	// Leaderboards caches Karma's leaderboards.
	Leaderboards *service.Leaderboards
	Access       models.AccessStore // audit log and sign-in state
	SignIn       SignIn
	Tokens       TokenVerifier
	// Notifier carries the announcements of changes to learners that subscriptions follow.
	Notifier *service.Notifier
	// Revocations refuses tokens issued before their subject's revocation.
	Revocations *service.Revocations
	// Estimator reads the estimator's model versions.
	Estimator EstimatorModels
	// Adaptive runs adaptive assessments.
	Adaptive *service.Adaptive
	// ErrorKinds marks an error of the store with its kind (models.ErrConflict,
	// models.ErrUnavailable) when the engine's error says so (store.Classify), so
	// that graph maps kinds to codes without knowing any engine.
	ErrorKinds func(error) error
}

// Options configure the GraphQL endpoint.
type Options struct {
	// Introspection allows __schema and __type queries (development).
	Introspection bool
	// ComplexityLimit is the highest query cost admitted; 0 means DefaultComplexityLimit.
	ComplexityLimit int
	// Logger receives internal errors and panics; nil means slog.Default().
	Logger *slog.Logger
	// RequestLimit admits requests per caller (token subject) or, for anonymous
	// ones, per client address; nil admits all.
	RequestLimit Limiter
	// CostLimit is the budget each signed-in caller's operations spend their
	// complexity from (gqlext.CostLimit), AnonymousCostLimit each client address's;
	// nil spends nothing.
	CostLimit, AnonymousCostLimit gqlext.Spender
	// SubscriptionsPerConnection and SubscriptionsPerSubject cap the active
	// subscriptions of a websocket and of a token subject (in this process); 0
	// means wsguard.DefaultSubscriptionsPerConnection and DefaultSubscriptionsPerSubject. A
	// subscribe message past a cap, or past RequestLimit, closes the connection with 4429.
	SubscriptionsPerConnection, SubscriptionsPerSubject int
	// Timeout bounds the work of one request; 0 means DefaultTimeout.
	Timeout time.Duration
	// TrustedProxies are the load balancers whose X-Forwarded-For entries name the
	// client, for per-address rate limits; none: the connection's peer is the client.
	TrustedProxies []netip.Prefix
	// PersistedQueries stores automatic persisted queries (APQ); nil turns them off.
	PersistedQueries gqlext.KeyValue
	// PersistedRegistration is who may register a persisted query (see the type);
	// the zero value lets signed-in callers register any document.
	PersistedRegistration gqlext.PersistedRegistration
	// Allowlist is the documents RegisterAllowlisted admits (ReadAllowlist).
	Allowlist *gqlext.Allowlist
	// Metrics counts operations, their latency and errors by code; nil counts nothing.
	Metrics *telemetry.GraphQLMetrics
	// Tracer traces operations and resolvers (gqlext.NewObserver); nil traces nothing.
	Tracer trace.TracerProvider
	// WebsocketOrigins are the browser origins, besides the endpoint's own, whose
	// pages may open a websocket (the server's CORS origins: "https://app.example.org").
	WebsocketOrigins []string
	// ReadYourWrites is how long after a caller's mutation their queries still read
	// the primary rather than a read replica; 0: only the mutation's own request
	// does. Queries of other callers, and all queries without replicas, are
	// unaffected. See gqlext.ReadRouting.
	ReadYourWrites time.Duration
	// ResponseCache, when set, answers queries it has answered before from the
	// cache, whole (internal/server/respcache); nil: off.
	ResponseCache *respcache.Options
}

// Limiter admits or refuses one more request for a key.
type Limiter interface {
	Allow(key string) bool
}

// Request limits besides complexity.
const (
	maxBodyBytes    = 1 << 20  // a request body, query and variables together
	queryCacheBytes = 64 << 20 // parsed and validated query documents kept, by gqlext.QueryCache's weight
	DefaultTimeout  = 15 * time.Second

	wsInitTimeout  = 10 * time.Second // for connection_init after the upgrade
	wsPingInterval = 30 * time.Second // a ping every 30s; a client silent for two is gone
)

// NewHandler returns the GraphQL endpoint: queries over GET and POST, mutations
// over POST only, subscriptions over a websocket (graphql-transport-ws, or the
// older subscriptions-transport-ws) that the token in connection_init signs in,
// per-request dataloaders, the error presenter, a cache of parsed
// queries, introspection per Options (field-name suggestions go with it), limits
// on the shape of documents, a fixed complexity limit, access checks on every
// field, per-caller rate limits, a per-request timeout and, when Options has a
// store for them, automatic persisted queries, and the reader's language from
// Accept-Language (middleware.WithLanguage).
func NewHandler(s Services, o Options) http.Handler {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if s.ErrorKinds == nil {
		panic("graph: Services.ErrorKinds is nil (app.NewServices sets store.Classify)")
	}
	if s.Revocations != nil {
		s.Tokens = revocable{s.Tokens, s.Revocations}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	subs := &subscriptions{notifier: s.Notifier, services: s, present: gqlerr.Presenter(s.ErrorKinds, logger), timeout: timeout}
	cfg := generated.Config{Resolvers: &Resolver{orgs: s.Organisations, catalogue: s.Catalogue, learners: s.Learners,
		access: s.Access, signIn: s.SignIn, learning: s.Learning, proficiency: s.Proficiency, recs: s.Recommendations, reports: s.Reports, plans: s.Plans,
		blended: s.Blended, karma: s.Karma, leaderboards: s.Leaderboards, estimator: s.Estimator, subs: subs, revocations: s.Revocations,
		adaptive: s.Adaptive}}
	setComplexity(&cfg.Complexity)

	schema := generated.NewExecutableSchema(cfg)
	srv := handler.New(schema)
	srv.AddTransport(gqlhttp.Transport{}) // GraphQL over HTTP: GET, POST, OPTIONS, negotiation, statuses
	ws := wsguard.New(o.SubscriptionsPerConnection, o.SubscriptionsPerSubject, o.RequestLimit)
	srv.AddTransport(transport.Websocket{ // the requests gqlhttp leaves: those with an Upgrade header
		Implementation: ws.Implementation(transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
			OriginPatterns: o.WebsocketOrigins, InsecureSkipVerify: slices.Contains(o.WebsocketOrigins, "*")}}),
		InitFunc:              ws.Init(middleware.LanguageOfConnection(middleware.AuthenticateConnection(s.Tokens))),
		InitTimeout:           wsInitTimeout,
		PingPongInterval:      wsPingInterval, // graphql-transport-ws
		KeepAlivePingInterval: wsPingInterval, // subscriptions-transport-ws
	})
	queries := gqlext.NewQueryCache(queryCacheBytes)
	srv.SetQueryCache(queries)
	srv.SetParserTokenLimit(gqlext.ParserTokenLimit)
	srv.SetDisableSuggestion(!o.Introspection) // fields and scalar leaves; gqlext.ValidationRules does the rest
	srv.SetValidationRulesFn(func() *rules.Rules {
		return gqlext.ValidationRules(o.Introspection, &gqlext.ErrorBudget{Max: gqlext.MaxErrors})
	})
	srv.Use(gqlext.NewObserver(o.Metrics, o.Tracer, gqlerr.CodeOf)) // metrics, log fields and spans per operation
	srv.Use(gqlext.NewReadRouting(o.ReadYourWrites))                // replica or primary, per operation
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	// ShapeLimit comes first, so a document is checked before APQ persists it and a
	// hash never names one that breaks the limits.
	srv.Use(gqlext.ShapeLimit{TokenLimit: gqlext.ParserTokenLimit, Cache: queries, Schema: schema.Schema(), Suggest: o.Introspection})
	if o.PersistedQueries != nil {
		srv.Use(extension.AutomaticPersistedQuery{Cache: gqlext.Persisted{KV: o.PersistedQueries, Register: o.PersistedRegistration, Allow: o.Allowlist}})
	}
	limit := o.ComplexityLimit
	if limit <= 0 {
		limit = DefaultComplexityLimit
	}
	srv.Use(extension.FixedComplexityLimit(limit))
	cost := gqlext.CostLimit{SignedIn: o.CostLimit, Anonymous: o.AnonymousCostLimit}
	srv.Use(cost)             // after the complexity is known
	srv.Use(respcache.Cost{}) // the cost a cached answer spends again
	srv.SetErrorPresenter(gqlerr.Presenter(s.ErrorKinds, logger))
	srv.SetRecoverFunc(gqlerr.Recover(logger))
	srv.AroundFields(guardFields(s.Access))
	var rc *respcache.Cache
	if o.ResponseCache != nil {
		rc = respcache.New(*o.ResponseCache, schema.Schema(), responseCacheRules(), cost.Allow, logger)
	}
	// Inside guardFields: what a permitted mutation changed renews the loaders,
	// moves the response cache's epochs and is announced, before it is acknowledged.
	srv.AroundFields(afterWrites(s.Notifier, rc, logger))
	srv.Use(subs) // new loaders for each event of a subscription
	var api http.Handler = withLoaders(s, srv)
	if rc != nil {
		api = rc.Middleware(api)
	}

	return middleware.WithLanguage(middleware.LimitBody(maxBodyBytes, middleware.WithTimeout(timeout, middleware.WithClientAddr(o.TrustedProxies,
		middleware.Authenticate(s.Tokens, middleware.RateLimit(o.RequestLimit, ws.Middleware(api)))))))
}
