//! [`ListConversationsRequest`]: the query parameters of `GET /user/conversations`, checked
//! before anything is sent.

use conversations_core::Error;

use crate::protocol::PROVIDER;
use crate::types::ConversationType;

/// The smallest `per_page` Autocalls accepts.
pub const PER_PAGE_MIN: u32 = 1;
/// The largest `per_page` Autocalls accepts.
pub const PER_PAGE_MAX: u32 = 100;
/// The `per_page` Autocalls uses when none is sent.
pub const PER_PAGE_DEFAULT: u32 = 15;

/// The query of one `GET /user/conversations` call. Only the parameters that are set are sent.
///
/// Values reach the server exactly as given: phone numbers keep their `+` (sent
/// percent-encoded as `%2B`, never as a literal `+` that a server would read as a space).
/// [`validate`](Self::validate) runs before every request; an invalid request sends nothing.
///
/// ```
/// use autocalls_api::{ConversationType, ListConversationsRequest};
///
/// let request = ListConversationsRequest::new()
///     .conversation_type(ConversationType::Whatsapp)
///     .customer_phone("+14155559876")
///     .per_page(50);
/// assert!(request.validate().is_ok());
/// assert_eq!(
///     request.query_pairs(),
///     vec![("type", "whatsapp".to_owned()), ("customer_phone", "+14155559876".to_owned()), ("per_page", "50".to_owned())]
/// );
/// assert!(ListConversationsRequest::new().per_page(0).validate().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListConversationsRequest {
    /// `type`: only conversations of this type. Only the four documented types are accepted.
    pub conversation_type: Option<ConversationType>,
    /// `assistant_id`: only conversations of this assistant, by its **integer** id (the docs
    /// type the filter as an integer, while records carry the assistant's UUID).
    pub assistant_id: Option<u64>,
    /// `customer_phone`: only conversations with this customer phone number (exact match).
    pub customer_phone: Option<String>,
    /// `whatsapp_sender_phone`: only conversations from this WhatsApp sender number (exact match).
    pub whatsapp_sender_phone: Option<String>,
    /// `external_identifier`: only conversations with this external identifier.
    pub external_identifier: Option<String>,
    /// `per_page`: items per page, [`PER_PAGE_MIN`]..=[`PER_PAGE_MAX`]; the server's default
    /// ([`PER_PAGE_DEFAULT`]) when `None`.
    pub per_page: Option<u32>,
    /// `cursor`: a `next_cursor` or `prev_cursor` from an earlier page; the first page when `None`.
    pub cursor: Option<String>,
}

impl ListConversationsRequest {
    /// A request with no parameters: the first page, server defaults.
    ///
    /// ```
    /// assert!(autocalls_api::ListConversationsRequest::new().query_pairs().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `type`.
    ///
    /// ```
    /// use autocalls_api::{ConversationType, ListConversationsRequest};
    /// let r = ListConversationsRequest::new().conversation_type("api");
    /// assert_eq!(r.conversation_type, Some(ConversationType::Api));
    /// ```
    pub fn conversation_type(mut self, value: impl Into<ConversationType>) -> Self {
        self.conversation_type = Some(value.into());
        self
    }

    /// Sets `assistant_id` (the assistant's integer id).
    ///
    /// ```
    /// let r = autocalls_api::ListConversationsRequest::new().assistant_id(42);
    /// assert_eq!(r.query_pairs(), vec![("assistant_id", "42".to_owned())]);
    /// ```
    pub fn assistant_id(mut self, value: u64) -> Self {
        self.assistant_id = Some(value);
        self
    }

    /// Sets `customer_phone`.
    ///
    /// ```
    /// let r = autocalls_api::ListConversationsRequest::new().customer_phone("+14155559876");
    /// assert_eq!(r.customer_phone.as_deref(), Some("+14155559876"));
    /// ```
    pub fn customer_phone(mut self, value: impl Into<String>) -> Self {
        self.customer_phone = Some(value.into());
        self
    }

    /// Sets `whatsapp_sender_phone`.
    ///
    /// ```
    /// let r = autocalls_api::ListConversationsRequest::new().whatsapp_sender_phone("+14155551234");
    /// assert_eq!(r.whatsapp_sender_phone.as_deref(), Some("+14155551234"));
    /// ```
    pub fn whatsapp_sender_phone(mut self, value: impl Into<String>) -> Self {
        self.whatsapp_sender_phone = Some(value.into());
        self
    }

    /// Sets `external_identifier`.
    ///
    /// ```
    /// let r = autocalls_api::ListConversationsRequest::new().external_identifier("crm-lead-12345");
    /// assert_eq!(r.external_identifier.as_deref(), Some("crm-lead-12345"));
    /// ```
    pub fn external_identifier(mut self, value: impl Into<String>) -> Self {
        self.external_identifier = Some(value.into());
        self
    }

