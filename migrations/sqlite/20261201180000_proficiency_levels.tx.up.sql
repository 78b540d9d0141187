-- The distribution of each proficiency as six numbers (besides the JSON text the API
-- reads), so that gap reports over a whole ministry are one set-based query.
ALTER TABLE proficiencies ADD COLUMN p0 DOUBLE PRECISION NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE proficiencies ADD COLUMN p1 DOUBLE PRECISION NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE proficiencies ADD COLUMN p2 DOUBLE PRECISION NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE proficiencies ADD COLUMN p3 DOUBLE PRECISION NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE proficiencies ADD COLUMN p4 DOUBLE PRECISION NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE proficiencies ADD COLUMN p5 DOUBLE PRECISION NOT NULL DEFAULT 0;
--bun:split
UPDATE proficiencies SET
    p0 = json_extract(distribution, '$[0]'), p1 = json_extract(distribution, '$[1]'),
    p2 = json_extract(distribution, '$[2]'), p3 = json_extract(distribution, '$[3]'),
    p4 = json_extract(distribution, '$[4]'), p5 = json_extract(distribution, '$[5]');
