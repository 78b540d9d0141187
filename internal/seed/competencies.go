package seed

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/openkarmayogi/karmayogi/models"
)

// dictionaryJSON is the Karmayogi competency dictionary: 114 behavioural and
// functional competencies, each a sub-theme of a theme.
//
//go:embed karmayogi_competencies.json
var dictionaryJSON []byte

type dictionaryEntry struct {
	ID                  string `json:"competency_id"`
	Type                string `json:"type"`
	Theme               string `json:"theme"`
	ThemeDescription    string `json:"theme_description"`
	SubTheme            string `json:"sub_theme"`
	SubThemeDescription string `json:"sub_theme_description"`
}

// missingDescriptions fills the one entry whose sub-theme and theme are both
// undescribed in the dictionary.
var missingDescriptions = map[string]string{
	"FUN-114": "Collects, stores, shares and uses personal and official data lawfully and securely, in line with the Digital Personal Data Protection Act, 2023 and government data governance policies, so that citizens' privacy is protected.",
}

// competency is a competency of the data set with what the generators need to know
// about it besides its record.
type competency struct {
	rec models.CompetencyRecord
	// topic is the name as it reads in a course title; topicHi the same in Hindi
	// ("": none, and its courses get no Hindi title).
	topic    string
	topicHi  string
	ministry int // index into ministries for a DOMAIN competency, -1 otherwise
}

// competencies returns the dictionary competencies in dictionary order, then each
// ministry's domain competencies.
func competencies() ([]competency, error) {
	var dict []dictionaryEntry
	if err := json.Unmarshal(dictionaryJSON, &dict); err != nil {
		return nil, fmt.Errorf("seed: competency dictionary: %w", err)
	}
	// Two sub-themes appear under two themes each; only those names carry the theme.
	uses := make(map[string]int, len(dict))
	for _, e := range dict {
		uses[e.SubTheme]++
	}
	out := make([]competency, 0, len(dict)+64)
	for _, e := range dict {
		typ := models.Behavioural
		if e.Type == "Functional" {
			typ = models.Functional
		}
		name, topic := e.SubTheme, e.SubTheme
		if uses[e.SubTheme] > 1 {
			name = fmt.Sprintf("%s (%s)", e.SubTheme, e.Theme)
			topic = name
		}
		if t, ok := topics[e.ID]; ok {
			topic = t
		}
		desc := e.SubThemeDescription
		if desc == "" {
			desc = e.ThemeDescription
		}
		if desc == "" {
			desc = missingDescriptions[e.ID]
		}
		rec := models.CompetencyRecord{
			Code: e.ID, Name: name, Description: desc, Area: e.Theme, SubTheme: e.SubTheme, Type: typ,
		}
		rec.HasNameHi = true
		if hi, ok := namesHi[e.ID]; ok {
			rec.NameHi = &hi
		}
		rec.Levels = levels(rec, topic)
		out = append(out, competency{rec: rec, topic: topic, topicHi: namesHi[e.ID], ministry: -1})
	}
	for mi, m := range ministries {
		for i, d := range m.domain {
			rec := models.CompetencyRecord{
				Code: fmt.Sprintf("DOM-%s-%03d", m.domainKey, i+1), Name: d.name, Description: d.description,
				Area: m.area, Type: models.Domain, HasNameHi: true,
			}
			hi, ok := domainNamesHi[rec.Code]
			if ok {
				rec.NameHi = &hi
			}
			rec.Levels = levels(rec, d.name)
			out = append(out, competency{rec: rec, topic: d.name, topicHi: domainNamesHi[rec.Code], ministry: mi})
		}
	}
	return out, nil
}

// topics are the names of dictionary competencies as they read in course titles,
// where the sub-theme itself is awkward there ("Digital Tools ( MS office, ...").
var topics = map[string]string{
	"BEH-002": "Self-Confidence",
	"BEH-024": "Citizen Service Excellence",
	"BEH-031": "Global Mindset",
	"BEH-034": "Sustainable Mindset",
	"BEH-038": "Constructive Feedback",
	"BEH-039": "Inspiring Others",
	"BEH-017": "Initiative and Drive",
	"FUN-044": "PEST Consciousness",
	"FUN-045": "Policy Research and Need Analysis",
	"FUN-046": "Policy Design and Amendment",
	"FUN-047": "Policy Implementation",
	"FUN-048": "Policy Monitoring and Impact Assessment",
	"FUN-049": "Rules of Business (AoB/ToB)",
	"FUN-050": "Cabinet Note Writing",
	"FUN-051": "Programme Research and Need Analysis",
	"FUN-052": "Scheme and Programme Design",
	"FUN-059": "Procurement through GeM",
	"FUN-060": "Procurement of Goods, Services and Works",
	"FUN-061": "Contract Management",
	"FUN-062": "Vendor and Consultant Management",
	"FUN-063": "Maintenance and Disposal of Materials",
	"FUN-065": "M&E Frameworks",
	"FUN-066": "Evaluation of Outcomes and Outputs",
	"FUN-069": "Government Accounts",
	"FUN-070": "PFMS",
	"FUN-071": "Financial Management",
	"FUN-072": "Digital Tools and Platforms",
	"FUN-076": "Data-led Decision Making",
	"FUN-077": "Data Use and Governance",
	"FUN-079": "Establishment Matters",
	"FUN-080": "Reservation Matters",
	"FUN-081": "Fundamental and Supplementary Rules",
	"FUN-082": "POSH Act Compliance",
	"FUN-083": "APAR Management",
	"FUN-084": "e-Office",
	"FUN-085": "File and Dak Management",
	"FUN-087": "Noting and Drafting",
	"FUN-088": "Technical Proposal and Report Writing",
	"FUN-089": "Parliamentary Briefs and Questions",
	"FUN-090": "Parliamentary Records",
	"FUN-093": "CPGRAMS",
	"FUN-096": "Suspension Rules",
	"FUN-097": "Disciplinary Proceedings",
	"FUN-098": "Prosecution Cases",
	"FUN-101": "Court Case Management",
	"FUN-102": "LIMBS Portal",
	"FUN-104": "Social Media for Government",
	"FUN-105": "Government Websites (GIGW)",
	"FUN-110": "Allowances and Reimbursements",
	"FUN-111": "Leave and Travel Rules",
	"FUN-112": "Miscellaneous Administrative Matters",
	"FUN-113": "Official Language Implementation",
	"FUN-114": "Data Protection",
}

