//! Times are stored as integer milliseconds since the Unix epoch (cheap to
//! index and compare) and cross the boundary as RFC 3339 UTC strings.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn rfc3339_from_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The milliseconds an RFC 3339 time names (any offset), if it is one.
pub fn ms_from_rfc3339(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_with_millis() {
        assert_eq!(
            super::rfc3339_from_ms(1_795_465_754_087),
            "2026-11-23T20:29:14.087Z"
        );
    }
}
