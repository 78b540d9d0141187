package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/models"
)

// operatorName is what --name may be: short, and safe in logs.
var operatorName = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// tokenCommand prints a signed access token as the last line of standard output;
// notices go to standard error. It signs with the same secret as `serve`.
func tokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("token", stderr)
	role := fs.String("role", "", "access role: LEARNER, ORG_ADMIN, CONTENT_PROVIDER or PLATFORM_ADMIN")
	learner := fs.String("learner", "", "employee code of the learner the token acts as (required for LEARNER)")
	org := fs.String("org", "", "code of the organisation an ORG_ADMIN administers (required for ORG_ADMIN)")
	name := fs.String("name", "", "who an operator token is for, e.g. asha.rao@mof: its subject becomes operator:NAME, so audit entries and approvals tell two operators of one role apart")
	ttl := fs.Duration("ttl", time.Hour, "how long the token lives")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	caller := models.Caller{Role: models.AccessRole(strings.ToUpper(*role))}
	switch {
	case !caller.Role.Valid():
		fmt.Fprintln(stderr, "karmayogi token: --role must be LEARNER, ORG_ADMIN, CONTENT_PROVIDER or PLATFORM_ADMIN")
		return 2, errUsage
	case caller.Role == models.RoleLearner && *learner == "":
		fmt.Fprintln(stderr, "karmayogi token: --learner is required for LEARNER")
		return 2, errUsage
	case caller.Role == models.RoleOrgAdmin && *org == "":
		fmt.Fprintln(stderr, "karmayogi token: --org is required for ORG_ADMIN")
		return 2, errUsage
	case *name != "" && !operatorName.MatchString(*name):
		fmt.Fprintln(stderr, "karmayogi token: --name must be 1 to 64 letters, digits, '.', '_', '@' or '-'")
		return 2, errUsage
	}
	cfg, err := configFromEnv()
	if err != nil {
		return 2, err
	}
	if *ttl <= 0 || *ttl > cfg.TokenMaxLifetime { // a longer one would be refused by the server
		fmt.Fprintf(stderr, "karmayogi token: --ttl must be positive and at most %s (KARMAYOGI_TOKEN_MAX_LIFETIME)\n", cfg.TokenMaxLifetime)
		return 2, errUsage
	}
	a, err := openApp(ctx, false)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	db := a.DB
	if *name != "" {
		caller.Subject = "operator:" + *name
	}
	if *learner != "" {
		l, err := db.FindLearnerByEmployeeCode(ctx, *learner)
		if err != nil {
			return 1, fmt.Errorf("--learner %s: %w", *learner, err)
		}
		caller.LearnerID, caller.OrganisationID = l.ID, l.OrganisationID
	}
	if *org != "" {
		o, err := db.FindOrganisationByCode(ctx, *org)
		if err != nil {
			return 1, fmt.Errorf("--org %s: %w", *org, err)
		}
		caller.OrganisationID = o.ID
	}
	tokens, err := auth.LoadTokens(ctx, db, cfg.JWTSecret)
	if err != nil {
		return 1, err
	}
	token, expires, err := tokens.Issue(caller, *ttl)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stderr, "%s token, expires %s; send it as: Authorization: Bearer <token>\n", caller.Role, expires.UTC().Format(time.RFC3339))
	fmt.Fprintln(stdout, token)
	return 0, nil
}
