DROP TABLE IF EXISTS course_effects;
