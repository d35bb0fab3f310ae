-- ClawDesk on PostgreSQL: the schema the SQLite migrations 0001-0006 arrive
-- at, in one step (a PostgreSQL database starts at this build). Times are
-- integer milliseconds since the epoch, as in SQLite. Several server
-- processes share the database, so everything a listing needs (counts,
-- titles, activity) is in these rows, kept in step inside the write's
-- transaction, and every listing is an index scan.
--
-- Ids are compared byte for byte (COLLATE "C"), as SQLite does: keyset
-- cursors break ties by id and must order the same on every server locale.

CREATE TABLE sessions (
    id            TEXT COLLATE "C" PRIMARY KEY,
    channel_id    TEXT NOT NULL,
    model         TEXT,
    title         TEXT,
    created_at    BIGINT NOT NULL,
    last_active   BIGINT NOT NULL,
    -- Messages of the session, kept in step with the messages table.
    message_count BIGINT NOT NULL DEFAULT 0,
    -- The user keeps the chat at the top of the list.
    pinned        BOOLEAN NOT NULL DEFAULT FALSE,
    -- Replaces the configured default system prompt; NULL uses the default.
    system_prompt TEXT,
    -- The user renamed the chat: the first message no longer titles it.
    title_set     BOOLEAN NOT NULL DEFAULT FALSE
);

-- The two page orders of list_sessions_page (and list_sessions).
CREATE INDEX sessions_by_last_active ON sessions (last_active DESC, id DESC);
CREATE INDEX sessions_by_pinned_last_active ON sessions (pinned DESC, last_active DESC, id DESC);
-- count_sessions_in_channel.
CREATE INDEX sessions_by_channel ON sessions (channel_id);

CREATE TABLE messages (
    -- Storage order: search reads the newest matches first by it (SQLite's rowid).
    pk              BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id              TEXT COLLATE "C" PRIMARY KEY,
    session_id      TEXT COLLATE "C" NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Position in the session, 1-based.
    seq             BIGINT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content         TEXT NOT NULL,
    model           TEXT,
    input_tokens    BIGINT,
    output_tokens   BIGINT,
    status          TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'cancelled', 'failed')),
    created_at      BIGINT NOT NULL,
    -- Tokens the message takes in a request.
    tokens          BIGINT,
    -- A compaction replaced the message by a summary (it stays readable).
    compacted       BOOLEAN NOT NULL DEFAULT FALSE,
    -- The system message a compaction wrote.
    summary         BOOLEAN NOT NULL DEFAULT FALSE,
    -- Why a reply did not complete.
    failure_code    TEXT,
    failure_message TEXT,
    -- The words of content for full-text search, written by the store with
    -- every write of content (same statement): folded in Rust the way the
    -- query parser folds (case and diacritics, `search::fold`), separators
    -- made spaces, then `to_tsvector('simple', ...)`. No extension needed.
    search_words    TSVECTOR NOT NULL,
    -- Content has Chinese, Japanese or Korean text (`search::script::is_cjk`):
    -- those are found as substrings among these messages only.
    has_cjk         BOOLEAN NOT NULL DEFAULT FALSE,
    -- The message this one follows: the previous message of its path, NULL
    -- for the first. A compaction's summary names the last message it
    -- replaced (it belongs to the paths through that message) and is
    -- nobody's parent. Whole sessions are deleted at once.
    parent_id       TEXT COLLATE "C" REFERENCES messages (id) ON DELETE CASCADE,
    -- On the session's active path (what get_messages, requests and exports
    -- read). Kept in step by every write that moves it.
    on_path         BOOLEAN NOT NULL DEFAULT TRUE,
    -- When the message was last on the active path (ms): switching to a
    -- version leads on to the replies last seen below it.
    chosen_at       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (session_id, seq)
);

-- The live context of the active path in order: every send reads it.
CREATE INDEX messages_live ON messages (session_id, seq) WHERE NOT compacted AND on_path;
-- The active path in order: get_messages, the leaf a send appends to.
CREATE INDEX messages_path ON messages (session_id, seq) WHERE on_path;
-- The versions at one place: sibling counts, and the children a switch
-- descends through. Summaries are nobody's sibling.
CREATE INDEX messages_children ON messages (session_id, parent_id, seq) WHERE NOT summary;
-- Replies left half-written are found without a scan.
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
-- Full-text search.
CREATE INDEX messages_search_words ON messages USING GIN (search_words);
-- CJK substrings: the messages that have such text, newest first.
CREATE INDEX messages_cjk ON messages (pk) WHERE has_cjk;
