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
