//! [`Credentials`]: the headers that authenticate a provider's requests, checked once, marked
//! sensitive, and never shown.

use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::redact::Redactor;

/// Why a credential was refused. Names the credential and the problem, never the value.
///
/// ```
/// use conversations_transport::Credentials;
/// let err = Credentials::bearer("API key", &"a b".into()).unwrap_err();
/// assert_eq!(err.to_string(), "the API key is not safe in an HTTP header (visible ASCII only, no spaces)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {credential} is {problem}")]
#[non_exhaustive]
pub struct CredentialError {
    /// Which credential, e.g. `"API key"`.
    pub credential: &'static str,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// The headers that authenticate requests: each value checked (not blank, visible ASCII
/// only) and marked sensitive, so `http`/`reqwest` never print it. `Debug` shows the header
/// names only.
///
/// ```
/// use conversations_transport::Credentials;
/// let creds = Credentials::header("asapp-api-id", "API id", &"my-id".into())
///     .unwrap()
///     .and(Credentials::header("asapp-api-secret", "API secret", &"s3cret".into()).unwrap());
/// let shown = format!("{creds:?}");
/// assert!(shown.contains("asapp-api-secret") && !shown.contains("s3cret"));
/// ```
#[derive(Clone, Default)]
pub struct Credentials {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.headers
                    .iter()
                    .map(|(name, _)| (name.as_str(), "[REDACTED]")),
            )
            .finish()
    }
}

impl Credentials {
    /// `Authorization: Bearer <token>`; `credential` names it in errors (`"API key"`).
    ///
    /// ```
    /// let c = conversations_transport::Credentials::bearer("API key", &"k".into()).unwrap();
    /// assert_eq!(format!("{c:?}"), r#"{"authorization": "[REDACTED]"}"#);
    /// ```
    pub fn bearer(credential: &'static str, token: &SecretString) -> Result<Self, CredentialError> {
        let token = checked(credential, token.expose_secret())?;
        let value = HeaderValue::try_from(format!("Bearer {token}"))
            .map_err(|_| invalid(credential, UNSAFE))?;
        Ok(Self::one(AUTHORIZATION, value))
    }

    /// A header of the provider's own, e.g. `asapp-api-secret`.
    ///
    /// ```
    /// use conversations_transport::Credentials;
    /// assert!(Credentials::header("x-key", "API key", &"".into()).is_err());
    /// assert!(Credentials::header("x-key", "API key", &" k ".into()).is_err());
    /// ```
    pub fn header(
        name: &'static str,
        credential: &'static str,
        value: &SecretString,
    ) -> Result<Self, CredentialError> {
        let value = checked(credential, value.expose_secret())?;
        let name = HeaderName::from_static(name);
        let value = HeaderValue::from_str(value).map_err(|_| invalid(credential, UNSAFE))?;
        Ok(Self::one(name, value))
    }

    /// Both sets of headers.
    pub fn and(mut self, other: Credentials) -> Self {
        self.headers.extend(other.headers);
        self
    }

    /// A [`Redactor`] for these credentials: every header value (for `Bearer`, the token
    /// alone), in all the forms a server may echo them in.
    ///
    /// ```
    /// use conversations_transport::Credentials;
    /// let creds = Credentials::bearer("API key", &"ak_live_0123456789".into()).unwrap();
    /// assert_eq!(creds.redactor().redact("token ak_live_0123456789 refused"), "token *** refused");
    /// ```
    pub fn redactor(&self) -> Redactor {
        let mut redactor = Redactor::new();
        for (_, value) in &self.headers {
            let Ok(text) = value.to_str() else { continue };
            // The token alone: "Bearer " is ordinary text, not to be taken out of messages.
            redactor = redactor.secret(text.strip_prefix("Bearer ").unwrap_or(text));
        }
        redactor
    }

    /// Adds the headers to `headers`.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
    }

    fn one(name: HeaderName, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        Self {
            headers: vec![(name, value)],
        }
    }
}

const UNSAFE: &str = "not safe in an HTTP header (visible ASCII only, no spaces)";

fn invalid(credential: &'static str, problem: &'static str) -> CredentialError {
    CredentialError {
        credential,
        problem,
    }
}

fn checked<'v>(credential: &'static str, value: &'v str) -> Result<&'v str, CredentialError> {
    if value.is_empty() {
        return Err(invalid(credential, "empty"));
    }
    if value.trim().is_empty() {
        return Err(invalid(credential, "blank"));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(credential, UNSAFE));
    }
    Ok(value)
}
