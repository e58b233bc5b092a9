//! Looking for a credential in what a run left: its whole text and every run of 8 of its
//! characters, as sent, JSON-escaped and percent-encoded (RFC 3986, and every byte but
//! letters and digits), and every 8 characters of its base64 forms (standard and URL-safe).

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The shortest run of a credential's characters that must not appear.
pub(crate) const WINDOW: usize = 8;

/// RFC 3986's percent-encoding of a URL component: every byte but the unreserved
/// characters (letters, digits, `-._~`).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The ways a credential may be echoed (what the servers send, what the checks look for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Plain,
    /// As inside a JSON string: `"` → `\"`, `\` → `\\`.
    JsonEscaped,
    /// RFC 3986's percent-encoding: every byte but letters, digits and `-._~` as `%XX`.
    PercentEncoded,
    /// Every byte but ASCII letters and digits as `%XX` (as legal, and what some encoders
    /// do: Java's `URLEncoder` encodes `~`, others encode `_` or `.`).
    PercentEncodedAll,
    /// Standard base64 of the whole credential.
    Base64,
}

/// The forms the contract names: as sent, JSON-escaped, percent-encoded (RFC 3986) and
/// base64.
pub(crate) const ENCODINGS: [Encoding; 4] = [
    Encoding::Plain,
    Encoding::JsonEscaped,
    Encoding::PercentEncoded,
    Encoding::Base64,
];

/// `secret` as `encoding` makes it.
pub(crate) fn encode(secret: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Plain => secret.to_owned(),
        Encoding::JsonEscaped => json_escape(secret),
        Encoding::PercentEncoded => utf8_percent_encode(secret, COMPONENT).to_string(),
        Encoding::PercentEncodedAll => utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(secret),
    }
}

fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("a string serializes");
    quoted[1..quoted.len() - 1].to_owned()
}

/// Every text that must not appear anywhere for `secret`.
pub(crate) fn needles(secret: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    let mut out = vec![secret.to_owned()];
    for window in chars.windows(WINDOW.min(chars.len())) {
        let w: String = window.iter().collect();
        out.push(json_escape(&w));
        out.push(utf8_percent_encode(&w, COMPONENT).to_string());
        out.push(utf8_percent_encode(&w, NON_ALPHANUMERIC).to_string());
        out.push(w);
    }
    for b64 in [
        base64::engine::general_purpose::STANDARD.encode(secret),
        base64::engine::general_purpose::URL_SAFE.encode(secret),
    ] {
        let b: Vec<char> = b64.chars().collect();
        for window in b.windows(WINDOW.min(b.len())) {
            out.push(window.iter().collect());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Where `secret` shows in `haystack`: the needle found and the text around it.
pub(crate) fn find(secret: &str, haystack: &[u8]) -> Option<String> {
    // Needles by their first WINDOW bytes, so the haystack is read once.
    let mut by_prefix: HashMap<&[u8], Vec<&[u8]>> = HashMap::new();
    let needles = needles(secret);
    let min = needles.iter().map(String::len).min().unwrap_or(1).max(1);
    for n in &needles {
        by_prefix
            .entry(&n.as_bytes()[..min])
            .or_default()
            .push(n.as_bytes());
    }
    for i in 0..haystack.len().saturating_sub(min - 1) {
        if let Some(candidates) = by_prefix.get(&haystack[i..i + min]) {
            for needle in candidates {
                if haystack[i..].starts_with(needle) {
                    let from = i.saturating_sub(60);
                    let to = (i + needle.len() + 60).min(haystack.len());
                    return Some(format!(
                        "{:?} in …{}…",
                        String::from_utf8_lossy(needle),
                        String::from_utf8_lossy(&haystack[from..to])
                    ));
                }
            }
        }
    }
    None
}

/// Fails if `secret` shows in `text` (`what` names it).
pub(crate) fn assert_absent(secret: &str, what: &str, text: &[u8]) {
    if let Some(found) = find(secret, text) {
        panic!("the credential shows in {what}: {found}");
    }
}

/// Fails if `secret` shows in any file under `dir` (a database, its journal, an output).
pub(crate) fn assert_absent_from_files(secret: &str, dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("read the case's directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            assert_absent_from_files(secret, &path);
        } else if let Ok(bytes) = std::fs::read(&path) {
            assert_absent(secret, &path.display().to_string(), &bytes);
        }
    }
}

#[test]
fn the_checker_finds_every_form() {
    let secret = r#"ab"cd\ef/gh+ij%kl_m~n"#;
    for encoding in ENCODINGS.into_iter().chain([Encoding::PercentEncodedAll]) {
        let text = format!("error: {} was refused", encode(secret, encoding));
        assert!(find(secret, text.as_bytes()).is_some(), "{encoding:?}");
    }
    // Eight characters of it, in the middle of something else.
    assert!(find(secret, br#"x cd\ef/gh y"#).is_some());
    assert!(find(secret, br#"x cd\\ef/gh y"#).is_some());
    assert!(find(secret, b"x ***, request id *** y").is_none());
    assert!(find(secret, b"cd\\ef/g").is_none(), "seven are not enough");
}
