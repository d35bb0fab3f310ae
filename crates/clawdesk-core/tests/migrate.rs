//! Moving a whole history between stores (`dump_session` / `load_session`,
//! `store::migrate::migrate_sessions`): a SQLite history with trees (edited
//! questions, regenerated replies, a switched branch, a compaction, a
//! failed reply, CJK text) arrives in another SQLite store and in
//! PostgreSQL with every row as it was, reads and searches alike, keeps
//! working as a tree, and a second run adds nothing.
//!
//! The PostgreSQL variants need `CLAWDESK_TEST_DATABASE_URL`
//! (`scripts/with-postgres.sh -- cargo test -p clawdesk-core --test migrate`),
//! like every PostgreSQL test here (`CLAWDESK_SKIP_POSTGRES=1` skips them).

mod support;

use clawdesk_core::ids::{MessageId, SessionId};
use clawdesk_core::search::SearchQuery;
use clawdesk_core::store::migrate::{migrate_sessions, MigrationStep};
use clawdesk_core::store::{
    LoadOutcome, MessageSearch, NewMessage, NewSession, NewSummary, SessionStore, SessionUpdate,
};
use clawdesk_core::types::{Message, MessageFailure, MessageStatus, Role, Usage};
use clawdesk_core::{AppError, FailureCode};
use std::sync::Mutex;
use support::stores::{postgres_skipped, Backend, TestStore};

fn new_message(session_id: &SessionId, role: Role, content: &str) -> NewMessage {
    NewMessage {
        session_id: session_id.clone(),
        role,
        content: content.to_string(),
        model: (role == Role::Assistant).then(|| "anthropic/claude-test".to_string()),
        usage: (role == Role::Assistant).then_some(Usage {
            input_tokens: 12,
            output_tokens: 34,
        }),
        status: MessageStatus::Complete,
        tokens: None,
    }
}

async fn say(store: &dyn SessionStore, session_id: &SessionId, role: Role, text: &str) -> Message {
    store
        .append_message(new_message(session_id, role, text))
        .await
        .unwrap()
}

/// Four chats that use every column: versions of a question and of a
/// reply with the first path switched back to, a compaction summary with
/// messages after it, a failed reply, CJK text, a renamed pinned chat with
/// its own prompt, and an empty chat.
async fn build_history(store: &dyn SessionStore) -> Vec<SessionId> {
    let new = |model: Option<&str>| NewSession {
        channel_id: "desktop".into(),
        model: model.map(str::to_string),
    };
    // A tree: edit, regenerate, switch back.
    let tree = store
        .create_session(new(Some("anthropic/claude-test")))
        .await
        .unwrap();
    let question = say(store, &tree.id, Role::User, "What is a zebra crossing?").await;
    let answer = say(
        store,
        &tree.id,
        Role::Assistant,
        "A striped pedestrian crossing.",
    )
    .await;
    say(store, &tree.id, Role::User, "And a pelican crossing?").await;
    say(
        store,
        &tree.id,
        Role::Assistant,
        "One with lights a walker controls.",
    )
    .await;
    let edited = store
        .append_version(
            &question.id,
            new_message(&tree.id, Role::User, "What is a zebra, the animal?"),
        )
        .await
        .unwrap();
    let reply = say(
        store,
        &tree.id,
        Role::Assistant,
        "A striped wild horse of Africa.",
    )
    .await;
    store
        .append_version(
            &reply.id,
            new_message(&tree.id, Role::Assistant, "An African equid with stripes."),
        )
        .await
        .unwrap();
    assert!(edited.versions.is_some());
    // Back to the first question: its path leads on to its own replies.
    store.switch_branch(&answer.id).await.unwrap();

    // A compaction, then more talk, then a reply that failed.
    let long = store.create_session(new(None)).await.unwrap();
    let mut last = None;
    for i in 0..4 {
        say(
            store,
            &long.id,
            Role::User,
            &format!("question number {i} about rivers"),
        )
        .await;
        last = Some(
            say(
                store,
                &long.id,
                Role::Assistant,
                &format!("answer {i}: rivers flow"),
            )
            .await,
        );
    }
    store
        .apply_compaction(
            &long.id,
            &last.unwrap().id,
            NewSummary {
                content: "Summary: four questions about rivers were answered.".into(),
                model: Some("anthropic/claude-test".into()),
                usage: Some(Usage {
                    input_tokens: 300,
                    output_tokens: 20,
                }),
                tokens: 20,
            },
        )
        .await
        .unwrap();
    say(store, &long.id, Role::User, "And lakes?").await;
    let failed = store
        .append_message(NewMessage {
            status: MessageStatus::Streaming,
            usage: None,
            ..new_message(&long.id, Role::Assistant, "Lakes are")
        })
        .await
        .unwrap();
    store
        .fail_message(
            &failed.id,
            "Lakes are",
            MessageStatus::Failed,
            None,
            &MessageFailure {
                code: FailureCode::Network,
                message: "connection reset by peer".into(),
            },
        )
        .await
        .unwrap();

    // CJK text; renamed, pinned, with a prompt of its own.
    let cjk = store
        .create_session(new(Some("openai/gpt-test")))
        .await
        .unwrap();
    say(store, &cjk.id, Role::User, "東京の天気はどうですか").await;
    say(
        store,
        &cjk.id,
        Role::Assistant,
        "東京は今日晴れです。서울도 맑아요.",
    )
    .await;
    store
        .update_session(
            &cjk.id,
            SessionUpdate {
                title: Some("天気".into()),
                pinned: Some(true),
                system_prompt: Some(Some("Answer in Japanese.".into())),
                ..SessionUpdate::default()
            },
        )
        .await
        .unwrap();

    let empty = store.create_session(new(None)).await.unwrap();
    vec![tree.id, long.id, cjk.id, empty.id]
}

