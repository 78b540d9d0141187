-- The peer events: one per learner, role they hold and course they enrolled in or
-- dismissed, with its weight and value (models.PeerOutcome.Weight and Value), kept
-- up to date by the writes that move them (store.refreshPeers).
CREATE TABLE peer_events (
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    role_id    BIGINT NOT NULL,
    course_id  BIGINT NOT NULL,
    weight     DOUBLE PRECISION NOT NULL,
    value      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (learner_id, role_id, course_id)
) WITH (fillfactor = 80);
--bun:split
-- Their sums by role and course, which the recommender reads: a few tens of
-- thousands of rows, whatever the number of learners.
CREATE TABLE peer_sums (
    role_id   BIGINT NOT NULL,
    course_id BIGINT NOT NULL,
    events    BIGINT NOT NULL,
    weight    DOUBLE PRECISION NOT NULL,
    outcome   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (role_id, course_id)
) WITH (fillfactor = 50);
--bun:split
-- The events of the record as it stands: store.FindPeerOutcomes' query, with the
-- weight and value as models.PeerOutcome computes them (at this migration).
INSERT INTO peer_events (learner_id, role_id, course_id, weight, value)
SELECT learner_id, role_id, course_id, 0.25 + 0.75 * LEAST(1.0, GREATEST(had_gap, 0.0) / 1.0),
       CASE WHEN rating BETWEEN 1 AND 5 THEN (completed - dismissed + (rating - 3) / 2.0) / 2.0
            ELSE completed - dismissed END
FROM (SELECT t.learner_id, lr.role_id, t.course_id, MAX(t.completed) AS completed, MAX(t.dismissed) AS dismissed,
             COALESCE(MAX(cr.stars), 0) AS rating,
             CAST(COALESCE((SELECT SUM(CASE WHEN rr.required_level > COALESCE(p.level, 0)
                                       THEN (rr.required_level - COALESCE(p.level, 0)) * rr.weight ELSE 0.0 END)
                       FROM course_competencies cc
                       JOIN role_requirements rr ON rr.role_id = lr.role_id AND rr.competency_id = cc.competency_id
                       LEFT JOIN proficiencies p ON p.learner_id = t.learner_id AND p.competency_id = cc.competency_id
                       WHERE cc.course_id = t.course_id), 0) AS DOUBLE PRECISION) AS had_gap
      FROM (SELECT learner_id, course_id, CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END AS completed, 0 AS dismissed
            FROM enrolments
            UNION ALL
            SELECT learner_id, course_id, 0, 1 FROM dismissals) t
      JOIN learner_roles lr ON lr.learner_id = t.learner_id
      LEFT JOIN course_ratings cr ON cr.learner_id = t.learner_id AND cr.course_id = t.course_id
      GROUP BY lr.role_id, t.course_id, t.learner_id) e;
--bun:split
INSERT INTO peer_sums (role_id, course_id, events, weight, outcome)
SELECT role_id, course_id, COUNT(*), SUM(weight), SUM(weight * value) FROM peer_events GROUP BY role_id, course_id;
