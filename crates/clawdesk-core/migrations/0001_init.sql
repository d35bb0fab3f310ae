-- Sessions and their messages. Times are integer milliseconds since the epoch.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY NOT NULL,
    channel_id    TEXT NOT NULL,
    model         TEXT,
    title         TEXT,
    created_at    INTEGER NOT NULL,
    last_active   INTEGER NOT NULL,
    -- Kept in step with the messages table inside the same transactions, so
    -- listing sessions never has to count messages.
    message_count INTEGER NOT NULL DEFAULT 0
);

-- "Sessions by last activity": list_sessions reads this index in order.
CREATE INDEX sessions_by_last_active ON sessions (last_active DESC, id DESC);

CREATE TABLE messages (
    id            TEXT PRIMARY KEY NOT NULL,
    session_id    TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Position in the session, 1-based, gap-free at insert time.
    seq           INTEGER NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content       TEXT NOT NULL,
    model         TEXT,
    input_tokens  INTEGER,
    output_tokens INTEGER,
    status        TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'cancelled', 'failed')),
    created_at    INTEGER NOT NULL
);

-- "Messages of a session in order": get_messages walks this index backwards for a page.
CREATE UNIQUE INDEX messages_by_session_seq ON messages (session_id, seq);

-- Replies left half-written by a crash are found at start-up without a scan.
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
