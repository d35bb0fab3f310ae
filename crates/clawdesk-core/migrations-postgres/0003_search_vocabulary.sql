-- The search vocabulary: for every word of the search index, how many
-- messages contain it (its document frequency), so ranking reads one row
-- per word instead of counting the word's matches (a common word's 20,000
-- capped matches took ~70 ms to count at a million messages; see
-- `store/postgres/vocabulary.rs`).
--
-- A word here is a lexeme of `messages.search_words`, as the GIN index
-- holds it. A message counts once it is not `streaming`: a reply is counted
-- with the text it has when it stops (complete, cancelled or failed), and
-- uncounted if it streams again. The store changes these rows in the same
-- transaction as every write that adds, rewrites, finishes or removes
-- messages, one statement per transaction, words in sorted order.
-- Between writes each row equals
--   ts_stat('SELECT search_words FROM messages WHERE status <> ''streaming''')
-- (what `PgStore::check_search_index` proves); words no message counts any
-- more are removed.
CREATE TABLE search_vocabulary (
    word     TEXT COLLATE "C" PRIMARY KEY,
    messages BIGINT NOT NULL
) WITH (fillfactor = 80);

-- Messages written before this migration.
INSERT INTO search_vocabulary (word, messages)
SELECT word, ndoc FROM ts_stat('SELECT search_words FROM messages WHERE status <> ''streaming''');
