//! Reading and writing whole sessions' rows in PostgreSQL ([`SessionDump`]):
//! the one place that inserts stored rows as they are, used by
//! `load_session` and by archive import. Each message's search columns
//! (`search_words`, `has_cjk`) are computed by [`SearchColumns`] and written
//! in the same statement, as every other write of a text does.

use super::rows::SearchColumns;
use crate::error::AppResult;
use crate::ids::SessionId;
use crate::store::dump::{
    derive_has_versions, message_select, MessageRecord, MessageRow, SessionRecord,
    SESSION_RECORD_COLUMNS,
};
use crate::store::SessionDump;
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// Rows per INSERT: 18 values each stays well under PostgreSQL's 65,535
/// bound parameters.
const MESSAGE_BATCH: usize = 500;

/// The session's rows, or `None` when there is no such session. Run it in
/// a transaction (repeatable read) for one snapshot.
pub(super) async fn dump(
    conn: &mut PgConnection,
    session_id: &SessionId,
) -> AppResult<Option<SessionDump>> {
    let session: Option<SessionRecord> = sqlx::query_as(&format!(
        "SELECT {SESSION_RECORD_COLUMNS} FROM sessions WHERE id = $1"
    ))
    .bind(session_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(session) = session else {
        return Ok(None);
    };
    // `has_versions` is not stored here: derived below from the tree.
    let rows: Vec<MessageRow> = sqlx::query_as(&message_select("FALSE", "pk", "$1"))
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut messages: Vec<_> = rows
        .into_iter()
        .map(MessageRow::into_record)
        .collect::<AppResult<_>>()?;
    derive_has_versions(&mut messages);
    Ok(Some(SessionDump { session, messages }))
}

/// Inserts the session row as it is; `false`, writing nothing, when a
/// session with its id is there, written by anyone (another process may
/// load the same session at the same moment: the row's conflict decides,
/// so two loads never both write it).
pub(super) async fn insert_session_row(
    conn: &mut PgConnection,
    session: &SessionRecord,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO sessions (id, channel_id, model, title, title_set, created_at, last_active,
                               message_count, pinned, system_prompt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&session.id)
    .bind(&session.channel_id)
    .bind(&session.model)
    .bind(&session.title)
    .bind(session.title_set)
    .bind(session.created_at)
    .bind(session.last_active)
    .bind(session.message_count)
    .bind(session.pinned)
    .bind(&session.system_prompt)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Inserts `messages` of `session_id` as they are, in their order (which
/// becomes their `pk` order).
pub(super) async fn insert_message_rows(
    conn: &mut PgConnection,
    session_id: &SessionId,
    messages: &[MessageRecord],
) -> Result<(), sqlx::Error> {
    for batch in messages.chunks(MESSAGE_BATCH) {
        let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens,
               output_tokens, status, created_at, tokens, compacted, summary, failure_code,
               failure_message, search_words, has_cjk, parent_id, on_path, chosen_at) ",
        );
        insert.push_values(batch, |mut row, m| {
            let search = SearchColumns::of(&m.content);
            row.push_bind(&m.id)
                .push_bind(session_id)
                .push_bind(m.seq)
                .push_bind(m.role.as_str())
                .push_bind(&m.content)
                .push_bind(&m.model)
                .push_bind(m.input_tokens)
                .push_bind(m.output_tokens)
                .push_bind(m.status.as_str())
                .push_bind(m.created_at)
                .push_bind(m.tokens)
                .push_bind(m.compacted)
                .push_bind(m.summary)
                .push_bind(m.failure_code.map(|code| code.as_str()))
                .push_bind(&m.failure_message)
                .push("to_tsvector('simple', ")
                .push_bind_unseparated(search.words)
                .push_unseparated(")")
                .push_bind(search.has_cjk)
                .push_bind(&m.parent_id)
                .push_bind(m.on_path)
                .push_bind(m.chosen_at);
        });
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}
