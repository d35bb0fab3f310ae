//! Whole-config validation: ranges and shapes serde cannot express.
//! Returns the first offending dotted key with what it expects.

use super::types::AppConfig;

pub struct Invalid {
    pub key: String,
    pub expected: String,
}

fn invalid(key: impl Into<String>, expected: impl Into<String>) -> Result<(), Invalid> {
    Err(Invalid {
        key: key.into(),
        expected: expected.into(),
    })
}

fn is_http_url(value: &str) -> bool {
    (value.starts_with("http://") || value.starts_with("https://"))
        && value.len() > "https://".len()
        && !value.chars().any(char::is_whitespace)
}

const ORIGINS_EXPECTATION: &str =
    "a list of web origins like \"https://tool.example\" or \"http://localhost:3000\"";

/// A web origin as browsers send it in `Origin`: `http(s)://host[:port]`,
/// no path, no trailing slash, no credentials.
pub fn is_origin(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        // `[::1]:3000` splits at the port; a bare `[::1]` has no port.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .map_or(host, |v6| v6);
    let host_ok = if rest.starts_with('[') {
        host.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        is_host(host) && !host.contains(':')
    };
    port_ok && host_ok
}

const HOST_EXPECTATION: &str = "an IP address or a host name, e.g. \"127.0.0.1\"";

/// An IP address (v4 or v6, without brackets) or a DNS host name.
pub fn is_host(value: &str) -> bool {
    if value.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let name = value.strip_suffix('.').unwrap_or(value);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        // All digits and dots but not an IP (`1.2.3`): a typo, not a name.
        && !name.chars().all(|c| c.is_ascii_digit() || c == '.')
}

pub fn validate(config: &AppConfig) -> Result<(), Invalid> {
    if config.gateway.port < 1024 {
        return invalid("gateway.port", "an integer from 1024 to 65535");
    }
    if !is_host(&config.gateway.host) {
        return invalid("gateway.host", HOST_EXPECTATION);
    }
    if !config.gateway.allowed_origins.iter().all(|o| is_origin(o)) {
        return invalid("gateway.allowedOrigins", ORIGINS_EXPECTATION);
    }
    for (name, provider) in &config.providers {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return invalid(
                format!("providers.{name}"),
                "a provider name of letters, digits, '-' or '_'",
            );
        }
        if !is_http_url(&provider.base_url) {
            return invalid(
                format!("providers.{name}.baseUrl"),
                "an http:// or https:// URL",
            );
        }
    }
    if config.defaults.model.trim().is_empty() {
        return invalid("defaults.model", "a non-empty model id");
    }
    let c = &config.compaction;
    if !(10..=95).contains(&c.threshold_percent) {
        return invalid(
            "compaction.thresholdPercent",
            "an integer percent from 10 to 95",
        );
    }
    if !(2..=1000).contains(&c.keep_recent) {
        return invalid("compaction.keepRecent", "an integer from 2 to 1000");
    }
    if c.summary_prompt.trim().is_empty() {
        return invalid("compaction.summaryPrompt", "a non-empty prompt");
    }
    let n = &config.network;
    for (key, value) in [
        ("network.connectTimeoutMs", n.connect_timeout_ms),
        ("network.firstByteTimeoutMs", n.first_byte_timeout_ms),
        ("network.idleTimeoutMs", n.idle_timeout_ms),
        ("network.maxRetryWaitMs", n.max_retry_wait_ms),
    ] {
        if !(100..=600_000).contains(&value) {
            return invalid(key, "milliseconds from 100 to 600000");
        }
    }
    if n.max_retries > 10 {
        return invalid("network.maxRetries", "an integer from 0 to 10");
    }
    if let Some(path) = &config.storage.database_path {
        if path.trim().is_empty() {
            return invalid(
                "storage.databasePath",
                "a file path, or null for the default",
            );
        }
    }
    if let Some(url) = &config.remote.url {
        if !is_server_url(url) {
            return invalid("remote.url", REMOTE_URL_EXPECTATION);
        }
    }
    Ok(())
}

/// What `storage.databaseUrl` takes.
pub const DATABASE_URL_EXPECTATION: &str =
    "a postgres:// or postgresql:// URL, or null for the local database";

/// A URL the PostgreSQL store can connect with: the scheme, and options
/// the driver parses, without spaces or control characters.
pub fn is_usable_postgres_url(url: &str) -> bool {
    use std::str::FromStr;
    crate::store::database_url::is_postgres_url(url)
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && sqlx::postgres::PgConnectOptions::from_str(url).is_ok()
}

const REMOTE_URL_EXPECTATION: &str =
    "an http:// or https:// server address like \"https://desk.example:1420\", or null";

/// A server address the window can call: http(s), a host, no credentials
/// (the token is the credential), no query or fragment.
fn is_server_url(value: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(value) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && value == value.trim()
}

/// What a single leaf expects, for error messages about wrong types. Provider
/// names are wildcards. `None` means "describe it by the current value's type".
pub fn leaf_expectation(path: &[&str]) -> Option<&'static str> {
    Some(match path {
        ["gateway", "port"] => "an integer from 1024 to 65535",
        ["gateway", "enabled"] => "a boolean",
        ["gateway", "host"] => HOST_EXPECTATION,
        ["gateway", "allowedOrigins"] => ORIGINS_EXPECTATION,
        ["providers", _, "kind"] => "one of \"anthropic\", \"openai\", \"ollama\"",
        ["providers", _, "baseUrl"] => "an http:// or https:// URL",
        ["providers", _, "enabled" | "includeUsage"] => "a boolean",
        ["providers", _] => "a provider object with kind and baseUrl, or null to remove it",
        ["defaults", "model"] => "a non-empty model id",
        ["defaults", "systemPrompt"] | ["compaction", "summaryPrompt"] => "a string",
        ["compaction", "auto"] => "a boolean",
        ["compaction", "thresholdPercent"] => "an integer percent from 10 to 95",
        ["compaction", "keepRecent"] => "an integer from 2 to 1000",
        ["network", "maxRetries"] => "an integer from 0 to 10",
        ["network", _] => "milliseconds from 100 to 600000",
        ["storage", "databasePath"] => "a file path, or null for the default",
        ["storage", "databaseUrl"] => DATABASE_URL_EXPECTATION,
        ["remote", "url"] => REMOTE_URL_EXPECTATION,
        ["logging", "level"] => "one of \"error\", \"warn\", \"info\", \"debug\", \"trace\"",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{is_origin, is_server_url};

    #[test]
    fn server_urls_are_http_or_https_without_credentials() {
        for ok in [
            "http://127.0.0.1:1420",
            "https://desk.example",
            "https://desk.example:8443/",
            "http://[::1]:1420",
        ] {
            assert!(is_server_url(ok), "{ok}");
        }
        for bad in [
            "",
            "desk.example",
            "ftp://desk.example",
            "file:///etc/passwd",
            "https://user:pw@desk.example",
            "https://desk.example/?token=x",
            " https://desk.example",
            "javascript:alert(1)",
        ] {
            assert!(!is_server_url(bad), "{bad}");
        }
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for ok in [
            "https://tool.example",
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "https://[::1]",
        ] {
            assert!(is_origin(ok), "{ok}");
        }
        for bad in [
            "",
            "*",
            "tool.example",
            "ftp://tool.example",
            "https://tool.example/",
            "https://tool.example/app",
            "https://user:pw@tool.example",
            "https://tool.example:",
            "https://tool.example:99999",
            "http://[::1",
            "https://tool example",
            "null",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }
}
