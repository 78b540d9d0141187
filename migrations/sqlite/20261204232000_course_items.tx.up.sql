-- A course's own items: the questions of its final assessment (takeAssessment), kept
-- out of the competency's adaptive bank. course_id is null for a bank item. SQLite
-- cannot drop a column that carries a foreign key, so here the store checks that
-- the course exists (as it does on PostgreSQL, where the key also holds).
ALTER TABLE assessment_items ADD COLUMN course_id BIGINT;
--bun:split
CREATE INDEX assessment_items_course_idx ON assessment_items (course_id);
