-- After the stream (cogs/recap/_store.py is the only writer). Times are ISO 8601 UTC text.
-- No semicolons inside statements: the migration runner splits on them.

-- Moderators' marks of a session: it actually started at `at` ('start'), or it was skipped. Every
-- mark is kept (who and when, for the record), and the latest per session is the one that counts.
CREATE TABLE recap_marks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_date TEXT NOT NULL,
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'skip')),
    at TEXT,
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    marked_at TEXT NOT NULL
);
CREATE INDEX recap_marks_session ON recap_marks (event_date, session_id, id);

-- Posts made once: the replay post (key: the video id) and the automatic report (key: the event
-- date), per server. 'intent' is written before the send with the nonce it carries, so a send cut
-- off by a crash is repeated with the same nonce (Discord then returns the first message),
-- 'logged' means there was no channel and the report went to the log.
CREATE TABLE recap_posts (
    kind TEXT NOT NULL CHECK (kind IN ('replay', 'report')),
    key TEXT NOT NULL,
    guild_id INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intent', 'sent', 'logged')),
    nonce TEXT NOT NULL,
    channel_id INTEGER,
    message_id INTEGER,
    at TEXT NOT NULL,
    PRIMARY KEY (kind, key, guild_id)
)
