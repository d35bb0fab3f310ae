//! Full-text search over every chat's messages.
//!
//! The user's text never reaches SQLite's `MATCH` as written: [`query`]
//! parses it (words, `word*` prefixes, `"quoted phrases"`) and builds the
//! FTS5 expressions from quoted tokens, refusing what it cannot read with
//! `invalidArgument { field: "query" }`. The indexes themselves are kept by
//! triggers in migration `0005_message_search.sql`. [`snippet`] finds the
//! matches again in a hit's text (folded the way the index folds it) and
//! cuts the snippet the window shows, with match ranges in UTF-16 units.

pub mod document;
mod fold;
pub mod query;
mod rank;
mod results;
pub mod script;
pub mod snippet;

pub use query::{SearchQuery, Term};
pub use rank::{rank, DocFrequency};
pub use results::{group_hits, SearchRow};
