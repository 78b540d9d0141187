-- Optional Hindi names of catalogue entries, shown to readers who ask for Hindi
-- (Accept-Language: hi) where present; NULL: none, the English name stands.
ALTER TABLE competencies ADD COLUMN name_hi TEXT;
--bun:split
ALTER TABLE courses ADD COLUMN title_hi TEXT;
