DROP TABLE IF EXISTS counters, course_ratings, certificates, enrolments, proficiencies, evidence,
    learner_roles, learners, course_competencies, courses, role_requirements, roles,
    competency_levels, competencies, organisations;
