//! Masks a provider's credentials in every failure message it produces.
//!
//! Error messages reach the window, the logs and bug reports. Providers
//! quote rejected keys back in any shape (`api_key=<key>`, inside JSON, in a
//! mid-stream error), and reqwest's errors print the request URL, which
//! carries any credentials the user put in `baseUrl` (`https://user:pass@…`,
//! `?key=…`). So masking is by value: a [`Redactor`] is built from the
//! provider's own secrets and replaces each of them, in the forms it may
//! take on the wire, wherever it appears. Masking by shape (words that look
//! like keys, URL userinfo) stays as a second net for secrets we were not
//! told about, such as a key the provider itself generated.
//!
//! [`Redacted`] applies it to every failure a client returns or streams, so
//! no code path inside the clients has to remember it.

use super::{ChatRequest, Provider, ProviderFailure, ProviderStream};
use crate::config::Secret;
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;

pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not masked by value: they cannot be told
/// apart from ordinary words (masking a dummy key `x` would garble every
/// message) and guard nothing. URL userinfo is masked by shape regardless.
const MIN_SECRET_CHARS: usize = 4;

/// Longest failure message kept, after masking: a proxy's HTML error page
/// says nothing more useful in its second kilobyte. Cut after masking, so
/// a key straddling the cut cannot leave its first half behind.
const MAX_MESSAGE_CHARS: usize = 600;

/// The secret values of one provider, in every form they may be quoted.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is masked whole.
    needles: Arc<[String]>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} forms)", self.needles.len())
    }
}

impl Redactor {
    /// From the provider's API key and the credentials in its base URL:
    /// userinfo (user and password) and every query parameter value.
    pub fn new(api_key: Option<&Secret>, base_url: &str) -> Self {
        let mut values: Vec<String> = api_key
            .map(|k| k.expose().to_string())
            .into_iter()
            .collect();
        values.extend(url_credentials(base_url));
        let mut needles: Vec<String> = Vec::new();
        for value in values {
            for form in wire_forms(&value) {
                if form.chars().count() >= MIN_SECRET_CHARS && !needles.contains(&form) {
                    needles.push(form);
                }
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Self {
            needles: needles.into(),
        }
    }

    /// `text` with every known secret, then anything shaped like one, masked.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in self.needles.iter() {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), REDACTED);
            }
        }
        mask_url_userinfo(&mask_key_shaped_words(&out))
    }

    /// The failure with its message masked and cut to a readable length.
    pub fn failure(&self, mut failure: ProviderFailure) -> ProviderFailure {
        failure.message = truncate(&self.text(&failure.message), MAX_MESSAGE_CHARS);
        failure
    }
}

/// The credentials written into a base URL, as written and as parsed.
fn url_credentials(base_url: &str) -> Vec<String> {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return Vec::new();
    };
    let mut found = vec![url.username().to_string()];
    found.extend(url.password().map(str::to_string));
    if let Some(query) = url.query() {
        // The raw values (as they appear in URLs in error messages) ...
        found.extend(
            query
                .split('&')
                .filter_map(|pair| pair.split_once('=').map(|(_, v)| v.to_string())),
        );
    }
    // ... and the decoded ones (as a server would quote them).
    found.extend(url.query_pairs().map(|(_, v)| v.into_owned()));
    found.retain(|v| !v.is_empty());
    found
}

/// A secret as it may appear in a message: as is, percent-decoded or
/// -encoded (URLs), and with `/` escaped (some JSON encoders write `\/`).
fn wire_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    if let Some(decoded) = percent_decode(value) {
        forms.push(decoded);
    }
    let encoded = percent_encode(value);
    forms.push(encoded);
    if value.contains('/') {
        forms.push(value.replace('/', "\\/"));
    }
    forms
}

