package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/internal/testenv"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestReadReplicas runs the store over a private primary and a real streaming
// replica of it (pg_basebackup -R), and checks the routing rules of replica.go:
// reads that may go to a replica do, and see what replication brought; a paused
// replica shows that they really went there while fresh reads, transactions,
// bulk upserts and the read-then-write paths saw the primary; writes never fail
// for the replica's refusal; a lagging replica leaves service under MaxLag; and a
// stopped one costs a read nothing but a retry on the primary.
func TestReadReplicas(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	primary, replica := testenv.Replicated(t, ctx, "app")
	logs := &syncBuffer{}
	db := openReplicated(t, ctx, primary, replica, store.Replicas{CheckInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	catchUp(t, ctx, primary, replica)

	rctx := models.WithReplicaReads(ctx) // as the GraphQL layer sets for a query
	org := storetest.Must[*models.Organisation](t)
	// A write in a context that allows replica reads still goes to the primary.
	ministry := org(db.InsertOrganisation(rctx, &models.NewOrganisation{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry}))

	t.Run("ReplicaServesReads", func(t *testing.T) {
		catchUp(t, ctx, primary, replica)
		before := routing(t, db)
		if got := org(db.FindOrganisationByID(rctx, ministry.ID)); got.Code != "MOF" {
			t.Fatalf("FindOrganisationByID on the replica = %+v", got)
		}
		after := routing(t, db)
		if after.Replica != before.Replica+1 {
			t.Errorf("replica served %d statements, want 1", after.Replica-before.Replica)
		}
		// Without permission a read goes to the primary.
		org(db.FindOrganisationByID(ctx, ministry.ID))
		if n := routing(t, db).Fresh - after.Fresh; n != 1 {
			t.Errorf("primary served %d reads without permission, want 1", n)
		}
		if s := routing(t, db).Replicas; len(s) != 1 || !s[0].InService || !s[0].Serving || !strings.HasPrefix(s[0].Name, "127.0.0.1:") {
			t.Errorf("replicas = %+v, want one in service and serving, named host:port/db", s)
		}
	})

	t.Run("PausedReplicaProvesRouting", func(t *testing.T) {
		if err := replica.PauseReplay(ctx); err != nil {
			t.Fatal(err)
		}
		resumed := false
		defer func() {
			if !resumed {
				replica.ResumeReplay(context.Background())
			}
		}()
		// Writes while the replica is stale: a transaction that reads the parent.
		dept := org(db.InsertOrganisation(rctx, &models.NewOrganisation{Code: "MOF-DOR", Name: "Department of Revenue",
			Type: models.OrgDepartment, ParentID: &ministry.ID}))

		_, err := db.FindOrganisationByID(rctx, dept.ID)
		storetest.WantCode(t, err, models.ENOTFOUND, "") // the replica's view: stale
		_, err = db.FindOrganisationByCode(rctx, "MOF-DOR")
		storetest.WantCode(t, err, models.ENOTFOUND, "")
		if got := org(db.FindOrganisationByID(models.WithFreshReads(rctx), dept.ID)); got.Code != "MOF-DOR" {
			t.Errorf("fresh read = %+v", got)
		}
		org(db.FindOrganisationByID(ctx, dept.ID)) // no permission: the primary

		// Read-then-write paths read the primary whatever the context allows: a
		// transaction, a bulk upsert resolving codes, EnsureSetting.
		org(db.InsertOrganisation(rctx, &models.NewOrganisation{Code: "MOF-DOR-CBDT", Name: "Central Board of Direct Taxes",
			Type: models.OrgOrganisation, ParentID: &dept.ID}))
		storetest.NoRejects(t)(bulk.New(db).UpsertLearners(rctx, []models.LearnerRecord{{EmployeeCode: "EMP1", Name: "Asha Rao",
			Email: "asha.rao@gov.in", Designation: "Section Officer", OrganisationCode: "MOF-DOR"}}))
		for _, value := range []string{"first", "second"} {
			if got, err := db.EnsureSetting(rctx, "replica-test", value); err != nil || got != "first" {
				t.Fatalf("EnsureSetting(%s) = %q, %v; want first", value, got, err)
			}
		}
		// A raw statement the store marks read-only goes to the replica too.
		before := routing(t, db).Replica
		if _, err := db.FindPeerOutcomes(rctx); err != nil {
			t.Fatal(err)
		}
		if routing(t, db).Replica != before+1 {
			t.Error("FindPeerOutcomes did not read the replica")
		}

		if err := replica.ResumeReplay(ctx); err != nil {
			t.Fatal(err)
		}
		resumed = true
		catchUp(t, ctx, primary, replica)
		if got := org(db.FindOrganisationByID(rctx, dept.ID)); got.Code != "MOF-DOR" {
			t.Errorf("after replay = %+v", got)
		}
		if got := storetest.Must[*models.Learner](t)(db.FindLearnerByEmployeeCode(rctx, "EMP1")); got.OrganisationID != dept.ID {
			t.Errorf("learner from the bulk upsert = %+v", got)
		}
		// The streamed per-learner gaps (a raw query bun would not route) read the replica too.
		before = routing(t, db).Replica
		if err := db.EachLearnerGap(rctx, models.GapQuery{OrganisationID: dept.ID}, func(models.LearnerGap) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if n := routing(t, db).Replica - before; n != 2 {
			t.Errorf("EachLearnerGap sent %d statements to the replica, want 2 (its scope and its rows)", n)
		}
	})

	t.Run("WritesNeverOnReplica", func(t *testing.T) {
		// A raw statement is a write unless the store marks it: the primary.
		if _, err := db.Bun().NewRaw("CREATE SEQUENCE replica_test_seq").Exec(rctx); err != nil {
			t.Fatal(err)
		}
		catchUp(t, ctx, primary, replica)
		// A SELECT that writes goes to the replica, which refuses it as read-only;
		// it runs again on the primary and the replica stays in service.
		before := routing(t, db)
		var n int64
		if err := db.Bun().NewSelect().ColumnExpr("nextval('replica_test_seq')").Scan(rctx, &n); err != nil || n != 1 {
			t.Fatalf("nextval = %d, %v; want 1 from the primary", n, err)
		}
		after := routing(t, db)
		if after.Retried != before.Retried+1 || !after.Replicas[0].InService {
			t.Errorf("retried %d, replica %+v; want one retry and the replica still in service", after.Retried-before.Retried, after.Replicas[0])
		}
		l := storetest.Must[*models.Learner](t)(db.FindLearnerByEmployeeCode(ctx, "EMP1"))
		name := "Asha R."
		if got := storetest.Must[*models.Learner](t)(db.SaveLearner(rctx, l.ID, models.LearnerUpdate{Name: &name})); got.Name != name || got.Version != l.Version+1 {
			t.Errorf("UpdateLearner = %+v", got)
		}
		if err := db.AppendAudit(rctx, &models.AuditEntry{ActorSubject: "test", ActorRole: models.RolePlatformAdmin, Action: "replica-test", At: time.Now().UTC()}); err != nil {
			t.Errorf("AppendAudit: %v", err)
		}
	})

	t.Run("MaxLag", func(t *testing.T) {
		lagLogs := &syncBuffer{}
		bounded := openReplicated(t, ctx, primary, replica, store.Replicas{MaxLag: 300 * time.Millisecond,
			CheckInterval: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(lagLogs, nil))})
		inService := func(db *store.DB) bool { return routing(t, db).Replicas[0].InService }
		eventually(t, 5*time.Second, func() bool { return inService(bounded) })
		if err := replica.PauseReplay(ctx); err != nil {
			t.Fatal(err)
		}
		defer replica.ResumeReplay(context.Background())
		course := storetest.Must[*models.Competency](t)(db.InsertCompetency(ctx, &models.NewCompetency{Code: "BEH-010",
			Name: "Effective Communication", Type: models.Behavioural, Area: "Communication"}))
		eventually(t, 5*time.Second, func() bool { return !inService(bounded) })
		if !strings.Contains(lagLogs.String(), "lagging") {
			t.Errorf("logs do not say the replica lags:\n%s", lagLogs)
		}
		// The bounded store reads the primary; the unbounded one still the stale replica.
		before := routing(t, bounded).NoReplica
		storetest.Must[*models.Competency](t)(bounded.FindCompetencyByID(rctx, course.ID))
		if routing(t, bounded).NoReplica != before+1 {
			t.Error("the read did not fall back to the primary")
		}
		_, err := db.FindCompetencyByID(rctx, course.ID)
		storetest.WantCode(t, err, models.ENOTFOUND, "")

		if err := replica.ResumeReplay(ctx); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, func() bool { return inService(bounded) })
	})

	t.Run("Fallback", func(t *testing.T) {
		catchUp(t, ctx, primary, replica)
		org(db.FindOrganisationByID(rctx, ministry.ID)) // a pooled connection to the replica
		if err := replica.Stop(); err != nil {
			t.Fatal(err)
		}
		before := routing(t, db)
		start := time.Now()
		for range 3 {
			if got := org(db.FindOrganisationByID(rctx, ministry.ID)); got.Code != "MOF" {
				t.Fatalf("read with the replica down = %+v", got)
			}
		}
		t.Logf("3 reads with the replica down took %v", time.Since(start))
		after := routing(t, db)
		if after.Replicas[0].InService || after.Retried+after.NoReplica-before.Retried-before.NoReplica != 3 {
			t.Errorf("replica %+v, %d retried and %d with none in service; want out of service and 3 reads on the primary",
				after.Replicas[0], after.Retried-before.Retried, after.NoReplica-before.NoReplica)
		}
		if !strings.Contains(logs.String(), "read replica out of service") {
			t.Errorf("logs do not say the replica left service:\n%s", logs)
		}

		if err := replica.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, func() bool { return routing(t, db).Replicas[0].InService })
		before = routing(t, db)
		org(db.FindOrganisationByID(rctx, ministry.ID))
		if routing(t, db).Replica != before.Replica+1 {
			t.Error("the replica back in service did not serve the read")
		}
	})
}

