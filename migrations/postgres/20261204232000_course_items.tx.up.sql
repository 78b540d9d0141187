-- A course's own items: the questions of its final assessment (takeAssessment), kept
-- out of the competency's adaptive bank. course_id is null for a bank item.
ALTER TABLE assessment_items ADD COLUMN course_id BIGINT REFERENCES courses (id);
--bun:split
CREATE INDEX assessment_items_course_idx ON assessment_items (course_id);