/// Every message of a session, versions and compacted ones included, as
/// `get_message` answers for it.
async fn every_message(store: &dyn SessionStore, session_id: &SessionId) -> Vec<Message> {
    let dump = store.dump_session(session_id).await.unwrap();
    let mut messages = Vec::new();
    for record in &dump.messages {
        messages.push(store.get_message(&record.id).await.unwrap());
    }
    messages
}

/// The hits of a search, as (message, on another branch), sorted.
async fn hits(store: &dyn SessionStore, text: &str) -> Vec<(MessageId, bool)> {
    let query = SearchQuery::parse(text).unwrap();
    let page = store
        .search_messages(&MessageSearch {
            query: &query,
            session_id: None,
            role: None,
            from_ms: None,
            to_ms: None,
            limit: 50,
        })
        .await
        .unwrap();
    let mut found: Vec<(MessageId, bool)> = page
        .rows
        .into_iter()
        .map(|row| (row.message_id, row.other_branch))
        .collect();
    found.sort();
    found
}

const SEARCHES: [&str; 6] = ["zebra", "rivers", "crossing", "東京", "天気", "lakes"];

/// `target` holds `ids` as `source` does: rows, sessions, active paths
/// with versions, every message, the live context, and search hits.
async fn assert_same_history(
    source: &dyn SessionStore,
    target: &dyn SessionStore,
    ids: &[SessionId],
) {
    for id in ids {
        assert_eq!(
            target.dump_session(id).await.unwrap(),
            source.dump_session(id).await.unwrap(),
            "rows of {id}"
        );
        assert_eq!(
            target.get_session(id).await.unwrap(),
            source.get_session(id).await.unwrap()
        );
        assert_eq!(
            target.get_messages(id, None).await.unwrap(),
            source.get_messages(id, None).await.unwrap(),
            "active path of {id}"
        );
        assert_eq!(
            target.get_messages(id, Some(2)).await.unwrap(),
            source.get_messages(id, Some(2)).await.unwrap()
        );
        assert_eq!(
            target.get_live_messages(id).await.unwrap(),
            source.get_live_messages(id).await.unwrap()
        );
        assert_eq!(
            every_message(target, id).await,
            every_message(source, id).await
        );
    }
    for text in SEARCHES {
        let expected = hits(source, text).await;
        assert!(!expected.is_empty(), "{text} finds something in the source");
        assert_eq!(hits(target, text).await, expected, "search {text}");
    }
}

