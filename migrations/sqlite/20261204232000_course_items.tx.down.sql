DROP INDEX assessment_items_course_idx;
--bun:split
ALTER TABLE assessment_items DROP COLUMN course_id;
