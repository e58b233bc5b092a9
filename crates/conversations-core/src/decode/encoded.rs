//! [`EncodedConversation`]: one record still in the bytes its provider sent, decoded into a
//! [`Conversation`] only when a listing hands it out.
//!
//! A page of a million records then costs its body and a few words per record while it is
//! being walked, not its body plus a million decoded records: a source that can point into
//! its response body (see [`ConversationSource::list_page_encoded`]) keeps each record of a
//! large body (from [`ENCODED_BODY_MIN`] bytes) as a shared slice of that body ([`Bytes`]),
//! and [`Items`](crate::Items) decodes one record at a time. Records of smaller bodies are
//! decoded at once, as a whole page would be: they cost little memory, and decoding them in
//! one go saves the second look at each record a deferred decode takes.
//!
//! [`ConversationSource::list_page_encoded`]: crate::ConversationSource::list_page_encoded

use std::fmt;

use bytes::Bytes;
use serde_json::value::RawValue;

use super::Fields;
use crate::model::Conversation;
use crate::raw::RawJson;

/// The body size (bytes) from which [`EncodedConversation::in_body`] keeps records encoded;
/// records of a smaller body are decoded at once (a page of them costs at most a few MiB).
pub const ENCODED_BODY_MIN: usize = 256 * 1024;

/// Makes a [`Conversation`] from one record as received: a provider's tolerant decoder.
pub type DecodeFn = fn(RawJson) -> Conversation;

/// One conversation, either still encoded (a slice of the page body it came in and the
/// provider's decoder) or already decoded.
///
/// ```
/// use bytes::Bytes;
/// use conversations_core::{Conversation, EncodedConversation, RawJson};
///
/// fn decode(raw: RawJson) -> Conversation {
///     let id = raw.to_value()["id"].as_str().map(str::to_owned);
///     let mut conversation = Conversation::new("demo", raw);
///     conversation.id = id;
///     conversation
/// }
///
/// let body = Bytes::from_static(br#"{"data":[{"id":"c-1"}, {"id":"c-2"}]}"#);
/// #[derive(serde::Deserialize)]
/// struct Envelope<'a> {
///     #[serde(borrow)]
///     data: Vec<&'a serde_json::value::RawValue>,
/// }
/// let records = serde_json::from_slice::<Envelope>(&body).unwrap().data;
/// let encoded: Vec<_> = records.iter().map(|r| EncodedConversation::in_body(&body, r, decode)).collect();
/// assert_eq!(encoded[1].text(), br#"{"id":"c-2"}"#);
/// let second = encoded[1].clone().decode();
/// assert_eq!(second.id.as_deref(), Some("c-2"));
/// assert_eq!(second.raw.get(), r#"{"id":"c-2"}"#);
/// ```
#[derive(Clone)]
pub struct EncodedConversation(Repr);

#[derive(Clone)]
enum Repr {
    Encoded {
        text: Bytes,
        decode: DecodeFn,
        /// Where in `text` the record's identity is (see [`EncodedConversation::keyed_by`]).
        key: Option<(u32, u32)>,
    },
    // Boxed: a decoded conversation is large, and an encoded one should stay a few words.
    Decoded(Box<Conversation>),
}

impl EncodedConversation {
    /// The record `raw`, borrowed from `body` (the response it was parsed from), to be
    /// decoded with `decode`: kept as a shared slice of `body` — no copy — and decoded when
    /// it is handed out if `body` is large ([`ENCODED_BODY_MIN`] bytes or more), decoded now
    /// otherwise. A `raw` that does not lie inside `body` is copied.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use conversations_core::{Conversation, EncodedConversation};
    /// let body = Bytes::from_static(b"[1, 2]");
    /// let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(&body).unwrap();
    /// let two = EncodedConversation::in_body(&body, items[1], |raw| Conversation::new("demo", raw));
    /// assert_eq!(two.text(), b"2");
    /// assert!(format!("{two:?}").contains("decoded"), "a small body is decoded at once");
    /// ```
    pub fn in_body(body: &Bytes, raw: &RawValue, decode: DecodeFn) -> Self {
        if body.len() < ENCODED_BODY_MIN {
            return Self::decoded(decode(RawJson::from_raw(raw)));
        }
        let text = raw.get().as_bytes();
        let range = body.as_ptr_range();
        let inside = range.start <= text.as_ptr() && text.as_ptr_range().end <= range.end;
        let text = if inside {
            body.slice_ref(text)
        } else {
            Bytes::copy_from_slice(text)
        };
        Self(Repr::Encoded {
            text,
            decode,
            key: None,
        })
    }

