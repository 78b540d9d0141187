package models

import (
	"fmt"
	"time"
)

// CompetencyType is the family of a competency in the Karmayogi framework.
type CompetencyType string

const (
	Behavioural CompetencyType = "BEHAVIOURAL"
	Functional  CompetencyType = "FUNCTIONAL"
	Domain      CompetencyType = "DOMAIN"
)

// Valid reports whether t is a known competency type.
func (t CompetencyType) Valid() bool { return t == Behavioural || t == Functional || t == Domain }

// MaxLevel is the highest proficiency level; 0 means not yet at level 1.
const MaxLevel = 5

// Competency is a behavioural, functional or domain competency. Area is its theme
// ("Public Procurement (GFR)"), SubTheme the dictionary's sub-theme; Name is the
// sub-theme, disambiguated with the theme where two themes share a sub-theme name.
type Competency struct {
	ID          int64          `bun:"id,pk,autoincrement"`
	Code        string         `bun:"code"`
	Name        string         `bun:"name"`
	NameHi      *string        `bun:"name_hi"` // in Hindi; nil: none, Name stands
	Description string         `bun:"description"`
	Type        CompetencyType `bun:"type"`
	Area        string         `bun:"area"`
	SubTheme    string         `bun:"sub_theme"`
	CreatedAt   time.Time      `bun:"created_at"`
	UpdatedAt   time.Time      `bun:"updated_at"`
}

// CompetencyLevel describes what proficiency at one level 1..5 of a competency looks like.
type CompetencyLevel struct {
	CompetencyID int64  `bun:"competency_id,pk"`
	Level        int    `bun:"level,pk"`
	Name         string `bun:"name"`
	Description  string `bun:"description"`
	// DescriptionHi is Description in Hindi, for readers who ask for Hindi; nil: none.
	DescriptionHi *string `bun:"description_hi"`
}

// LevelNames are the names of levels 1..5 used where a competency has no descriptors of its own.
var LevelNames = [MaxLevel]string{"Basic", "Intermediate", "Proficient", "Advanced", "Expert"}

// GenericLevelDescriptors are the descriptors of levels 1..5 (with the competency's
// name for %s) used where a competency has none of its own.
var GenericLevelDescriptors = [MaxLevel]string{
	"Knows the basic concepts of %s and applies them to routine tasks with guidance.",
	"Applies %s independently in familiar situations.",
	"Applies %s in complex situations and guides colleagues.",
	"Shapes practice in %s across the organisation and handles novel situations.",
	"Is recognised as an authority on %s and sets direction beyond the organisation.",
}

// DefaultLevels returns generic descriptors for levels 1..5 of a competency.
func DefaultLevels(name string) []CompetencyLevel {
	levels := make([]CompetencyLevel, MaxLevel)
	for i := range levels {
		levels[i] = CompetencyLevel{Level: i + 1, Name: LevelNames[i], Description: fmt.Sprintf(GenericLevelDescriptors[i], name)}
	}
	return levels
}

// CompetencyFilter selects competencies; nil fields do not filter.
type CompetencyFilter struct {
	Type   *CompetencyType
	Area   *string
	Search *string
}

// NewCompetency is the input to CreateCompetency. Levels may be empty: generic
// descriptors are then stored.
type NewCompetency struct {
	Code        string
	Name        string
	NameHi      *string // nil or empty: none
	Description string
	Type        CompetencyType
	Area        string
	SubTheme    string
	Levels      []CompetencyLevel
}

// Validate checks the fields that need no database.
func (n *NewCompetency) Validate() error {
	if err := validateCode("code", n.Code); err != nil {
		return err
	}
	if err := validateName("name", n.Name); err != nil {
		return err
	}
	if err := validateOptionalName("nameHi", n.NameHi); err != nil {
		return err
	}
	if err := validateText("description", n.Description, 0, 4000); err != nil {
		return err
	}
	if !n.Type.Valid() {
		return Invalid("type", "must be BEHAVIOURAL, FUNCTIONAL or DOMAIN")
	}
	if err := validateName("area", n.Area); err != nil {
		return err
	}
	seen := map[int]bool{}
	for i, l := range n.Levels {
		f := fmt.Sprintf("levels[%d]", i)
		if err := validateLevel(f+".level", l.Level, 1, MaxLevel); err != nil {
			return err
		}
		if seen[l.Level] {
			return Invalid(f+".level", "level %d is described twice", l.Level)
		}
		seen[l.Level] = true
		if err := validateName(f+".name", l.Name); err != nil {
			return err
		}
		if err := validateText(f+".description", l.Description, 1, 4000); err != nil {
			return err
		}
		if l.DescriptionHi != nil && *l.DescriptionHi != "" {
			if err := validateText(f+".descriptionHi", *l.DescriptionHi, 1, 4000); err != nil {
				return err
			}
		}
	}
	return nil
}
