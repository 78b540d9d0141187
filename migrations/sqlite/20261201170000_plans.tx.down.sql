DROP TABLE IF EXISTS plan_learners;
--bun:split
DROP TABLE IF EXISTS plan_courses;
--bun:split
DROP TABLE IF EXISTS plans;