    /// Sets `per_page`; checked by [`validate`](Self::validate) (1–100).
    ///
    /// ```
    /// let r = autocalls_api::ListConversationsRequest::new().per_page(100);
    /// assert!(r.validate().is_ok());
    /// ```
    pub fn per_page(mut self, value: u32) -> Self {
        self.per_page = Some(value);
        self
    }

    /// Sets `cursor`.
    ///
    /// ```
    /// let r = autocalls_api::ListConversationsRequest::new().cursor("eyJpZCI6MTAwfQ");
    /// assert_eq!(r.cursor.as_deref(), Some("eyJpZCI6MTAwfQ"));
    /// ```
    pub fn cursor(mut self, value: impl Into<String>) -> Self {
        self.cursor = Some(value.into());
        self
    }

    /// Checks the request: `per_page` within 1–100, `type` one of the four documented types,
    /// and no string parameter empty, blank or holding control characters (Laravel would
    /// treat a blank filter as absent and silently return more than asked for).
    ///
    /// ```
    /// use autocalls_api::{ListConversationsRequest, RequestError};
    ///
    /// let err = ListConversationsRequest::new().per_page(101).validate().unwrap_err();
    /// assert_eq!(err, RequestError::PerPageOutOfRange { per_page: 101 });
    /// let err = ListConversationsRequest::new().conversation_type("voice").validate().unwrap_err();
    /// assert!(err.to_string().contains("test, widget, whatsapp, api"));
    /// let err = ListConversationsRequest::new().customer_phone(" ").validate().unwrap_err();
    /// assert!(matches!(err, RequestError::BadValue { field: "customer_phone", .. }));
    /// ```
    pub fn validate(&self) -> Result<(), RequestError> {
        if let Some(per_page) = self.per_page
            && !(PER_PAGE_MIN..=PER_PAGE_MAX).contains(&per_page)
        {
            return Err(RequestError::PerPageOutOfRange { per_page });
        }
        if let Some(kind) = &self.conversation_type
            && !kind.is_known()
        {
            return Err(RequestError::UndocumentedType {
                value: kind.as_str().to_owned(),
            });
        }
        let strings = [
            ("customer_phone", &self.customer_phone),
            ("whatsapp_sender_phone", &self.whatsapp_sender_phone),
            ("external_identifier", &self.external_identifier),
            ("cursor", &self.cursor),
        ];
        for (field, value) in strings {
            let Some(value) = value else { continue };
            let problem = if value.trim().is_empty() {
                Some("is empty or blank")
            } else if value.chars().any(char::is_control) {
                Some("holds a control character")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(RequestError::BadValue { field, problem });
            }
        }
        Ok(())
    }

    /// The query parameters sent, in a fixed order, with their values exactly as given;
    /// only those that are set.
    ///
    /// ```
    /// let r = autocalls_api::ListConversationsRequest::new().cursor("abc").per_page(10);
    /// assert_eq!(r.query_pairs(), vec![("per_page", "10".to_owned()), ("cursor", "abc".to_owned())]);
    /// ```
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(kind) = &self.conversation_type {
            pairs.push(("type", kind.as_str().to_owned()));
        }
        if let Some(id) = self.assistant_id {
            pairs.push(("assistant_id", id.to_string()));
        }
        let strings = [
            ("customer_phone", &self.customer_phone),
            ("whatsapp_sender_phone", &self.whatsapp_sender_phone),
            ("external_identifier", &self.external_identifier),
        ];
        for (name, value) in strings {
            if let Some(value) = value {
                pairs.push((name, value.clone()));
            }
        }
        if let Some(per_page) = self.per_page {
            pairs.push(("per_page", per_page.to_string()));
        }
        if let Some(cursor) = &self.cursor {
            pairs.push(("cursor", cursor.clone()));
        }
        pairs
    }
}

/// Why a [`ListConversationsRequest`] was refused before sending.
///
/// Converts into [`Error::InvalidQuery`].
///
/// ```
/// use autocalls_api::RequestError;
/// let err: conversations_core::Error = RequestError::PerPageOutOfRange { per_page: 0 }.into();
/// assert_eq!(err.to_string(), "autocalls: invalid query: per_page must be between 1 and 100, got 0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// `per_page` outside 1–100.
    #[error("per_page must be between {PER_PAGE_MIN} and {PER_PAGE_MAX}, got {per_page}")]
    PerPageOutOfRange {
        /// The value given.
        per_page: u32,
    },
    /// A `type` the vendor page does not list.
    #[error("type must be one of test, widget, whatsapp, api; got {value:?}")]
    UndocumentedType {
        /// The value given.
        value: String,
    },
    /// A string parameter that is empty, blank or holds control characters.
    #[error("{field} {problem}")]
    BadValue {
        /// The parameter.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
}

impl From<RequestError> for Error {
    fn from(error: RequestError) -> Self {
        Error::invalid_query(PROVIDER, error.to_string())
    }
}
