ALTER TABLE competency_levels DROP COLUMN description_hi;
--bun:split
ALTER TABLE courses DROP COLUMN title_hi;
--bun:split
ALTER TABLE competencies DROP COLUMN name_hi;
