ALTER TABLE learners RESET (fillfactor);
--bun:split
ALTER TABLE proficiencies RESET (fillfactor);
--bun:split
ALTER TABLE learner_gaps RESET (fillfactor);
--bun:split
ALTER TABLE gap_rollups RESET (fillfactor);
--bun:split
ALTER TABLE karma_totals RESET (fillfactor);
--bun:split
ALTER TABLE courses RESET (fillfactor);
--bun:split
ALTER TABLE counters RESET (fillfactor);
