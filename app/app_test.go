package app_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/app"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/plan"
	"github.com/openkarmayogi/karmayogi/models"
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

// TestServicesAreNotStores: the services the API calls are the service layer's,
// and no store type implements a models service interface: the store persists,
// the services own the use cases (validation, rules, what a write changed).
func TestServicesAreNotStores(t *testing.T) {
	services := []reflect.Type{
		reflect.TypeFor[models.OrganisationService](), reflect.TypeFor[models.CatalogueService](),
		reflect.TypeFor[models.LearnerService](), reflect.TypeFor[models.LearningService](),
		reflect.TypeFor[models.PlanService](), reflect.TypeFor[models.BlendedService](),
		reflect.TypeFor[models.KarmaService](), reflect.TypeFor[models.InterestService](),
	}
	stores := []reflect.Type{
		reflect.TypeFor[*store.DB](), reflect.TypeFor[*blended.Store](), reflect.TypeFor[*plan.Store](),
		reflect.TypeFor[*karma.Store](), reflect.TypeFor[*assessment.Store](), reflect.TypeFor[*bulk.Writer](),
	}
	for _, st := range stores {
		for _, sv := range services {
			if st.Implements(sv) {
				t.Errorf("%s implements %s", st, sv)
			}
		}
	}
	a, err := app.Open(context.Background(), app.Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "app.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	v := reflect.ValueOf(a.Services)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Interface || f.IsNil() {
			continue
		}
		if pkg := f.Elem().Type().Elem().PkgPath(); f.Elem().Kind() == reflect.Pointer && strings.Contains(pkg, "/internal/store") &&
			v.Type().Field(i).Name != "Access" { // the audit log and sign-in state: a store interface
			t.Errorf("Services.%s is the store's %s", v.Type().Field(i).Name, f.Elem().Type())
		}
	}
}
