use super::arg::Arg;
use crate::state::AppState;
use clawdesk_core::ids::{MessageId, SessionId};
use clawdesk_core::types::{MessageWindow, SearchOptions, SearchResults};
use clawdesk_core::AppError;
use tauri::State;

/// Searches the messages of every chat (compacted ones included). `query`:
/// words (case and diacritics ignored: `cafe` finds "Café"), `word*`
/// prefixes and `"quoted phrases"`, all of which must match; Chinese,
/// Japanese and Korean text matches as a substring. Hits are ranked by
/// relevance (bm25) then recency, grouped by chat, each with a plain-text
/// snippet and its matches as UTF-16 ranges (`snippet.slice(start, end)`).
/// `options` filters by chat, role and time and sets `limit` (default 50,
/// at most 200). An unreadable query (an unbalanced quote, search
/// operators) is `invalidArgument { field: "query" }`.
#[tauri::command]
#[specta::specta]
pub async fn search_messages(
    state: State<'_, AppState>,
    query: Arg<String>,
    options: Arg<Option<SearchOptions>>,
) -> Result<SearchResults, AppError> {
    state
        .search_messages(&query, options.into_inner().unwrap_or_default())
        .await
}

/// The messages around one message of a chat, oldest first: up to `before`
/// older ones (default 50), the message, up to `after` newer ones (default
/// 50), each side at most 500, and whether more exist on either side. Opens
/// a long chat at a search hit; with the oldest message shown and `after:
/// 0` it gives the page before it. A message of another chat is
/// `invalidArgument { field: "messageId" }`.
#[tauri::command]
#[specta::specta]
pub async fn get_messages_around(
    state: State<'_, AppState>,
    session_id: Arg<SessionId>,
    message_id: Arg<MessageId>,
    before: Arg<Option<u32>>,
    after: Arg<Option<u32>>,
) -> Result<MessageWindow, AppError> {
    state
        .get_messages_around(&session_id, &message_id, *before, *after)
        .await
}
