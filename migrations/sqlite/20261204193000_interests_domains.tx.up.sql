-- The domain an organisation works in: the area of the DOMAIN competencies it governs
-- ("Public Finance"); '' when it has none of its own, when it takes its nearest
-- ancestor's. Recommendations leave out courses on other domains' subjects.
ALTER TABLE organisations ADD COLUMN domain TEXT NOT NULL DEFAULT '';

-- Competencies a learner wants to grow beyond their roles (setLearningInterests): at
-- most ten, in the order given.
CREATE TABLE learning_interests (
    learner_id    BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies (id),
    position      INTEGER NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (learner_id, competency_id)
);

-- Who else in an organisation holds the same designation (cold-start recommendations).
CREATE INDEX learners_designation_idx ON learners (organisation_id, designation);
