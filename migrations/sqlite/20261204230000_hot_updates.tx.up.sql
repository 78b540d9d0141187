-- PostgreSQL's fillfactor for HOT updates; SQLite has no such setting.
SELECT 1;
