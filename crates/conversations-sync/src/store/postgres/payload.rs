//! A batch's binary `COPY` data, built in one piece on a blocking thread: the thread that
//! fetches and decodes pages goes on meanwhile, and the server gets the batch as fast as the
//! socket carries it instead of in 4 KB pieces between pages.
//!
//! The format is PostgreSQL's binary `COPY` ("PGCOPY\n\xff\r\n\0", flags, header
//! extension; per row the field count, then each field's length, or -1 for NULL, and bytes;
//! -1 at the end); each value is written by the driver's own `ToSql`.

use bytes::{BufMut, Bytes, BytesMut};
use chrono::{DateTime, Utc};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use crate::row::{Row, Values};

/// The column types of [`COLUMNS`], the JSON columns as `jsonb`.
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
    let mut buf = BytesMut::with_capacity(19 + rows.len() * 1400 + 2);
    buf.put_slice(b"PGCOPY\n\xff\r\n\0");
    buf.put_i32(0);
    buf.put_i32(0);
    let seen = match shape {
        Shape::Table(now) => Some(now),
        Shape::Staging => None,
    };
    for row in rows {
        let v = row.values();
        let json = JsonColumns::of(&v);
        let values = fields(&v, &json);
        let count = values.len() + if seen.is_some() { 2 } else { 0 };
        buf.put_i16(count as i16);
        for (value, ty) in values.iter().zip(&TYPES) {
            field(&mut buf, *value, ty)?;
        }
        if let Some(now) = &seen {
            field(&mut buf, now, &Type::TIMESTAMPTZ)?;
            field(&mut buf, now, &Type::TIMESTAMPTZ)?;
        }
    }
    buf.put_i16(-1);
    Ok(buf.freeze())
}

/// One field: its length (-1 for NULL), then its bytes.
fn field(buf: &mut BytesMut, value: &(dyn ToSql + Sync), ty: &Type) -> Result<(), EncodeError> {
    let at = buf.len();
    buf.put_i32(0);
    let len = match value
        .to_sql_checked(ty, buf)
        .map_err(|e| EncodeError(e.to_string()))?
    {
        IsNull::Yes => -1,
        IsNull::No => {
            without_nul(buf, at + 4, ty);
            i32::try_from(buf.len() - at - 4)
                .map_err(|_| EncodeError(format!("a {ty} value over 2 GiB")))?
        }
    };
    buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// PostgreSQL stores no NUL character, in `text` or in `jsonb` (whose `\u0000` it refuses):
/// a record holding one would fail its batch at every run. The value written from `start`
/// gets U+FFFD in its place (`\ufffd` in JSON); every other byte is kept.
fn without_nul(buf: &mut BytesMut, start: usize, ty: &Type) {
    let written = &buf[start..];
    let fixed: Vec<u8> = if *ty == Type::JSONB {
        // Escapes are only inside strings, and a backslash only in an escape.
        if !written.contains(&b'\\') {
            return;
        }
        let mut out = Vec::with_capacity(written.len());
        let mut changed = false;
        let mut i = 0;
        while i < written.len() {
            if written[i] == b'\\' && i + 1 < written.len() {
                if written[i + 1..].starts_with(b"u0000") {
                    out.extend_from_slice(b"\\ufffd");
                    changed = true;
                } else {
                    out.extend_from_slice(&written[i..i + 2]);
                    if written[i + 1] == b'u' {
                        out.extend_from_slice(&written[i + 2..(i + 6).min(written.len())]);
                    }
                }
                i += if written[i + 1] == b'u' { 6 } else { 2 };
            } else {
                out.push(written[i]);
                i += 1;
            }
        }
        if !changed {
            return;
        }
        out
    } else if *ty == Type::TEXT && written.contains(&0) {
        String::from_utf8_lossy(written)
            .replace('\0', "\u{fffd}")
            .into_bytes()
    } else {
        return;
    };
    buf.truncate(start);
    buf.extend_from_slice(&fixed);
}

/// A value the driver could not encode (a type mismatch: a bug, named by the driver).
#[derive(Debug)]
pub(super) struct EncodeError(pub(super) String);

/// A row's JSON columns, to be sent as `jsonb`.
struct JsonColumns<'a> {
    metadata: Jsonb<'a>,
    raw: Jsonb<'a>,
    notes: Option<Jsonb<'a>>,
}

impl<'a> JsonColumns<'a> {
    fn of(v: &Values<'a>) -> Self {
        Self {
            metadata: Jsonb(v.metadata),
            raw: Jsonb(v.raw),
            notes: v.notes.map(Jsonb),
        }
    }
}

/// A row's values in [`COLUMNS`] order, as the driver takes them.
fn fields<'a>(v: &'a Values<'a>, json: &'a JsonColumns<'a>) -> [&'a (dyn ToSql + Sync); 25] {
    [
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
        &json.metadata,
        &json.raw,
        &json.notes,
        &v.raw_hash,
    ]
}

/// JSON text sent as `jsonb` (binary format: a version byte, then the text), so the server
/// parses it once, into the column.
#[derive(Debug, Clone, Copy)]
struct Jsonb<'a>(&'a str);

impl ToSql for Jsonb<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        if *ty == Type::JSONB {
            out.put_u8(1);
        }
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB || *ty == Type::JSON
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(ty: &Type, text: &str) -> String {
        let mut buf = BytesMut::from(&b"head"[..]);
        buf.extend_from_slice(text.as_bytes());
        without_nul(&mut buf, 4, ty);
        assert_eq!(&buf[..4], b"head", "what came before is kept");
        String::from_utf8(buf[4..].to_vec()).unwrap_or_default()
    }

    #[test]
    fn nul_characters_become_replacement_characters_and_nothing_else_changes() {
        assert_eq!(rewritten(&Type::TEXT, "Ana\0Lee"), "Ana\u{fffd}Lee");
        assert_eq!(rewritten(&Type::TEXT, "Ana Lee"), "Ana Lee");
        assert_eq!(
            rewritten(
                &Type::JSONB,
                r#"{"a":"x\u0000y","b":"\\u0000","c":"\u00e9\n"}"#
            ),
            r#"{"a":"x\ufffdy","b":"\\u0000","c":"\u00e9\n"}"#,
            "an escaped backslash before u0000 is no NUL"
        );
        assert_eq!(rewritten(&Type::JSONB, r#"{"a":1}"#), r#"{"a":1}"#);
        assert_eq!(rewritten(&Type::INT8, "\0"), "\0", "only text and jsonb");
    }
}
