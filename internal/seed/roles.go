package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/openkarmayogi/karmayogi/models"
)

// roleSpec is a FRAC-style role: what it requires, chosen by theme or competency,
// and the band of levels its requirements fall in, which rises with seniority.
type roleSpec struct {
	code, name, description string
	minLevel, maxLevel      int
	needs                   []need
	// ministry is the code of the ministry whose staff hold this specialist role
	// ("" for a role found in every ministry).
	ministry string
	// share is the role's weight among the main roles of learners who may hold it.
	share float64
	// also lists the codes of roles a learner with this main role may hold as well.
	also []string
}

// need selects competencies a role requires: a competency code, or "theme:" and a
// dictionary theme of which n sub-themes are picked.
type need struct {
	sel    string
	n      int
	level  int
	weight float64
}

// req needs the competency with code c.
func req(c string, level int, weight float64) need {
	return need{sel: c, n: 1, level: level, weight: weight}
}

// reqTheme needs n sub-themes of theme t.
func reqTheme(t string, n, level int, weight float64) need {
	return need{sel: "theme:" + t, n: n, level: level, weight: weight}
}

var roleSpecs = []roleSpec{
	{
		code: "ROLE-ASO", name: "Assistant Section Officer", minLevel: 1, maxLevel: 2, share: 20,
		description: "Processes cases in a section of a ministry: examines receipts, puts up notes and drafts, and maintains files on e-Office.",
		needs: []need{
			reqTheme("Office Management", 3, 2, 2.5), req("FUN-072", 2, 2), req("BEH-012", 1, 1.5),
			req("BEH-009", 2, 2), reqTheme("Administration Matters", 1, 1, 1), req("FUN-091", 1, 1), req("BEH-023", 1, 1),
		},
		also: []string{"ROLE-GO", "ROLE-HRO", "ROLE-AO"},
	},
	{
		code: "ROLE-SO", name: "Section Officer", minLevel: 1, maxLevel: 3, share: 15,
		description: "Supervises a section: allocates and checks its work, disposes of routine cases and submits others with clear notes to the Under Secretary.",
		needs: []need{
			req("FUN-087", 3, 3), req("FUN-084", 2, 1.5), req("FUN-086", 3, 2.5), reqTheme("Establishment & HR", 1, 2, 1),
			req("FUN-089", 2, 1.5), req("FUN-091", 2, 1.5), req("BEH-025", 2, 2), req("BEH-016", 2, 1.5),
			req("BEH-038", 1, 1), req("FUN-094", 2, 1),
		},
		also: []string{"ROLE-GO", "ROLE-HRO", "ROLE-PO", "ROLE-AO", "ROLE-PRO"},
	},
	{
		code: "ROLE-US", name: "Under Secretary", minLevel: 2, maxLevel: 3, share: 10,
		description: "Heads a branch of two or more sections, decides cases within delegated powers and handles parliamentary, court and vigilance matters of the branch.",
		needs: []need{
			req("FUN-087", 3, 2), req("FUN-089", 3, 2), req("BEH-041", 3, 2), req("BEH-040", 3, 1.5),
			req("BEH-019", 2, 1), req("BEH-037", 2, 1), req("FUN-101", 2, 1.5), reqTheme("Vigilance Administration", 1, 2, 1),
			req("FUN-068", 2, 1), req("BEH-025", 3, 1.5),
		},
		also: []string{"ROLE-PO", "ROLE-LO", "ROLE-GO", "ROLE-PA", "ROLE-HRO"},
	},
	{
		code: "ROLE-DS", name: "Deputy Secretary", minLevel: 3, maxLevel: 4, share: 6,
		description: "Leads a division's casework and policy inputs, drafts Cabinet and EFC notes and coordinates with other ministries and the states.",
		needs: []need{
			req("BEH-041", 4, 2.5), reqTheme("Policy Architecture", 2, 3, 2), req("FUN-050", 3, 2), req("BEH-035", 3, 1.5),
			req("BEH-036", 3, 1.5), req("FUN-057", 3, 1.5), req("BEH-039", 3, 1), req("FUN-076", 3, 1.5), req("BEH-010", 3, 1),
		},
		also: []string{"ROLE-PA", "ROLE-LO", "ROLE-PRO"},
	},
	{
		code: "ROLE-DIR", name: "Director", minLevel: 3, maxLevel: 4, share: 4,
		description: "Heads a division: owns its schemes and budget, steers programme design and review, and leads its officers.",
		needs: []need{
			reqTheme("Strategic Leadership", 2, 4, 2), req("BEH-041", 4, 3), reqTheme("Government Program Formulation", 2, 4, 2),
			req("FUN-067", 3, 2), req("BEH-035", 4, 2), req("BEH-037", 3, 1.5), req("FUN-076", 3, 1.5),
			req("FUN-107", 3, 1.5), req("FUN-065", 3, 1),
		},
		also: []string{"ROLE-PA", "ROLE-PO"},
	},
	{
		code: "ROLE-JS", name: "Joint Secretary", minLevel: 4, maxLevel: 5, share: 2,
		description: "Heads a wing of the ministry: sets its policy direction, represents the government in inter-ministerial and international forums and answers for its outcomes.",
		needs: []need{
			req("BEH-032", 5, 3), req("BEH-031", 4, 1.5), req("BEH-033", 5, 2), req("BEH-041", 5, 3),
			req("BEH-035", 5, 2.5), req("BEH-039", 4, 2), req("FUN-046", 5, 2.5), req("FUN-049", 4, 1.5),
			req("BEH-030", 4, 2), req("FUN-048", 4, 1.5), req("BEH-034", 4, 1),
		},
		also: []string{"ROLE-PA"},
	},
	{
		code: "ROLE-PO", name: "Procurement Officer", minLevel: 2, maxLevel: 4, share: 5,
		description: "Buys goods, services and works for the ministry under GFR 2017 and the procurement manuals, mostly through GeM, and manages the resulting contracts.",
		needs: []need{
			reqTheme("Public Procurement (GFR)", 4, 3, 3), reqTheme("Material Management", 2, 2, 1.5), req("FUN-068", 2, 1),
			req("BEH-009", 3, 2), req("FUN-099", 2, 1.5), req("BEH-035", 2, 1),
		},
		also: []string{"ROLE-SO", "ROLE-US"},
	},
	{
		code: "ROLE-AO", name: "Accounts Officer", minLevel: 2, maxLevel: 4, share: 7,
		description: "Keeps the accounts of a pay and accounts office: pre-checks and passes bills, makes payments through PFMS and reconciles receipts and expenditure.",
		needs: []need{
			reqTheme("Financial Management", 5, 3, 2.5), req("BEH-009", 3, 2), req("FUN-110", 2, 1),
			req("FUN-075", 2, 1), req("FUN-072", 3, 1.5),
		},
		also: []string{"ROLE-SO", "ROLE-US"},
	},
	{
		code: "ROLE-DA", name: "Data Analyst", minLevel: 2, maxLevel: 4, share: 4,
		description: "Turns the ministry's administrative and scheme data into dashboards, analyses and evidence for decisions, under its data governance rules.",
		needs: []need{
			reqTheme("Data Analytics", 5, 3, 2.5), req("FUN-114", 3, 1.5), req("BEH-008", 3, 2),
			req("FUN-072", 4, 1.5), req("BEH-014", 2, 1), req("BEH-040", 3, 1.5),
		},
		also: []string{"ROLE-PA", "ROLE-SO"},
	},
	{
		code: "ROLE-LO", name: "Legal Officer", minLevel: 2, maxLevel: 4, share: 3,
		description: "Manages the ministry's litigation: prepares para-wise comments and counter affidavits, briefs government counsel and tracks cases on LIMBS.",
		needs: []need{
			reqTheme("Litigation Management", 3, 3, 3), reqTheme("Vigilance Administration", 2, 3, 1.5), req("FUN-049", 2, 1),
			req("BEH-040", 3, 2), req("BEH-012", 4, 2), req("FUN-087", 3, 1.5),
		},
		also: []string{"ROLE-US", "ROLE-DS"},
	},
	{
		code: "ROLE-HRO", name: "HR Officer", minLevel: 2, maxLevel: 4, share: 5,
		description: "Handles establishment matters: appointments, promotions, pay fixation, APARs, reservations and service records of the ministry's staff.",
		needs: []need{
			reqTheme("Establishment & HR", 5, 3, 2.5), req("FUN-111", 2, 1), req("FUN-095", 3, 1.5),
			req("BEH-020", 3, 1.5), req("BEH-022", 2, 1), req("BEH-036", 2, 1),
		},
		also: []string{"ROLE-SO", "ROLE-US"},
	},
	{
		code: "ROLE-PA", name: "Policy Analyst", minLevel: 2, maxLevel: 4, share: 3,
		description: "Researches policy questions, analyses options and their evidence, and drafts policy papers and briefs for senior officers.",
		needs: []need{
			reqTheme("Policy Architecture", 4, 3, 3), req("FUN-044", 3, 1.5), req("FUN-051", 3, 1.5),
			req("FUN-076", 3, 2), req("BEH-010", 3, 2), req("FUN-088", 3, 1.5), req("BEH-040", 3, 1),
		},
		also: []string{"ROLE-US", "ROLE-DS", "ROLE-DA"},
	},
	{
		code: "ROLE-PRO", name: "Public Relations Officer", minLevel: 2, maxLevel: 4, share: 2,
		description: "Tells citizens about the ministry's policies and schemes through the media, social media and its website, and handles crisis communication.",
		needs: []need{
			reqTheme("Information & Communication Management", 3, 3, 3), req("BEH-013", 3, 2), req("BEH-014", 3, 1.5),
			req("BEH-019", 3, 1.5), req("FUN-043", 2, 1), req("BEH-007", 2, 1),
		},
		also: []string{"ROLE-US", "ROLE-SO"},
	},
	{
		code: "ROLE-GO", name: "Grievance Officer", minLevel: 2, maxLevel: 4, share: 3,
		description: "Resolves public grievances received on CPGRAMS and VIP references within the prescribed time, and reports on their disposal.",
		needs: []need{
			reqTheme("Grievance Redressal", 2, 3, 3), req("BEH-022", 3, 2), req("BEH-023", 3, 2), req("BEH-024", 3, 1.5),
			reqTheme("Handling RTI Matters", 2, 2, 1), req("BEH-011", 3, 1.5), req("BEH-036", 2, 1),
		},
		also: []string{"ROLE-SO", "ROLE-US"},
	},
	{
		code: "ROLE-ITAX", name: "Income Tax Officer", minLevel: 2, maxLevel: 4, ministry: "MOF", share: 25,
		description: "Assesses income-tax returns, conducts scrutiny and verification under the faceless scheme, and recovers tax demands.",
		needs: []need{
			req("DOM-FIN-001", 3, 3), req("BEH-009", 3, 2), req("BEH-008", 3, 2), req("FUN-075", 2, 1.5),
			req("FUN-101", 2, 1), req("BEH-023", 2, 1), req("FUN-095", 2, 1),
		},
		also: []string{"ROLE-SO", "ROLE-US"},
	},
	{
		code: "ROLE-CONS", name: "Consular Officer", minLevel: 2, maxLevel: 4, ministry: "MEA", share: 25,
		description: "Delivers passport, visa and consular services to Indians and foreigners, and assists Indian nationals in distress abroad.",
		needs: []need{
			req("DOM-EXT-002", 3, 3), req("DOM-EXT-001", 2, 1.5), req("DOM-EXT-004", 2, 1), req("BEH-023", 3, 2),
			req("BEH-022", 2, 1), req("BEH-007", 3, 1.5), req("FUN-094", 2, 1),
		},
		also: []string{"ROLE-SO", "ROLE-US", "ROLE-DS"},
	},
	{
		code: "ROLE-PHPO", name: "Public Health Programme Officer", minLevel: 2, maxLevel: 4, ministry: "MOHFW", share: 25,
		description: "Plans, funds and monitors a national health programme with the states, from targets and supplies to surveillance data.",
		needs: []need{
			req("DOM-HLT-001", 3, 3), req("DOM-HLT-004", 3, 2), req("FUN-057", 3, 1.5), req("FUN-054", 3, 2),
			req("FUN-075", 2, 1.5), req("BEH-019", 2, 1), req("FUN-066", 2, 1),
		},
		also: []string{"ROLE-US", "ROLE-DS", "ROLE-DA"},
	},
	{
		code: "ROLE-DOM", name: "Divisional Operations Manager", minLevel: 2, maxLevel: 4, ministry: "MOR", share: 25,
		description: "Runs train operations in a railway division: punctuality, safety, crew and rolling stock, and the response to accidents and disruptions.",
		needs: []need{
			req("DOM-RLY-001", 4, 3), req("DOM-RLY-002", 3, 1.5), req("DOM-RLY-003", 3, 1.5), req("BEH-041", 3, 2),
			req("BEH-005", 3, 1.5), req("BEH-025", 3, 1.5), req("BEH-037", 2, 1),
		},
		also: []string{"ROLE-SO", "ROLE-US"},
	},
	{
		code: "ROLE-EGOV", name: "e-Governance Specialist", minLevel: 2, maxLevel: 4, ministry: "MEITY", share: 30,
		description: "Designs and delivers digital public services on India's digital public infrastructure, securely and to government standards.",
		needs: []need{
			req("DOM-DIG-002", 3, 2.5), req("DOM-DIG-001", 3, 2.5), req("DOM-DIG-003", 3, 1.5), req("FUN-073", 3, 2),
			req("FUN-074", 3, 1.5), req("FUN-114", 3, 1.5), req("FUN-055", 2, 1),
		},
		also: []string{"ROLE-DA", "ROLE-US"},
	},
	{
		code: "ROLE-RDPO", name: "Rural Development Programme Officer", minLevel: 2, maxLevel: 4, ministry: "MORD", share: 25,
		description: "Monitors rural development schemes with the states and districts: MGNREGA works, livelihoods, fund flows and social audit findings.",
		needs: []need{
			req("DOM-RUR-001", 3, 3), req("DOM-RUR-003", 2, 1.5), req("DOM-RUR-005", 3, 1.5), req("FUN-054", 3, 2),
			req("FUN-043", 3, 1.5), req("FUN-070", 2, 1), req("BEH-022", 2, 1),
		},
		also: []string{"ROLE-US", "ROLE-SO"},
	},
}

