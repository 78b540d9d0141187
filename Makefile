# The competency graph service. `make help` lists the targets.

GO        ?= go
BIN       := bin/karmayogi
# The embedded default: SQLite in the working directory, demo data on first start.
DATABASE_URL ?= sqlite://./karmayogi.db

.PHONY: help run build test test-race generate check-generate schema check-schema lint bench migrate seed clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

build: ## build bin/karmayogi
	$(GO) build -o $(BIN) ./cmd/karmayogi

run: build ## serve GraphiQL on :8080 with the demo data (SQLite, no set-up)
	DATABASE_URL=$(DATABASE_URL) ./$(BIN) serve --demo

test: ## vet and run every test (PostgreSQL and Redis on 127.0.0.1; CI=true makes them mandatory)
	$(GO) vet ./...
	$(GO) test -count=1 ./...

test-race: ## run the tests with the race detector
	$(GO) test -race -count=1 ./...

generate: ## regenerate gqlgen code and schema.graphql
	$(GO) tool gqlgen generate
	$(GO) run ./cmd/karmayogi schema > schema.graphql

check-generate: generate ## fail if generated code or schema.graphql is stale
	git diff --exit-code -- graph schema.graphql
	@test -z "$$(git status --porcelain -- graph schema.graphql)" || (git status --porcelain -- graph schema.graphql && exit 1)

lint: ## go vet and gofmt
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)

bench: ## run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

migrate: build ## apply pending migrations to DATABASE_URL
	DATABASE_URL=$(DATABASE_URL) ./$(BIN) migrate up

seed: build ## seed DATABASE_URL with the demo data set
	DATABASE_URL=$(DATABASE_URL) ./$(BIN) seed

clean: ## remove the binary and the embedded database
	rm -rf bin karmayogi.db karmayogi.db-shm karmayogi.db-wal
