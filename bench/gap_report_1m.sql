-- Grows a seeded database (karmayogi seed --learners 2000) to 1,000,000 learners for
-- the gap report benchmark: each new learner copies the organisation, roles and stored
-- proficiencies of one of the 2,000 seeded learners (template k = n mod 2000), so the
-- mix of organisations, roles and evidence-based distributions is the seed's own.
-- Run: psql -v ON_ERROR_STOP=1 -d DB -f bench/gap_report_1m.sql, then `karmayogi reestimate`
-- to build the gap rows and rollups of the new learners (the SQL bypasses the store).
\timing on
CREATE TEMP TABLE templates AS
    SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, designation, organisation_id FROM learners;
CREATE TEMP TABLE clones AS
    SELECT g AS n, t.id AS template FROM generate_series(1, 998000) AS g JOIN templates AS t ON t.k = g % 2000;
INSERT INTO learners (employee_code, name, email, designation, organisation_id, version, created_at, updated_at)
    SELECT 'BENCH' || lpad(c.n::text, 7, '0'), 'Bench Learner ' || c.n, 'bench' || c.n || '@bench.gov.in',
           t.designation, t.organisation_id, 1, now(), now()
    FROM clones AS c JOIN templates AS t ON t.id = c.template;
CREATE TEMP TABLE cloned AS
    SELECT l.id, c.template FROM learners AS l
    JOIN clones AS c ON l.employee_code = 'BENCH' || lpad(c.n::text, 7, '0');
INSERT INTO learner_roles (learner_id, role_id)
    SELECT c.id, lr.role_id FROM cloned AS c JOIN learner_roles AS lr ON lr.learner_id = c.template;
INSERT INTO proficiencies (learner_id, competency_id, level, confidence, distribution, updated_at, p0, p1, p2, p3, p4, p5)
    SELECT c.id, p.competency_id, p.level, p.confidence, p.distribution, p.updated_at, p.p0, p.p1, p.p2, p.p3, p.p4, p.p5
    FROM cloned AS c JOIN proficiencies AS p ON p.learner_id = c.template;
ANALYZE;
SELECT (SELECT count(*) FROM learners) AS learners, (SELECT count(*) FROM learner_roles) AS learner_roles,
       (SELECT count(*) FROM proficiencies) AS proficiencies;
