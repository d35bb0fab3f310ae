//! Pages of the session list: keyset pagination through an opaque cursor.
//!
//! A cursor names the last session of a page by its sort key, so the next
//! page starts right after it whatever was created or deleted meanwhile
//! (no OFFSET: every page is one index range scan, however deep).

use crate::error::AppError;
use crate::ids::SessionId;
use crate::types::SessionInfo;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The brand of [`SessionCursor`] in the generated TypeScript.
pub const BRANDS: &[&str] = &["SessionCursor"];

/// Sessions per page when the caller does not say.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
/// The most sessions one page holds.
pub const MAX_PAGE_LIMIT: u32 = 500;

/// The order a page is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageOrder {
    /// Most recently active first; ties broken by id, newest first.
    Recent,
    /// Pinned sessions first, then as `Recent`.
    PinnedFirst,
}

impl PageOrder {
    pub fn new(pinned_first: bool) -> Self {
        if pinned_first {
            Self::PinnedFirst
        } else {
            Self::Recent
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Self::Recent => "recent",
            Self::PinnedFirst => "pinned",
        }
    }
}

/// Where the next page of `list_sessions_page` starts. Opaque: pass back
/// what a page's `nextCursor` was, with the same `pinnedFirst`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCursor {
    pub order: PageOrder,
    pub pinned: bool,
    /// Milliseconds since the epoch, as stored.
    pub last_active: i64,
    pub id: SessionId,
}

impl SessionCursor {
    /// A page must be asked in the order its cursor was made for.
    pub fn check_order(&self, order: PageOrder) -> Result<(), AppError> {
        if self.order != order {
            return Err(AppError::invalid_argument(
                "cursor",
                "the cursor belongs to the other order (pinnedFirst differs)",
            ));
        }
        Ok(())
    }
}

impl fmt::Display for SessionCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}",
            self.order.tag(),
            u8::from(self.pinned),
            self.last_active,
            self.id
        )
    }
}

impl FromStr for SessionCursor {
    type Err = AppError;

    fn from_str(value: &str) -> Result<Self, AppError> {
        let bad = || AppError::invalid_argument("cursor", format!("{value:?} is not a cursor"));
        let mut parts = value.splitn(4, ':');
        let (Some(order), Some(pinned), Some(last_active), Some(id)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let order = match order {
            "recent" => PageOrder::Recent,
            "pinned" => PageOrder::PinnedFirst,
            _ => return Err(bad()),
        };
        let pinned = match pinned {
            "0" => false,
            "1" => true,
            _ => return Err(bad()),
        };
        let last_active: i64 = last_active.parse().map_err(|_| bad())?;
        if last_active < 0 || !last_active.to_string().eq(last_active_digits(value)) {
            return Err(bad());
        }
        let id = SessionId::parse(id).map_err(|_| bad())?;
        Ok(Self {
            order,
            pinned,
            last_active,
            id,
        })
    }
}

/// The third field of a cursor as written, so `+5` or `007` (which parse to
/// a number but are not what a cursor holds) are refused: one cursor, one
/// spelling.
fn last_active_digits(value: &str) -> &str {
    value.split(':').nth(2).unwrap_or_default()
}

impl Serialize for SessionCursor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SessionCursor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl specta::Type for SessionCursor {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        let inner = <String as specta::Type>::definition(types);
        specta::datatype::DataType::Reference(specta::datatype::Reference::opaque(
            specta_typescript::Branded::new("SessionCursor", inner),
        ))
    }
}

/// One page of the session list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionPage {
    pub sessions: Vec<SessionInfo>,
    /// Pass it back for the next page; `null` once this page is the last.
    pub next_cursor: Option<SessionCursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_malformed_ones_are_refused() {
        let cursor = SessionCursor {
            order: PageOrder::PinnedFirst,
            pinned: true,
            last_active: 1_700_000_000_000,
            id: SessionId::generate(),
        };
        let text = cursor.to_string();
        assert_eq!(text.parse::<SessionCursor>().unwrap(), cursor);
        for bad in [
            "",
            "pinned",
            "pinned:1:17:",
            "sideways:1:17:sess_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "pinned:2:17:sess_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "pinned:1:-17:sess_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "pinned:1:+17:sess_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "pinned:1:017:sess_01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "pinned:1:17:msg_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        ] {
            let err = bad.parse::<SessionCursor>().unwrap_err();
            assert!(
                matches!(&err, AppError::InvalidArgument { field, .. } if field == "cursor"),
                "{bad:?}: {err:?}"
            );
        }
    }
}
