//! A batch's binary `COPY` data, built in one piece on a blocking thread: the thread that
//! fetches and decodes pages goes on meanwhile, and the server gets the batch as fast as the
//! socket carries it instead of in 4 KB pieces between pages.
//!
//! The format is PostgreSQL's binary `COPY` ("PGCOPY\n\xff\r\n\0", flags, header
//! extension; per row the field count, then each field's length, or -1 for NULL, and bytes;
//! -1 at the end). Each value is written straight in its type's binary form — the same bytes
//! the driver's own `ToSql` writes (a test holds the two together), without its per-value
//! type checks and dynamic calls: this encoding is a sixth of a sync's client time otherwise.
//!
//! What PostgreSQL cannot hold (U+0000 anywhere, a lone surrogate escape in JSON) is
//! replaced by U+FFFD, the received text kept in `raw_text` and the row noted: see
//! [`repair`].

use std::borrow::Cow;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use conversations_core::decode::replace_escapes;
use tokio_postgres::types::Type;

use super::repair::{self, Changed};
use crate::row::{Row, Values};

/// The columns a batch is copied as: the row's [`COLUMNS`](crate::row::COLUMNS), then
/// `raw_text` (the record's text as received, where `raw` could not hold it; migration 5).
pub(super) const COLUMNS: [&str; 28] = {
    let mut out = [""; 28];
    let mut i = 0;
    while i < crate::row::COLUMNS.len() {
        out[i] = crate::row::COLUMNS[i];
        i += 1;
    }
    out[27] = "raw_text";
    out
};

/// The column types of [`COLUMNS`], the JSON columns as `jsonb`.
pub(super) const TYPES: [Type; 28] = [
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
    Type::FLOAT8,
    Type::BOOL,
    Type::TIMESTAMPTZ,
    Type::TIMESTAMPTZ,
    Type::JSONB,
    Type::JSONB,
    Type::JSONB,
    Type::TEXT,
    Type::TEXT,
];

/// What a batch is copied as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Straight into `conversations`: [`COLUMNS`], then `first_seen` and `last_seen`.
    Table(DateTime<Utc>),
    /// Into the temporary table: [`COLUMNS`] only.
    Staging,
}

/// The `COPY` data of `rows` in `shape`.
pub(super) fn encode(rows: &[Row], shape: Shape) -> Result<Bytes, EncodeError> {
    let mut out = CopyData::with_capacity(19 + rows.len() * 1024 + 2);
    out.buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    out.buf.extend_from_slice(&[0; 8]);
    let seen = match shape {
        Shape::Table(now) => Some(micros(&now)?),
        Shape::Staging => None,
    };
    let fields: i16 = if seen.is_some() { 30 } else { 28 };
    for row in rows {
        let v = row.values();
        out.buf.extend_from_slice(&fields.to_be_bytes());
        out.row(&v)?;
        if let Some(now) = seen {
            out.fixed(Some(now.to_be_bytes()));
            out.fixed(Some(now.to_be_bytes()));
        }
    }
    out.buf.extend_from_slice(&(-1i16).to_be_bytes());
    Ok(Bytes::from(out.buf))
}

/// The data being written.
struct CopyData {
    buf: Vec<u8>,
}

impl CopyData {
    fn with_capacity(n: usize) -> Self {
        Self {
            buf: Vec::with_capacity(n),
        }
    }

