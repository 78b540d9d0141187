DROP TABLE attempt_responses;
--bun:split
DROP TABLE adaptive_attempts;
--bun:split
DROP TABLE assessment_items;
