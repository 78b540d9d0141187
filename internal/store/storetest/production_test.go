package storetest_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/openkarmayogi/karmayogi"

// testHelper reports whether the package at path is test-only code: the standard
// library's testing packages, and this module's packages named *test (storetest).
func testHelper(path string) bool {
	if path == "testing" || strings.HasPrefix(path, "testing/") || path == "net/http/httptest" {
		return true
	}
	return strings.HasPrefix(path, module+"/") && strings.HasSuffix(path, "test")
}

// TestNoTestHelperInProduction: no package of the module but the test helpers
// themselves, and so no binary under cmd/, links a test helper, directly or through
// another package. Only _test.go files may import them (go list leaves those out).
func TestNoTestHelperInProduction(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	packages := 0
	helperSeen := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg, deps := fields[0], fields[1:]
		packages++
		if testHelper(pkg) {
			// The known positive: the rule sees what a helper links.
			if pkg == module+"/internal/store/storetest" && slices.Contains(deps, "testing") {
				helperSeen = true
			}
			continue
		}
		for _, d := range deps {
			if testHelper(d) {
				t.Errorf("%s links the test helper %s", pkg, d)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if packages < 10 || !helperSeen {
		t.Fatalf("go list gave %d packages, storetest's deps with testing: %v; the check saw nothing", packages, helperSeen)
	}
}
