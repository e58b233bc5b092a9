//! The one request ASAPP's *list conversations* operation takes:
//! `GET /conversation/v1/conversations?externalId=…`, checked before anything is sent.
//!
//! ASAPP lists by external id only, in one page: [`capabilities`] says so, and
//! [`ListRequest::new`] refuses an id the normalized query would refuse (empty, blank,
//! overlong, control characters) and a cursor, which ASAPP never issues.

use conversations_core::{Capabilities, ConversationQuery, Cursor, Error, Filter};

use crate::protocol::{CONVERSATIONS_PATH, PROVIDER};

/// What ASAPP can list by: an external id, required; nothing else.
pub(crate) fn capabilities() -> Capabilities {
    Capabilities::new().requires(Filter::ExternalId)
}

/// One checked request: the external id to list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListRequest<'a> {
    external_id: &'a str,
}

impl<'a> ListRequest<'a> {
    /// The request for `external_id`, or [`Error::InvalidQuery`] naming what was wrong.
    pub(crate) fn new(external_id: &'a str) -> Result<Self, Error> {
        capabilities().validate(PROVIDER, &ConversationQuery::new().external_id(external_id))?;
        Ok(Self { external_id })
    }

    /// The request a normalized query stands for: its `external_id`; ASAPP serves one page,
    /// so any cursor was not issued here.
    pub(crate) fn from_query(
        query: &'a ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Self, Error> {
        capabilities().validate(PROVIDER, query)?;
        if let Some(cursor) = cursor {
            return Err(Error::pagination(
                PROVIDER,
                format!(
                    "a cursor ({} bytes) was not issued by this source: ASAPP serves one page",
                    cursor.as_str().len()
                ),
            ));
        }
        let external_id = query.external_id.as_deref().ok_or_else(|| {
            Error::invalid_query(PROVIDER, "filter external_id is required by asapp")
        })?;
        Ok(Self { external_id })
    }

    /// The path, relative to the base URL.
    pub(crate) fn path(&self) -> &'static str {
        CONVERSATIONS_PATH
    }

    /// The query parameters: `externalId`, nothing else.
    pub(crate) fn query(&self) -> [(&'static str, &'a str); 1] {
        [("externalId", self.external_id)]
    }
}
