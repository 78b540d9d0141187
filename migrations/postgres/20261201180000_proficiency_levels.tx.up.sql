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
    p0 = (distribution::jsonb ->> 0)::double precision, p1 = (distribution::jsonb ->> 1)::double precision,
    p2 = (distribution::jsonb ->> 2)::double precision, p3 = (distribution::jsonb ->> 3)::double precision,
    p4 = (distribution::jsonb ->> 4)::double precision, p5 = (distribution::jsonb ->> 5)::double precision;
