-- The schedule's once-only notices are now the core's (bot/notices.py keeps them in settings, scope
-- 'notice:<guild id>'): carry over the notices already given, so an upgrade does not repeat them,
-- and drop the schedule's own table. No semicolons inside statements: the runner splits on them.
INSERT OR IGNORE INTO settings (scope, key, value)
    SELECT 'notice:' || guild_id, kind, 'true' FROM schedule_notices;

DROP TABLE schedule_notices
