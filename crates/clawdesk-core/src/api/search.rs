//! `search_messages` and `get_messages_around`: finding a message in any
//! chat, and opening the chat there.

use super::ClawDesk;
use crate::ids::{MessageId, SessionId};
use crate::search::{group_hits, SearchQuery};
use crate::store::MessageSearch;
use crate::types::{MessageWindow, SearchOptions, SearchResults};
use crate::{AppError, AppResult};
use chrono::DateTime;

/// Hits returned when `limit` is not given.
pub const DEFAULT_SEARCH_LIMIT: u32 = 50;
/// The most hits one search returns; larger limits are capped to it.
pub const MAX_SEARCH_LIMIT: u32 = 200;
/// Messages on each side of the one asked about, when not given.
pub const DEFAULT_WINDOW_SIDE: u32 = 50;
/// The most messages on each side of a window; larger values are capped.
pub const MAX_WINDOW_SIDE: u32 = 500;

fn time_ms(value: Option<&str>, field: &str) -> AppResult<Option<i64>> {
    value
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.timestamp_millis())
                .map_err(|e| {
                    AppError::invalid_argument(
                        field,
                        format!("{text:?} is not an RFC 3339 time: {e}"),
                    )
                })
        })
        .transpose()
}

impl ClawDesk {
    /// Searches the messages of every chat (compacted ones included: they
    /// are still the chat's history). `query` has words (case and
    /// diacritics ignored), `word*` prefixes and `"quoted phrases"`, all of
    /// which must match; Chinese, Japanese and Korean text matches as a
    /// substring. Hits are ranked by relevance (bm25) then recency and
    /// grouped by chat, each with a plain-text snippet and the matches in
    /// it as UTF-16 ranges. A query it cannot read (an unbalanced quote,
    /// search operators) is `invalidArgument { field: "query" }`; bad
    /// options name theirs (`options.from`, ...).
    #[tracing::instrument(name = "search_messages", skip_all)]
    pub async fn search_messages(
        &self,
        query: &str,
        options: SearchOptions,
    ) -> AppResult<SearchResults> {
        self.track(async {
            let parsed = SearchQuery::parse(query)?;
            let limit = match options.limit {
                Some(0) => {
                    return Err(AppError::invalid_argument(
                        "options.limit",
                        "must be at least 1",
                    ))
                }
                Some(limit) => limit.min(MAX_SEARCH_LIMIT),
                None => DEFAULT_SEARCH_LIMIT,
            };
            let from_ms = time_ms(options.from.as_deref(), "options.from")?;
            let to_ms = time_ms(options.to.as_deref(), "options.to")?;
            if let (Some(from), Some(to)) = (from_ms, to_ms) {
                if from > to {
                    return Err(AppError::invalid_argument(
                        "options.to",
                        "is before options.from",
                    ));
                }
            }
            let page = self
                .timed_store(self.session_store.search_messages(&MessageSearch {
                    query: &parsed,
                    session_id: options.session_id.as_ref(),
                    role: options.role,
                    from_ms,
                    to_ms,
                    limit,
                }))
                .await?;
            let mut titles = std::collections::HashMap::new();
            for row in &page.rows {
                if !titles.contains_key(&row.session_id) {
                    let title = self
                        .session_store
                        .get_session(&row.session_id)
                        .await
                        .ok()
                        .and_then(|s| s.title);
                    titles.insert(row.session_id.clone(), title);
                }
            }
            Ok(SearchResults {
                groups: group_hits(page.rows, &parsed, |id| titles.get(id).cloned().flatten()),
                truncated: page.truncated,
            })
        })
        .await
    }

    /// A stretch of a chat around one message, to open the chat there (a
    /// search hit far back in a long chat): up to `before` older messages
    /// (default 50), the message, up to `after` newer ones (default 50),
    /// oldest first, with whether more exist on either side. Each side is
    /// capped at 500. Paging: the oldest message shown with `after: 0`
    /// gives the page before it. A message of another session is
    /// `invalidArgument { field: "messageId" }`.
    #[tracing::instrument(name = "get_messages_around", skip_all, fields(%session_id))]
    pub async fn get_messages_around(
        &self,
        session_id: &SessionId,
        message_id: &MessageId,
        before: Option<u32>,
        after: Option<u32>,
    ) -> AppResult<MessageWindow> {
        let side = |n: Option<u32>| n.unwrap_or(DEFAULT_WINDOW_SIDE).min(MAX_WINDOW_SIDE);
        self.track(self.timed_store(self.session_store.get_messages_around(
            session_id,
            message_id,
            side(before),
            side(after),
        )))
        .await
    }
}
