package graph

// `make generate` (go generate ./...) runs these from this directory, in order: gqlgen
// finds ../gqlgen.yml by walking up and writes graph/generated, graph/model/models_gen.go
// and the resolver stubs; then the binary prints the SDL of what gqlgen built into
// schema.graphql (through a temporary file, so a failed build leaves the old one).

//go:generate go tool gqlgen generate
//go:generate sh -c "go run ../cmd/karmayogi schema > ../schema.graphql.tmp && mv ../schema.graphql.tmp ../schema.graphql"