    /// One row's [`COLUMNS`], in the order and types of [`TYPES`].
    ///
    /// Every text column is checked for U+0000 (a byte compare) and every JSON value for
    /// escapes PostgreSQL refuses (one scan for a backslash, the escapes found looked at):
    /// a row with neither is written as it is, its notes as they are.
    fn row(&mut self, v: &Values<'_>) -> Result<(), EncodeError> {
        let texts = [
            Some(v.source),
            Some(v.key),
            Some(v.provider),
            v.id,
            v.external_id,
            v.channel,
            v.agent.role,
            v.agent.id,
            v.agent.external_id,
            v.agent.name,
            v.customer.id,
            v.customer.external_id,
            v.customer.name,
            v.customer.phone,
            v.business.id,
            v.business.phone,
            v.business.external_id,
            v.business.name,
        ];
        let mut changed = Changed::default();
        for (i, text) in texts.into_iter().enumerate() {
            if self.text(text)? {
                changed.columns |= 1 << i;
            }
        }
        self.fixed(v.message_count.map(i64::to_be_bytes));
        self.fixed(v.total_cost.map(f64::to_be_bytes));
        self.fixed(v.ai_enabled.map(|b| [u8::from(b)]));
        let created = v.created_at.as_ref().map(micros).transpose()?;
        self.fixed(created.map(i64::to_be_bytes));
        let updated = v.updated_at.as_ref().map(micros).transpose()?;
        self.fixed(updated.map(i64::to_be_bytes));
        let metadata = replace_escapes(v.metadata, true);
        let raw = replace_escapes(v.raw, true);
        changed.metadata = metadata.is_some();
        changed.raw = raw.is_some();
        let notes: Option<Cow<'_, str>> = if changed.any() {
            Some(Cow::Owned(repair::notes(v, changed)))
        } else {
            v.notes.map(Cow::Borrowed)
        };
        // A note's path may hold U+0000 too (a key of the record).
        let notes = notes.map(|n| match replace_escapes(&n, true) {
            Some(fixed) => Cow::Owned(fixed),
            None => n,
        });
        self.jsonb(Some(metadata.as_deref().unwrap_or(v.metadata)))?;
        self.jsonb(Some(raw.as_deref().unwrap_or(v.raw)))?;
        self.jsonb(notes.as_deref())?;
        self.text(Some(v.raw_hash))?;
        // The text as received (valid JSON: an escape is ASCII, so no NUL byte in it).
        self.text(changed.raw.then_some(v.raw))?;
        Ok(())
    }

    fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    /// A fixed-size value (a number, a flag, a time): its length, then its bytes.
    fn fixed<const N: usize>(&mut self, value: Option<[u8; N]>) {
        match value {
            None => self.null(),
            Some(bytes) => {
                self.buf.extend_from_slice(&(N as i32).to_be_bytes());
                self.buf.extend_from_slice(&bytes);
            }
        }
    }

    /// `text`: the UTF-8 bytes, a NUL character as U+FFFD (PostgreSQL stores no NUL);
    /// whether one was replaced.
    fn text(&mut self, value: Option<&str>) -> Result<bool, EncodeError> {
        let Some(text) = value else {
            self.null();
            return Ok(false);
        };
        let at = self.open();
        let nul = text.as_bytes().contains(&0);
        if nul {
            self.buf
                .extend_from_slice(text.replace('\0', "\u{fffd}").as_bytes());
        } else {
            self.buf.extend_from_slice(text.as_bytes());
        }
        self.close(at)?;
        Ok(nul)
    }

    /// `jsonb`: version 1, then the JSON text (which the caller has rid of escapes `jsonb`
    /// refuses).
    fn jsonb(&mut self, value: Option<&str>) -> Result<(), EncodeError> {
        let Some(json) = value else {
            self.null();
            return Ok(());
        };
        let at = self.open();
        self.buf.push(1);
        self.buf.extend_from_slice(json.as_bytes());
        self.close(at)
    }

    /// Starts a value of variable length: room for its length, filled by [`close`](Self::close).
    fn open(&mut self) -> usize {
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        at
    }

    fn close(&mut self, at: usize) -> Result<(), EncodeError> {
        let len = i32::try_from(self.buf.len() - at - 4)
            .map_err(|_| EncodeError("a value over 2 GiB".to_owned()))?;
        self.buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }
}

/// Microseconds since PostgreSQL's epoch (2000-01-01 UTC), as `timestamptz` is sent; a
/// time before 4714 BC, the earliest PostgreSQL holds, is an error (the latest it holds is
/// later than any `DateTime` can be).
fn micros(t: &DateTime<Utc>) -> Result<i64, EncodeError> {
    const POSTGRES_EPOCH: i64 = 946_684_800_000_000;
    const EARLIEST: i64 = -211_813_488_000_000_000;
    t.timestamp_micros()
        .checked_sub(POSTGRES_EPOCH)
        .filter(|us| *us >= EARLIEST)
        .ok_or_else(|| EncodeError(format!("{t} is out of PostgreSQL's range for times")))
}

