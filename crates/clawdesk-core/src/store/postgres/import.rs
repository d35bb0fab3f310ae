//! Writing archived chats into PostgreSQL as they were: one transaction for
//! the whole archive, messages in multi-row INSERTs. A chat whose id is
//! already in the database, written by anyone (another server process may
//! import the same archive at the same moment), is skipped: the session
//! row's `ON CONFLICT DO NOTHING` decides, so two imports never both write it.
//! The imported messages' words are counted in the search vocabulary at the
//! end, in the same transaction.

use super::rows::SearchColumns;
use crate::archive::ArchivedSession;
use crate::error::{AppError, AppResult};
use crate::ids::MessageId;
use crate::store::{ImportCounts, ImportProgressFn};
use crate::time::ms_from_rfc3339;
use crate::types::{Message, SessionInfo};
use sqlx::{Postgres, QueryBuilder, Transaction};

/// Rows per INSERT: 18 values each stays well under PostgreSQL's 65,535
/// bound parameters.
const MESSAGE_BATCH: usize = 500;

pub(super) async fn write_sessions(
    tx: &mut Transaction<'_, Postgres>,
    sessions: &[ArchivedSession],
    progress: ImportProgressFn<'_>,
) -> AppResult<ImportCounts> {
    let mut counts = ImportCounts::default();
    let mut imported: Vec<&str> = Vec::new();
    for (i, archived) in sessions.iter().enumerate() {
        let session = &archived.session;
        if insert_session(tx, session, archived.messages.len()).await? {
            imported.push(session.id.as_str());
            let mut parent = None;
            for (batch_index, batch) in archived.messages.chunks(MESSAGE_BATCH).enumerate() {
                insert_messages(tx, batch, batch_index * MESSAGE_BATCH, &mut parent).await?;
            }
            counts.sessions_imported += 1;
            counts.messages_imported += archived.messages.len() as u32;
        } else {
            counts.sessions_skipped += 1;
        }
        progress(i as u32 + 1);
    }
    // Once for the whole archive, last: one sorted sweep of the words.
    super::vocabulary::count_sessions(tx, &imported).await?;
    Ok(counts)
}

fn ms(text: &str, field: &str) -> AppResult<i64> {
    ms_from_rfc3339(text)
        .ok_or_else(|| AppError::archive(field, format!("{text:?} is not an RFC 3339 time")))
}

/// Inserts the session row; `false` when a session with its id is there.
async fn insert_session(
    tx: &mut Transaction<'_, Postgres>,
    session: &SessionInfo,
    message_count: usize,
) -> AppResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO sessions (id, channel_id, model, title, created_at, last_active, message_count,
                               pinned, system_prompt, title_set)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&session.id)
    .bind(&session.channel_id)
    .bind(&session.model)
    .bind(&session.title)
    .bind(ms(&session.created_at, "session.createdAt")?)
    .bind(ms(&session.last_active, "session.lastActive")?)
    .bind(message_count as i64)
    .bind(session.pinned)
    .bind(&session.system_prompt)
    // An archived title is the chat's title as the user last saw it: it
    // stays, whatever the first message says.
    .bind(session.title.is_some())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

async fn insert_messages(
    tx: &mut Transaction<'_, Postgres>,
    batch: &[Message],
    first_index: usize,
    parent: &mut Option<MessageId>,
) -> AppResult<()> {
    let mut times = Vec::with_capacity(batch.len());
    for message in batch {
        times.push(ms(&message.timestamp, "message.timestamp")?);
    }
    let parents = crate::store::rules::archived_parents(batch, parent);
    let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens,
           output_tokens, status, created_at, tokens, compacted, summary, failure_code,
           failure_message, search_words, has_cjk, parent_id, chosen_at) ",
    );
    insert.push_values(batch.iter().enumerate(), |mut row, (i, m)| {
        let search = SearchColumns::of(&m.content);
        row.push_bind(&m.id)
            .push_bind(&m.session_id)
            .push_bind((first_index + i + 1) as i64)
            .push_bind(m.role.as_str())
            .push_bind(&m.content)
            .push_bind(&m.model)
            .push_bind(m.usage.map(|u| i64::from(u.input_tokens)))
            .push_bind(m.usage.map(|u| i64::from(u.output_tokens)))
            .push_bind(m.status.as_str())
            .push_bind(times[i])
            .push_bind(i64::from(m.tokens))
            .push_bind(m.compacted)
            .push_bind(m.summary)
            .push_bind(m.failure.as_ref().map(|f| f.code.as_str()))
            .push_bind(m.failure.as_ref().map(|f| f.message.clone()))
            .push("to_tsvector('simple', ")
            .push_bind_unseparated(search.words)
            .push_unseparated(")")
            .push_bind(search.has_cjk)
            .push_bind(parents[i].clone())
            .push_bind(times[i]);
    });
    insert
        .build()
        .execute(&mut **tx)
        .await
        .map_err(|err| match err.as_database_error() {
            Some(db) if db.is_unique_violation() => AppError::archive(
                "",
                format!(
                    "a message of chat {} has an id another chat here already uses ({db})",
                    batch[0].session_id
                ),
            ),
            _ => AppError::from(err),
        })?;
    Ok(())
}
