//! [`Redactor`]: takes credentials out of whatever a server sends back before it reaches an
//! error, a log line, stdout or a database.
//!
//! Some gateways echo the credential they received: in an error body, a request-id header, a
//! field error. Whatever the client passes on from a server goes through the redactor of the
//! transport that made the request, so every provider — a third party's too — gets it for
//! free.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use conversations_core::Error;

/// What a redacted run of text becomes.
pub const REDACTED: &str = "***";

/// The shortest run of a credential's characters that is redacted on its own: any 8
/// characters of it in a row, in any of its forms.
pub const MIN_RUN: usize = 8;

/// The shortest credential matched at all: shorter ones are too likely to be ordinary words.
const MIN_SECRET: usize = 4;

/// Removes credentials from text: the whole credential and any run of [`MIN_RUN`] or more of
/// its characters, in every form it can come back in — as sent, JSON-escaped,
/// percent-encoded (either case of hex), base64 (standard and URL-safe, padded or not), and
/// for Basic auth the base64 of `user:password` — become [`REDACTED`].
///
/// Cheap to clone (the forms are shared). [`Transport`](crate::Transport) builds one from its
/// [`Credentials`](crate::Credentials) and runs every error, request id and log field that
/// came from a server through it; [`Transport::redactor`](crate::Transport::redactor) hands it
/// to a provider for text of its own. `Debug` shows how many forms it holds, never one.
///
/// ```
/// use conversations_transport::Redactor;
/// let redactor = Redactor::new().secret("sk-live-4f9a8b7c6d5e");
/// assert_eq!(redactor.redact("bad key sk-live-4f9a8b7c6d5e"), "bad key ***");
/// // Any 8 characters of it in a row, and its percent-encoded and base64 forms.
/// assert_eq!(redactor.redact("key ends 4f9a8b7c6d5e."), "key ends ***.");
/// assert_eq!(redactor.redact("echo=c2stbGl2ZS00ZjlhOGI3YzZkNWU="), "echo=***");
/// // Text without it is left alone (and not copied).
/// assert!(matches!(redactor.redact("HTTP 401"), std::borrow::Cow::Borrowed(_)));
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    inner: Arc<Forms>,
}

#[derive(Default)]
struct Forms {
    /// Every form of every credential, for whole matches (credentials shorter than
    /// [`MIN_RUN`] are matched only whole).
    whole: Vec<String>,
    /// Every [`MIN_RUN`]-byte window of every form long enough to have one.
    windows: HashSet<[u8; MIN_RUN]>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("forms", &self.inner.whole.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor that removes nothing yet.
    ///
    /// ```
    /// assert_eq!(conversations_transport::Redactor::new().redact("anything"), "anything");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Also removes `secret`, in all its forms. A secret shorter than 4 characters is
    /// ignored (it cannot be told from ordinary text).
    ///
    /// ```
    /// use conversations_transport::Redactor;
    /// let r = Redactor::new().secret(r#"a"b\c/d%e f"#);
    /// assert_eq!(r.redact(r#"{"echo":"a\"b\\c\/d%e f"}"#), r#"{"echo":"***"}"#);
    /// assert_eq!(r.redact("q=a%22b%5Cc%2Fd%25e%20f"), "q=***");
    /// ```
    pub fn secret(self, secret: &str) -> Self {
        if secret.chars().count() < MIN_SECRET {
            return self;
        }
        let mut forms = vec![secret.to_owned()];
        forms.extend(json_escaped(secret));
        forms.extend(percent_encoded(secret));
        forms.extend(base64_forms(secret.as_bytes()));
        self.with_forms(forms)
    }

    /// Also removes the Basic-auth form of `user` and `password` (the base64 of
    /// `user:password`), and each of them as a [`secret`](Self::secret).
    ///
    /// ```
    /// use conversations_transport::Redactor;
    /// let r = Redactor::new().basic("svc-user", "hunter2hunter2");
    /// assert_eq!(r.redact("Authorization: Basic c3ZjLXVzZXI6aHVudGVyMmh1bnRlcjI="), "Authorization: Basic ***");
    /// ```
    pub fn basic(self, user: &str, password: &str) -> Self {
        let pair = format!("{user}:{password}");
        self.secret(user)
            .secret(password)
            .with_forms(base64_forms(pair.as_bytes()).collect())
    }

    /// Every credential of both.
    ///
    /// ```
    /// use conversations_transport::Redactor;
    /// let r = Redactor::new().secret("first-secret").and(&Redactor::new().secret("second-secret"));
    /// assert_eq!(r.redact("first-secret second-secret"), "*** ***");
    /// ```
    pub fn and(self, other: &Redactor) -> Self {
        self.with_forms(other.inner.whole.clone())
    }

    fn with_forms(self, add: Vec<String>) -> Self {
        let mut whole = self.inner.whole.clone();
        let mut windows = self.inner.windows.clone();
        for form in add {
            for window in form.as_bytes().windows(MIN_RUN) {
                let mut key = [0u8; MIN_RUN];
                key.copy_from_slice(window);
                windows.insert(key);
            }
            if !form.is_empty() && !whole.contains(&form) {
                whole.push(form);
            }
        }
        Self {
            inner: Arc::new(Forms { whole, windows }),
        }
    }

    /// Whether the redactor holds no credential.
    ///
    /// ```
    /// assert!(conversations_transport::Redactor::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.whole.is_empty()
    }

