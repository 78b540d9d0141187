package main

import (
	"context"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestRecommendCommand(t *testing.T) {
	url := storetest.OpenURL(t, "sqlite")
	t.Setenv("DATABASE_URL", url)
	if code, _, stderr := runCLI(t, "seed", "--learners", "30", "--courses", "200"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.FindLearners(context.Background(), models.LearnerFilter{}, models.PageRequest{First: 1})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	emp := page.Items[0].EmployeeCode

	code, stdout, stderr := runCLI(t, "recommend", "--learner", emp, "--first", "3")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || !strings.Contains(stdout, page.Items[0].Name) || len(lines) < 4 || !strings.HasPrefix(lines[2], "rank") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// The table, then a line for each item that has alternatives.
	if !strings.HasPrefix(strings.TrimSpace(lines[3]), "1 ") || !strings.HasPrefix(strings.TrimSpace(lines[5]), "3 ") ||
		(len(lines) > 6 && (lines[6] != "" || !strings.HasPrefix(lines[7], "alternatives to "))) || len(lines) > 6+1+3 {
		t.Fatalf("want ranks 1..3, then alternatives:\n%s", stdout)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"recommend"}, 2, "--learner is required"},
		{[]string{"recommend", "--learner", emp, "--first", "0"}, 2, "--first"},
		{[]string{"recommend", "--learner", "NOBODY"}, 1, "NOBODY"},
		{[]string{"recommend", "--learner", emp, "--role", "NO-ROLE"}, 1, "NO-ROLE"},
	} {
		if code, _, stderr := runCLI(t, tc.args...); code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}