    /// Makes the top-level field `field` (when the record is an object holding it) this
    /// record's [`key`](Self::key) while it is encoded, as its decoder makes it the
    /// conversation's id: a walk then knows a record sent again with other bytes but the same
    /// id. Costs one scan of the record, without allocating; a decoded record keeps its id.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use conversations_core::{Conversation, EncodedConversation, ENCODED_BODY_MIN};
    /// // A body large enough to be kept encoded.
    /// let text = format!(r#"[{{"id":"c-1","n":1}}, {{"n":2}}, "{}"]"#, "x".repeat(ENCODED_BODY_MIN));
    /// let body = Bytes::from(text);
    /// let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(&body).unwrap();
    /// let decode = |raw| Conversation::new("demo", raw);
    /// let first = EncodedConversation::in_body(&body, items[0], decode).keyed_by("id");
    /// assert_eq!(first.key(), b"c-1");
    /// // No such field: the record is known by its bytes.
    /// let second = EncodedConversation::in_body(&body, items[1], decode).keyed_by("id");
    /// assert_eq!(second.key(), br#"{"n":2}"#);
    /// ```
    pub fn keyed_by(mut self, field: &str) -> Self {
        if let Repr::Encoded { text, key, .. } = &mut self.0
            && text.first() == Some(&b'{')
            && let Ok(fields) = serde_json::from_slice::<Fields<'_>>(text)
            && let Some(value) = fields.get(field)
        {
            let mut start = value.get().as_ptr() as usize - text.as_ptr() as usize;
            let mut end = start + value.get().len();
            // A plain string is known by its text, as the decoded id is.
            let plain = value.get().len() >= 2
                && value.get().starts_with('"')
                && !value.get().contains('\\');
            if plain {
                start += 1;
                end -= 1;
            }
            *key = u32::try_from(start).ok().zip(u32::try_from(end).ok());
        }
        self
    }

    /// A conversation decoded already (a source that decodes its pages whole).
    ///
    /// ```
    /// use conversations_core::{Conversation, EncodedConversation, RawJson};
    /// let c = Conversation::new("demo", RawJson::parse(r#"{"id":1}"#).unwrap());
    /// let e = EncodedConversation::decoded(c.clone());
    /// assert_eq!(e.text(), br#"{"id":1}"#);
    /// assert_eq!(e.decode(), c);
    /// ```
    pub fn decoded(conversation: Conversation) -> Self {
        Self(Repr::Decoded(Box::new(conversation)))
    }

    /// The record's JSON text as received.
    ///
    /// ```
    /// use conversations_core::{Conversation, EncodedConversation, RawJson};
    /// let e = EncodedConversation::decoded(Conversation::new("demo", RawJson::parse("[]").unwrap()));
    /// assert_eq!(e.text(), b"[]");
    /// ```
    pub fn text(&self) -> &[u8] {
        match &self.0 {
            Repr::Encoded { text, .. } => text,
            Repr::Decoded(conversation) => conversation.raw.get().as_bytes(),
        }
    }

    /// What tells this record apart from others of the same walk (a walk's loop detection
    /// hashes it): its id when it is decoded and has one, the field set by
    /// [`keyed_by`](Self::keyed_by) (as sent) when it is encoded, else its bytes.
    ///
    /// ```
    /// use conversations_core::{Conversation, EncodedConversation, RawJson};
    /// let mut c = Conversation::new("demo", RawJson::parse(r#"{"id":"x"}"#).unwrap());
    /// c.id = Some("x".into());
    /// assert_eq!(EncodedConversation::decoded(c).key(), b"x");
    /// ```
    pub fn key(&self) -> &[u8] {
        match &self.0 {
            Repr::Encoded {
                text,
                key: Some((start, end)),
                ..
            } => text.get(*start as usize..*end as usize).unwrap_or(text),
            Repr::Encoded { text, .. } => text,
            Repr::Decoded(conversation) => conversation
                .id
                .as_deref()
                .unwrap_or_else(|| conversation.raw.get())
                .as_bytes(),
        }
    }

