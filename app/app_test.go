package app_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/openkarmayogi/karmayogi/app"
)

// TestOpenWiresEveryService: Open leaves no service for graph to fill in (only
// sign-in, which is the caller's), and the services share one Recommendations
// and one cache, so one process keeps one of each.
func TestOpenWiresEveryService(t *testing.T) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "app.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s := a.Services
	v := reflect.ValueOf(s)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name == "SignIn" || name == "Tokens" {
			continue
		}
		if v.Field(i).IsNil() {
			t.Errorf("Services.%s is nil", name)
		}
	}
	if s.Reports.Recommendations != s.Recommendations {
		t.Error("Reports ranks with a Recommendations of its own")
	}
	for name, c := range map[string]any{"Recommendations": s.Recommendations.Cache, "Reports": s.Reports.Cache,
		"Leaderboards": s.Leaderboards.Cache, "Notifier": s.Notifier.Cache, "Revocations": s.Revocations.Cache} {
		if c != a.Cache {
			t.Errorf("%s has a cache of its own", name)
		}
	}
	if s.Recommendations.Model != a.Estimator || s.Proficiency != a.Estimator {
		t.Error("the recommendations or the passbook do not use the loaded estimator")
	}
	if n, err := a.DB.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("Open left %d migrations to apply (%v)", n, err)
	}
}
