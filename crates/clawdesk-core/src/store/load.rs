//! Reading and writing whole sessions' rows in SQLite ([`SessionDump`]):
//! the one place that inserts stored rows as they are, used by
//! `load_session` and by archive import. The search indexes (words and
//! CJK trigrams) are filled by migration 0005's triggers on the same
//! INSERT, exactly as for any other write.

use super::dump::{
    message_select, MessageRecord, MessageRow, SessionRecord, SESSION_RECORD_COLUMNS,
};
use super::SessionDump;
use crate::error::AppResult;
use crate::ids::SessionId;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// Rows per INSERT: 19 values each stays well under SQLite's 32,766 limit,
/// and 100,000 single-row statements would spend their time in round trips.
const MESSAGE_BATCH: usize = 500;

/// The session's rows, or `None` when there is no such session. Run it in
/// a transaction for one snapshot.
pub(super) async fn dump(
    conn: &mut SqliteConnection,
    session_id: &SessionId,
) -> AppResult<Option<SessionDump>> {
    let session: Option<SessionRecord> = sqlx::query_as(&format!(
        "SELECT {SESSION_RECORD_COLUMNS} FROM sessions WHERE id = ?"
    ))
    .bind(session_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(session) = session else {
        return Ok(None);
    };
    let rows: Vec<MessageRow> = sqlx::query_as(&message_select("has_versions", "rowid", "?"))
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await?;
    let messages = rows
        .into_iter()
        .map(MessageRow::into_record)
        .collect::<AppResult<_>>()?;
    Ok(Some(SessionDump { session, messages }))
}

/// Inserts the session row as it is (revision 0); `false`, writing nothing,
/// when a session with its id is already there.
pub(super) async fn insert_session_row(
    conn: &mut SqliteConnection,
    session: &SessionRecord,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO sessions (id, channel_id, model, title, title_set, created_at, last_active,
                               message_count, pinned, system_prompt)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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

/// Inserts `messages` of `session_id` as they are, in their order.
pub(super) async fn insert_message_rows(
    conn: &mut SqliteConnection,
    session_id: &SessionId,
    messages: &[MessageRecord],
) -> Result<(), sqlx::Error> {
    for batch in messages.chunks(MESSAGE_BATCH) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO messages (id, session_id, seq, role, content, model, input_tokens,
               output_tokens, status, created_at, tokens, compacted, summary, failure_code,
               failure_message, parent_id, on_path, chosen_at, has_versions) ",
        );
        insert.push_values(batch, |mut row, m| {
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
                .push_bind(&m.parent_id)
                .push_bind(m.on_path)
                .push_bind(m.chosen_at)
                .push_bind(m.has_versions);
        });
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}
