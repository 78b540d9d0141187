package models

import "context"

// OrganisationService reads and creates organisations.
type OrganisationService interface {
	// FindOrganisationByID returns ENOTFOUND if there is no such organisation.
	FindOrganisationByID(ctx context.Context, id int64) (*Organisation, error)
	// FindOrganisationByCode returns ENOTFOUND if no organisation has the code.
	FindOrganisationByCode(ctx context.Context, code string) (*Organisation, error)
	// FindOrganisationsByIDs returns the organisations that exist, keyed by ID.
	FindOrganisationsByIDs(ctx context.Context, ids []int64) (map[int64]*Organisation, error)
	// FindOrganisations pages through organisations by code. EINVALID for a bad page.
	FindOrganisations(ctx context.Context, f OrganisationFilter, p PageRequest) (*Page[*Organisation], error)
	// CreateOrganisation returns EINVALID for bad input or an unknown parent,
	// ECONFLICT for a code in use.
	CreateOrganisation(ctx context.Context, n *NewOrganisation) (*Organisation, error)
}

// CatalogueService reads and changes competencies, roles and courses. Every change
// bumps the catalogue version in the same transaction.
type CatalogueService interface {
	// CatalogueVersion returns the counter bumped by every catalogue change.
	CatalogueVersion(ctx context.Context) (int64, error)

	FindCompetencyByID(ctx context.Context, id int64) (*Competency, error)
	FindCompetenciesByIDs(ctx context.Context, ids []int64) (map[int64]*Competency, error)
	FindCompetencies(ctx context.Context, f CompetencyFilter, p PageRequest) (*Page[*Competency], error)
	// FindLevelsByCompetencyIDs returns each competency's level descriptors, by level.
	FindLevelsByCompetencyIDs(ctx context.Context, ids []int64) (map[int64][]CompetencyLevel, error)
	// CreateCompetency returns EINVALID or ECONFLICT (code in use).
	CreateCompetency(ctx context.Context, n *NewCompetency) (*Competency, error)

	FindRoleByID(ctx context.Context, id int64) (*Role, error)
	// FindRoleByCode returns ENOTFOUND if no role has the code.
	FindRoleByCode(ctx context.Context, code string) (*Role, error)
	FindRolesByIDs(ctx context.Context, ids []int64) (map[int64]*Role, error)
	FindRoles(ctx context.Context, f RoleFilter, p PageRequest) (*Page[*Role], error)
	// FindRequirementsByRoleIDs returns each role's requirements, by competency code.
	FindRequirementsByRoleIDs(ctx context.Context, ids []int64) (map[int64][]RoleRequirement, error)
	// CreateRole returns EINVALID (including an unknown competency) or ECONFLICT.
	CreateRole(ctx context.Context, n *NewRole) (*Role, error)
	// SetRoleRequirement adds or replaces one requirement. ENOTFOUND for an unknown
	// role, EINVALID for an unknown competency or bad level or weight.
	SetRoleRequirement(ctx context.Context, r RoleRequirement) (*Role, error)

	FindCourseByID(ctx context.Context, id int64) (*Course, error)
	FindCoursesByIDs(ctx context.Context, ids []int64) (map[int64]*Course, error)
	FindCourses(ctx context.Context, f CourseFilter, p PageRequest) (*Page[*Course], error)
	// FindCourseCompetenciesByCourseIDs returns what each course imparts, by competency code.
	FindCourseCompetenciesByCourseIDs(ctx context.Context, ids []int64) (map[int64][]CourseCompetency, error)
	// CreateCourse returns EINVALID (including an unknown competency) or ECONFLICT.
	CreateCourse(ctx context.Context, n *NewCourse) (*Course, error)
	// UpdateCourse returns ENOTFOUND or EINVALID.
	UpdateCourse(ctx context.Context, id int64, u CourseUpdate) (*Course, error)
}

