-- Operations: the write probe behind /healthz and the storage watch (bot/store.py is the only writer).
-- Each probe inserts a row as large as one database page and deletes the older ones, so it needs
-- free space the way real writes do: a full disk (or database) makes it fail.
CREATE TABLE ops_probe (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    pad BLOB NOT NULL
)
