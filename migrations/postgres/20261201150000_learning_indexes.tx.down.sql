DROP INDEX IF EXISTS course_ratings_course_idx;