async fn sqlite_source() -> (TestStore, Vec<SessionId>) {
    let source = Backend::Sqlite.open().await;
    let ids = build_history(&*source).await;
    (source, ids)
}

/// Runs a migration, recording its steps.
async fn migrate(
    source: &dyn SessionStore,
    target: &dyn SessionStore,
) -> (
    clawdesk_core::store::migrate::MigrationReport,
    Vec<MigrationStep>,
) {
    let steps = Mutex::new(Vec::new());
    let report = migrate_sessions(source, target, &|step, _| {
        steps.lock().unwrap().push(step.clone())
    })
    .await
    .unwrap();
    (report, steps.into_inner().unwrap())
}

async fn a_history_moves_whole_and_a_rerun_adds_nothing(to: Backend) {
    let (source, ids) = sqlite_source().await;
    let target = to.open().await;
    let (report, steps) = migrate(&*source, &*target).await;
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.source_sessions, 4);
    assert_eq!(report.copied_sessions, 4);
    assert_eq!(report.skipped_sessions, 0);
    // 4 + 2 versions + 1 regeneration in the tree; 8 + summary + 2 in the
    // long chat; 2 CJK.
    assert_eq!(report.source_messages, 20);
    assert_eq!(report.copied_messages, 20);
    assert_eq!((report.target_sessions, report.target_messages), (4, 20));
    assert_eq!(steps.len(), 4);
    assert_same_history(&*source, &*target, &ids).await;
    target.check_search_index().await;

    // Again: everything is there, nothing is written twice.
    let (again, steps) = migrate(&*source, &*target).await;
    assert!(again.is_complete(), "{again:?}");
    assert_eq!((again.copied_sessions, again.skipped_sessions), (0, 4));
    assert!(steps
        .iter()
        .all(|s| matches!(s, MigrationStep::AlreadyThere { .. })));
    assert_eq!(
        target
            .scalar(
                "SELECT count(*) FROM messages",
                "SELECT count(*) FROM messages"
            )
            .await,
        20
    );
    assert_eq!(
        target
            .scalar(
                "SELECT count(*) FROM sessions",
                "SELECT count(*) FROM sessions"
            )
            .await,
        4
    );
    assert_same_history(&*source, &*target, &ids).await;
}

async fn the_copy_keeps_working_as_a_tree(to: Backend) {
    let (source, ids) = sqlite_source().await;
    let target = to.open().await;
    migrate(&*source, &*target).await;
    let tree = &ids[0];
    // Switch to the edited question on both: the same path, with the
    // reply last seen below it (the regeneration).
    let path = source.get_messages(tree, None).await.unwrap();
    let first = &path[0];
    let other = first.versions.as_ref().unwrap();
    assert_eq!((other.position, other.count), (1, 2));
    let edited = other.next.as_ref().unwrap();
    source.switch_branch(edited).await.unwrap();
    target.switch_branch(edited).await.unwrap();
    let shown = |messages: Vec<Message>| -> Vec<(MessageId, String)> {
        messages.into_iter().map(|m| (m.id, m.content)).collect()
    };
    let on_source = shown(source.get_messages(tree, None).await.unwrap());
    assert_eq!(on_source[1].1, "An African equid with stripes.");
    assert_eq!(
        shown(target.get_messages(tree, None).await.unwrap()),
        on_source
    );
    assert_eq!(
        target.get_session(tree).await.unwrap().message_count,
        source.get_session(tree).await.unwrap().message_count
    );
    // And it grows like any chat: an append follows the active path.
    let added = say(&*target, tree, Role::User, "Thanks!").await;
    assert_eq!(added.parent_id.as_ref(), Some(&on_source[1].0));
    // The failed reply kept its failure.
    let long = target.get_messages(&ids[1], None).await.unwrap();
    let failed = long.last().unwrap();
    assert_eq!(failed.status, MessageStatus::Failed);
    assert_eq!(failed.failure.as_ref().unwrap().code, FailureCode::Network);
}

