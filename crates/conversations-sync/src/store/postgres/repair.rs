//! What PostgreSQL cannot store as received, and the notes that say what was stored instead.
//!
//! JSON allows two escapes that PostgreSQL refuses: `\u0000` (neither `text` nor `jsonb`
//! holds U+0000) and a lone surrogate (`\ud800` without its pair; `jsonb` refuses it, and a
//! Rust string, so a normalized column, cannot hold one at all). A record holding either is
//! still stored: the encoder ([`payload`](super::payload)) writes `\ufffd` in their place in
//! the `jsonb` columns and U+FFFD for U+0000 in the `text` ones, keeps the received text in
//! `raw_text`, and the row's notes name each string that was changed ([`notes`]). The check
//! costs one scan for a backslash per JSON value; a record without those escapes takes no
//! other step.

use conversations_core::decode::replace_escapes;
use conversations_core::{DecodeNote, Documented, Found, NoteAction};

use crate::row::{COLUMNS, Values};

/// The most strings of one kind a row's notes name; past them, one note with the path `raw`
/// stands for the rest.
pub(super) const MOST_NAMED: usize = 16;

/// What the encoder changed in one row: which JSON values had escapes replaced, and which
/// text columns (bits by their index in [`COLUMNS`]) had U+0000 replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Changed {
    pub(super) raw: bool,
    pub(super) metadata: bool,
    pub(super) columns: u32,
}

impl Changed {
    pub(super) fn any(self) -> bool {
        self.raw || self.metadata || self.columns != 0
    }
}

/// The row's notes JSON, for a row the encoder `changed`: its own notes, then one
/// [`NoteAction::Replaced`] note ([`Found::LoneSurrogate`] or [`Found::NulCharacter`]) for
/// each string of the raw record that held such an escape (the string's dotted path; a key
/// holding one is named by itself), at most [`MOST_NAMED`] of each kind and a note on `raw`
/// for the rest. A U+0000 in a column (or in `metadata`) that the raw record does not
/// explain is noted under the column's name. A note the record already had (the decoder's,
/// for a lone surrogate in a field it read) is not written twice.
pub(super) fn notes(v: &Values<'_>, changed: Changed) -> String {
    let mut notes: Vec<DecodeNote> = v.decode_notes.to_vec();
    let add = |notes: &mut Vec<DecodeNote>, path: &str, found: Found| {
        let known = notes
            .iter()
            .any(|n| n.path == path && n.found == found && n.action == NoteAction::Replaced);
        if !known {
            notes.push(DecodeNote::new(
                path,
                Documented::String,
                found,
                NoteAction::Replaced,
            ));
        }
    };
    let mut nul_in_raw = false;
    if changed.raw {
        let strings = bad_strings(v.raw);
        for found in [Found::LoneSurrogate, Found::NulCharacter] {
            let mut paths = strings.iter().filter(|(_, f)| *f == found).map(|(p, _)| p);
            for path in paths.by_ref().take(MOST_NAMED) {
                nul_in_raw |= found == Found::NulCharacter;
                add(&mut notes, path, found);
            }
            if paths.next().is_some() {
                add(&mut notes, "raw", found);
            }
        }
    }
    if !nul_in_raw {
        for (i, column) in COLUMNS.iter().enumerate().take(32) {
            if changed.columns & (1 << i) != 0 {
                add(&mut notes, column, Found::NulCharacter);
            }
        }
        if changed.metadata {
            add(&mut notes, "metadata", Found::NulCharacter);
        }
    }
    serde_json::to_string(&notes).unwrap_or_else(|_| "[]".to_owned())
}

/// A container being read, and where in it the reader is.
enum Frame {
    /// An object: the key of the value being read, and whether a key comes next.
    Object { key: Option<String>, want_key: bool },
    /// An array: the index of the element being read.
    Array { index: usize },
}

/// The dotted path (keys and array indexes from the top) of every string of `json` — valid
/// JSON text — holding a lone surrogate escape or `\u0000`, with which it holds (a string
/// holding both is listed twice); a key holding one is listed under its own path. Paths are
/// listed once each, in the order they occur.
pub(super) fn bad_strings(json: &str) -> Vec<(String, Found)> {
    let bytes = json.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut found: Vec<(String, Found)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                want_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { want_key, .. }) => *want_key = true,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            b'"' => {
                let end = string_end(bytes, i);
                let text = &json[i..end];
                if let Some(Frame::Object {
                    key,
                    want_key: want_key @ true,
                }) = stack.last_mut()
                {
                    *key = Some(key_text(text));
                    *want_key = false;
                }
                if text.contains('\\') {
                    let (lone, nul) = kinds(text);
                    for (is, kind) in [(lone, Found::LoneSurrogate), (nul, Found::NulCharacter)] {
                        if is {
                            let path = path(&stack);
                            if !found.iter().any(|(p, f)| *p == path && *f == kind) {
                                found.push((path, kind));
                            }
                        }
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The index just past the string starting at `start` (its opening quote).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Whether the JSON string `text` holds a lone surrogate escape, and whether `\u0000`.
fn kinds(text: &str) -> (bool, bool) {
    let lone = replace_escapes(text, false);
    let both = replace_escapes(text, true);
    let nul = both.is_some() && both != lone;
    (lone.is_some(), nul)
}

/// A key's text, with U+FFFD for what a string cannot hold (or its JSON text, unquoted, if
/// it cannot be read even then).
fn key_text(text: &str) -> String {
    let repaired = replace_escapes(text, true);
    serde_json::from_str::<String>(repaired.as_deref().unwrap_or(text))
        .unwrap_or_else(|_| text.trim_matches('"').to_owned())
}

/// The dotted path of the value being read.
fn path(stack: &[Frame]) -> String {
    let mut out = String::new();
    for frame in stack {
        let part = match frame {
            Frame::Object { key: Some(key), .. } => key.clone(),
            Frame::Object { key: None, .. } => continue,
            Frame::Array { index } => index.to_string(),
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&part);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn paths(json: &str) -> Vec<(String, &'static str)> {
        bad_strings(json)
            .into_iter()
            .map(|(p, f)| {
                let kind = match f {
                    Found::LoneSurrogate => "lone",
                    Found::NulCharacter => "nul",
                    _ => "other",
                };
                (p, kind)
            })
            .collect()
    }

    #[test]
    fn each_string_holding_an_escape_is_named_by_its_path() {
        let json = r#"{"id":"c-1","customer":{"name":"Ana\u0000Lee","tags":["a","\ud800"]},
            "transcript":[{"text":"ok"},{"text":"x\udc00\u0000y","n":1}],
            "k\u0000ey":1,"fine":"\\u0000 \\ud800","pair":"\ud83d\ude00","last":"\u0000"}"#;
        assert_eq!(
            paths(json),
            [
                ("customer.name".to_owned(), "nul"),
                ("customer.tags.1".to_owned(), "lone"),
                ("transcript.1.text".to_owned(), "lone"),
                ("transcript.1.text".to_owned(), "nul"),
                ("k\u{fffd}ey".to_owned(), "nul"),
                ("last".to_owned(), "nul"),
            ]
        );
        assert_eq!(paths(r#""\ud800""#), [(String::new(), "lone")]);
        assert!(paths(r#"{"a":"\"\\","b":[1,{"c":"\u00e9"}]}"#).is_empty());
    }
}