// LearnerService reads and changes learners and their roles. Changes bump the
// learner's version in the same transaction.
type LearnerService interface {
	FindLearnerByID(ctx context.Context, id int64) (*Learner, error)
	FindLearnersByIDs(ctx context.Context, ids []int64) (map[int64]*Learner, error)
	// FindLearnerByEmployeeCode returns ENOTFOUND if no learner has the code.
	FindLearnerByEmployeeCode(ctx context.Context, code string) (*Learner, error)
	// FindLearnerByEmail returns ENOTFOUND if no learner has the (normalised) email.
	FindLearnerByEmail(ctx context.Context, email string) (*Learner, error)
	// FindLearners pages through learners by employee code.
	FindLearners(ctx context.Context, f LearnerFilter, p PageRequest) (*Page[*Learner], error)
	// FindRoleIDsByLearnerIDs returns the IDs of each learner's roles.
	FindRoleIDsByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]int64, error)
	// CreateLearner returns EINVALID (including an unknown organisation or role) or
	// ECONFLICT (employee code or email in use).
	CreateLearner(ctx context.Context, n *NewLearner) (*Learner, error)
	// ApproveRegistration makes a pending learner ACTIVE under employeeCode (the
	// code asked for when empty) with roleIDs. ENOTFOUND; EINVALID (learnerId) when
	// not pending, (employeeCode), (roleIds[i]); ECONFLICT (employeeCode) in use.
	ApproveRegistration(ctx context.Context, learnerID int64, employeeCode string, roleIDs []int64) (*Learner, error)
	// UpdateLearner returns ENOTFOUND or EINVALID.
	UpdateLearner(ctx context.Context, id int64, u LearnerUpdate) (*Learner, error)
	// AssignRole gives a learner a role (doing nothing if they hold it). ENOTFOUND for
	// an unknown learner, EINVALID for an unknown role.
	AssignRole(ctx context.Context, learnerID, roleID int64) (*Learner, error)
}

// BulkWriter upserts batches of records on each kind's key, as import and seed do.
// Each method stores every valid record of the batch, returns a RecordError for each
// record it rejected, and returns an error only when the batch could not be written.
type BulkWriter interface {
	UpsertOrganisations(ctx context.Context, recs []OrganisationRecord) ([]RecordError, error)
	UpsertCompetencies(ctx context.Context, recs []CompetencyRecord) ([]RecordError, error)
	UpsertRoles(ctx context.Context, recs []RoleRecord) ([]RecordError, error)
	UpsertRoleRequirements(ctx context.Context, recs []RoleRequirementRecord) ([]RecordError, error)
	UpsertCourses(ctx context.Context, recs []CourseRecord) ([]RecordError, error)
	UpsertCourseCompetencies(ctx context.Context, recs []CourseCompetencyRecord) ([]RecordError, error)
	UpsertLearners(ctx context.Context, recs []LearnerRecord) ([]RecordError, error)
	// UpsertEvidence stores evidence and re-estimates the proficiencies it changes,
	// as RecordEvidence does, each learner once per batch.
	UpsertEvidence(ctx context.Context, recs []EvidenceRecord) ([]RecordError, error)
	// UpsertEnrolments stores enrolments and ratings; a newly COMPLETED enrolment has
	// the effects of completing the course through UpdateProgress. A record that
	// would move progress backwards or undo a completion is rejected.
	UpsertEnrolments(ctx context.Context, recs []EnrolmentRecord) ([]RecordError, error)
	BlendedBulkWriter
}

