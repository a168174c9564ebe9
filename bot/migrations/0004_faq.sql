-- FAQ feature: moderator overrides of the config entries, usage, unanswered questions, viewer Q&A.

-- Every moderator change to the FAQ: who changed what and when. The latest row per entry_id is the
-- override on top of config/faq.toml: "add"/"edit" carry the full entry as JSON in after, "remove"
-- hides it (a config entry stays in the file, so removal is a soft delete). One table, so each change
-- is one autocommitted INSERT on the shared connection.
CREATE TABLE faq_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'edit', 'remove')),
    before TEXT,
    after TEXT,
    user_id INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX faq_history_entry ON faq_history (entry_id, id);

CREATE TABLE faq_usage (
    entry_id TEXT PRIMARY KEY,
    uses INTEGER NOT NULL DEFAULT 0,
    last_used_at TEXT NOT NULL
);

-- Questions no entry answered, grouped by their normalised form so repeats add up.
CREATE TABLE faq_unanswered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    normalized TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    locale TEXT NOT NULL,
    asked INTEGER NOT NULL DEFAULT 1,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    dismissed INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE qna_question (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER,
    author_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'hidden')),
    status_by INTEGER,
    status_at TEXT
);
CREATE INDEX qna_question_guild ON qna_question (guild_id, status, created_at);
CREATE INDEX qna_question_author ON qna_question (author_id, created_at);
CREATE UNIQUE INDEX qna_question_message ON qna_question (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE qna_vote (
    question_id INTEGER NOT NULL REFERENCES qna_question (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
