package main

import (
	"context"
	"fmt"
	"io"

	"github.com/openkarmayogi/karmayogi/internal/report"
)

// recommendCommand prints the API's ranking for one learner as a table.
func recommendCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("recommend", stderr)
	code := fs.String("learner", "", "employee code of the learner (required)")
	first := fs.Int("first", 10, "how many courses, 1 to 100")
	role := fs.String("role", "", "code of a role to measure against instead of the learner's own roles")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	if *code == "" || *first < 1 || *first > 100 {
		fmt.Fprintln(stderr, "karmayogi recommend: --learner is required and --first must be 1 to 100")
		return 2, errUsage
	}
	a, err := openApp(ctx, false)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	db := a.DB
	l, err := db.FindLearnerByEmployeeCode(ctx, *code)
	if err != nil {
		return 1, fmt.Errorf("--learner %s: %w", *code, err)
	}
	var roleID *int64
	roleName := "their roles"
	if *role != "" {
		r, err := db.FindRoleByCode(ctx, *role)
		if err != nil {
			return 1, fmt.Errorf("--role %s: %w", *role, err)
		}
		roleID, roleName = &r.ID, r.Name
	}
	list, err := a.Services.Recommendations.Recommend(ctx, l, roleID, *first)
	if err != nil {
		return 1, err
	}
	if err := report.WriteRecommendations(ctx, stdout, db, l, roleName, list); err != nil {
		return 1, err
	}
	return 0, nil
}
