# The competency graph service. `make help` lists the targets.

GO        ?= go
BIN       := bin/karmayogi
# The embedded default: SQLite in the working directory, demo data on first start.
DATABASE_URL ?= sqlite://./karmayogi.db

.PHONY: help allowlist run build test test-race generate check-generate schema check-schema check-http check-typescript check-clients check-subscriptions graphiql-assets check-graphiql lint bench load scale migrate seed clean check-web check-web-browser bench-http

# npm installs come from the committed lockfiles only, quietly.
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/karmayogi
	$(GO) build -o $(BIN) ./cmd/karmayogi

run: build ## serve the console (/app/) and GraphiQL on :8080 with the demo data (SQLite, no set-up)
	DATABASE_URL=$(DATABASE_URL) ./$(BIN) serve --demo

test: ## vet and run every test (PostgreSQL and Redis on 127.0.0.1; CI=true makes them mandatory)
	$(GO) vet ./...
	$(GO) test -count=1 ./...

test-race: ## run the tests with the race detector
	$(GO) test -race -count=1 ./...

generate: ## regenerate gqlgen code and schema.graphql (the go:generate directives in graph/generate.go)
	$(GO) generate ./...

check-generate: generate ## fail if generated code or schema.graphql is stale
	git diff --exit-code -- graph schema.graphql
	@test -z "$$(git status --porcelain -- graph schema.graphql)" || (git status --porcelain -- graph schema.graphql && exit 1)

check-schema: clients/schema-check/node_modules/.installed ## fail on a breaking change to schema.graphql (vs schema.baseline.graphql) not listed in CHANGELOG.md; with GRAPHQL_URL, also on a server serving another schema
	cd clients/schema-check && node --test check.test.mjs
	node clients/schema-check/check.mjs $(if $(GRAPHQL_URL),--server $(GRAPHQL_URL))

check-http: clients/http-audit/node_modules/.installed ## graphql-http's GraphQL-over-HTTP audits (every MUST and SHOULD) against GRAPHQL_URL, or a fresh demo server
	@if [ -n "$(GRAPHQL_URL)" ]; then node clients/http-audit/audit.mjs "$(GRAPHQL_URL)"; \
	else clients/with-server node clients/http-audit/audit.mjs; fi

check-typescript: clients/typescript/node_modules/.installed ## the typed TypeScript client: codegen from schema.graphql, tsc, then its scenarios against GRAPHQL_URL or a fresh demo server
	cd clients/typescript && npm run --silent codegen && npm run --silent build
	@if [ -n "$(GRAPHQL_URL)" ]; then clients/typescript/run; else clients/with-server clients/typescript/run; fi

check-clients: ## check-http, check-schema and check-typescript against one fresh demo server (as CI does)
	clients/with-server $(MAKE) --no-print-directory check-http check-schema check-typescript

check-subscriptions: build clients/subscriptions/node_modules/.installed ## recommendationsChanged with the graphql-ws client, across two servers sharing a database and Redis (SUBSCRIPTIONS_REDIS_URL, default redis://127.0.0.1:6379/14)
	node clients/subscriptions/check.mjs

graphiql-assets: clients/graphiql/node_modules/.installed ## copy GraphiQL and React, at the versions clients/graphiql/package-lock.json pins, into internal/graphiql/assets (embedded)
	clients/graphiql/copy

check-graphiql: ## fail if internal/graphiql/assets differ from a fresh npm ci of clients/graphiql
	cd clients/graphiql && $(NPM_CI)
	clients/graphiql/copy
	git diff --exit-code -- internal/graphiql/assets
	@test -z "$$(git ls-files --others --exclude-standard -- internal/graphiql/assets)" || (git ls-files --others --exclude-standard -- internal/graphiql/assets && exit 1)
# The web console (web/): its build is committed in internal/console/dist and embedded in
# the binary, so `go build` needs no npm; this rebuilds it and fails on any difference.
check-web: web/node_modules/.installed ## the web console: codegen from schema.graphql, tsc, vite build into internal/console/dist; fails if the committed build differs
	cd web && npm run --silent codegen && npm run --silent typecheck && npm run --silent build
	git diff --exit-code -- internal/console/dist
	@test -z "$$(git status --porcelain -- internal/console/dist)" || (git status --porcelain -- internal/console/dist && exit 1)

# Browser tests: Debian's Chromium (never a downloaded one) driven by playwright-core,
# against a fresh demo server (clients/with-server), with axe-core on every page.
# Screenshots go to web/screenshots/ (ignored by git).
check-web-browser: web/node_modules/.installed ## the console's user journeys in headless Chromium (CHROMIUM, default /usr/bin/chromium) against a fresh demo server
	clients/with-server node --test --test-concurrency=1 web/test/*.test.mjs

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM_CI)
	@touch $@

# A client's node_modules, installed again when its lockfile changes.
clients/%/node_modules/.installed: clients/%/package.json clients/%/package-lock.json
	cd clients/$* && $(NPM_CI)
	@touch $@

allowlist: build ## the persisted-query allowlist of clients/typescript, for KARMAYOGI_APQ_ALLOWLIST (operations.json)
	./$(BIN) allowlist --out operations.json clients/typescript/src

# staticcheck is pinned by the tool directive in go.mod (go get -tool ...@version).
lint: ## go vet, gofmt, staticcheck, and go.mod/go.sum tidy
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff

bench: ## run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The same-run benchmark (issue 17): the API's cached reads against a bare net/http handler
# answering the same bytes from one cache GET, 16 clients, alternating windows. SQLite with
# the demo data and the in-process cache unless LOAD_DATABASE_URL / LOAD_REDIS_URL are set.
# Settings: BENCH_WINDOW (2s), BENCH_ROUNDS (5), BENCH_LEARNERS (1000), BENCH_QUERIES (all; e.g.
# recommendations,passbook), BENCH_CPUPROFILE (a file). Report: bin/load/bench-http.txt and .json.
bench-http: build ## cached recommendations, learningPath, passbook and a catalogue page against a bare handler, same run
	./$(BIN) load --clients 16 http

# Load and fault scenarios (internal/load) against a server they start, on a private
# PostgreSQL and Redis seeded with LOAD_LEARNERS (default 20000); LOAD_DATABASE_URL and
# LOAD_REDIS_URL target existing ones instead. Settings: LOAD_RATE, LOAD_DURATION,
# PEAK (skip the search), PEAK_STEP, PEAK_P99, FAULT_RATE, SOAK, LOAD_MIX, LOAD_OUT.
# Reports: bin/load/report.txt and report.json. See "Load and faults" in docs/benchmarks.md.
load: build ## the mixed workload at LOAD_RATE (100/s) for LOAD_DURATION (30s), the peak sustainable rate, and our overhead vs redis-benchmark and pgbench
	./$(BIN) load mixed peak ratios

scale: build ## fault scenarios under load: the peak, Redis restarted, PostgreSQL stopped for 5 s, a SOAK (10m) at 70% of the peak; then the short end-to-end test
	./$(BIN) load peak redis postgres soak
	$(GO) test -count=1 -run TestLoadEndToEnd -v ./cmd/karmayogi

migrate: build ## apply pending migrations to DATABASE_URL
	DATABASE_URL=$(DATABASE_URL) ./$(BIN) migrate up

seed: build ## seed DATABASE_URL with the demo data set
	DATABASE_URL=$(DATABASE_URL) ./$(BIN) seed

clean: ## remove the binary and the embedded database
	rm -rf bin karmayogi.db karmayogi.db-shm karmayogi.db-wal karmayogi.db.migrate-lock
