// Package gqlerr is how the GraphQL endpoint presents errors: the
// extensions.code values clients see, domain errors (*models.Error) in the
// reader's language with their code, the store's error kinds (conflict,
// unavailable), deadlines, and anything else as INTERNAL with its cause logged
// only. Package graph re-exports the codes.
package gqlerr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlhttp"
	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/models"
)

// The extensions.code values clients see, besides gqlgen's own
// (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, COMPLEXITY_LIMIT_EXCEEDED).
const (
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeConflict        = "CONFLICT"
	CodeForbidden       = "FORBIDDEN"
	CodeUnauthenticated = middleware.CodeUnauthenticated
	CodeRateLimited     = gqlhttp.CodeRateLimited
	CodeInternal        = "INTERNAL"
	CodeTimeout         = "TIMEOUT" // the request ran past its deadline (graph's Options.Timeout)
	// CodeUnavailable: the database cannot be reached (down, restarting, refusing
	// connections). A response whose every error is this and that holds no data
	// is HTTP 503 with Retry-After (gqlhttp).
	CodeUnavailable = gqlhttp.CodeUnavailable
)

// errorCodes maps the domain's error codes to extensions.code.
var errorCodes = map[string]string{
	models.EINVALID:      CodeBadUserInput,
	models.ENOTFOUND:     CodeNotFound,
	models.ECONFLICT:     CodeConflict,
	models.EFORBIDDEN:    CodeForbidden,
	models.EUNAUTHORIZED: CodeUnauthenticated,
	models.ERATELIMITED:  CodeRateLimited,
}

// CodeOf is the extensions.code a domain error is presented with (Presenter);
// INTERNAL for any other error.
func CodeOf(err error) string {
	var de *models.Error
	if errors.As(err, &de) {
		if c, ok := errorCodes[de.Code]; ok {
			return c
		}
	}
	return CodeInternal
}

// errPanic stands for a recovered panic, already logged with its stack.
var errPanic = errors.New("panic in resolver")

// Presenter returns the one error presenter. A domain error (*models.Error)
// becomes its code with its human message (in the request's language: i18n's
// Error; extensions.code is the same in every language) and, where the error names one
// (EINVALID, ECONFLICT), the field at fault in extensions.field. gqlgen's own
// errors (parse, validation, complexity) pass through unchanged. Anything else is
// logged with its cause and shown only as INTERNAL "internal error", so no SQL,
// stack or input reaches the client.
func Presenter(classify func(error) error, logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var de *models.Error
		if errors.As(err, &de) {
			if code, ok := errorCodes[de.Code]; ok {
				out := &gqlerror.Error{
					Message:    i18n.From(ctx).Error(code, de.Message),
					Path:       gqlErr.Path,
					Locations:  gqlErr.Locations,
					Extensions: map[string]any{"code": code},
				}
				if de.Field != "" { // the input at fault, for BAD_USER_INPUT and CONFLICT
					out.Extensions["field"] = de.Field
				}
				return out
			}
		} else if gqlErr.Err == nil {
			return gqlErr // gqlgen's own
		} else if gqlErr.Message == "introspection disabled" {
			// gqlgen reports this as a plain error; it is the client's, not ours.
			return &gqlerror.Error{Message: "introspection is disabled", Path: gqlErr.Path, Locations: gqlErr.Locations,
				Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}
		}
		kind := classify(err)
		if errors.Is(kind, models.ErrConflict) {
			// A unique value taken by a concurrent write that no store method named.
			logger.WarnContext(ctx, "graphql: conflict", "path", gqlErr.Path.String(), "error", err)
			return &gqlerror.Error{Message: i18n.From(ctx).Error(CodeConflict, "the change conflicts with existing data; try again"), Path: gqlErr.Path,
				Locations: gqlErr.Locations, Extensions: map[string]any{"code": CodeConflict}}
		}
		if errors.Is(kind, models.ErrUnavailable) {
			logger.WarnContext(ctx, "graphql: database unavailable", "path", gqlErr.Path.String(), "error", err)
			return &gqlerror.Error{Message: i18n.From(ctx).Error(CodeUnavailable, "the service is temporarily unavailable; try again in a few seconds"), Path: gqlErr.Path,
				Locations: gqlErr.Locations, Extensions: map[string]any{"code": CodeUnavailable}}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			logger.WarnContext(ctx, "graphql: request deadline exceeded", "path", gqlErr.Path.String())
			return &gqlerror.Error{Message: i18n.From(ctx).Error(CodeTimeout, "the request took too long and was stopped"), Path: gqlErr.Path,
				Locations: gqlErr.Locations, Extensions: map[string]any{"code": CodeTimeout}}
		}
		if !errors.Is(err, errPanic) {
			logger.ErrorContext(ctx, "graphql: internal error", "path", gqlErr.Path.String(), "error", err)
		}
		return &gqlerror.Error{
			Message:    i18n.From(ctx).Error(CodeInternal, "internal error"),
			Path:       gqlErr.Path,
			Locations:  gqlErr.Locations,
			Extensions: map[string]any{"code": CodeInternal},
		}
	}
}

// Recover turns a panic in a resolver into an INTERNAL error, logging the
// panic value and stack.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "graphql: panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errPanic
	}
}
