//! Database URLs (`storage.databaseUrl`, `CLAWDESK_DATABASE_URL`): which
//! store they name, and how they are shown. A URL's password is a secret:
//! anything that shows a URL (logs, errors, health, config responses) shows
//! [`mask_database_url`]'s form, `postgres://user:***@host/db`.

/// What replaces a password wherever a URL is shown.
pub const MASK: &str = "***";

/// A `postgres://` or `postgresql://` URL (the scheme in any case).
pub fn is_postgres_url(url: &str) -> bool {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    matches!(scheme, Some(s) if s.eq_ignore_ascii_case("postgres") || s.eq_ignore_ascii_case("postgresql"))
}

/// `url` with its password (in the user part, or a `password=` parameter)
/// replaced by [`MASK`]; everything else as given.
pub fn mask_database_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL: nothing can be told apart, so nothing of it is shown.
        return MASK.to_string();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    // The user part ends at the last '@' (a password may hold '/' or '@').
    let masked_main = match before_query.rfind('@') {
        Some(at) => {
            let (userinfo, host) = before_query.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _password)) => format!("{user}:{MASK}{host}"),
                None => before_query.to_string(),
            }
        }
        None => before_query.to_string(),
    };
    let mut masked = format!("{scheme}://{masked_main}");
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}={MASK}"),
                _ => param.to_string(),
            })
            .collect();
        masked.push('?');
        masked.push_str(&params.join("&"));
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_wherever_they_are() {
        assert_eq!(
            mask_database_url("postgres://alice:s3cr:et@db.example:5432/chats"),
            "postgres://alice:***@db.example:5432/chats"
        );
        assert_eq!(
            mask_database_url("postgresql://alice:p@ss/w@rd@db/chats?sslmode=require"),
            "postgresql://alice:***@db/chats?sslmode=require"
        );
        assert_eq!(
            mask_database_url("postgres://db/chats?user=bob&password=hunter2"),
            "postgres://db/chats?user=bob&password=***"
        );
        assert_eq!(
            mask_database_url("postgres://bob@db/chats"),
            "postgres://bob@db/chats"
        );
        assert_eq!(mask_database_url("hunter2"), "***");
    }

    #[test]
    fn postgres_schemes_are_recognised() {
        assert!(is_postgres_url("postgres://db/x"));
        assert!(is_postgres_url("PostgreSQL://db/x"));
        assert!(!is_postgres_url("sqlite:///tmp/x.db"));
        assert!(!is_postgres_url("/tmp/x.db"));
    }
}
