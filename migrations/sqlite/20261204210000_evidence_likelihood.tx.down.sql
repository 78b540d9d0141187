ALTER TABLE evidence DROP COLUMN likelihood;
