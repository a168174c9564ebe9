-- Program schedule and reminders (cogs/schedule/_ledger.py is the only writer).
-- No semicolons inside statements: the migration runner splits on them.

-- One row per (target, session, offset): the exactly-once ledger. A row is written as 'intent'
-- *before* the Discord send and turned into 'sent' after it, so a crash in between is visible at the
-- next start. target is 'guild:<id>' (that server's announce channel) or 'dm'.
CREATE TABLE schedule_reminder_ledger (
    target TEXT NOT NULL,
    session_id TEXT NOT NULL,
    offset_seconds INTEGER NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intent', 'sent', 'skipped', 'uncertain')),
    nonce TEXT NOT NULL,
    due_at TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    sent_at TEXT,
    message_id INTEGER,
    late INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    PRIMARY KEY (target, session_id, offset_seconds)
);

-- Every change to the program (delays by moderators, config edits seen at start-up). The schedule
-- version is 1 + the number of rows, and per-session shifts are the sum of the delays that moved them.
CREATE TABLE schedule_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('delay', 'edit')),
    minutes INTEGER NOT NULL DEFAULT 0,
    moved TEXT NOT NULL DEFAULT '[]',
    guild_id INTEGER NOT NULL DEFAULT 0,
    user_id INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);

-- Small scalar state: installation salt for message nonces, paused flag, program fingerprint.
CREATE TABLE schedule_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Users who asked for reminders by DM.
CREATE TABLE schedule_dm_optin (
    user_id INTEGER PRIMARY KEY,
    locale TEXT NOT NULL,
    since TEXT NOT NULL
);

-- The Discord Scheduled Event created for the day, so a restart updates it instead of duplicating.
CREATE TABLE schedule_discord_events (
    guild_id INTEGER NOT NULL,
    event_date TEXT NOT NULL,
    scheduled_event_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, event_date)
);

-- Notices that must be given once per guild (e.g. "no permission to create events").
CREATE TABLE schedule_notices (
    guild_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (guild_id, kind)
)
