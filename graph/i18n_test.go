package graph_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

var devanagari = regexp.MustCompile(`[\x{0900}-\x{097F}]`)

// TestLanguages asks the same questions with Accept-Language hi and en: the
// explanations, errors and generic level descriptors come back in the language
// asked for, each right after the other was cached (the cache holds phrases,
// never one language's text), while codes and data stay the same.
func TestLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		asha, f := e.asha.bind(t), e.f
		vars := map[string]any{"l": f["$asha"]}
		// Empathy gets a Hindi name through the CSV path, as an operator would give it.
		hi := "समानुभूति"
		if rej, err := bulk.New(db).UpsertCompetencies(context.Background(), []models.CompetencyRecord{{Code: "EMP", Name: "Empathy",
			Description: "Understanding citizens and colleagues.", Type: models.Behavioural, Area: "Working with People",
			NameHi: &hi, HasNameHi: true}}); err != nil || len(rej) > 0 {
			t.Fatal(err, rej)
		}

		explanations := func(c *client) ([]string, bool) {
			t.Helper()
			var recs recsJSON
			decode(t, c.data(qRecs, vars), &recs)
			var out []string
			for _, it := range recs.Recommendations.Items {
				out = append(out, it.Explanation)
			}
			if len(out) == 0 {
				t.Fatal("no recommendations")
			}
			return out, recs.Recommendations.Cached
		}
		isHindi := func(t *testing.T, got []string) {
			t.Helper()
			for _, s := range got {
				if !devanagari.MatchString(s) || !strings.HasSuffix(s, "।") || strings.Contains(s, "Raises") || strings.Contains(s, "required") {
					t.Errorf("not Hindi: %q", s)
				}
			}
		}
		isEnglish := func(t *testing.T, got []string) {
			t.Helper()
			for _, s := range got {
				if devanagari.MatchString(s) || !strings.HasSuffix(s, ".") || !strings.Contains(s, "Section Officer") {
					t.Errorf("not English: %q", s)
				}
			}
		}

		hiFirst, cached := explanations(asha.in("hi-IN,hi;q=0.9,en;q=0.8"))
		if cached {
			t.Error("the first question was answered from the cache")
		}
		isHindi(t, hiFirst)
		t.Logf("in Hindi: %s", strings.Join(hiFirst, " / "))
		if all := strings.Join(hiFirst, "\n"); !strings.Contains(all, "Section Officer के लिए आवश्यक स्तर") || !strings.Contains(all, hi) {
			t.Errorf("Hindi explanations name neither the role's requirement nor Empathy's Hindi name:\n%s", all)
		}
		enThen, cached := explanations(asha.in("en-GB"))
		if !cached {
			t.Error("English was computed again: the cache should hold one list for both languages")
		}
		isEnglish(t, enThen)
		if all := strings.Join(enThen, "\n"); !strings.Contains(all, "Empathy") {
			t.Errorf("English explanations do not name Empathy:\n%s", all)
		}
		hiAgain, _ := explanations(asha.in("hi"))
		if strings.Join(hiAgain, "\n") != strings.Join(hiFirst, "\n") {
			t.Errorf("Hindi after English differs:\n%s\nthen\n%s", strings.Join(hiFirst, "\n"), strings.Join(hiAgain, "\n"))
		}
		if r := asha.in("hi").post(qRecs, vars); !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Language") {
			t.Errorf("Vary = %q: a cached GET must know the answer depends on Accept-Language", r.Header.Values("Vary"))
		}
		noHeader, _ := explanations(asha)
		if strings.Join(noHeader, "\n") != strings.Join(enThen, "\n") {
			t.Errorf("no Accept-Language is not English:\n%s", strings.Join(noHeader, "\n"))
		}

		t.Run("Errors", func(t *testing.T) {
			anon := e.anon.bind(t)
			q := `query($l: ID!) { recommendations(learnerId: $l) { cached } }`
			assertError(t, anon.in("hi").post(q, vars), "UNAUTHENTICATED", "", "साइन इन करना आवश्यक है")
			assertError(t, anon.in("en").post(q, vars), "UNAUTHENTICATED", "", "sign in required")
			// A message with a value in it, and one without its own Hindi: the kind in
			// Hindi, the English detail kept.
			pa := e.pa.bind(t).in("hi")
			r := pa.post(`mutation($i: CreateCourseInput!) { createCourse(input: $i) { course { id } } }`,
				map[string]any{"i": map[string]any{"code": "X-1", "title": "X", "description": "", "provider": "ISTM", "format": "ONLINE", "durationHours": -1}})
			assertError(t, r, "BAD_USER_INPUT", "input.durationHours", "0 से अधिक और अधिकतम 2000 होना चाहिए")
			r = pa.post(`mutation($i: CreateCompetencyInput!) { createCompetency(input: $i) { competency { id } } }`,
				map[string]any{"i": map[string]any{"code": "EMP", "name": "Empathy again", "description": "", "type": "BEHAVIOURAL", "area": "People"}})
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "CONFLICT" || !strings.HasPrefix(r.Errors[0].Message, "अनुरोध वर्तमान स्थिति से मेल नहीं खाता (") ||
				!strings.HasSuffix(r.Errors[0].Message, ")") {
				t.Errorf("conflict in Hindi: %s", r.Body)
			}
			// Before GraphQL runs: a bad token.
			bad := asha.in("hi")
			bad.token = "not-a-token"
			if r := bad.post(`{ __typename }`, nil); r.Status != 401 || len(r.Errors) != 1 || r.Errors[0].Message != "टोकन अमान्य है या उसकी अवधि समाप्त हो चुकी है" {
				t.Errorf("bad token in Hindi: %d %s", r.Status, r.Body)
			}
		})

		t.Run("Subscription", func(t *testing.T) { // the language in connection_init, as GraphiQL sends its headers
			q := `subscription($l: ID!) { recommendationsChanged(learnerId: $l, first: 1) { items { explanation } } }`
			for lang, want := range map[string]string{"hi": hiFirst[0], "en": enThen[0]} {
				ws := asha.bind(t).dial(map[string]any{"Authorization": "Bearer " + asha.token, "Accept-Language": lang})
				if m := ws.read(); m.Type != "connection_ack" {
					t.Fatalf("want connection_ack, got %+v", m)
				}
				ws.subscribe("1", q, vars)
				m := ws.read()
				var got struct {
					Data struct {
						RecommendationsChanged struct {
							Items []struct{ Explanation string }
						}
					}
				}
				decode(t, m.Payload, &got)
				if items := got.Data.RecommendationsChanged.Items; len(items) != 1 || items[0].Explanation != want {
					t.Errorf("%s: %s, want %q", lang, m.Payload, want)
				}
			}
		})

		t.Run("Levels", func(t *testing.T) {
			q := `query($id: ID!) { competency(id: $id) { name nameHi levels { level name description } } }`
			type levels struct {
				Competency struct {
					Name   string
					NameHi *string
					Levels []struct {
						Level             int
						Name, Description string
					}
				}
			}
			var emp, empHi, proc levels
			decode(t, asha.in("en").data(q, map[string]any{"id": f["$emp"]}), &emp)
			decode(t, asha.in("hi").data(q, map[string]any{"id": f["$emp"]}), &empHi)
			decode(t, asha.in("hi").data(q, map[string]any{"id": f["$proc"]}), &proc)
			if empHi.Competency.Name != "Empathy" || empHi.Competency.NameHi == nil || *empHi.Competency.NameHi != hi {
				t.Errorf("name %q, nameHi %v: the name stays English, nameHi carries the Hindi", empHi.Competency.Name, empHi.Competency.NameHi)
			}
			if len(emp.Competency.Levels) != 5 || emp.Competency.Levels[0].Name != "Basic" || !strings.Contains(emp.Competency.Levels[0].Description, "Empathy") {
				t.Fatalf("English levels: %+v", emp.Competency.Levels)
			}
			if l := empHi.Competency.Levels; len(l) != 5 || l[0].Name != "आधारभूत" || l[4].Name != "विशेषज्ञ" ||
				!strings.Contains(l[0].Description, hi) || !strings.HasSuffix(l[0].Description, "।") {
				t.Errorf("generic levels in Hindi: %+v", l)
			}
			// PROC's descriptors are its own: the generic names translate, the descriptors stay as written.
			if l := proc.Competency.Levels; len(l) != 5 || l[2].Name != "दक्ष" || l[2].Description != "Runs an open tender on GeM." || proc.Competency.NameHi != nil {
				t.Errorf("own levels in Hindi: %+v, nameHi %v", l, proc.Competency.NameHi)
			}
		})
	})
}

