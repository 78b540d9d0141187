package graph

import "github.com/openkarmayogi/karmayogi/internal/server/gqlerr"

// The extensions.code values clients see, besides gqlgen's own
// (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, COMPLEXITY_LIMIT_EXCEEDED):
// gqlerr's, which presents the errors.
const (
	CodeBadUserInput    = gqlerr.CodeBadUserInput
	CodeNotFound        = gqlerr.CodeNotFound
	CodeConflict        = gqlerr.CodeConflict
	CodeForbidden       = gqlerr.CodeForbidden
	CodeUnauthenticated = gqlerr.CodeUnauthenticated
	CodeRateLimited     = gqlerr.CodeRateLimited
	CodeInternal        = gqlerr.CodeInternal
	CodeTimeout         = gqlerr.CodeTimeout
	CodeUnavailable     = gqlerr.CodeUnavailable
)
