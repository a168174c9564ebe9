-- Live relay: moderator notices are told once through the core (bot/notices.py, the settings
-- table), so the relay's own notice table is no longer used.

DROP TABLE IF EXISTS live_notices;
