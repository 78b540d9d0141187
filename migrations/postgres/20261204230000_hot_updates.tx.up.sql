-- Room on each page for the rows that writes update in place: with free space on
-- its page, an update that changes no indexed column is a HOT update (no new index
-- entries, and the log carries the changed tuple, not new index pages). Evidence
-- writes bump the learner's version and update the proficiency and one rollup;
-- enrolments move counters on courses and karma totals. Existing full pages gain the
-- room as rows move off them (or at the next seed, whose COPY honours it).
ALTER TABLE learners SET (fillfactor = 85);
--bun:split
ALTER TABLE proficiencies SET (fillfactor = 80);
--bun:split
ALTER TABLE learner_gaps SET (fillfactor = 80);
--bun:split
ALTER TABLE gap_rollups SET (fillfactor = 50);
--bun:split
ALTER TABLE karma_totals SET (fillfactor = 70);
--bun:split
ALTER TABLE courses SET (fillfactor = 70);
--bun:split
ALTER TABLE counters SET (fillfactor = 50);
