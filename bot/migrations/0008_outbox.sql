-- The outbox: one row per message the bot starts on its own (bot/outbox/_store.py is the only writer).
-- No semicolons inside statements: the migration runner splits on them.

-- A row is written *before* the first POST (state 'pending') and holds everything needed to send
-- the message again after a crash. unsure_since is the earliest attempt whose outcome is unknown
-- (NULL once channel history showed no such message): past Discord's nonce window, history is read
-- before anything is sent again. Times are ISO 8601 UTC text (event time, from the bot's clock).
CREATE TABLE outbox (
    key TEXT PRIMARY KEY,
    guild_id INTEGER,
    channel_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    marker TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'unknown', 'deleted')),
    draft TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    unsure_since TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER,
    sent_at TEXT,
    last_error TEXT,
    updated_at TEXT NOT NULL
);

CREATE INDEX outbox_unfinished ON outbox (state) WHERE state IN ('pending', 'unknown')