/// A value that cannot be sent (over 2 GiB, a time out of range).
#[derive(Debug)]
pub(super) struct EncodeError(pub(super) String);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use bytes::{BufMut, BytesMut};
    use conversations_core::{Channel, Conversation, Participant, ParticipantRole, RawJson};
    use proptest::prelude::*;
    use tokio_postgres::types::{IsNull, ToSql, to_sql_checked};

    use super::*;
    use crate::row::Row;

    /// JSON text as the driver sends a `jsonb` value: version 1, then the text.
    #[derive(Debug)]
    struct Jsonb<'a>(&'a str);

    impl ToSql for Jsonb<'_> {
        fn to_sql(
            &self,
            _: &Type,
            out: &mut BytesMut,
        ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            out.put_u8(1);
            out.put_slice(self.0.as_bytes());
            Ok(IsNull::No)
        }

        fn accepts(ty: &Type) -> bool {
            *ty == Type::JSONB
        }

        to_sql_checked!();
    }

    /// The `COPY` data of `rows` as the driver's own `ToSql` writes each value, typed by
    /// [`TYPES`] (the staging table's types): what [`encode`] must equal, byte for byte.
    fn by_the_driver(rows: &[Row], now: Option<DateTime<Utc>>) -> Vec<u8> {
        let mut buf = BytesMut::new();
        buf.put_slice(b"PGCOPY\n\xff\r\n\0");
        buf.put_i64(0);
        let field = |buf: &mut BytesMut, value: &(dyn ToSql + Sync), ty: &Type| {
            let at = buf.len();
            buf.put_i32(0);
            let len = match value.to_sql_checked(ty, buf).unwrap() {
                IsNull::Yes => -1,
                IsNull::No => (buf.len() - at - 4) as i32,
            };
            buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
        };
        for row in rows {
            let v = row.values();
            let (metadata, raw, notes) = (Jsonb(v.metadata), Jsonb(v.raw), v.notes.map(Jsonb));
            // Received text that jsonb holds as it is: no `raw_text`.
            let raw_text: Option<&str> = None;
            let values: [&(dyn ToSql + Sync); 28] = [
                &v.source,
                &v.key,
                &v.provider,
                &v.id,
                &v.external_id,
                &v.channel,
                &v.agent.role,
                &v.agent.id,
                &v.agent.external_id,
                &v.agent.name,
                &v.customer.id,
                &v.customer.external_id,
                &v.customer.name,
                &v.customer.phone,
                &v.business.id,
                &v.business.phone,
                &v.business.external_id,
                &v.business.name,
                &v.message_count,
                &v.total_cost,
                &v.ai_enabled,
                &v.created_at,
                &v.updated_at,
                &metadata,
                &raw,
                &notes,
                &v.raw_hash,
                &raw_text,
            ];
            buf.put_i16(if now.is_some() { 30 } else { 28 });
            for (value, ty) in values.iter().zip(&TYPES) {
                field(&mut buf, *value, ty);
            }
            if let Some(now) = &now {
                field(&mut buf, now, &Type::TIMESTAMPTZ);
                field(&mut buf, now, &Type::TIMESTAMPTZ);
            }
        }
        buf.put_i16(-1);
        buf.to_vec()
    }

    fn text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[a-zA-Zé +0-9-]{0,12}")
    }

    prop_compose! {
        fn conversation()(
            id in text(), external_id in text(), channel in text(),
            agent in proptest::option::of((text(), text(), text())),
            customer in proptest::option::of((text(), text(), text(), text())),
            business in proptest::option::of((text(), text())),
            message_count in proptest::option::of(any::<u64>()),
            total_cost in proptest::option::of(-1e6f64..1e6),
            ai_enabled in proptest::option::of(any::<bool>()),
            created in proptest::option::of(-2_000_000_000i64..4_000_000_000),
            updated in proptest::option::of(-2_000_000_000i64..4_000_000_000),
            variable in proptest::option::of("[a-z]{1,8}"),
            name in "[a-zA-Z ]{0,10}",
        ) -> Conversation {
            let raw = serde_json::json!({"id": id, "customer": {"name": name}});
            let mut c = Conversation::new("autocalls", RawJson::parse(&raw.to_string()).unwrap());
            c.id = id;
            c.external_id = external_id;
            c.channel = channel.map(Channel::from);
            c.agent = agent.map(|(id, external_id, name)| {
                let mut p = Participant::new(ParticipantRole::AiAssistant);
                (p.id, p.external_id, p.name) = (id, external_id, name);
                p
            });
            c.customer = customer.map(|(id, external_id, name, phone)| {
                let mut p = Participant::new(ParticipantRole::Customer);
                (p.id, p.external_id, p.name, p.phone) = (id, external_id, name, phone);
                p
            });
            c.business = business.map(|(id, phone)| {
                let mut p = Participant::new(ParticipantRole::Business);
                (p.id, p.phone) = (id, phone);
                p
            });
            c.message_count = message_count;
            c.total_cost = total_cost;
            c.ai_enabled = ai_enabled;
            c.created_at = created.and_then(|s| DateTime::from_timestamp(s, 123_456_000));
            c.updated_at = updated.and_then(|s| DateTime::from_timestamp(s, 0));
            if let Some(v) = variable {
                c.metadata.insert("lead".to_owned(), serde_json::Value::String(v));
            }
            c
        }
    }

    proptest! {
        /// Whatever the values, the bytes are the driver's, in both shapes.
        #[test]
        fn the_data_is_what_the_driver_writes(
            conversations in proptest::collection::vec(conversation(), 0..8),
            table in any::<bool>(),
        ) {
            let source: std::sync::Arc<str> = "autocalls".into();
            let rows: Vec<Row> = conversations.into_iter().map(|c| Row::new(c, &source)).collect();
            let now = DateTime::from_timestamp(1_750_000_000, 42_000).unwrap();
            let (shape, at) = if table { (Shape::Table(now), Some(now)) } else { (Shape::Staging, None) };
            prop_assert_eq!(encode(&rows, shape).unwrap().to_vec(), by_the_driver(&rows, at));
        }
    }

    fn text_of(text: &str) -> String {
        let mut copy = CopyData::with_capacity(0);
        copy.text(Some(text)).unwrap();
        let len = i32::from_be_bytes(copy.buf[..4].try_into().unwrap());
        assert_eq!(len as usize, copy.buf.len() - 4);
        String::from_utf8(copy.buf[4..].to_vec()).unwrap()
    }

    /// One row's values as the server reads them from the staging `COPY`: by column name,
    /// text (a `jsonb` value without its version byte), `None` for NULL.
    fn copied(row: &Row) -> std::collections::HashMap<&'static str, Option<String>> {
        let data = encode(std::slice::from_ref(row), Shape::Staging).unwrap();
        let mut at = 19;
        let take = |at: &mut usize, n: usize| {
            let bytes = &data[*at..*at + n];
            *at += n;
            bytes
        };
        let count = i16::from_be_bytes(take(&mut at, 2).try_into().unwrap());
        assert_eq!(count as usize, COLUMNS.len());
        let mut values = std::collections::HashMap::new();
        for (column, ty) in COLUMNS.iter().zip(&TYPES) {
            let len = i32::from_be_bytes(take(&mut at, 4).try_into().unwrap());
            let value = (len >= 0).then(|| take(&mut at, len as usize).to_vec());
            let text = match (value, ty) {
                (Some(v), t) if *t == Type::JSONB => {
                    assert_eq!(v[0], 1, "jsonb version 1");
                    Some(String::from_utf8(v[1..].to_vec()).unwrap())
                }
                (Some(v), t) if *t == Type::TEXT => Some(String::from_utf8(v).unwrap()),
                (Some(_), _) => Some("(binary)".to_owned()),
                (None, _) => None,
            };
            values.insert(*column, text);
        }
        assert_eq!(&data[at..], (-1i16).to_be_bytes(), "one row, then the end");
        values
    }

    fn notes_of(values: &std::collections::HashMap<&str, Option<String>>) -> Vec<String> {
        let notes: Vec<conversations_core::DecodeNote> =
            serde_json::from_str(values["notes"].as_deref().unwrap_or("[]")).unwrap();
        notes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn nul_characters_become_replacement_characters_and_nothing_else_changes() {
        assert_eq!(text_of("Ana\0Lee"), "Ana\u{fffd}Lee");
        assert_eq!(text_of("Ana Lee"), "Ana Lee");
        let raw = r#"{"a":"x\u0000y","b":"\\u0000","c":"\u00e9\n"}"#;
        let mut c = Conversation::new("autocalls", RawJson::parse(raw).unwrap());
        c.id = Some("c-1".into());
        let values = copied(&Row::new(c, &"autocalls".into()));
        assert_eq!(
            values["raw"].as_deref(),
            Some(r#"{"a":"x\ufffdy","b":"\\u0000","c":"\u00e9\n"}"#),
            "an escaped backslash before u0000 is no NUL"
        );
        assert_eq!(
            values["raw_text"].as_deref(),
            Some(raw),
            "the text as received"
        );
        assert_eq!(
            notes_of(&values),
            ["a (string with U+0000, replaced by U+FFFD)"]
        );
    }

    #[test]
    fn a_record_postgresql_holds_as_it_is_is_written_as_it_is() {
        let raw = r#"{"id":"c-1","name":"\u00e9\"\\","emoji":"\ud83d\ude00"}"#;
        let mut c = Conversation::new("autocalls", RawJson::parse(raw).unwrap());
        c.id = Some("c-1".into());
        let values = copied(&Row::new(c, &"autocalls".into()));
        assert_eq!(values["raw"].as_deref(), Some(raw));
        assert_eq!(values["raw_text"], None);
        assert_eq!(values["notes"], None);
    }

    #[test]
    fn lone_surrogates_and_nul_characters_are_replaced_and_noted_once() {
        let raw = r#"{"id":"c-1","customer":{"name":"Ana\u0000Lee"},"memo":"\ud800",
            "list":["\udc00x"]}"#;
        let mut c = Conversation::new("autocalls", RawJson::parse(raw).unwrap());
        c.id = Some("c-1".into());
        c.customer = Some(Participant::new(ParticipantRole::Customer).with_name("Ana\0Lee"));
        // The decoder's note on a field it read, already there: not written twice.
        c.notes.push(conversations_core::DecodeNote::new(
            "memo",
            conversations_core::Documented::String,
            conversations_core::Found::LoneSurrogate,
            conversations_core::NoteAction::Replaced,
        ));
        c.metadata
            .insert("note".into(), serde_json::json!("a\u{0}b"));
        let values = copied(&Row::new(c, &"autocalls".into()));
        assert_eq!(values["customer_name"].as_deref(), Some("Ana\u{fffd}Lee"));
        assert_eq!(
            values["metadata"].as_deref(),
            Some(r#"{"note":"a\ufffdb"}"#)
        );
        assert_eq!(
            values["raw"].as_deref(),
            Some(
                r#"{"id":"c-1","customer":{"name":"Ana\ufffdLee"},"memo":"\ufffd",
            "list":["\ufffdx"]}"#
            )
        );
        assert_eq!(values["raw_text"].as_deref(), Some(raw));
        assert_eq!(
            notes_of(&values),
            [
                "memo (string with a lone surrogate, replaced by U+FFFD)",
                "list.0 (string with a lone surrogate, replaced by U+FFFD)",
                "customer.name (string with U+0000, replaced by U+FFFD)",
            ],
            "the raw record's paths explain the column and the metadata"
        );
    }

    #[test]
    fn a_nul_the_raw_record_does_not_explain_is_noted_under_its_column() {
        let mut c = Conversation::new("autocalls", RawJson::parse(r#"{"id":"c-1"}"#).unwrap());
        c.id = Some("c-1".into());
        c.agent = Some(Participant::new(ParticipantRole::HumanAgent).with_name("A\0"));
        c.metadata.insert("k".into(), serde_json::json!("\u{0}"));
        let values = copied(&Row::new(c, &"autocalls".into()));
        assert_eq!(values["raw_text"], None, "raw is as received");
        assert_eq!(
            notes_of(&values),
            [
                "agent_name (string with U+0000, replaced by U+FFFD)",
                "metadata (string with U+0000, replaced by U+FFFD)",
            ]
        );
    }

    #[test]
    fn past_the_most_named_strings_one_note_on_raw_stands_for_the_rest() {
        let items: Vec<String> = (0..repair::MOST_NAMED + 3)
            .map(|_| r#""\u0000""#.to_owned())
            .collect();
        let raw = format!(r#"{{"items":[{}]}}"#, items.join(","));
        let c = Conversation::new("autocalls", RawJson::parse(&raw).unwrap());
        let notes = notes_of(&copied(&Row::new(c, &"autocalls".into())));
        assert_eq!(notes.len(), repair::MOST_NAMED + 1);
        assert_eq!(notes[0], "items.0 (string with U+0000, replaced by U+FFFD)");
        assert_eq!(
            notes[repair::MOST_NAMED],
            "raw (string with U+0000, replaced by U+FFFD)"
        );
    }

    /// JSON text with strings drawn from characters that include U+0000, `§` and `¤` written
    /// as the escapes `\ud800` and `\udc00` (lone, or a pair when next to each other).
    fn odd_json() -> impl Strategy<Value = String> {
        let string = "[a-z\u{0}§¤\\\\\"é ]{0,6}";
        let leaf = prop_oneof![
            string.prop_map(serde_json::Value::String),
            any::<i32>().prop_map(serde_json::Value::from),
        ];
        let value = leaf.prop_recursive(3, 16, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map(string, inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        });
        proptest::collection::btree_map("[a-z§\u{0}]{1,4}", value, 0..5).prop_map(|m| {
            serde_json::Value::Object(m.into_iter().collect())
                .to_string()
                .replace('§', "\\ud800")
                .replace('¤', "\\udc00")
        })
    }

    proptest! {
        /// Whatever the strings hold, what is copied is what PostgreSQL takes: `raw` is the
        /// received text with exactly the escapes it refuses replaced, `raw_text` the
        /// received text exactly when `raw` is not, no text value holds U+0000, and the
        /// notes name what was replaced.
        #[test]
        fn whatever_the_strings_hold_postgresql_can_take_the_row(raw in odd_json(), name in "[a-z\u{0}]{0,4}") {
            let mut c = Conversation::new("autocalls", RawJson::parse(&raw).unwrap());
            c.customer = Some(Participant::new(ParticipantRole::Customer).with_name(name.clone()));
            let values = copied(&Row::new(c, &"autocalls".into()));
            let expected = replace_escapes(&raw, true);
            let stored = values["raw"].clone().unwrap();
            prop_assert_eq!(&stored, expected.as_deref().unwrap_or(&raw));
            prop_assert_eq!(replace_escapes(&stored, true), None, "nothing left to refuse");
            prop_assert!(serde_json::from_str::<serde_json::Value>(&stored).is_ok());
            prop_assert_eq!(values["raw_text"].as_deref(), expected.is_some().then_some(raw.as_str()));
            for value in values.values().flatten() {
                prop_assert!(!value.contains('\0'));
            }
            let notes = notes_of(&values);
            prop_assert_eq!(notes.is_empty(), expected.is_none() && !name.contains('\0'));
            if expected.is_some() {
                let named = repair::bad_strings(&raw);
                prop_assert!(!named.is_empty());
                prop_assert!(notes.len() <= 2 * (repair::MOST_NAMED + 1));
            }
        }
    }

    #[test]
    fn a_time_postgresql_cannot_hold_is_an_error_not_a_wrong_value() {
        assert!(micros(&DateTime::<Utc>::MIN_UTC).is_err());
        let epoch = DateTime::from_timestamp(946_684_800, 0).unwrap();
        assert_eq!(micros(&epoch).unwrap(), 0);
        let latest = DateTime::<Utc>::MAX_UTC;
        assert_eq!(
            micros(&latest).unwrap(),
            latest.timestamp_micros() - 946_684_800_000_000
        );
    }
}
