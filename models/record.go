package models

// Records are rows keyed by codes, as bulk import and seeding write them. The store
// upserts a batch of them on each kind's key and reports the rows it could not take.

// OrganisationRecord is an organisations CSV row.
type OrganisationRecord struct {
	Code, Name string
	Type       OrganisationType
	ParentCode string // "" for a ministry
}

// CompetencyRecord is a competencies CSV row. Levels may be empty: existing
// descriptors are kept, or generic ones stored for a new competency.
type CompetencyRecord struct {
	Code, Name, Description, Area, SubTheme string
	Type                                    CompetencyType
	Levels                                  []CompetencyLevel
}

// RoleRecord is a roles CSV row.
type RoleRecord struct {
	Code, Name, Description string
}

// RoleRequirementRecord is a role_requirements CSV row.
type RoleRequirementRecord struct {
	RoleCode, CompetencyCode string
	RequiredLevel            int
	Weight                   float64
}

// CourseRecord is a courses CSV row.
type CourseRecord struct {
	Code, Title, Description, Provider string
	Format                             CourseFormat
	DurationHours                      float64
}

// CourseCompetencyRecord is a course_competencies CSV row.
type CourseCompetencyRecord struct {
	CourseCode, CompetencyCode string
	FromLevel, ToLevel         int
}

// LearnerRecord is a learners CSV row. When HasRoles is set, RoleCodes replaces the
// learner's roles; otherwise their roles are left as they are.
type LearnerRecord struct {
	EmployeeCode, Name, Email, Designation, OrganisationCode string
	RoleCodes                                                []string
	HasRoles                                                 bool
}

// RecordError says why the record at Index of a batch was rejected, naming the
// column at fault.
type RecordError struct {
	Index  int
	Column string
	Reason string
	// Unresolved is set when the record names a parent that is not stored yet, so a
	// caller streaming a file may retry it once later rows have been written.
	Unresolved bool
}
