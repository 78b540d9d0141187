DROP INDEX learners_designation_idx;
DROP TABLE learning_interests;
ALTER TABLE organisations DROP COLUMN domain;
