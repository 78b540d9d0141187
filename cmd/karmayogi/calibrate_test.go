package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestCalibrateCommand runs calibrate end to end on a small seeded database: a
// dry run prints the diagnostics table and stores nothing; a run stores a
// version (activated only if it converged and beat the active model, as the
// output says); --activate makes a stored version active and rolls back to an
// earlier one; an unknown version and bad flags exit 2.
func TestCalibrateCommand(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.OpenURL(t, engine)
			t.Setenv("DATABASE_URL", url)
			if code, _, stderr := runCLI(t, "seed", "--learners", "150", "--courses", "60"); code != 0 {
				t.Fatalf("seed: exit %d: %s", code, stderr)
			}
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			versions := func() int {
				t.Helper()
				var n int
				if err := db.Bun().NewRaw("SELECT COUNT(*) FROM estimator_models").Scan(ctx, &n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			active := func() int {
				t.Helper()
				v, err := db.ActiveEstimatorVersion(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}

			code, stdout, stderr := runCLI(t, "calibrate", "--dry-run", "--holdout", "0.3")
			if code != 0 {
				t.Fatalf("calibrate --dry-run: exit %d: %s", code, stderr)
			}
			for _, want := range []string{"data: 150 learners with evidence; read 150 (all; --sample 200000)",
				"(--holdout 0.3, by learner)", "model", "log loss", "supervisor ratings", "\nfitted ",
				"\nactive (defaults, version 0) ", "\nhand-set defaults ", "\nlatest evidence ", "dry run: nothing stored; the fit would"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("calibrate --dry-run output lacks %q:\n%s", want, stdout)
				}
			}
			if n := versions(); n != 0 {
				t.Fatalf("a dry run stored %d versions", n)
			}
			if strings.Contains(stdout, "course effects refitted") {
				t.Errorf("a dry run refitted the course effects:\n%s", stdout)
			}

			code, stdout, stderr = runCLI(t, "calibrate", "--sample", "100")
			if code != 0 || !strings.Contains(stdout, "stored as version 1") {
				t.Fatalf("calibrate: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "course effects refitted: ") {
				t.Errorf("calibrate did not refit the course effects:\n%s", stdout)
			}
			if !strings.Contains(stdout, "read 100 of them, chosen by a hash of the learner ID (--sample 100)") {
				t.Errorf("calibrate --sample 100 does not say it sampled:\n%s", stdout)
			}
			activated := strings.Contains(stdout, "stored as version 1 and activated")
			if want := map[bool]int{true: 1, false: 0}[activated]; active() != want || versions() != 1 {
				t.Fatalf("after calibrate (activated: %v): active version %d, %d versions", activated, active(), versions())
			}
			m, err := db.FindEstimatorModel(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if m.Learners == 0 || m.Evidence == 0 || m.Diagnostics.Defaults.Assessments == 0 {
				t.Fatalf("stored version: %+v", m)
			}
			var p recommender.Params
			if err := json.Unmarshal(m.Params, &p); err != nil || p.Levels != 6 {
				t.Fatalf("stored params %s: %v", m.Params, err)
			}

			if code, _, stderr := runCLI(t, "calibrate", "--activate", "99"); code != 2 || !strings.Contains(stderr, "no estimator model version 99") {
				t.Fatalf("--activate 99: exit %d, stderr %q; want 2 and a message", code, stderr)
			}
			if code, stdout, stderr := runCLI(t, "calibrate", "--activate", "1"); code != 0 || !strings.HasPrefix(stdout, "activated estimator model version 1 ") {
				t.Fatalf("--activate 1: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if active() != 1 {
				t.Fatalf("active version %d after --activate 1", active())
			}
			// A second fit, activated by hand; then a rollback to the first.
			if code, stdout, stderr := runCLI(t, "calibrate"); code != 0 || !strings.Contains(stdout, "stored as version 2") ||
				!strings.Contains(stdout, "active (version 1)") {
				t.Fatalf("calibrate again: exit %d\n%s\n%s", code, stdout, stderr)
			}
			for _, v := range []int{2, 1} {
				if code, _, stderr := runCLI(t, "calibrate", "--activate", strconv.Itoa(v)); code != 0 || active() != v {
					t.Fatalf("--activate %d: exit %d, active %d: %s", v, code, active(), stderr)
				}
			}
			// reestimate rebuilds under the active model.
			if code, stdout, _ := runCLI(t, "reestimate"); code != 0 || !strings.Contains(stdout, "(estimator model version 1)") {
				t.Fatalf("reestimate: exit %d: %s", code, stdout)
			}

			for _, args := range [][]string{{"--holdout", "1"}, {"--holdout", "0"}, {"--sample", "0"}, {"--activate", "x"},
				{"--activate", "0"}, {"--activate", "1", "--dry-run"}, {"extra"}} {
				if code, _, _ := runCLI(t, append([]string{"calibrate"}, args...)...); code != 2 {
					t.Errorf("calibrate %v: exit %d, want 2", args, code)
				}
			}
		})
	}
}

// TestCalibrateRefusesWhileAnotherRuns: while another process calibrates (the
// test holds the calibration lock, as it would), calibrate exits 1 with a clear
// message and stores nothing.
func TestCalibrateRefusesWhileAnotherRuns(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.OpenURL(t, engine)
			t.Setenv("DATABASE_URL", url)
			if code, _, stderr := runCLI(t, "seed", "--learners", "20", "--courses", "60"); code != 0 {
				t.Fatalf("seed: exit %d: %s", code, stderr)
			}
			other, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			unlock, ok, err := other.TryLock(ctx, "calibrate")
			if err != nil || !ok {
				t.Fatalf("TryLock: %v %v", ok, err)
			}
			code, stdout, stderr := runCLI(t, "calibrate")
			if code != 1 || !strings.Contains(stderr, "another calibration is running") {
				t.Fatalf("calibrate while another runs: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if v, err := other.LatestEstimatorFit(ctx); err != nil || !v.IsZero() {
				t.Fatalf("the refused calibration stored a fit (%v, %v)", v, err)
			}
			unlock()
			if code, _, stderr := runCLI(t, "calibrate", "--dry-run"); code != 0 {
				t.Fatalf("calibrate after the other finished: exit %d: %s", code, stderr)
			}
		})
	}
}

