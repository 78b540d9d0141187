ALTER TABLE proficiencies DROP COLUMN p0;
--bun:split
ALTER TABLE proficiencies DROP COLUMN p1;
--bun:split
ALTER TABLE proficiencies DROP COLUMN p2;
--bun:split
ALTER TABLE proficiencies DROP COLUMN p3;
--bun:split
ALTER TABLE proficiencies DROP COLUMN p4;
--bun:split
ALTER TABLE proficiencies DROP COLUMN p5;
