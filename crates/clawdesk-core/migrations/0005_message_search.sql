-- Full-text search over every message of every chat (search_messages).
--
-- Two FTS5 indexes over the messages table's own text (external content: the
-- text is stored once, in messages). Triggers on messages keep both in step
-- inside the same transaction as the write that changed the text, so a crash
-- can never leave an index that disagrees with the table: either the write
-- and its index entries committed together, or neither did.
--
-- Compacted messages stay indexed: compaction takes them out of the model's
-- context, not out of the user's history, and they are still shown in the
-- chat. Compaction only rewrites seq/compacted, which no trigger watches.
--
-- The index is keyed by the messages rowid. Rowids are stable as long as
-- nothing VACUUMs with renumbering; the app never runs VACUUM.

-- Words: Unicode-aware tokens, case and diacritics folded ("cafe" finds "café").
CREATE VIRTUAL TABLE message_search USING fts5(
    content,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Chinese, Japanese and Korean runs have no spaces between words, so the word
-- index sees one long token per run. Substrings of those are found through a
-- trigram index; it holds only the messages that contain such characters,
-- which keeps it small for everyone else. The character class here is the
-- one `search::script::is_cjk` uses on queries.
CREATE VIRTUAL TABLE message_search_cjk USING fts5(
    content,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = 'trigram case_sensitive 0'
);

CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, content) VALUES (new.rowid, new.content);
    INSERT INTO message_search_cjk (rowid, content)
        SELECT new.rowid, new.content
        WHERE new.content GLOB '*[぀-ヿ㐀-䶿一-鿿가-힯豈-﫿ｦ-ﾟ]*';
END;

CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, content)
        VALUES ('delete', old.rowid, old.content);
    INSERT INTO message_search_cjk (message_search_cjk, rowid, content)
        SELECT 'delete', old.rowid, old.content
        WHERE old.content GLOB '*[぀-ヿ㐀-䶿一-鿿가-힯豈-﫿ｦ-ﾟ]*';
END;

-- A streaming reply is rewritten as it grows; each rewrite replaces its entry.
CREATE TRIGGER message_search_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, content)
        VALUES ('delete', old.rowid, old.content);
    INSERT INTO message_search_cjk (message_search_cjk, rowid, content)
        SELECT 'delete', old.rowid, old.content
        WHERE old.content GLOB '*[぀-ヿ㐀-䶿一-鿿가-힯豈-﫿ｦ-ﾟ]*';
    INSERT INTO message_search (rowid, content) VALUES (new.rowid, new.content);
    INSERT INTO message_search_cjk (rowid, content)
        SELECT new.rowid, new.content
        WHERE new.content GLOB '*[぀-ヿ㐀-䶿一-鿿가-힯豈-﫿ｦ-ﾟ]*';
END;

-- Index what is already there.
INSERT INTO message_search (message_search) VALUES ('rebuild');
INSERT INTO message_search_cjk (rowid, content)
    SELECT rowid, content FROM messages
    WHERE content GLOB '*[぀-ヿ㐀-䶿一-鿿가-힯豈-﫿ｦ-ﾟ]*';
