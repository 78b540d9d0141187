-- Optional Hindi names of catalogue entries and Hindi level descriptors, shown to
-- readers who ask for Hindi (Accept-Language: hi) where present; NULL: none, the
-- English stands.
ALTER TABLE competencies ADD COLUMN name_hi TEXT;
--bun:split
ALTER TABLE courses ADD COLUMN title_hi TEXT;
--bun:split
ALTER TABLE competency_levels ADD COLUMN description_hi TEXT;