// LearningService keeps each learner's record: evidence and the proficiency it
// supports, enrolments, certificates and ratings. Every change bumps the learner's
// version in the same transaction.
type LearningService interface {
	// RecordEvidence stores evidence and the re-estimated proficiency in its
	// competency in one transaction. EINVALID for bad input or an unknown competency
	// (field competencyId); ENOTFOUND for an unknown learner.
	RecordEvidence(ctx context.Context, n *NewEvidence) (*RecordedEvidence, error)
	// FindEvidenceByID returns ENOTFOUND if there is no such evidence.
	FindEvidenceByID(ctx context.Context, id int64) (*Evidence, error)
	// FindEvidence pages through a learner's evidence, newest first.
	FindEvidence(ctx context.Context, learnerID int64, p PageRequest) (*Page[*Evidence], error)
	// FindProficienciesByLearnerIDs returns each learner's stored proficiencies (one
	// per competency with evidence), in competency ID order.
	FindProficienciesByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]*Proficiency, error)

	// Enrol enrols a learner in a course. ECONFLICT (field courseId) if they are
	// enrolled already; EINVALID (field courseId) for an unknown course; ENOTFOUND for
	// an unknown learner.
	Enrol(ctx context.Context, learnerID, courseID int64) (*Enrolment, error)
	// FindEnrolmentByID returns ENOTFOUND if there is no such enrolment.
	FindEnrolmentByID(ctx context.Context, id int64) (*Enrolment, error)
	// FindEnrolmentsByIDs returns the enrolments that exist, keyed by ID.
	FindEnrolmentsByIDs(ctx context.Context, ids []int64) (map[int64]*Enrolment, error)
	// FindEnrolments pages through a learner's enrolments, newest first, optionally of one status.
	FindEnrolments(ctx context.Context, learnerID int64, status *EnrolmentStatus, p PageRequest) (*Page[*Enrolment], error)
	// UpdateProgress moves an enrolment forward. Progress 1 completes the course when
	// Course.Completion allows (SELF_REPORTED, or ASSESSMENT after a passed final
	// assessment): a certificate and COURSE_COMPLETION evidence for each competency
	// the course imparts, in the same transaction; otherwise the enrolment waits at
	// progress 1. EINVALID (field progress) outside 0..1 or below the current
	// progress; ENOTFOUND for an unknown enrolment.
	UpdateProgress(ctx context.Context, enrolmentID int64, progress float64) (*Enrolment, error)
	// ConfirmCompletion completes an enrolment on the course provider's word
	// (verified PROVIDER); a completed one is left as it is. ENOTFOUND for an
	// unknown enrolment; EINVALID (enrolmentId) for a dropped one.
	ConfirmCompletion(ctx context.Context, enrolmentID int64) (*Enrolment, error)

	// FindCertificateByID returns ENOTFOUND if there is no such certificate.
	FindCertificateByID(ctx context.Context, id int64) (*Certificate, error)
	// FindCertificatesByEnrolmentIDs returns the certificates of those enrolments that have one.
	FindCertificatesByEnrolmentIDs(ctx context.Context, ids []int64) (map[int64]*Certificate, error)
	// FindCertificates pages through a learner's certificates, newest first.
	FindCertificates(ctx context.Context, learnerID int64, p PageRequest) (*Page[*Certificate], error)
	// FindCertificateByCode returns ENOTFOUND if no certificate has the verification code.
	FindCertificateByCode(ctx context.Context, code string) (*Certificate, error)

	// RateCourse records a learner's stars (1..5) for a course they are enrolled in;
	// rating again replaces the earlier stars. EINVALID (field stars, or courseId when
	// not enrolled or unknown); ENOTFOUND for an unknown learner.
	RateCourse(ctx context.Context, learnerID, courseID int64, stars int) (*Course, error)
}

// PlanService keeps capacity-building plans: courses assigned to an audience of an
// organisation's learners with a due date, and the progress on them.
type PlanService interface {
	// CreatePlan resolves the audience into assignments and stores the plan in one
	// transaction; a LIVE plan bumps the version of every learner it assigns.
	// EINVALID for bad input (fields as NewPlan.Validate names them), an unknown
	// organisation (organisationId), course (courseIds[i]) or role
	// (audienceRoleIds[i]), a listed learner who is not in the organisation's
	// subtree (audienceLearnerIds[i]), or an audience of nobody (no field: the
	// input as a whole). Nothing is stored on error.
	CreatePlan(ctx context.Context, n *NewPlan) (*Plan, error)
	// UpdatePlan moves a plan to status (Plan.Move): LIVE assigns its audience as
	// it is now, RETIRED stops assigning and keeps the history. ENOTFOUND for an
	// unknown plan; EINVALID (status) for a move backwards, to LIVE after the due
	// date, or to LIVE with nobody to assign.
	UpdatePlan(ctx context.Context, id int64, status PlanStatus) (*Plan, error)
	// FindPlanByID returns ENOTFOUND if there is no such plan.
	FindPlanByID(ctx context.Context, id int64) (*Plan, error)
	// FindPlansByIDs returns the plans that exist, keyed by ID.
	FindPlansByIDs(ctx context.Context, ids []int64) (map[int64]*Plan, error)
	// FindPlans pages through plans by due date, the latest first. EINVALID for a bad cursor.
	FindPlans(ctx context.Context, f PlanFilter, p PageRequest) (*Page[*Plan], error)
	// FindCourseIDsByPlanIDs returns each plan's courses in the order the plan lists them.
	FindCourseIDsByPlanIDs(ctx context.Context, ids []int64) (map[int64][]int64, error)
	// FindPlanProgress returns the progress on each plan, counting the assigned
	// learners scope selects (a plan with none counts zeros).
	FindPlanProgress(ctx context.Context, ids []int64, scope PlanProgressScope) (map[int64]*PlanProgress, error)
	// FindAssignedCourses returns, per learner, the courses LIVE plans assign them,
	// by due date (then plan, then the plan's order of courses).
	FindAssignedCourses(ctx context.Context, learnerIDs []int64) (map[int64][]AssignedCourse, error)
}
