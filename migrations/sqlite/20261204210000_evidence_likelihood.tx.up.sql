-- An adaptive assessment's evidence carries the likelihood of its item responses at each
-- level 0..5 (JSON), which the estimator uses instead of a pass or fail at one level.
ALTER TABLE evidence ADD COLUMN likelihood TEXT;
