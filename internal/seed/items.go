package seed

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/openkarmayogi/karmayogi/models"
)

// itemsText is the demo item banks: twelve items over levels 1..5 for each of ten
// competencies of the dictionary, written for the demo (see assessment_items.txt).
//
//go:embed assessment_items.txt
var itemsText string

// assessmentItems returns the demo item banks as records, codes "<competency>-Q01"
// on. Each item's options are rotated by its position in its bank, so the correct
// option moves around.
func assessmentItems() ([]models.AssessmentItemRecord, error) {
	var out []models.AssessmentItemRecord
	n := map[string]int{}
	for i, line := range strings.Split(itemsText, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 8 {
			return nil, fmt.Errorf("seed: assessment_items.txt line %d: %d fields, want 8", i+1, len(f))
		}
		level, err1 := strconv.Atoi(f[1])
		correct, err2 := strconv.Atoi(f[7])
		if err1 != nil || err2 != nil || correct < 1 || correct > 4 {
			return nil, fmt.Errorf("seed: assessment_items.txt line %d: bad level or correct", i+1)
		}
		n[f[0]]++
		k := n[f[0]]
		shift := k % 4
		opts := make([]string, 4)
		for j := range 4 {
			opts[(j+shift)%4] = f[3+j]
		}
		out = append(out, models.AssessmentItemRecord{Code: fmt.Sprintf("%s-Q%02d", f[0], k), CompetencyCode: f[0], Level: level,
			Stem: f[2], Options: opts, Correct: (correct-1+shift)%4 + 1})
	}
	return out, nil
}

// finalAssessmentPassMark is the pass mark of the demo's online courses on
// competencies with an item bank.
const finalAssessmentPassMark = 0.6

// finalAssessments gives every online course that imparts a competency with a
// demo item bank a final assessment (a pass mark): its questions come from that
// bank, at the levels the course teaches, so a demo learner can sit one.
func finalAssessments(crs []models.CourseRecord, links []models.CourseCompetencyRecord, items []models.AssessmentItemRecord) {
	banked := map[string]bool{}
	for _, it := range items {
		banked[it.CompetencyCode] = true
	}
	assessed := map[string]bool{}
	for _, l := range links {
		if banked[l.CompetencyCode] {
			assessed[l.CourseCode] = true
		}
	}
	for i := range crs {
		if crs[i].Format == models.Online && assessed[crs[i].Code] {
			mark := finalAssessmentPassMark
			crs[i].PassMark, crs[i].HasPassMark = &mark, true
		}
	}
}
