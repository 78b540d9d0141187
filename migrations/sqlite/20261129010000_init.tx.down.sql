DROP TABLE IF EXISTS counters;
--bun:split
DROP TABLE IF EXISTS course_ratings;
--bun:split
DROP TABLE IF EXISTS certificates;
--bun:split
DROP TABLE IF EXISTS enrolments;
--bun:split
DROP TABLE IF EXISTS proficiencies;
--bun:split
DROP TABLE IF EXISTS evidence;
--bun:split
DROP TABLE IF EXISTS learner_roles;
--bun:split
DROP TABLE IF EXISTS learners;
--bun:split
DROP TABLE IF EXISTS course_competencies;
--bun:split
DROP TABLE IF EXISTS courses;
--bun:split
DROP TABLE IF EXISTS role_requirements;
--bun:split
DROP TABLE IF EXISTS roles;
--bun:split
DROP TABLE IF EXISTS competency_levels;
--bun:split
DROP TABLE IF EXISTS competencies;
--bun:split
DROP TABLE IF EXISTS organisations;
