package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// TestEffectsCommand: `karmayogi effects` fits the seeded record, lists the claims it
// contradicts, and `karmayogi report gaps` then counts the contradicted courses and
// shows each suggested course's estimate.
func TestEffectsCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", storetest.OpenURL(t, "sqlite"))
	if code, _, stderr := runCLI(t, "seed", "--learners", "1500", "--courses", "60", "--seed", "3"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	code, stdout, stderr := runCLI(t, "effects", "--first", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := regexp.MustCompile(`^fitted (\d+) course claims from 1500 learners and \d+ completions in \S+: (\d+) estimated, (\d+) contradicted \((\d+) courses\)\n`).
		FindStringSubmatch(stdout)
	if m == nil || m[2] == "0" || m[3] == "0" || !strings.Contains(stdout, "\nContradicted claims, ") {
		t.Fatalf("effects:\n%s", stdout)
	}
	if n := strings.Count(stdout, "→"); n < 1 || n > 5 {
		t.Errorf("%d contradicted claims listed, want 1 to 5:\n%s", n, stdout)
	}

	code, stdout, stderr = runCLI(t, "report", "gaps", "--organisation", "MOF")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`\nCourse effectiveness: [1-9]\d* courses in the catalogue estimated from their completers' evidence, `+m[4]+` contradicted by it`).MatchString(stdout) ||
		!strings.Contains(stdout, "estimated effect (80% interval)") || !regexp.MustCompile(`claimed, \d+ completers|kept \(`).MatchString(stdout) {
		t.Fatalf("report:\n%s", stdout)
	}

	if code, _, _ := runCLI(t, "effects", "extra"); code != 2 {
		t.Errorf("effects with an argument: exit %d, want 2", code)
	}
}
