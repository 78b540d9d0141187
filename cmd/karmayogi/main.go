// Command karmayogi is the competency graph service: the GraphQL API and the
// operator's tools (migrations, seeding, CSV import). It only wires packages together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks a command line the program could not understand; its exit status is 2.
var errUsage = errors.New("usage")

const usage = `karmayogi: the open competency graph service

Usage:
  karmayogi serve [--addr :8080] [--demo]      serve the GraphQL API
  karmayogi migrate up|down|status             manage the database schema
  karmayogi seed [--learners N] [--courses N] [--seed S]
                                               load a deterministic demo data set
  karmayogi import KIND FILE.csv               load a CSV file (kinds: see README)
  karmayogi reestimate                         rebuild every proficiency from the evidence
  karmayogi calibrate [--holdout 0.2] [--dry-run] [--sample 200000] [--activate VERSION]
                                               fit the estimator to the evidence; store and activate it if it is better
  karmayogi effects [--first 20]               fit course effectiveness from the learning record
  karmayogi schema                             print the GraphQL schema (SDL)
  karmayogi token --role ROLE [--learner EMPLOYEE_CODE] [--org ORG_CODE] [--ttl 1h]
                                               print a signed access token
  karmayogi recommend --learner EMPLOYEE_CODE [--first 10] [--role ROLE_CODE]
                                               the API's course ranking as a table
  karmayogi report gaps --organisation ORG_CODE [--role ROLE_CODE] [--type T] [--format table|csv|png] [--out FILE]
                                               an organisation's gap report, per-learner gaps or heatmap
  karmayogi eval [--learners 2000] [--seed 1] [--format table|json] [--world all|NAME]
                                               offline evaluation in eleven simulated worlds: the estimator fitted on each, and the lists
  karmayogi eval assessments [--examinees 2000] [--seed 1] [--format table|json]
                                               the adaptive test against a fixed form and a random order, and item calibration, on simulated examinees
  karmayogi load [--rate 100] [--duration 30s] [SCENARIO...]
                                               load and fault scenarios against private servers (see docs/benchmarks.md)
  karmayogi allowlist [--out FILE] DIR...      the persisted-query allowlist of the clients in DIR (KARMAYOGI_APQ_ALLOWLIST)

Configuration comes from the environment (DATABASE_URL, KARMAYOGI_ADDR, KARMAYOGI_ENV, ...);
see README.md.
`

// run executes one command and returns the process exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) (int, error){
		"serve":     serveCommand,
		"migrate":   migrateCommand,
		"seed":      seedCommand,
		"import":    importCommand,
		"schema":    schemaCommand,
		"token":     tokenCommand,
		"eval":      evalCommand,
		"recommend": recommendCommand,
		"report":    reportCommand,
		"load":      loadCommand,
		"allowlist": allowlistCommand,

		"reestimate": reestimateCommand,
		"effects":    effectsCommand,
		"calibrate":  calibrateCommand,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "karmayogi: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	code, err := cmd(ctx, args[1:], stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "karmayogi %s: %v\n", args[0], err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// newFlags returns a flag set that reports errors to stderr and returns them.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("karmayogi "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, mapping a bad command line to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