fn percent_decode(value: &str) -> Option<String> {
    if !value.contains('%') && !value.contains('+') {
        return None;
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).ok().filter(|d| d != value)
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Providers quote the key they rejected ("Incorrect API key provided:
/// sk-abc..."); words shaped like a key are masked even when the key is not
/// one we know (the second net behind the by-value masking).
pub(crate) fn mask_key_shaped_words(text: &str) -> String {
    const KEY_PREFIXES: &[&str] = &["sk-", "sk_", "key-", "gsk_", "xai-"];
    text.split_inclusive(char::is_whitespace)
        .map(|piece| {
            let word = piece.trim_end();
            let bare = word.trim_matches(|c: char| "\"'`.,;:()[]{}".contains(c));
            let key_like = bare.len() >= 12 && KEY_PREFIXES.iter().any(|p| bare.starts_with(p));
            if key_like {
                piece.replacen(bare, REDACTED, 1)
            } else {
                piece.to_string()
            }
        })
        .collect()
}

/// `scheme://user:pass@host` becomes `scheme://[redacted]@host` in any URL
/// of the text, whatever the length of the credentials.
fn mask_url_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends at the first of these; userinfo is before an '@' in it.
        let authority_end = tail
            .find(|c: char| "/?#".contains(c) || c.is_whitespace() || "\"')>]".contains(c))
            .unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(userinfo_end) if tail[..userinfo_end] != *REDACTED => {
                out.push_str(REDACTED);
                rest = &tail[userinfo_end..];
            }
            _ => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A client whose every failure (returned or streamed) goes through its
/// provider's [`Redactor`]. [`super::build_provider`] wraps every client in it.
pub(super) struct Redacted {
    pub(super) inner: Box<dyn Provider>,
    pub(super) redactor: Redactor,
}

#[async_trait]
impl Provider for Redacted {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn stream_chat(&self, request: &ChatRequest) -> Result<ProviderStream, ProviderFailure> {
        let redactor = self.redactor.clone();
        match self.inner.stream_chat(request).await {
            Ok(stream) => Ok(stream.map_failures(move |f| redactor.failure(f))),
            Err(failure) => Err(redactor.failure(failure)),
        }
    }

    async fn list_models(&self) -> Result<Vec<String>, ProviderFailure> {
        self.inner
            .list_models()
            .await
            .map_err(|f| self.redactor.failure(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(key: &str, base_url: &str) -> Redactor {
        Redactor::new(Some(&Secret::new(key)), base_url)
    }

    #[test]
    fn a_known_key_is_masked_whatever_surrounds_it() {
        for key in [
            "sk-proj-Abc123Def456",
            "9f86d081884c7d659a2feaa0c55ad015",
            "Zm9vYmFy+/YmF6=cXV4==",
            "abcdefghij0123456789",
        ] {
            let r = redactor(key, "https://api.example.com/v1");
            for text in [
                format!("invalid api_key={key}"),
                format!("{{\"key\":\"{key}\"}}"),
                format!("bad key{key}suffix"),
                format!("url-encoded {}", percent_encode(key)),
                format!("json-escaped {}", key.replace('/', "\\/")),
            ] {
                let masked = r.text(&text);
                assert!(!masked.contains(key), "{key} in {masked}");
                assert!(masked.contains(REDACTED), "{masked}");
            }
        }
    }

    #[test]
    fn base_url_credentials_are_masked_raw_and_decoded() {
        let r = Redactor::new(
            None,
            "https://alice:p%40ss-word@llm.example.com/v1?key=qs-secret-1&api-version=2024",
        );
        let masked = r.text(
            "error sending request for url (https://alice:p%40ss-word@llm.example.com/v1/chat/completions?key=qs-secret-1): \
             user alice, password p@ss-word",
        );
        for secret in ["alice", "p%40ss-word", "p@ss-word", "qs-secret-1"] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        assert!(masked.contains("llm.example.com"), "{masked}");
    }

    #[test]
    fn short_userinfo_is_masked_by_shape() {
        let r = Redactor::new(None, "http://u:pw@127.0.0.1:9/v1");
        assert_eq!(
            r.text("failed: http://u:pw@127.0.0.1:9/v1/models"),
            "failed: http://[redacted]@127.0.0.1:9/v1/models"
        );
        assert_eq!(
            r.text("see https://example.com/a@b"),
            "see https://example.com/a@b"
        );
    }

    #[test]
    fn key_shaped_words_are_masked_without_knowing_them() {
        let r = Redactor::default();
        assert_eq!(
            r.text("Incorrect API key provided: sk-proj-abcdef123456789. You can"),
            "Incorrect API key provided: [redacted]. You can"
        );
        assert_eq!(r.text("a sketch of skill"), "a sketch of skill");
    }

    #[test]
    fn a_key_at_the_cut_leaves_no_prefix_behind() {
        let key = "0123456789abcdefghij";
        let r = redactor(key, "http://localhost");
        let message = format!("{}{key}", "x".repeat(MAX_MESSAGE_CHARS - 5));
        let failure = r.failure(ProviderFailure::new(crate::FailureCode::Auth, message));
        assert!(!failure.message.contains("01234"), "{}", failure.message);
        assert!(failure.message.ends_with('…'));
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let r = redactor("sk-very-secret-value", "http://localhost");
        assert!(!format!("{r:?}").contains("secret"));
    }
}
