package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

func TestReportGapsCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", storetest.OpenURL(t, "sqlite"))
	if code, _, stderr := runCLI(t, "seed", "--learners", "80", "--courses", "200"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	dir := t.TempDir()

	t.Run("Table", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "report", "gaps", "--organisation", "MOF")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		lines := strings.Split(stdout, "\n")
		if !regexp.MustCompile(`^Gap report for Ministry of Finance \(MOF\): \d+ learners$`).MatchString(lines[0]) ||
			!strings.HasPrefix(lines[2], "competency ") {
			t.Fatalf("table:\n%s", stdout)
		}
		// Competencies by total weighted gap, largest first.
		cols := regexp.MustCompile(`\s{2,}`)
		last, rows := -1.0, 0
		for _, line := range lines[3:] {
			if line == "" {
				break
			}
			f := cols.Split(line, -1)
			total, err := strconv.ParseFloat(f[4], 64)
			if err != nil || len(f) != 6 || (last >= 0 && total > last) {
				t.Fatalf("row %q (after total %g): %v", line, last, err)
			}
			last, rows = total, rows+1
		}
		if rows == 0 || !strings.Contains(stdout, "\nContent gaps: ") || !strings.Contains(stdout, "\nSuggested courses: ") ||
			!regexp.MustCompile(`\n1 +\S+ `).MatchString(stdout) {
			t.Fatalf("table:\n%s", stdout)
		}
	})

	t.Run("CSV", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "report", "gaps", "--organisation", "MOF", "--format", "csv", "--type", "behavioural")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
		if err != nil || len(records) < 2 || strings.Join(records[0], ",") !=
			"employee_code,name,organisation_code,competency_code,required_level,current_level,gap,weight" {
			t.Fatalf("CSV (%v):\n%.500s", err, stdout)
		}
		for _, r := range records[1:] {
			if !strings.HasPrefix(r[3], "BEH-") {
				t.Errorf("--type behavioural let through %v", r)
			}
		}
		out := filepath.Join(dir, "gaps.csv")
		if code, _, stderr := runCLI(t, "report", "gaps", "--organisation", "MOF", "--format", "csv", "--type", "BEHAVIOURAL", "--out", out); code != 0 {
			t.Fatalf("--out: exit %d: %s", code, stderr)
		}
		if b, err := os.ReadFile(out); err != nil || string(b) != stdout {
			t.Errorf("--out wrote %d bytes (%v), standard output %d", len(b), err, len(stdout))
		}
	})

	t.Run("PNG", func(t *testing.T) {
		out := filepath.Join(dir, "gaps.png")
		code, stdout, stderr := runCLI(t, "report", "gaps", "--organisation", "MOF", "--format", "png", "--out", out)
		if code != 0 || stdout != "" || !strings.Contains(stderr, "wrote "+out) {
			t.Fatalf("exit %d, stdout %q: %s", code, stdout, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 800 {
			t.Fatalf("PNG: %v %v", img.Bounds(), err)
		}
		// To standard output when it is not a terminal.
		_, piped, _ := runCLI(t, "report", "gaps", "--organisation", "MOF", "--format", "png")
		if !bytes.Equal([]byte(piped[:8]), []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("standard output starts %q", piped[:min(8, len(piped))])
		}
	})

	t.Run("PNGToTerminal", func(t *testing.T) {
		tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0) // a character device, as a terminal is
		if err != nil {
			t.Fatal(err)
		}
		defer tty.Close()
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"report", "gaps", "--organisation", "MOF", "--format", "png"}, tty, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "not writing a PNG to a terminal") {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	})

	t.Run("BadInput", func(t *testing.T) {
		out := filepath.Join(dir, "never.png")
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"report"}, 2, "usage: karmayogi report gaps"},
			{[]string{"report", "plans"}, 2, "usage: karmayogi report gaps"},
			{[]string{"report", "gaps"}, 2, "--organisation is required"},
			{[]string{"report", "gaps", "--organisation", "MOF", "--format", "pdf"}, 2, "--format must be"},
			{[]string{"report", "gaps", "--organisation", "MOF", "--type", "SOFT"}, 2, "--type must be"},
			{[]string{"report", "gaps", "--organisation", "NOPE", "--format", "png", "--out", out}, 1, "--organisation NOPE: organisation not found"},
			{[]string{"report", "gaps", "--organisation", "MOF", "--role", "NO-ROLE"}, 1, "--role NO-ROLE: role not found"},
		} {
			if code, _, stderr := runCLI(t, tc.args...); code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
			}
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("a failed report left %s: %v", out, err)
		}
		entries, _ := os.ReadDir(dir)
		if slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), ".karmayogi-report-") }) {
			t.Errorf("temporary files left in %s: %v", dir, entries)
		}
	})

	t.Run("ListedInUsage", func(t *testing.T) {
		_, _, stderr := runCLI(t, "help")
		if !strings.Contains(stderr, "karmayogi report gaps --organisation ORG_CODE") {
			t.Errorf("usage:\n%s", stderr)
		}
	})
}

// TestServeReports fetches the report files from the running program: the
// routes are wired, and they want a token of an admin of the organisation.
func TestServeReports(t *testing.T) {
	m := startMain(t, "sqlite")
	url, base := m.Config.DatabaseURL, m.Server.URL()
	get := func(token, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	admin := mintToken(t, url, "--role", "PLATFORM_ADMIN")
	if resp, b := get(admin, "/reports/gaps.png?organisation=MOF"); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("PNG: HTTP %d: %.200s", resp.StatusCode, b)
	}
	resp, b := get(admin, "/reports/gaps.csv?organisation=MOF")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "employee_code,name,") || strings.Count(string(b), "\n") < 10 {
		t.Fatalf("CSV: HTTP %d: %.200s", resp.StatusCode, b)
	}
	mha := mintToken(t, url, "--role", "ORG_ADMIN", "--org", "MHA")
	for _, tc := range []struct {
		token, path string
		status      int
	}{
		{"", "/reports/gaps.csv?organisation=MOF", http.StatusUnauthorized},
		{mha, "/reports/gaps.csv?organisation=MOF", http.StatusForbidden},
		{mha, "/reports/gaps.png?organisation=MHA", http.StatusOK},
		{admin, "/reports/gaps.csv?organisation=NOPE", http.StatusNotFound},
		{admin, "/reports/gaps.pdf?organisation=MOF", http.StatusNotFound},
	} {
		if resp, b := get(tc.token, tc.path); resp.StatusCode != tc.status {
			t.Errorf("%s: HTTP %d, want %d: %.200s", tc.path, resp.StatusCode, tc.status, b)
		}
	}
}
