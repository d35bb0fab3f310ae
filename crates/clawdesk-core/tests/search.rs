//! search_messages and get_messages_around through the core's API, on a real
//! database: words, prefixes, phrases, diacritics, Chinese and Japanese,
//! filters, ranking, refused queries, and the index kept in step by every
//! write (append, streaming update, compaction, delete).

mod support;

use clawdesk_core::ids::{MessageId, SessionId};
use clawdesk_core::registry::DESKTOP_CHANNEL;
use clawdesk_core::store::{NewMessage, NewSession, SqliteStore};
use clawdesk_core::types::{MessageStatus, Role, SearchOptions, SearchResults};
use clawdesk_core::{AppError, ClawDesk};
use std::sync::Arc;
use support::stores::{Backend, TestStore};
use support::RecordingSink;

on_every_store!(
    a_huge_message_is_stored_whole_and_found_by_its_words,
    search_syntax_of_either_engine_in_the_text_is_just_text,
    words_prefixes_and_phrases_across_chats,
    diacritics_and_case_are_folded_both_ways,
    chinese_and_japanese_substrings_are_found,
    filters_by_chat_role_and_date,
    ranked_by_relevance_then_recency,
    bad_queries_and_options_are_typed_and_change_nothing,
    compacted_messages_stay_searchable_and_deleted_ones_go,
    a_streaming_reply_is_indexed_as_it_is_rewritten,
    messages_around_one_far_back_page_both_ways,
    document_frequencies_follow_deletes_and_appends_alike,
);

struct Fixture {
    desk: ClawDesk,
    _dir: tempfile::TempDir,
    /// The PostgreSQL test database (dropped with the fixture).
    _database: Option<TestStore>,
}

impl Fixture {
    /// The core on a fresh store of `backend`: PostgreSQL is chosen the way
    /// a user chooses it, through `storage.databaseUrl`.
    async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("clawdesk.db");
        let config_dir = dir.path().join("config");
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let database = backend.open().await;
                clawdesk_core::config::ConfigManager::load(&config_dir)
                    .update(
                        "storage.databaseUrl",
                        serde_json::json!(database.database_url().unwrap()),
                    )
                    .unwrap();
                Some(database)
            }
        };
        let desk =
            ClawDesk::initialize(&config_dir, move |_| db, Arc::new(RecordingSink::default()))
                .await;
        let expected = match backend {
            Backend::Sqlite => clawdesk_core::types::StorageKind::Sqlite,
            Backend::Postgres => clawdesk_core::types::StorageKind::Postgres,
        };
        assert_eq!(desk.storage.kind, expected);
        Self {
            desk,
            _dir: dir,
            _database: database,
        }
    }

    async fn chat(&self, texts: &[(Role, &str)]) -> (SessionId, Vec<MessageId>) {
        let session = self
            .desk
            .session_store
            .create_session(NewSession {
                channel_id: DESKTOP_CHANNEL.into(),
                model: None,
            })
            .await
            .unwrap();
        let mut ids = Vec::new();
        for (role, text) in texts {
            ids.push(self.append(&session.id, *role, text).await);
        }
        (session.id, ids)
    }

    async fn append(&self, session_id: &SessionId, role: Role, text: &str) -> MessageId {
        self.desk
            .session_store
            .append_message(NewMessage {
                session_id: session_id.clone(),
                role,
                content: text.into(),
                model: None,
                usage: None,
                status: MessageStatus::Complete,
                tokens: None,
            })
            .await
            .unwrap()
            .id
    }

    async fn search(&self, query: &str) -> SearchResults {
        self.search_with(query, SearchOptions::default()).await
    }

    async fn search_with(&self, query: &str, options: SearchOptions) -> SearchResults {
        self.desk.search_messages(query, options).await.unwrap()
    }

    /// The ids of the hits, best first.
    async fn found(&self, query: &str) -> Vec<MessageId> {
        ids(&self.search(query).await)
    }

    async fn refused(&self, query: &str, options: SearchOptions) -> String {
        match self.desk.search_messages(query, options).await {
            Err(AppError::InvalidArgument { field, .. }) => field,
            other => panic!("{query:?} was not refused: {other:?}"),
        }
    }
}

fn ids(results: &SearchResults) -> Vec<MessageId> {
    results
        .groups
        .iter()
        .flat_map(|g| &g.hits)
        .map(|h| h.message_id.clone())
        .collect()
}