async fn loading_twice_or_onto_taken_ids_writes_nothing(to: Backend) {
    let (source, ids) = sqlite_source().await;
    let target = to.open().await;
    let dump = source.dump_session(&ids[0]).await.unwrap();
    assert_eq!(
        target.load_session(&dump).await.unwrap(),
        LoadOutcome::Loaded { messages: 7 }
    );
    assert_eq!(
        target.load_session(&dump).await.unwrap(),
        LoadOutcome::AlreadyThere
    );

    // The same messages under another session id: refused whole.
    let mut stolen = dump.clone();
    stolen.session.id = SessionId::generate();
    let err = target.load_session(&stolen).await.unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidArgument { field, .. } if field == "messages"),
        "{err:?}"
    );
    assert!(matches!(
        target.get_session(&stolen.session.id).await,
        Err(AppError::SessionNotFound { .. })
    ));

    // A parent that is not an earlier message of the dump: checked first.
    let mut broken = source.dump_session(&ids[1]).await.unwrap();
    broken.messages.swap(0, 1);
    let err = target.load_session(&broken).await.unwrap_err();
    assert!(
        matches!(&err, AppError::InvalidArgument { field, .. } if field == "messages"),
        "{err:?}"
    );
    assert!(matches!(
        target.get_session(&ids[1]).await,
        Err(AppError::SessionNotFound { .. })
    ));
    assert_eq!(
        target
            .scalar(
                "SELECT count(*) FROM messages",
                "SELECT count(*) FROM messages"
            )
            .await,
        7
    );
    assert!(matches!(
        target.dump_session(&SessionId::generate()).await,
        Err(AppError::SessionNotFound { .. })
    ));
}

/// A session whose message ids the target already uses (under another
/// session) is not written and is reported; the others still move.
async fn a_session_the_target_refuses_is_reported_and_the_rest_moves(to: Backend) {
    let (source, ids) = sqlite_source().await;
    let target = to.open().await;
    let mut squatter = source.dump_session(&ids[2]).await.unwrap();
    squatter.session.id = SessionId::generate();
    target.load_session(&squatter).await.unwrap();
    let (report, steps) = migrate(&*source, &*target).await;
    assert!(!report.is_complete());
    assert_eq!(report.copied_sessions, 3);
    assert_eq!(report.mismatches.len(), 2, "{:?}", report.mismatches);
    assert!(report.mismatches[0].contains(&format!("session {} was not written", ids[2])));
    assert!(report.mismatches[1].contains("is not in the target"));
    assert_eq!(report.target_sessions, 3);
    assert_eq!(report.target_messages, report.source_messages - 2);
    assert!(steps
        .iter()
        .any(|s| matches!(s, MigrationStep::Refused { session_id, .. } if *session_id == ids[2])));
    for id in [&ids[0], &ids[1], &ids[3]] {
        assert_eq!(
            target.dump_session(id).await.unwrap(),
            source.dump_session(id).await.unwrap()
        );
    }
}

on_every_store!(
    a_session_the_target_refuses_is_reported_and_the_rest_moves,
    a_history_moves_whole_and_a_rerun_adds_nothing,
    the_copy_keeps_working_as_a_tree,
    loading_twice_or_onto_taken_ids_writes_nothing,
);

/// PostgreSQL dumps what it loaded as SQLite did, and a PostgreSQL history
/// moves back into SQLite just as whole (the tree columns PostgreSQL derives
/// come out as SQLite stored them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_back_to_sqlite() {
    if postgres_skipped() {
        return;
    }
    let (source, ids) = sqlite_source().await;
    let middle = Backend::Postgres.open().await;
    let back = Backend::Sqlite.open().await;
    assert!(migrate(&*source, &*middle).await.0.is_complete());
    let (report, _) = migrate(&*middle, &*back).await;
    assert!(report.is_complete(), "{report:?}");
    assert_same_history(&*source, &*back, &ids).await;
}