// Level descriptor templates; %[1]s is the competency's name, %[2]s its area.
var (
	behaviouralLevels = [models.MaxLevel]string{
		"Understands what %[1]s means for a public servant and why it matters; applies it to routine tasks under guidance.",
		"Demonstrates %[1]s consistently in day-to-day work and familiar situations without prompting, and acts on feedback to improve.",
		"Demonstrates %[1]s in demanding and unfamiliar situations, under pressure and across teams, and helps colleagues build it.",
		"Is a model of %[1]s for the division or department, coaches others in it and builds it into how teams work and are reviewed.",
		"Sets direction on %[1]s across government: a recognised role model whose example and initiatives shape the culture of the civil service.",
	}
	functionalLevels = [models.MaxLevel]string{
		"Understands the basics of %[1]s, including the rules, methods and tools it involves; applies them to routine tasks under guidance.",
		"Handles routine %[1]s work independently and correctly, following the applicable rules, manuals and timelines.",
		"Handles complex and non-routine %[1]s work, interprets the rules where they are unclear, and guides junior colleagues.",
		"Leads %[1]s for the department: designs and improves processes, resolves escalated cases and reviews the work of others.",
		"Sets direction on %[1]s across government: shapes rules, guidelines and practice, and is consulted as an authority by other ministries.",
	}
	platformLevels = [models.MaxLevel]string{
		"Understands the purpose of %[1]s and navigates the basic features; completes routine transactions under guidance.",
		"Uses %[1]s independently for day-to-day work, recording, tracking and reporting accurately and on time.",
		"Uses the advanced features and reports of %[1]s, troubleshoots problems and trains colleagues.",
		"Administers %[1]s for the department: sets up workflows and user roles, monitors use through dashboards and drives adoption.",
		"Sets direction on %[1]s across government: shapes adoption and good practice in ministries, and is consulted as an authority.",
	}
	domainLevels = [models.MaxLevel]string{
		"Knows the basic concepts, laws and institutions of %[1]s; applies them to routine tasks under guidance.",
		"Applies knowledge of %[1]s independently to routine cases and drafts notes on standard matters of %[2]s.",
		"Analyses complex %[1]s issues using precedent and current policy, and advises senior officers.",
		"Leads work on %[1]s in the ministry: frames proposals, weighs policy options and represents the department before other ministries and the states.",
		"Sets direction on %[1]s across government and is recognised as an authority in %[2]s, in India and internationally.",
	}
)

// platforms names the portal or tool of the functional competencies that are about
// using one; their levels read as mastery of the platform rather than of rules.
var platforms = map[string]string{
	"FUN-059": "the Government e-Marketplace (GeM)",
	"FUN-070": "the PFMS portal",
	"FUN-072": "digital tools such as MS Office, Excel, PowerPoint and AI assistants",
	"FUN-084": "e-Office",
	"FUN-093": "the CPGRAMS portal",
	"FUN-102": "the LIMBS portal",
	"FUN-104": "official social media handles",
	"FUN-105": "official websites",
}

// levels writes descriptors for levels 1..5 of a competency, in English and, when
// the competency has a Hindi name (and a domain one a Hindi area), in Hindi; topic
// is its name as it reads inside a sentence.
func levels(rec models.CompetencyRecord, topic string) []models.CompetencyLevel {
	tpl, tplHi := &behaviouralLevels, &behaviouralLevelsHi
	topicHi, areaHi := "", areasHi[rec.Area]
	if rec.NameHi != nil {
		topicHi = *rec.NameHi
	}
	switch rec.Type {
	case models.Domain:
		tpl, tplHi = &domainLevels, &domainLevelsHi
		if areaHi == "" {
			topicHi = ""
		}
	case models.Functional:
		tpl, tplHi = &functionalLevels, &functionalLevelsHi
		if p, ok := platforms[rec.Code]; ok {
			tpl, tplHi, topic, topicHi = &platformLevels, &platformLevelsHi, p, platformsHi[rec.Code]
		}
	}
	out := make([]models.CompetencyLevel, models.MaxLevel)
	for i := range out {
		out[i] = models.CompetencyLevel{
			Level:       i + 1,
			Name:        models.LevelNames[i],
			Description: fmt.Sprintf(tpl[i], topic, rec.Area),
		}
		if topicHi != "" {
			hi := fmt.Sprintf(tplHi[i], topicHi, areaHi)
			out[i].DescriptionHi = &hi
		}
	}
	return out
}