// TestServeSwapsEstimatorModel: a running server switches to a version activated
// from the command line without a restart, re-estimates the stored
// proficiencies under it in the background (the cursor reaches the last learner),
// reports it in /metrics and in estimatorModel.
func TestServeSwapsEstimatorModel(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			m := &Main{
				Config: Config{DatabaseURL: storetest.OpenURL(t, engine), Addr: "127.0.0.1:0", Env: "development",
					Demo: true, DemoLearners: 60, EstimatorPoll: 20 * time.Millisecond},
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Notice: io.Discard,
			}
			if err := m.Run(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := m.Close(); err != nil {
					t.Error(err)
				}
			})
			t.Setenv("DATABASE_URL", m.Config.DatabaseURL)
			if m.Estimator.Version() != 0 {
				t.Fatalf("a fresh server estimates with version %d, want 0 (the defaults)", m.Estimator.Version())
			}
			db := m.DB
			pair := func() (int64, int64, string) {
				t.Helper()
				var row struct {
					L, C int64
					D    string
				}
				if err := db.Bun().NewRaw(`SELECT p.learner_id AS l, p.competency_id AS c, p.distribution AS d FROM proficiencies p
					WHERE EXISTS (SELECT 1 FROM evidence e WHERE e.learner_id = p.learner_id AND e.competency_id = p.competency_id AND e.source = 'SELF')
					ORDER BY 1, 2 LIMIT 1`).Scan(ctx, &row); err != nil {
					t.Fatal(err)
				}
				return row.L, row.C, row.D
			}
			l, c, before := pair()

			// A version whose self-ratings read two levels low: visibly different.
			p := recommender.DefaultParams()
			p.Self = recommender.Rating{Bias: -2, SD: 0.5, Outlier: 0.01}
			raw, _ := json.Marshal(p)
			model := &models.EstimatorModel{FittedAt: time.Now(), Learners: 60, Evidence: 1, Converged: true, Params: raw}
			if err := db.CreateEstimatorModel(ctx, model); err != nil {
				t.Fatal(err)
			}
			if code, stdout, stderr := runCLI(t, "calibrate", "--activate", strconv.Itoa(model.Version)); code != 0 {
				t.Fatalf("--activate: exit %d\n%s\n%s", code, stdout, stderr)
			}
			deadline := time.Now().Add(60 * time.Second)
			var got *models.EstimatorModel
			for {
				var err error
				if got, err = db.FindEstimatorModel(ctx, model.Version); err != nil {
					t.Fatal(err)
				}
				if got.ReestimatedAt != nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not re-estimated within a minute: server on version %d, cursor %d", m.Estimator.Version(), got.ReestimatedThrough)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if m.Estimator.Version() != model.Version {
				t.Fatalf("server on version %d, want %d", m.Estimator.Version(), model.Version)
			}
			var last int64
			if err := db.Bun().NewRaw("SELECT MAX(learner_id) FROM evidence").Scan(ctx, &last); err != nil {
				t.Fatal(err)
			}
			if got.ReestimatedThrough != last {
				t.Fatalf("cursor %d, want %d", got.ReestimatedThrough, last)
			}
			if l2, c2, after := pair(); l2 != l || c2 != c || after == before {
				t.Fatalf("learner %d competency %d: %s before, %s after; want it re-estimated", l, c, before, after)
			}

			resp, err := http.Get(m.Server.URL() + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, want := range []string{"karmayogi_estimator_model_version " + strconv.Itoa(model.Version),
				"karmayogi_estimator_reestimation_cursor " + strconv.FormatInt(last, 10), "karmayogi_estimator_reestimated_learners_total "} {
				if !strings.Contains(string(body), want) {
					t.Errorf("/metrics lacks %q", want)
				}
			}
			var data struct{ EstimatorModel struct{ Version int } }
			graphQL(t, m.Server.URL(), mintToken(t, m.Config.DatabaseURL, "--role", "PLATFORM_ADMIN"), `{ estimatorModel { version } }`, &data)
			if data.EstimatorModel.Version != model.Version {
				t.Fatalf("estimatorModel.version = %d, want %d", data.EstimatorModel.Version, model.Version)
			}

			// Another process starting now loads the active version.
			again := &Main{Config: m.Config, Logger: m.Logger, Notice: io.Discard}
			if err := again.Run(ctx); err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			if again.Estimator.Version() != model.Version || again.Estimator.Params().Self.Bias != -2 {
				t.Fatalf("a process started after the swap estimates with version %d (self bias %v), want %d",
					again.Estimator.Version(), again.Estimator.Params().Self.Bias, model.Version)
			}
		})
	}
}