// TestReadReplicasConfig checks the settings Open refuses.
func TestReadReplicasConfig(t *testing.T) {
	for _, tc := range []struct{ name, primary, replica, want string }{
		{"ErrSQLitePrimary", "sqlite://" + t.TempDir() + "/x.db", "postgres://127.0.0.1:1/x", "need a PostgreSQL primary"},
		{"ErrReplicaScheme", "postgres://127.0.0.1:1/x", "sqlite://replica.db", "needs a postgres:// URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Open(ctx, tc.primary, store.WithReplicas(store.Replicas{URLs: []string{tc.replica}}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// openReplicated opens a store over primary with replica as its read replica.
func openReplicated(t *testing.T, ctx context.Context, primary, replica *testenv.Postgres, cfg store.Replicas) *store.DB {
	t.Helper()
	cfg.URLs = []string{replica.URL("app")}
	db, err := store.Open(ctx, primary.URL("app"), store.WithReplicas(cfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetEstimator(recommender.NewEstimator())
	return db
}

func catchUp(t *testing.T, ctx context.Context, primary, replica *testenv.Postgres) {
	t.Helper()
	if err := replica.CatchUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
}

func routing(t *testing.T, db *store.DB) store.ReadRouting {
	t.Helper()
	r, ok := db.ReadRouting()
	if !ok {
		t.Fatal("ReadRouting: no replicas")
	}
	return r
}

func eventually(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer collects log lines from the store's monitor and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