// TestHindiNames: createCompetency (with its levels' descriptors), createCourse
// and updateCourse take the optional Hindi names, with the same checks as the
// English ones.
func TestHindiNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pa := newAttackEnv(t, db).pa.bind(t)
		var comp struct {
			CreateCompetency struct {
				Competency struct {
					ID, Name string
					NameHi   *string
				}
			}
		}
		decode(t, pa.data(`mutation($i: CreateCompetencyInput!) { createCompetency(input: $i) { competency { id name nameHi } } }`,
			map[string]any{"i": map[string]any{"code": "RTI", "name": "RTI Responsiveness", "nameHi": "सूचना का अधिकार (RTI) के प्रति तत्परता",
				"description": "", "type": "FUNCTIONAL", "area": "RTI"}}), &comp)
		if c := comp.CreateCompetency.Competency; c.NameHi == nil || *c.NameHi != "सूचना का अधिकार (RTI) के प्रति तत्परता" {
			t.Errorf("competency: %+v", c)
		}
		// A competency's own descriptors with a Hindi version: Hindi readers get it.
		levels := []map[string]any{{"level": 1, "name": "Basic", "description": "Files a first appeal.", "descriptionHi": "प्रथम अपील दायर करते हैं।"}}
		for l := 2; l <= 5; l++ {
			levels = append(levels, map[string]any{"level": l, "name": "Level " + string(rune('0'+l)), "description": "Does more."})
		}
		var withLevels struct {
			CreateCompetency struct{ Competency struct{ ID string } }
		}
		decode(t, pa.data(`mutation($i: CreateCompetencyInput!) { createCompetency(input: $i) { competency { id } } }`,
			map[string]any{"i": map[string]any{"code": "RTI-APPEAL", "name": "RTI Appeals", "description": "", "type": "FUNCTIONAL", "area": "RTI", "levels": levels}}), &withLevels)
		q := `query($id: ID!) { competency(id: $id) { levels { name description } } }`
		id := map[string]any{"id": withLevels.CreateCompetency.Competency.ID}
		assertJSON(t, pa.in("hi").data(q, id), `{"competency": {"levels": [{"name": "आधारभूत", "description": "प्रथम अपील दायर करते हैं।"},
			{"name": "Level 2", "description": "Does more."}, {"name": "Level 3", "description": "Does more."},
			{"name": "Level 4", "description": "Does more."}, {"name": "Level 5", "description": "Does more."}]}}`)
		assertJSON(t, pa.in("en").data(q, id), `{"competency": {"levels": [{"name": "Basic", "description": "Files a first appeal."},
			{"name": "Level 2", "description": "Does more."}, {"name": "Level 3", "description": "Does more."},
			{"name": "Level 4", "description": "Does more."}, {"name": "Level 5", "description": "Does more."}]}}`)

		type courseJSON struct {
			ID      string
			Title   string
			TitleHi *string
		}
		var created struct{ CreateCourse struct{ Course courseJSON } }
		decode(t, pa.data(`mutation($i: CreateCourseInput!) { createCourse(input: $i) { course { id title titleHi } } }`,
			map[string]any{"i": map[string]any{"code": "RTI-101", "title": "RTI in Practice", "titleHi": "व्यवहार में सूचना का अधिकार",
				"description": "", "provider": "ISTM", "format": "ONLINE", "durationHours": 4}}), &created)
		c := created.CreateCourse.Course
		if c.TitleHi == nil || *c.TitleHi != "व्यवहार में सूचना का अधिकार" {
			t.Fatalf("course: %+v", c)
		}
		update := `mutation($i: UpdateCourseInput!) { updateCourse(input: $i) { course { title titleHi } } }`
		var updated struct{ UpdateCourse struct{ Course courseJSON } }
		decode(t, pa.data(update, map[string]any{"i": map[string]any{"id": c.ID, "title": "RTI at Work"}}), &updated)
		if u := updated.UpdateCourse.Course; u.Title != "RTI at Work" || u.TitleHi == nil || *u.TitleHi != "व्यवहार में सूचना का अधिकार" {
			t.Errorf("titleHi left out is kept: %+v", u)
		}
		decode(t, pa.data(update, map[string]any{"i": map[string]any{"id": c.ID, "titleHi": "कार्यस्थल पर सूचना का अधिकार"}}), &updated)
		if u := updated.UpdateCourse.Course; u.TitleHi == nil || *u.TitleHi != "कार्यस्थल पर सूचना का अधिकार" {
			t.Errorf("titleHi given replaces it: %+v", u)
		}
		decode(t, pa.data(update, map[string]any{"i": map[string]any{"id": c.ID, "titleHi": nil}}), &updated)
		if u := updated.UpdateCourse.Course; u.TitleHi != nil {
			t.Errorf("titleHi null removes it: %+v", u)
		}
		t.Run("Search", func(t *testing.T) { // by the Hindi name too
			q := `{ competencies(filter: {search: "अधिकार"}) { edges { node { code } } } courses(filter: {search: "सूचना का"}) { edges { node { code } } } }`
			assertJSON(t, pa.data(q, nil), `{"competencies": {"edges": [{"node": {"code": "RTI"}}]}, "courses": {"edges": []}}`)
			pa.data(update, map[string]any{"i": map[string]any{"id": c.ID, "titleHi": "कार्यस्थल पर सूचना का अधिकार"}})
			assertJSON(t, pa.data(q, nil), `{"competencies": {"edges": [{"node": {"code": "RTI"}}]}, "courses": {"edges": [{"node": {"code": "RTI-101"}}]}}`)
		})
		t.Run("ErrTooLong", func(t *testing.T) {
			long := strings.Repeat("क", 301)
			assertError(t, pa.post(update, map[string]any{"i": map[string]any{"id": c.ID, "titleHi": long}}),
				"BAD_USER_INPUT", "input.titleHi", "must be at most 300 characters")
			assertError(t, pa.post(`mutation($i: CreateCompetencyInput!) { createCompetency(input: $i) { competency { id } } }`,
				map[string]any{"i": map[string]any{"code": "RTI-2", "name": "RTI Records", "nameHi": long, "description": "", "type": "FUNCTIONAL", "area": "RTI"}}),
				"BAD_USER_INPUT", "input.nameHi", "must be at most 300 characters")
		})
	})
}
