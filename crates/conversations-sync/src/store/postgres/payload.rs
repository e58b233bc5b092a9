//! A batch's binary `COPY` data, built in one piece on a blocking thread: the thread that
//! fetches and decodes pages goes on meanwhile, and the server gets the batch as fast as the
//! socket carries it instead of in 4 KB pieces between pages.
//!
//! The format is PostgreSQL's binary `COPY` ("PGCOPY\n\xff\r\n\0", flags, header
//! extension; per row the field count, then each field's length, or -1 for NULL, and bytes;
//! -1 at the end). Each value is written straight in its type's binary form — the same bytes
//! the driver's own `ToSql` writes (a test holds the two together), without its per-value
//! type checks and dynamic calls: this encoding is a sixth of a sync's client time otherwise.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use tokio_postgres::types::Type;

use crate::row::{Row, Values};

/// The column types of [`COLUMNS`](crate::row::COLUMNS), the JSON columns as `jsonb`.
pub(super) const TYPES: [Type; 25] = [
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
];

/// What a batch is copied as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Straight into `conversations`: [`COLUMNS`](crate::row::COLUMNS), then `first_seen`
    /// and `last_seen`.
    Table(DateTime<Utc>),
    /// Into the temporary table: [`COLUMNS`](crate::row::COLUMNS) only.
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
    let fields: i16 = if seen.is_some() { 27 } else { 25 };
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

    /// One row's [`COLUMNS`](crate::row::COLUMNS), in the order and types of [`TYPES`].
    fn row(&mut self, v: &Values<'_>) -> Result<(), EncodeError> {
        self.text(Some(v.source))?;
        self.text(Some(v.key))?;
        self.text(Some(v.provider))?;
        self.text(v.id)?;
        self.text(v.external_id)?;
        self.text(v.channel)?;
        self.text(v.agent.role)?;
        self.text(v.agent.id)?;
        self.text(v.agent.external_id)?;
        self.text(v.agent.name)?;
        self.text(v.customer.id)?;
        self.text(v.customer.external_id)?;
        self.text(v.customer.name)?;
        self.text(v.customer.phone)?;
        self.text(v.business.id)?;
        self.text(v.business.phone)?;
        self.fixed(v.message_count.map(i64::to_be_bytes));
        self.fixed(v.total_cost.map(f64::to_be_bytes));
        self.fixed(v.ai_enabled.map(|b| [u8::from(b)]));
        let created = v.created_at.as_ref().map(micros).transpose()?;
        self.fixed(created.map(i64::to_be_bytes));
        let updated = v.updated_at.as_ref().map(micros).transpose()?;
        self.fixed(updated.map(i64::to_be_bytes));
        self.jsonb(Some(v.metadata))?;
        self.jsonb(Some(v.raw))?;
        self.jsonb(v.notes)?;
        self.text(Some(v.raw_hash))
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

    /// `text`: the UTF-8 bytes, a NUL character as U+FFFD (PostgreSQL stores no NUL).
    fn text(&mut self, value: Option<&str>) -> Result<(), EncodeError> {
        let Some(text) = value else {
            self.null();
            return Ok(());
        };
        let at = self.open();
        if text.as_bytes().contains(&0) {
            self.buf
                .extend_from_slice(text.replace('\0', "\u{fffd}").as_bytes());
        } else {
            self.buf.extend_from_slice(text.as_bytes());
        }
        self.close(at)
    }

    /// `jsonb`: version 1, then the JSON text, a `\u0000` escape as `\ufffd` (PostgreSQL's
    /// `jsonb` refuses `\u0000`; the row's `raw_hash` still covers the bytes received).
    fn jsonb(&mut self, value: Option<&str>) -> Result<(), EncodeError> {
        let Some(json) = value else {
            self.null();
            return Ok(());
        };
        let at = self.open();
        self.buf.push(1);
        // Escapes are only inside strings, and a backslash only in an escape.
        if json.as_bytes().contains(&b'\\') {
            without_nul_escapes(&mut self.buf, json.as_bytes());
        } else {
            self.buf.extend_from_slice(json.as_bytes());
        }
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

/// Appends `json` with every `\u0000` escape written `\ufffd`; every other byte is kept
/// (an escaped backslash before `u0000` is no NUL).
fn without_nul_escapes(out: &mut Vec<u8>, json: &[u8]) {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' && i + 1 < json.len() {
            let len = if json[i + 1] == b'u' { 6 } else { 2 };
            let end = (i + len).min(json.len());
            if &json[i + 1..end] == b"u0000" {
                out.extend_from_slice(b"\\ufffd");
            } else {
                out.extend_from_slice(&json[i..end]);
            }
            i = end;
        } else {
            out.push(json[i]);
            i += 1;
        }
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
            let values: [&(dyn ToSql + Sync); 25] = [
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
                &v.message_count,
                &v.total_cost,
                &v.ai_enabled,
                &v.created_at,
                &v.updated_at,
                &metadata,
                &raw,
                &notes,
                &v.raw_hash,
            ];
            buf.put_i16(if now.is_some() { 27 } else { 25 });
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

    fn jsonb_of(json: &str) -> String {
        let mut copy = CopyData::with_capacity(0);
        copy.jsonb(Some(json)).unwrap();
        assert_eq!(copy.buf[4], 1, "version 1");
        String::from_utf8(copy.buf[5..].to_vec()).unwrap()
    }

    fn text_of(text: &str) -> String {
        let mut copy = CopyData::with_capacity(0);
        copy.text(Some(text)).unwrap();
        let len = i32::from_be_bytes(copy.buf[..4].try_into().unwrap());
        assert_eq!(len as usize, copy.buf.len() - 4);
        String::from_utf8(copy.buf[4..].to_vec()).unwrap()
    }

    #[test]
    fn nul_characters_become_replacement_characters_and_nothing_else_changes() {
        assert_eq!(text_of("Ana\0Lee"), "Ana\u{fffd}Lee");
        assert_eq!(text_of("Ana Lee"), "Ana Lee");
        assert_eq!(
            jsonb_of(r#"{"a":"x\u0000y","b":"\\u0000","c":"\u00e9\n"}"#),
            r#"{"a":"x\ufffdy","b":"\\u0000","c":"\u00e9\n"}"#,
            "an escaped backslash before u0000 is no NUL"
        );
        assert_eq!(jsonb_of(r#"{"a":1}"#), r#"{"a":1}"#);
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
