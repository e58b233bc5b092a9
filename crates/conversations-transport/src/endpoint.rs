//! Base URLs for provider clients: `https` everywhere, plain `http` only on loopback.
//!
//! Every provider client takes a base URL (to reach a sandbox, a proxy or a regional
//! endpoint). Sending credentials in clear text across a network is never what a caller
//! wants, so [`BaseUrl::parse`] refuses `http` unless the host is a loopback address.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// Why a base URL was refused. Never echoes user info (which may hold a secret).
///
/// ```
/// use conversations_transport::{BaseUrl, BaseUrlError};
/// let err = BaseUrl::parse("http://api.example.com").unwrap_err();
/// assert!(matches!(err, BaseUrlError::InsecureHttp { .. }));
/// assert_eq!(
///     err.to_string(),
///     "base URL uses plain http to api.example.com; http is allowed only for loopback hosts (use https)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not a URL at all.
    #[error("base URL is not a valid URL: {reason}")]
    Invalid {
        /// What the parser said.
        reason: String,
    },
    /// A scheme other than `http` or `https`.
    #[error("base URL scheme {scheme:?} is not supported (use https)")]
    UnsupportedScheme {
        /// The scheme given.
        scheme: String,
    },
    /// Plain `http` to a host that is not loopback.
    #[error(
        "base URL uses plain http to {host}; http is allowed only for loopback hosts (use https)"
    )]
    InsecureHttp {
        /// The host given.
        host: String,
    },
    /// The URL carries a user name or password.
    #[error("base URL must not carry a user name or password")]
    Credentials,
    /// The URL carries a query string or fragment.
    #[error("base URL must not carry a query string or fragment")]
    QueryOrFragment,
}

/// A checked base URL, without a trailing slash.
///
/// ```
/// use conversations_transport::BaseUrl;
///
/// let base = BaseUrl::parse("https://app.autocalls.ai/api/").unwrap();
/// assert_eq!(base.as_str(), "https://app.autocalls.ai/api");
/// assert_eq!(base.join("/user/conversations").as_str(), "https://app.autocalls.ai/api/user/conversations");
/// assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
/// assert!(BaseUrl::parse("http://localhost:8080").is_ok());
/// assert!(BaseUrl::parse("http://[::1]:8080").is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Parses and checks a base URL.
    ///
    /// ```
    /// use conversations_transport::BaseUrl;
    /// assert!(BaseUrl::parse("ftp://example.com").is_err());
    /// assert!(BaseUrl::parse("https://user:pw@example.com").is_err());
    /// assert!(BaseUrl::parse("https://example.com/?a=b").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<Self, BaseUrlError> {
        let url = Url::parse(raw.trim()).map_err(|e| BaseUrlError::Invalid {
            reason: e.to_string(),
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(BaseUrlError::Credentials);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(BaseUrlError::QueryOrFragment);
        }
        let host = url.host().ok_or_else(|| BaseUrlError::Invalid {
            reason: "it has no host".to_owned(),
        })?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(BaseUrlError::InsecureHttp {
                    host: host.to_string(),
                });
            }
            other => {
                return Err(BaseUrlError::UnsupportedScheme {
                    scheme: other.to_owned(),
                });
            }
        }
        let mut url = url;
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        Ok(Self(url))
    }

    /// The URL of `path` under this base (`path` starts with `/`).
    ///
    /// ```
    /// use conversations_transport::BaseUrl;
    /// let base = BaseUrl::parse("https://api.sandbox.asapp.com").unwrap();
    /// assert_eq!(
    ///     base.join("/conversation/v1/conversations").as_str(),
    ///     "https://api.sandbox.asapp.com/conversation/v1/conversations"
    /// );
    /// ```
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let joined = format!("{}{}", self.0.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }

    /// The base URL as a string, without a trailing slash.
    ///
    /// ```
    /// use conversations_transport::BaseUrl;
    /// assert_eq!(BaseUrl::parse("https://x.example/").unwrap().as_str(), "https://x.example");
    /// ```
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// The parsed URL.
    ///
    /// ```
    /// use conversations_transport::BaseUrl;
    /// assert_eq!(BaseUrl::parse("https://x.example").unwrap().url().host_str(), Some("x.example"));
    /// ```
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = BaseUrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_rules() {
        for ok in [
            "http://127.0.0.1",
            "http://127.8.9.10:9",
            "http://LOCALHOST",
            "http://[::1]/x",
            "https://anything.example",
        ] {
            BaseUrl::parse(ok).unwrap();
        }
        for bad in [
            "http://10.0.0.1",
            "http://localhost.evil.example",
            "http://[::2]",
            "http://example.com",
        ] {
            assert!(matches!(
                BaseUrl::parse(bad),
                Err(BaseUrlError::InsecureHttp { .. })
            ));
        }
    }

    #[test]
    fn errors_never_echo_credentials() {
        let err = BaseUrl::parse("https://id:s3cr3t@example.com").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cr3t"));
    }

    #[test]
    fn garbage_is_a_typed_error() {
        for bad in ["", "not a url", "https://", "mailto:x@example.com"] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