// catalogue indexes the competencies by code and by theme for the generators.
type catalogue struct {
	comps   []competency
	byCode  map[string]int   // code -> index into comps
	byTheme map[string][]int // dictionary theme -> indexes, in dictionary order
}

func newCatalogue(comps []competency) *catalogue {
	c := &catalogue{comps: comps, byCode: make(map[string]int, len(comps)), byTheme: map[string][]int{}}
	for i, comp := range comps {
		c.byCode[comp.rec.Code] = i
		c.byTheme[comp.rec.Area] = append(c.byTheme[comp.rec.Area], i)
	}
	return c
}

// requirements chooses each role's requirements: the competencies its needs name,
// at the needed level nudged within the role's band now and then, with a weight
// jittered by up to a quarter and kept within 0.5..3.
func requirements(rng *rand.Rand, cat *catalogue) ([]models.RoleRequirementRecord, error) {
	var out []models.RoleRequirementRecord
	for _, r := range roleSpecs {
		var picked []int
		seen := map[int]bool{}
		levelOf, weightOf := map[int]int{}, map[int]float64{}
		for _, n := range r.needs {
			var cands []int
			if t, ok := strings.CutPrefix(n.sel, "theme:"); ok {
				cands = append(cands, cat.byTheme[t]...)
				rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
			} else if i, ok := cat.byCode[n.sel]; ok {
				cands = []int{i}
			}
			if len(cands) < n.n {
				return nil, fmt.Errorf("seed: role %s needs %d of %q, which has %d", r.code, n.n, n.sel, len(cands))
			}
			for _, i := range cands[:n.n] {
				if seen[i] {
					continue
				}
				seen[i] = true
				picked = append(picked, i)
				level := n.level
				if rng.Float64() < 0.2 {
					level += 2*rng.IntN(2) - 1
				}
				levelOf[i] = min(max(level, r.minLevel), r.maxLevel)
				w := n.weight * (0.75 + 0.5*rng.Float64())
				weightOf[i] = min(max(math.Round(w*4)/4, 0.5), 3)
			}
		}
		if len(picked) < 6 || len(picked) > 12 {
			return nil, fmt.Errorf("seed: role %s has %d requirements, want 6 to 12", r.code, len(picked))
		}
		for _, i := range picked {
			out = append(out, models.RoleRequirementRecord{
				RoleCode: r.code, CompetencyCode: cat.comps[i].rec.Code, RequiredLevel: levelOf[i], Weight: weightOf[i],
			})
		}
	}
	return out, nil
}
