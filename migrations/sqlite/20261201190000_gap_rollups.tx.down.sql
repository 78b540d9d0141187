DROP TABLE IF EXISTS gap_rollups;
--bun:split
DROP TABLE IF EXISTS learner_gaps;
