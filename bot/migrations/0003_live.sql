-- Live relay: the channel lookup cache, broadcasts and what the bot said about them, viewer samples,
-- the YouTube quota ledger and once-only moderator notices. Times are ISO 8601 UTC text.

CREATE TABLE live_channels (
    ref TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    title TEXT NOT NULL,
    uploads_playlist TEXT NOT NULL,
    resolved_at TEXT NOT NULL
);

CREATE TABLE live_broadcasts (
    video_id TEXT PRIMARY KEY,
    phase TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    channel_id TEXT NOT NULL DEFAULT '',
    thumbnail_url TEXT NOT NULL DEFAULT '',
    premiere INTEGER NOT NULL DEFAULT 0,
    scheduled_start TEXT,
    actual_start TEXT,
    actual_end TEXT,
    viewers INTEGER,
    reported_viewers INTEGER,
    peak_viewers INTEGER,
    first_seen TEXT NOT NULL,
    last_seen TEXT,
    missing_since TEXT,
    upcoming_announced INTEGER NOT NULL DEFAULT 0,
    live_announced INTEGER NOT NULL DEFAULT 0,
    ended_announced INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- kind is 'upcoming' (the announcement) or 'live' (the status message edited with viewer counts)
CREATE TABLE live_messages (
    video_id TEXT NOT NULL REFERENCES live_broadcasts (video_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (video_id, kind, channel_id)
);

CREATE TABLE live_samples (
    video_id TEXT NOT NULL REFERENCES live_broadcasts (video_id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    viewers INTEGER NOT NULL,
    PRIMARY KEY (video_id, at)
);

-- Units per Pacific-time day (the Data API quota resets at midnight America/Los_Angeles)
CREATE TABLE live_quota (
    pacific_day TEXT NOT NULL,
    method TEXT NOT NULL,
    calls INTEGER NOT NULL DEFAULT 0,
    units INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pacific_day, method)
);

-- scope is e.g. the Pacific day for "quota exhausted" or a key fingerprint for "bad key"
CREATE TABLE live_notices (
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (kind, scope)
);
