package gqlerr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
)

// sqlStateError stands for the driver's server error, which exposes its SQLSTATE.
type sqlStateError string

func (e sqlStateError) Error() string    { return "FATAL: " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

// The presenter maps the store's error kinds to extensions.code: it names no
// SQLSTATE, the store's Classify does. A unique violation no store method named is
// CONFLICT; the database down is SERVICE_UNAVAILABLE; anything else is INTERNAL.
func TestPresentErrorKinds(t *testing.T) {
	present := Presenter(store.Classify, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"UniqueViolation", fmt.Errorf("enrol: %w", sqlStateError("23505")), CodeConflict},
		{"AdminShutdown", fmt.Errorf("courses: %w", sqlStateError("57P01")), CodeUnavailable},
		{"Deadline", fmt.Errorf("courses: %w", context.DeadlineExceeded), CodeTimeout},
		{"ForeignKey", sqlStateError("23503"), CodeInternal},
		{"Bug", errors.New("index out of range"), CodeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := present(context.Background(), tc.err)
			if got.Extensions["code"] != tc.want {
				t.Fatalf("code %v (%q), want %s", got.Extensions["code"], got.Message, tc.want)
			}
			if tc.want != CodeInternal && got.Message == tc.err.Error() {
				t.Fatalf("the engine's message reached the client: %q", got.Message)
			}
		})
	}
}