    /// `text` without any credential: borrowed as it was when there was none.
    ///
    /// ```
    /// use conversations_transport::Redactor;
    /// let r = Redactor::new().secret("0123456789abcdef");
    /// assert_eq!(r.redact("id 0123456789abcdef-x, or 9abcdef0 or 23456789"), "id ***-x, or 9abcdef0 or ***");
    /// ```
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.is_empty() || text.is_empty() {
            return Cow::Borrowed(text);
        }
        let bytes = text.as_bytes();
        // Byte ranges to redact, in order, possibly overlapping.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let windows = &self.inner.windows;
        if !windows.is_empty() && bytes.len() >= MIN_RUN {
            for (at, window) in bytes.windows(MIN_RUN).enumerate() {
                let mut key = [0u8; MIN_RUN];
                key.copy_from_slice(window);
                if windows.contains(&key) {
                    spans.push((at, at + MIN_RUN));
                }
            }
        }
        for form in &self.inner.whole {
            if form.len() < MIN_RUN {
                spans.extend(
                    text.match_indices(form.as_str())
                        .map(|(at, m)| (at, at + m.len())),
                );
            }
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut spans = spans.into_iter().peekable();
        while let Some((start, mut end)) = spans.next() {
            while let Some(&(next_start, next_end)) = spans.peek() {
                if next_start > end {
                    break;
                }
                end = end.max(next_end);
                spans.next();
            }
            // Credentials are ASCII, so a matched run never splits a character; keep to
            // character boundaries all the same.
            let start = floor_boundary(text, start.max(copied));
            let end = ceil_boundary(text, end);
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }

    /// [`redact`](Self::redact), owned.
    ///
    /// ```
    /// let r = conversations_transport::Redactor::new().secret("top-secret-value");
    /// assert_eq!(r.redact_string("x top-secret-value".to_owned()), "x ***");
    /// ```
    pub fn redact_string(&self, text: String) -> String {
        match self.redact(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(redacted) => redacted,
        }
    }

    /// `error` with every text it carries from outside redacted (see
    /// [`Error::redact_with`]).
    ///
    /// ```
    /// use conversations_core::{ApiErrorDetails, Error};
    /// use conversations_transport::Redactor;
    /// let r = Redactor::new().secret("k-123456789");
    /// let error = Error::from_status("autocalls", ApiErrorDetails::new(401).message("bad token k-123456789"), None);
    /// assert_eq!(r.redact_error(error).to_string(), "autocalls: unauthorized (HTTP 401: bad token ***)");
    /// ```
    pub fn redact_error(&self, error: Error) -> Error {
        if self.is_empty() {
            return error;
        }
        error.redact_with(&|text: &str| self.redact(text).into_owned())
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The secret as it reads inside a JSON string: `"` and `\` escaped, `/` escaped or not,
/// control and non-ASCII characters as `\u` escapes (both hex cases).
fn json_escaped(secret: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut slash = String::new();
    let mut upper = String::new();
    for c in secret.chars() {
        let (p, s, u) = match c {
            '"' => ("\\\"".to_owned(), "\\\"".to_owned(), "\\u0022".to_owned()),
            '\\' => ("\\\\".to_owned(), "\\\\".to_owned(), "\\u005C".to_owned()),
            '/' => ("/".to_owned(), "\\/".to_owned(), "/".to_owned()),
            c if c.is_control() || !c.is_ascii() => {
                let mut units = [0u16; 2];
                let escaped: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect();
                (escaped.clone(), escaped.clone(), escaped.to_uppercase())
            }
            c => (c.to_string(), c.to_string(), c.to_string()),
        };
        plain.push_str(&p);
        slash.push_str(&s);
        upper.push_str(&u);
    }
    vec![plain, slash, upper]
}

/// The secret percent-encoded: everything but RFC 3986's unreserved characters, or everything
/// but letters and digits (as some encoders do), with upper and lower hex, and with `+` for
/// spaces as forms do.
fn percent_encoded(secret: &str) -> Vec<String> {
    let mut forms = percent_encoded_keeping(secret, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
    });
    forms.extend(percent_encoded_keeping(secret, |b| {
        b.is_ascii_alphanumeric()
    }));
    forms
}

fn percent_encoded_keeping(secret: &str, keep: impl Fn(u8) -> bool) -> Vec<String> {
    let mut upper = String::new();
    let mut lower = String::new();
    let mut form = String::new();
    for b in secret.bytes() {
        if keep(b) {
            upper.push(b as char);
            lower.push(b as char);
            form.push(b as char);
        } else {
            upper.push_str(&format!("%{b:02X}"));
            lower.push_str(&format!("%{b:02x}"));
            if b == b' ' {
                form.push('+');
            } else {
                form.push_str(&format!("%{b:02X}"));
            }
        }
    }
    vec![upper, lower, form]
}

/// `bytes` in base64: standard and URL-safe alphabets, padded and not.
fn base64_forms(bytes: &[u8]) -> impl Iterator<Item = String> {
    [
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
    ]
    .into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_matched_whole_only() {
        let r = Redactor::new().secret("abcd12");
        assert_eq!(r.redact("x abcd12 y abcd"), "x *** y abcd");
        assert!(Redactor::new().secret("k").is_empty());
    }

    #[test]
    fn percent_encoding_of_unreserved_characters_is_matched_too() {
        let r = Redactor::new().secret("ak_live_0123~xyz");
        assert_eq!(r.redact("k=ak%5Flive%5F0123%7Exyz"), "k=***");
        assert_eq!(r.redact("k=ak%5flive%5f0123%7exyz"), "k=***");
    }

    #[test]
    fn overlapping_runs_merge_into_one() {
        let r = Redactor::new().secret("aaaaaaaaaaaaaaaaaaaa");
        assert_eq!(r.redact("<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa>"), "<***>");
    }

    #[test]
    fn non_ascii_text_around_a_secret_is_kept_whole() {
        let r = Redactor::new().secret("s3cr3t-t0k3n-value");
        assert_eq!(r.redact("é s3cr3t-t0k3n-value ü"), "é *** ü");
    }
}
