-- A course's ratings, to recount its average after a bulk import of ratings.
CREATE INDEX course_ratings_course_idx ON course_ratings (course_id);