    /// The conversation: decoded now, or as it was decoded already.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use conversations_core::{Conversation, EncodedConversation};
    /// let body = Bytes::from_static(br#"[{"id":"c-9"}]"#);
    /// let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(&body).unwrap();
    /// let e = EncodedConversation::in_body(&body, items[0], |raw| Conversation::new("demo", raw));
    /// assert_eq!(e.decode().raw.get(), r#"{"id":"c-9"}"#);
    /// ```
    pub fn decode(self) -> Conversation {
        match self.0 {
            Repr::Decoded(conversation) => *conversation,
            Repr::Encoded { text, decode, .. } => {
                // The text was one JSON value when it was sliced out of a parsed body, so
                // neither step fails; a `null` record (decoded with the provider's notes)
                // stands in if one ever did.
                let raw = String::from_utf8(text.to_vec())
                    .ok()
                    .and_then(|text| RawValue::from_string(text).ok())
                    .map(RawJson::from)
                    .unwrap_or_default();
                decode(raw)
            }
        }
    }
}

impl From<Conversation> for EncodedConversation {
    fn from(conversation: Conversation) -> Self {
        Self::decoded(conversation)
    }
}

impl fmt::Debug for EncodedConversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.0 {
            Repr::Encoded { .. } => "encoded",
            Repr::Decoded(_) => "decoded",
        };
        f.debug_struct("EncodedConversation")
            .field("state", &state)
            .field("bytes", &self.text().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_outside_the_body_is_copied_not_sliced() {
        let body = Bytes::from_static(b"[1]");
        let elsewhere: Box<RawValue> = RawValue::from_string("[2]".to_owned()).unwrap();
        let e = EncodedConversation::in_body(&body, &elsewhere, |raw| Conversation::new("d", raw));
        assert_eq!(e.text(), b"[2]");
    }

    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use futures::StreamExt;

    use crate::{
        Capabilities, ConversationQuery, ConversationSource, ConversationSourceExt, Cursor, Page,
        Result,
    };

    static DECODED: AtomicUsize = AtomicUsize::new(0);

    fn counting(raw: RawJson) -> Conversation {
        DECODED.fetch_add(1, Ordering::SeqCst);
        Conversation::new("counted", raw)
    }

    /// One page of 100,000 records (a large body), served encoded.
    struct Encoding;

    #[async_trait]
    impl ConversationSource for Encoding {
        fn provider(&self) -> &str {
            "counted"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::new()
        }
        async fn list_page(
            &self,
            query: &ConversationQuery,
            cursor: Option<&Cursor>,
        ) -> Result<Page<Conversation>> {
            let page = self.list_page_encoded(query, cursor).await?;
            Ok(page.map(EncodedConversation::decode))
        }
        async fn list_page_encoded(
            &self,
            _: &ConversationQuery,
            _: Option<&Cursor>,
        ) -> Result<Page<EncodedConversation>> {
            let text = format!(
                "[{}]",
                (0..100_000)
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let body = Bytes::from(text);
            let items: Vec<&RawValue> = serde_json::from_slice(&body).unwrap();
            Ok(Page::single(
                items
                    .into_iter()
                    .map(|raw| EncodedConversation::in_body(&body, raw, counting))
                    .collect(),
            ))
        }
    }

    #[tokio::test]
    async fn a_listing_decodes_each_record_only_when_it_is_handed_out() {
        let mut items = Encoding.list(ConversationQuery::new());
        let before = DECODED.load(Ordering::SeqCst);
        let first = items.next().await.unwrap().unwrap();
        assert_eq!(first.raw.get(), "0");
        let second = items.next().await.unwrap().unwrap();
        assert_eq!(second.raw.get(), "1");
        // Two records handed out, two decoded: the other 99,998 of the page wait as bytes.
        assert_eq!(DECODED.load(Ordering::SeqCst) - before, 2);
        assert_eq!(items.count().await, 99_998);
    }

    #[test]
    fn an_encoded_record_is_a_few_words() {
        assert!(std::mem::size_of::<EncodedConversation>() <= 56);
    }
}
