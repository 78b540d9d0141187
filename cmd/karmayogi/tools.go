package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/app"
	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/importer"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/server/respcache"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/pgload"
)

// openApp opens and migrates the configured database, with the services over it
// and the in-process cache, or, shared, the deployment's (REDIS_URL) for a tool
// whose writes the servers' cached answers must see; proficiencies it writes are
// estimated with the active estimator model.
func openApp(ctx context.Context, shared bool) (*app.App, error) {
	cfg, err := configFromEnv()
	if err != nil {
		return nil, err
	}
	c := app.Config{DatabaseURL: cfg.DatabaseURL}
	if shared {
		c.RedisURL, c.CachePrefix = cfg.RedisURL, cfg.CachePrefix
	}
	return app.Open(ctx, c)
}

func migrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: karmayogi migrate up|down|status")
		return 2, errUsage
	}
	cfg, err := configFromEnv()
	if err != nil {
		return 2, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return 1, err
	}
	defer db.Close()
	switch args[0] {
	case "up":
		n, err := db.Migrate(ctx)
		if err != nil {
			return 1, err
		}
		fmt.Fprintf(stdout, "applied %d migrations\n", n)
	case "down":
		n, err := db.Rollback(ctx)
		if err != nil {
			return 1, err
		}
		fmt.Fprintf(stdout, "rolled back %d migrations\n", n)
	case "status":
		lines, err := db.MigrationStatus(ctx)
		if err != nil {
			return 1, err
		}
		fmt.Fprintln(stdout, strings.Join(lines, "\n"))
	default:
		fmt.Fprintln(stderr, "usage: karmayogi migrate up|down|status")
		return 2, errUsage
	}
	return 0, nil
}

func seedCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("seed", stderr)
	var opts seed.Options
	fs.IntVar(&opts.Learners, "learners", 2000, "learners to generate")
	fs.IntVar(&opts.Courses, "courses", 1400, "courses to generate")
	fs.Int64Var(&opts.Seed, "seed", 1, "random seed; the same seed gives the same data")
	useCopy := fs.Bool("copy", true, "on PostgreSQL without learners, load them with COPY (false: through the bulk path, as import does)")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	if opts.Learners < 0 || opts.Courses < 1 {
		fmt.Fprintln(stderr, "karmayogi seed: --learners must be at least 0 and --courses at least 1")
		return 2, errUsage
	}
	a, err := openApp(ctx, false)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	db := a.DB
	opts.Progress = stderr
	start := time.Now()
	stats, err := seedStore(ctx, db, opts, *useCopy, stderr)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "seeded %d organisations, %d competencies, %d roles, %d requirements, %d courses, %d course competencies and %d learners in %s\n",
		stats.Organisations, stats.Competencies, stats.Roles, stats.RoleRequirements, stats.Courses, stats.CourseCompetencies, stats.Learners,
		time.Since(start).Round(time.Millisecond))
	return 0, nil
}

// seedStore writes the seed into db: into a PostgreSQL database without learners
// with a bulk load (COPY), otherwise, or without useCopy, through the bulk path.
// Both leave the same rows.
func seedStore(ctx context.Context, db *store.DB, opts seed.Options, useCopy bool, notices io.Writer) (seed.Stats, error) {
	if !useCopy || db.Dialect() != "postgres" {
		return seed.Run(ctx, bulk.New(db), opts)
	}
	ld, err := pgload.New(ctx, db, pgload.Options{Progress: opts.Progress})
	if errors.Is(err, pgload.ErrNoBulkLoad) {
		fmt.Fprintf(notices, "seed: %v; writing through the bulk path\n", err)
		return seed.Run(ctx, bulk.New(db), opts)
	}
	if err != nil {
		return seed.Stats{}, err
	}
	defer ld.Close()
	stats, err := seed.Run(ctx, ld, opts)
	if err != nil {
		return stats, err
	}
	_, err = ld.Finish(ctx)
	return stats, err
}

func importCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("import", stderr)
	batch := fs.Int("batch", 500, "rows written per transaction")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(stderr, "usage: karmayogi import KIND FILE.csv   (kinds: %s)\n", strings.Join(importer.Kinds, ", "))
		return 2, errUsage
	}
	kind, path := fs.Arg(0), fs.Arg(1)
	f, err := os.Open(path)
	if err != nil {
		return 2, err
	}
	defer f.Close()
	a, err := openApp(ctx, true)
	if err != nil {
		return 2, err
	}
	defer a.Close()
	db := a.DB
	opts := importer.Options{BatchSize: *batch, Errors: stderr}
	if isTerminal(stderr) {
		opts.Progress = stderr
	}
	start := time.Now()
	res, err := importer.Import(ctx, bulk.New(db), kind, f, opts)
	if err != nil {
		return 2, fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "%s: stored %d rows, rejected %d, in %s\n", path, res.Stored, res.Rejected, time.Since(start).Round(time.Millisecond))
	if res.Stored > 0 {
		// Servers sharing the cache answer from it; the rows are theirs at once.
		if err := respcache.ForgetAll(ctx, a.Cache); err != nil {
			fmt.Fprintf(stderr, "warning: cached answers not refreshed (%v); they expire within %s\n", err, respcache.DefaultTTL)
		}
	}
	if res.Rejected > 0 {
		return 1, nil
	}
	return 0, nil
}

// isTerminal reports whether w is a terminal, where progress lines make sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func schemaCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) != 0 {
		fmt.Fprintln(stderr, "usage: karmayogi schema")
		return 2, errUsage
	}
	_, err := io.WriteString(stdout, graph.SDL())
	return 0, err
}