/// The highlighted parts of a hit's snippet, cut by UTF-16 offsets as the window does.
fn highlighted(results: &SearchResults) -> Vec<String> {
    results
        .groups
        .iter()
        .flat_map(|g| &g.hits)
        .flat_map(|hit| {
            let units: Vec<u16> = hit.snippet.encode_utf16().collect();
            hit.matches
                .iter()
                .map(move |r| String::from_utf16(&units[r.start as usize..r.end as usize]).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

async fn words_prefixes_and_phrases_across_chats(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (a, a_ids) = f
        .chat(&[
            (Role::User, "How do I handle errors in async Rust?"),
            (
                Role::Assistant,
                "Error handling in async code uses the ? operator.",
            ),
        ])
        .await;
    let (b, b_ids) = f
        .chat(&[(Role::User, "Internationalization of a web app, please.")])
        .await;

    assert_eq!(f.found("operator").await, vec![a_ids[1].clone()]);
    // Every word must match.
    assert_eq!(f.found("async operator").await, vec![a_ids[1].clone()]);
    assert!(f.found("async internationalization").await.is_empty());
    // A prefix.
    assert_eq!(f.found("internation*").await, vec![b_ids[0].clone()]);
    // A phrase, in order only.
    assert_eq!(f.found(r#""error handling""#).await, vec![a_ids[1].clone()]);
    assert!(f.found(r#""handling error""#).await.is_empty());

    let results = f.search("async").await;
    assert_eq!(results.groups.len(), 1);
    assert_eq!(results.groups[0].session_id, a);
    assert_eq!(
        results.groups[0].title.as_deref(),
        Some("How do I handle errors in async Rust?")
    );
    assert_eq!(results.groups[0].hits.len(), 2);
    assert_eq!(highlighted(&results), vec!["async", "async"]);
    let results = f.search("web").await;
    assert_eq!(results.groups[0].session_id, b);
    assert_eq!(results.groups[0].hits[0].role, Role::User);
}

async fn diacritics_and_case_are_folded_both_ways(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (_, ids) = f
        .chat(&[
            (Role::User, "Meet me at the Café Müller"),
            (Role::User, "the cafe on the corner, naive plan"),
            (Role::User, "a naïve CAFÉ"),
        ])
        .await;
    let mut found = f.found("cafe").await;
    found.sort();
    let mut all = ids.clone();
    all.sort();
    assert_eq!(found, all);
    assert_eq!(f.found("muller").await, vec![ids[0].clone()]);
    assert_eq!(f.found("MÜLLER").await, vec![ids[0].clone()]);
    let mut naive = f.found("naïve").await;
    naive.sort();
    let mut expected = vec![ids[1].clone(), ids[2].clone()];
    expected.sort();
    assert_eq!(naive, expected);
    let results = f.search("cafe").await;
    let mut parts = highlighted(&results);
    parts.sort();
    assert_eq!(parts, vec!["CAFÉ", "Café", "cafe"]);
}

async fn chinese_and_japanese_substrings_are_found(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (_, ids) = f
        .chat(&[
            (Role::User, "私は日本語のテキストを書いています"),
            (Role::Assistant, "我们可以用中文交流吗？当然可以。"),
            (Role::User, "English only, no CJK here"),
        ])
        .await;
    // Three characters and more go through the trigram index...
    assert_eq!(f.found("日本語").await, vec![ids[0].clone()]);
    assert_eq!(f.found("テキスト").await, vec![ids[0].clone()]);
    assert_eq!(f.found("中文交流").await, vec![ids[1].clone()]);
    // ...two or one through the CJK messages themselves.
    assert_eq!(f.found("中文").await, vec![ids[1].clone()]);
    assert_eq!(f.found("語").await, vec![ids[0].clone()]);
    assert!(f.found("韓国").await.is_empty());
    // Mixed with words: both must match.
    assert_eq!(f.found("中文 english").await, Vec::<MessageId>::new());
    let (_, mixed) = f.chat(&[(Role::User, "Rust で日本語を扱う")]).await;
    assert_eq!(f.found("rust 日本語").await, vec![mixed[0].clone()]);
    let results = f.search("中文").await;
    assert_eq!(highlighted(&results), vec!["中文"]);
}

async fn filters_by_chat_role_and_date(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (a, a_ids) = f
        .chat(&[
            (Role::User, "deploy question"),
            (Role::Assistant, "deploy answer"),
        ])
        .await;
    f.chat(&[(Role::User, "deploy again")]).await;

    let only_a = f
        .search_with(
            "deploy",
            SearchOptions {
                session_id: Some(a.clone()),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(only_a.groups.len(), 1);
    assert_eq!(only_a.groups[0].hits.len(), 2);

    let assistant = ids(&f
        .search_with(
            "deploy",
            SearchOptions {
                role: Some(Role::Assistant),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(assistant, vec![a_ids[1].clone()]);

    let hour = chrono::Duration::hours(1);
    let now = chrono::Utc::now();
    let dated = |from: Option<chrono::DateTime<chrono::Utc>>,
                 to: Option<chrono::DateTime<chrono::Utc>>| SearchOptions {
        from: from.map(|t| t.to_rfc3339()),
        to: to.map(|t| t.to_rfc3339()),
        ..Default::default()
    };
    assert_eq!(
        ids(&f
            .search_with("deploy", dated(Some(now - hour), Some(now + hour)))
            .await)
        .len(),
        3
    );
    assert!(ids(&f.search_with("deploy", dated(Some(now + hour), None)).await).is_empty());
    assert!(ids(&f.search_with("deploy", dated(None, Some(now - hour))).await).is_empty());

    let limited = f
        .search_with(
            "deploy",
            SearchOptions {
                limit: Some(2),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(ids(&limited).len(), 2);
    assert!(limited.truncated);
    assert!(!f.search("deploy").await.truncated);
}

async fn ranked_by_relevance_then_recency(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (_, ids) = f
        .chat(&[
            (Role::User, "kernel"),
            (Role::User, "a long message that mentions the kernel once among many other words about nothing in particular"),
            (Role::User, "kernel"),
        ])
        .await;
    // The short, dense messages first (bm25), the newer of those two first.
    assert_eq!(
        f.found("kernel").await,
        vec![ids[2].clone(), ids[0].clone(), ids[1].clone()]
    );
    // Groups come in the order of their best hit.
    let (other, _) = f.chat(&[(Role::User, "kernel kernel kernel")]).await;
    assert_eq!(f.search("kernel").await.groups[0].session_id, other);
}

async fn bad_queries_and_options_are_typed_and_change_nothing(backend: Backend) {
    let f = Fixture::new(backend).await;
    f.chat(&[(Role::User, "something to find")]).await;
    for query in [
        "",
        r#""unbalanced"#,
        "find AND something",
        "(find",
        "*",
        "fi*nd",
        "-find",
        "NEAR(find something)",
        "!!!",
    ] {
        assert_eq!(
            f.refused(query, SearchOptions::default()).await,
            "query",
            "{query:?}"
        );
    }
    let refused = |options: SearchOptions| f.refused("find", options);
    assert_eq!(
        refused(SearchOptions {
            limit: Some(0),
            ..Default::default()
        })
        .await,
        "options.limit"
    );
    assert_eq!(
        refused(SearchOptions {
            from: Some("yesterday".into()),
            ..Default::default()
        })
        .await,
        "options.from"
    );
    assert_eq!(
        refused(SearchOptions {
            from: Some("2026-02-01T00:00:00Z".into()),
            to: Some("2026-01-01T00:00:00Z".into()),
            ..Default::default()
        })
        .await,
        "options.to"
    );
    let missing = SessionId::generate();
    let err = f
        .desk
        .search_messages(
            "find",
            SearchOptions {
                session_id: Some(missing),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "sessionNotFound");
    // A huge limit is capped, not refused.
    let capped = f
        .search_with(
            "find",
            SearchOptions {
                limit: Some(1_000_000),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(ids(&capped).len(), 1);
    // Quoted FTS syntax is searched as text, never run.
    assert!(f.found(r#""NEAR(find something)""#).await.is_empty());
    assert_eq!(f.found(r#""something to""#).await.len(), 1);
}

async fn compacted_messages_stay_searchable_and_deleted_ones_go(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (session, ids) = f
        .chat(&[
            (Role::User, "remember the password hint: blue giraffe"),
            (Role::Assistant, "noted"),
            (Role::User, "what else"),
        ])
        .await;
    f.desk
        .session_store
        .apply_compaction(
            &session,
            &ids[1],
            clawdesk_core::store::NewSummary {
                content: "The user shared a hint about a giraffe.".into(),
                model: None,
                usage: None,
                tokens: 10,
            },
        )
        .await
        .unwrap();
    let results = f.search("giraffe").await;
    let hits = &results.groups[0].hits;
    assert_eq!(hits.len(), 2);
    let original = hits.iter().find(|h| h.message_id == ids[0]).unwrap();
    assert!(original.compacted && !original.summary);
    assert!(hits.iter().any(|h| h.summary));

    f.desk.delete_session(&session).await.unwrap();
    assert!(f.search("giraffe").await.groups.is_empty());
}

async fn a_streaming_reply_is_indexed_as_it_is_rewritten(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (session, _) = f.chat(&[(Role::User, "tell me")]).await;
    let reply = f.append(&session, Role::Assistant, "").await;
    for text in ["first", "first draft", "first draft done 完成了吗"] {
        f.desk
            .session_store
            .update_message(&reply, text, MessageStatus::Streaming, None)
            .await
            .unwrap();
    }
    assert_eq!(f.found("draft").await, vec![reply.clone()]);
    assert_eq!(f.found("完成了").await, vec![reply.clone()]);
    f.desk
        .session_store
        .update_message(&reply, "rewritten entirely", MessageStatus::Complete, None)
        .await
        .unwrap();
    assert!(f.found("draft").await.is_empty());
    assert!(f.found("完成了").await.is_empty());
    assert_eq!(f.found("rewritten").await, vec![reply]);
}

async fn messages_around_one_far_back_page_both_ways(backend: Backend) {
    let f = Fixture::new(backend).await;
    let texts: Vec<String> = (0..300).map(|i| format!("message {i}")).collect();
    let pairs: Vec<(Role, &str)> = texts.iter().map(|t| (Role::User, t.as_str())).collect();
    let (session, ids) = f.chat(&pairs).await;

    let window = f
        .desk
        .get_messages_around(&session, &ids[100], Some(10), Some(5))
        .await
        .unwrap();
    let contents: Vec<&str> = window.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents.len(), 16);
    assert_eq!(contents[0], "message 90");
    assert_eq!(contents[10], "message 100");
    assert_eq!(contents[15], "message 105");
    assert!(window.has_older && window.has_newer);

    // The first page: nothing older.
    let start = f
        .desk
        .get_messages_around(&session, &ids[3], Some(10), Some(0))
        .await
        .unwrap();
    assert_eq!(start.messages.len(), 4);
    assert!(!start.has_older && start.has_newer);
    // The end: nothing newer; defaults are 50 a side.
    let end = f
        .desk
        .get_messages_around(&session, &ids[299], None, None)
        .await
        .unwrap();
    assert_eq!(end.messages.len(), 51);
    assert!(end.has_older && !end.has_newer);

    // A message of another chat, and a chat that does not exist.
    let (_, other_ids) = f.chat(&[(Role::User, "elsewhere")]).await;
    match f
        .desk
        .get_messages_around(&session, &other_ids[0], None, None)
        .await
    {
        Err(AppError::InvalidArgument { field, .. }) => assert_eq!(field, "messageId"),
        other => panic!("{other:?}"),
    }
    let err = f
        .desk
        .get_messages_around(&SessionId::generate(), &ids[0], None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "sessionNotFound");
}

#[tokio::test]
async fn the_migration_indexes_messages_written_before_it() {
    // A database at migration 0003 with messages, then opened by this build.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        for sql in [
            include_str!("../migrations/0001_init.sql"),
            include_str!("../migrations/0002_compaction.sql"),
            include_str!("../migrations/0003_message_failure.sql"),
        ] {
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        }
        sqlx::raw_sql(
            "INSERT INTO sessions VALUES ('sess_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'desktop', NULL, 'old', 1, 1, 2);
             INSERT INTO messages (id, session_id, seq, role, content, status, created_at)
             VALUES ('msg_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'sess_01ARZ3NDEKTSV4RRFFQ69G5FAV', 1, 'user', 'an old crème brûlée', 'complete', 1),
                    ('msg_01ARZ3NDEKTSV4RRFFQ69G5FAW', 'sess_01ARZ3NDEKTSV4RRFFQ69G5FAV', 2, 'user', '古い日本語のメッセージ', 'complete', 2);",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    // The search migration on its own, as sqlx's migrator would run it next.
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::raw_sql(include_str!("../migrations/0005_message_search.sql"))
        .execute(&pool)
        .await
        .unwrap();
    let words: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM message_search WHERE message_search MATCH '\"creme\" AND \"brulee\"'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(words, 1);
    let cjk: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM message_search_cjk WHERE message_search_cjk MATCH '\"日本語\"'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(cjk, 1);
    pool.close().await;
}

#[tokio::test]
async fn the_index_matches_the_table_after_every_kind_of_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("db")).await.unwrap();
    use clawdesk_core::store::SessionStore;
    let session = store
        .create_session(NewSession {
            channel_id: DESKTOP_CHANNEL.into(),
            model: None,
        })
        .await
        .unwrap();
    let mut last = None;
    for text in ["plain", "日本語です", "mixed 中文 text", "plain again"] {
        last = Some(
            store
                .append_message(NewMessage {
                    session_id: session.id.clone(),
                    role: Role::User,
                    content: text.into(),
                    model: None,
                    usage: None,
                    status: MessageStatus::Complete,
                    tokens: None,
                })
                .await
                .unwrap()
                .id,
        );
    }
    store.check_search_index().await.unwrap();
    let last = last.unwrap();
    // Latin to CJK and back: the trigram index gains and loses the row.
    store
        .update_message(&last, "今は日本語", MessageStatus::Complete, None)
        .await
        .unwrap();
    store.check_search_index().await.unwrap();
    store
        .update_message(&last, "latin again", MessageStatus::Complete, None)
        .await
        .unwrap();
    store.check_search_index().await.unwrap();
    store.delete_session(&session.id).await.unwrap();
    store.check_search_index().await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM message_search_cjk_docsize")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
}

async fn a_huge_message_is_stored_whole_and_found_by_its_words(backend: Backend) {
    let f = Fixture::new(backend).await;
    // 2 MB of distinct words: more than PostgreSQL's tsvector holds, which
    // indexes the first 128 KiB of words (SQLite indexes all of it).
    let words: String = (0..200_000).map(|i| format!("w{i} ")).collect();
    let text = format!("zebracorn opens it {words}");
    let (session, ids) = f.chat(&[(Role::User, text.as_str())]).await;
    assert_eq!(f.found("zebracorn").await, vec![ids[0].clone()]);
    assert_eq!(f.found("w1234").await, vec![ids[0].clone()]);
    let stored = f
        .desk
        .session_store
        .get_messages(&session, None)
        .await
        .unwrap();
    assert_eq!(stored[0].content, text, "kept whole");
}

async fn search_syntax_of_either_engine_in_the_text_is_just_text(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (_, ids) = f
        .chat(&[
            (
                Role::User,
                "it's O'Reilly's book: a & b | !c <-> d:* (e) \\ f",
            ),
            (Role::User, "nothing to see"),
        ])
        .await;
    for query in [
        "o'reilly's",
        r#""a & b""#,
        "!c",
        "d:*",
        r#""<-> d""#,
        "it's",
        r#""\\ f""#,
    ] {
        assert_eq!(f.found(query).await, vec![ids[0].clone()], "{query}");
    }
}

/// The PostgreSQL store's search columns follow every kind of write
/// (SQLite's FTS indexes are checked by the test above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_search_columns_match_the_text_after_every_kind_of_write() {
    use clawdesk_core::store::SessionStore;
    if support::stores::postgres_skipped() {
        return;
    }
    let database = Backend::Postgres.open().await;
    let store = clawdesk_core::store::PgStore::open(database.database_url().unwrap())
        .await
        .unwrap();
    let session = store
        .create_session(NewSession {
            channel_id: DESKTOP_CHANNEL.into(),
            model: None,
        })
        .await
        .unwrap();
    let mut ids = Vec::new();
    for text in ["plain", "日本語です", "mixed 中文 text", "Café e-mail"] {
        ids.push(
            store
                .append_message(NewMessage {
                    session_id: session.id.clone(),
                    role: Role::User,
                    content: text.into(),
                    model: None,
                    usage: None,
                    status: MessageStatus::Complete,
                    tokens: None,
                })
                .await
                .unwrap()
                .id,
        );
    }
    store.check_search_index().await.unwrap();
    let last = ids.last().unwrap();
    store
        .update_message(last, "今は日本語", MessageStatus::Streaming, None)
        .await
        .unwrap();
    store.check_search_index().await.unwrap();
    store
        .fail_message(
            last,
            "latin again",
            MessageStatus::Failed,
            None,
            &clawdesk_core::types::MessageFailure {
                code: clawdesk_core::FailureCode::Network,
                message: "gone".into(),
            },
        )
        .await
        .unwrap();
    store
        .apply_compaction(
            &session.id,
            &ids[1],
            clawdesk_core::store::NewSummary {
                content: "Résumé: 日本語".into(),
                model: None,
                usage: None,
                tokens: 3,
            },
        )
        .await
        .unwrap();
    store.check_search_index().await.unwrap();
    // A corrupted row is caught.
    database
        .execute(
            "",
            "UPDATE messages SET has_cjk = NOT has_cjk WHERE content = 'plain'",
        )
        .await;
    assert!(store.check_search_index().await.is_err());
    store.close().await;
}

/// BM25 weighs a term by how many messages have it: here which of two
/// messages comes first depends on which of their words is the common one,
/// and that changes as chats are deleted and written, on both stores alike.
async fn document_frequencies_follow_deletes_and_appends_alike(backend: Backend) {
    let f = Fixture::new(backend).await;
    f.chat(&[(Role::User, "plain background"); 20]).await;
    let (fillers, _) = f.chat(&[(Role::User, "kiwi filler"); 15]).await;
    let (_, ids) = f
        .chat(&[
            (Role::User, "apple apple apple kiwi"),
            (Role::User, "kiwi kiwi kiwi apple"),
        ])
        .await;
    let (more_apple, more_kiwi) = (ids[0].clone(), ids[1].clone());
    let both = || vec![more_apple.clone(), more_kiwi.clone()];
    let reversed = || vec![more_kiwi.clone(), more_apple.clone()];
    // Kiwi in 17 of 37 messages weighs little beside apple in 2: more
    // apple wins.
    assert_eq!(f.found("apple kiwi").await, both());
    // Without the fillers both words are in 2 messages: equal weights,
    // equal scores, the newer first.
    f.desk.delete_session(&fillers).await.unwrap();
    assert_eq!(f.found("apple kiwi").await, reversed());
    // Now apple is the common word: more kiwi wins, and a prefix of the
    // common word weighs as little.
    f.chat(&[(Role::User, "apple filler"); 15]).await;
    assert_eq!(f.found("apple kiwi").await, reversed());
    assert_eq!(f.found("app* kiwi").await, reversed());
    f.chat(&[(Role::User, "kiwi filler"); 30]).await;
    assert_eq!(f.found("app* kiwi").await, both());
}

/// A PostgreSQL store of its own on a fresh database, and that database.
async fn pg_store() -> Option<(clawdesk_core::store::PgStore, support::stores::TestStore)> {
    if support::stores::postgres_skipped() {
        return None;
    }
    let database = Backend::Postgres.open().await;
    let store = clawdesk_core::store::PgStore::open(database.database_url().unwrap())
        .await
        .unwrap();
    Some((store, database))
}

/// How many messages the search vocabulary says have `word` (0: no row).
async fn vocabulary_count(store: &clawdesk_core::store::PgStore, word: &str) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(MAX(messages), 0) FROM search_vocabulary WHERE word = $1")
        .bind(word)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

fn new_message(
    session_id: &SessionId,
    role: Role,
    text: &str,
    status: MessageStatus,
) -> NewMessage {
    NewMessage {
        session_id: session_id.clone(),
        role,
        content: text.into(),
        model: None,
        usage: None,
        status,
        tokens: None,
    }
}

/// The vocabulary counts every message that is not streaming, after every
/// kind of write: appends, streaming and final rewrites, a rewrite after
/// the end, failures, versions, a branch switch, compaction, recovery of
/// interrupted replies, delete and import.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_search_vocabulary_follows_every_kind_of_write() {
    use clawdesk_core::store::SessionStore;
    let Some((store, _database)) = pg_store().await else {
        return;
    };
    let counts = |words: &'static [&'static str]| {
        let store = &store;
        async move {
            store.check_search_index().await.unwrap();
            let mut out = Vec::new();
            for word in words {
                out.push(vocabulary_count(store, word).await);
            }
            out
        }
    };
    let session = store
        .create_session(NewSession {
            channel_id: DESKTOP_CHANNEL.into(),
            model: None,
        })
        .await
        .unwrap();
    let question = store
        .append_message(new_message(
            &session.id,
            Role::User,
            "Alpha beta, BETA",
            MessageStatus::Complete,
        ))
        .await
        .unwrap();
    let reply = store
        .append_message(new_message(
            &session.id,
            Role::Assistant,
            "",
            MessageStatus::Streaming,
        ))
        .await
        .unwrap();
    assert_eq!(counts(&["alpha", "beta"]).await, [1, 1]);
    // Streaming text is not counted until the reply stops.
    store
        .update_message(&reply.id, "alpha gamma", MessageStatus::Streaming, None)
        .await
        .unwrap();
    assert_eq!(counts(&["alpha", "gamma"]).await, [1, 0]);
    store
        .update_message(&reply.id, "alpha gamma", MessageStatus::Complete, None)
        .await
        .unwrap();
    assert_eq!(counts(&["alpha", "gamma"]).await, [2, 1]);
    // Rewritten after the end: the old words go, the new ones come.
    store
        .update_message(&reply.id, "delta", MessageStatus::Complete, None)
        .await
        .unwrap();
    assert_eq!(counts(&["alpha", "gamma", "delta"]).await, [1, 0, 1]);
    let gamma_rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM search_vocabulary WHERE word = 'gamma'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(gamma_rows, 0, "a word no message has is forgotten");
    // Streaming again (a reply failed by recovery resumes): uncounted.
    store
        .update_message(&reply.id, "delta epsilon", MessageStatus::Streaming, None)
        .await
        .unwrap();
    assert_eq!(counts(&["delta", "epsilon"]).await, [0, 0]);
    store
        .fail_message(
            &reply.id,
            "delta epsilon",
            MessageStatus::Failed,
            None,
            &clawdesk_core::types::MessageFailure {
                code: clawdesk_core::FailureCode::Network,
                message: "gone".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(counts(&["delta", "epsilon"]).await, [1, 1]);
    // A version: both versions are searchable, so both count.
    let version = store
        .append_version(
            &question.id,
            new_message(
                &session.id,
                Role::User,
                "alpha zeta",
                MessageStatus::Complete,
            ),
        )
        .await
        .unwrap();
    assert_eq!(counts(&["alpha", "zeta", "beta"]).await, [2, 1, 1]);
    store.switch_branch(&question.id).await.unwrap();
    assert_eq!(counts(&["alpha", "zeta", "beta"]).await, [2, 1, 1]);
    store.switch_branch(&version.id).await.unwrap();
    let streaming_version = store
        .append_version(
            &version.id,
            new_message(&session.id, Role::User, "theta", MessageStatus::Streaming),
        )
        .await
        .unwrap();
    assert_eq!(counts(&["theta"]).await, [0]);
    store.switch_branch(&version.id).await.unwrap();
    let reply2 = store
        .append_message(new_message(
            &session.id,
            Role::Assistant,
            "omega",
            MessageStatus::Complete,
        ))
        .await
        .unwrap();
    store
        .apply_compaction(
            &session.id,
            &reply2.id,
            clawdesk_core::store::NewSummary {
                content: "Summary: alpha and omega".into(),
                model: None,
                usage: None,
                tokens: 5,
            },
        )
        .await
        .unwrap();
    assert_eq!(counts(&["alpha", "omega", "summary"]).await, [3, 2, 1]);
    // Recovery stops interrupted replies: their text counts from then on.
    store
        .update_message(
            &streaming_version.id,
            "theta iota",
            MessageStatus::Streaming,
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.recover_interrupted().await.unwrap(), 1);
    assert_eq!(counts(&["theta", "iota"]).await, [1, 1]);

    // Deleted: nothing of the chat is left; imported back: counted again.
    let info = store.get_session(&session.id).await.unwrap();
    let messages = store.get_messages(&session.id, None).await.unwrap();
    store.delete_session(&session.id).await.unwrap();
    assert_eq!(counts(&["alpha", "omega"]).await, [0, 0]);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM search_vocabulary")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
    let expected_alpha = messages
        .iter()
        .filter(|m| m.content.to_lowercase().contains("alpha"))
        .count() as i64;
    let imported = store
        .import_sessions(
            &[clawdesk_core::archive::ArchivedSession {
                session: info,
                messages,
            }],
            &|_| {},
        )
        .await
        .unwrap();
    assert_eq!(imported.sessions_imported, 1);
    assert_eq!(counts(&["alpha"]).await, [expected_alpha]);
    store.close().await;
}

/// Migration 0003 counts the messages written before it (rows put in
/// without the store's vocabulary writes, as an older build left them),
/// leaving streaming replies out; the store keeps the counts from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migration_counts_messages_written_before_it() {
    use clawdesk_core::store::SessionStore;
    let Some((store, database)) = pg_store().await else {
        return;
    };
    let session = store
        .create_session(NewSession {
            channel_id: DESKTOP_CHANNEL.into(),
            model: None,
        })
        .await
        .unwrap();
    database
        .execute(
            "",
            &format!(
                "INSERT INTO messages (id, session_id, seq, role, content, status, created_at,
                                       search_words, parent_id)
                 VALUES ('msg_01ARZ3NDEKTSV4RRFFQ69G5FA1', '{0}', 1, 'user', 'Crème brûlée twice',
                         'complete', 1, to_tsvector('simple', 'creme brulee twice'), NULL),
                        ('msg_01ARZ3NDEKTSV4RRFFQ69G5FA2', '{0}', 2, 'assistant', 'brûlée again',
                         'complete', 2, to_tsvector('simple', 'brulee again'),
                         'msg_01ARZ3NDEKTSV4RRFFQ69G5FA1'),
                        ('msg_01ARZ3NDEKTSV4RRFFQ69G5FA3', '{0}', 3, 'assistant', 'brûlée still',
                         'streaming', 3, to_tsvector('simple', 'brulee still'),
                         'msg_01ARZ3NDEKTSV4RRFFQ69G5FA2');
                 UPDATE sessions SET message_count = 3 WHERE id = '{0}';
                 DROP TABLE search_vocabulary;",
                session.id
            ),
        )
        .await;
    database
        .execute(
            "",
            include_str!("../migrations-postgres/0003_search_vocabulary.sql"),
        )
        .await;
    store.check_search_index().await.unwrap();
    for (word, count) in [("brulee", 2), ("creme", 1), ("again", 1), ("still", 0)] {
        assert_eq!(vocabulary_count(&store, word).await, count, "{word}");
    }
    // From here the store's writes keep it.
    let streaming: MessageId = "msg_01ARZ3NDEKTSV4RRFFQ69G5FA3".parse().unwrap();
    store
        .update_message(&streaming, "brûlée done", MessageStatus::Complete, None)
        .await
        .unwrap();
    store.check_search_index().await.unwrap();
    assert_eq!(vocabulary_count(&store, "brulee").await, 3);
    // The search reads it: one of three messages, ranked by it.
    let found = store
        .search_messages(&clawdesk_core::store::MessageSearch {
            query: &clawdesk_core::search::SearchQuery::parse("brulee").unwrap(),
            session_id: None,
            role: None,
            from_ms: None,
            to_ms: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(found.rows.len(), 3);
    // A wrong count is caught.
    database
        .execute(
            "",
            "UPDATE search_vocabulary SET messages = 7 WHERE word = 'creme'",
        )
        .await;
    assert!(store.check_search_index().await.is_err());
    store.close().await;
}

/// Replies finishing in many chats at once, words in every order, beside
/// appends and deletes: no transaction waits on another in a cycle
/// (PostgreSQL would abort one as a deadlock) and every count is right.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_writes_keep_the_vocabulary_exact() {
    use clawdesk_core::store::SessionStore;
    let Some((store, _database)) = pg_store().await else {
        return;
    };
    let store = Arc::new(store);
    let words: Vec<String> = (0..30).map(|i| format!("shared{i}")).collect();
    let mut replies = Vec::new();
    for _ in 0..12 {
        let session = store
            .create_session(NewSession {
                channel_id: DESKTOP_CHANNEL.into(),
                model: None,
            })
            .await
            .unwrap();
        let reply = store
            .append_message(new_message(
                &session.id,
                Role::Assistant,
                "",
                MessageStatus::Streaming,
            ))
            .await
            .unwrap();
        replies.push((session.id, reply.id));
    }
    let mut tasks = Vec::new();
    for (n, (session_id, reply_id)) in replies.into_iter().enumerate() {
        let store = store.clone();
        // Each chat writes the shared words in its own order.
        let mut order = words.clone();
        order.rotate_left(n * 7 % words.len());
        if n % 2 == 1 {
            order.reverse();
        }
        tasks.push(tokio::spawn(async move {
            for round in 0..5 {
                let text = order[..10 + round * 5].join(" ");
                store
                    .update_message(&reply_id, &text, MessageStatus::Streaming, None)
                    .await
                    .unwrap();
                store
                    .update_message(&reply_id, &text, MessageStatus::Complete, None)
                    .await
                    .unwrap();
                store
                    .append_message(new_message(
                        &session_id,
                        Role::User,
                        &order.join(" "),
                        MessageStatus::Complete,
                    ))
                    .await
                    .unwrap();
            }
            if n % 3 == 0 {
                store.delete_session(&session_id).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    store.check_search_index().await.unwrap();
    // 8 chats left, each with 5 user messages and a reply having every word.
    assert_eq!(vocabulary_count(&store, "shared0").await, 8 * 6);
    store.close().await;
}

/// Where each kind of term's document frequency comes from: a word's from
/// the vocabulary (a streaming reply not yet counted), a prefix with a word
/// past the cap from it too, anything else counted among the matches up to
/// the cap, as SQLite counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_document_frequency_of_each_kind_of_term() {
    use clawdesk_core::search::{DocFrequency, SearchQuery, Term};
    use clawdesk_core::store::SessionStore;
    let Some((store, database)) = pg_store().await else {
        return;
    };
    let session = store
        .create_session(NewSession {
            channel_id: DESKTOP_CHANNEL.into(),
            model: None,
        })
        .await
        .unwrap();
    // 20,000 messages with "common", written around the store, and the
    // vocabulary rebuilt for them as a bulk load does.
    database
        .execute(
            "",
            &format!(
                "INSERT INTO messages (id, session_id, seq, role, content, status, created_at,
                                       search_words)
                 SELECT 'msg_01ARZ3NDEKTSV4RRF' || lpad(i::text, 9, '0'), '{0}', i, 'user',
                        'common word ' || i, 'complete', i,
                        to_tsvector('simple', 'common word ' || i)
                 FROM generate_series(1, 20000) AS i;
                 UPDATE sessions SET message_count = 20000 WHERE id = '{0}';",
                session.id
            ),
        )
        .await;
    let mut conn = store.pool().acquire().await.unwrap();
    clawdesk_core::store::PgStore::rebuild_search_vocabulary(&mut conn)
        .await
        .unwrap();
    drop(conn);
    for text in ["a rare word", "rare again", "a rarer one"] {
        store
            .append_message(new_message(
                &session.id,
                Role::User,
                text,
                MessageStatus::Complete,
            ))
            .await
            .unwrap();
    }
    store
        .append_message(new_message(
            &session.id,
            Role::Assistant,
            "rare too",
            MessageStatus::Streaming,
        ))
        .await
        .unwrap();
    store.check_search_index().await.unwrap();
    let df = |query: &'static str| {
        let store = &store;
        async move {
            let query = SearchQuery::parse(query).unwrap();
            let term: &Term = &query.terms[0];
            store.search_doc_frequency(term).await.unwrap()
        }
    };
    assert_eq!(df("common").await, DocFrequency::AtLeast(20_000));
    assert_eq!(df("comm*").await, DocFrequency::AtLeast(20_000));
    assert_eq!(df("word*").await, DocFrequency::AtLeast(20_000));
    // The streaming reply is not counted yet for a word; counted matches
    // include it.
    assert_eq!(df("rare").await, DocFrequency::Exactly(2));
    assert_eq!(df("rar*").await, DocFrequency::Exactly(4));
    assert_eq!(df(r#""rare again""#).await, DocFrequency::Exactly(1));
    assert_eq!(df(r#""common word""#).await, DocFrequency::AtLeast(20_000));
    assert_eq!(df("absent").await, DocFrequency::Exactly(0));
    assert_eq!(df("absent*").await, DocFrequency::Exactly(0));
    assert_eq!(df("12345").await, DocFrequency::Exactly(1));
    store.close().await;
}
