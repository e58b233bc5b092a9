//! The end-of-listing summary of records that came with decode notes: one line per
//! provider, with a count and the fields (never values), so a user sees and can count what
//! their provider sent off-spec.

use std::collections::BTreeMap;

use conversations_core::{Conversation, Documented, Found};

/// Counts per provider.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    providers: BTreeMap<String, ProviderTally>,
}

#[derive(Debug, Default)]
struct ProviderTally {
    records: u64,
    with_notes: u64,
    fields: BTreeMap<(String, Found, Documented), u64>,
}

impl Tally {
    /// Counts one listed record.
    pub(crate) fn record(&mut self, conversation: &Conversation) {
        let tally = match self.providers.get_mut(conversation.provider.as_ref()) {
            Some(tally) => tally,
            None => self
                .providers
                .entry(conversation.provider.to_string())
                .or_default(),
        };
        tally.records += 1;
        if conversation.notes.is_empty() {
            return;
        }
        tally.with_notes += 1;
        for note in &conversation.notes {
            *tally
                .fields
                .entry((note.field().to_owned(), note.found, note.documented))
                .or_default() += 1;
        }
    }

    /// One line per provider whose records had notes, e.g. `autocalls: 300 of 1000 records
    /// had fields off their documented types: assistant_id (number, documented string); see
    /// "notes" in json or ndjson output`.
    pub(crate) fn summary(&self) -> Vec<String> {
        self.providers
            .iter()
            .filter(|(_, t)| t.with_notes > 0)
            .map(|(provider, t)| {
                let fields: Vec<String> = t
                    .fields
                    .keys()
                    .map(|(field, found, documented)| {
                        format!("{field} ({found}, documented {documented})")
                    })
                    .collect();
                format!(
                    "{provider}: {} of {} records had fields off their documented types: {}; \
                     see \"notes\" in json or ndjson output (--strict refuses them)",
                    t.with_notes,
                    t.records,
                    fields.join(", ")
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use conversations_core::{DecodeNote, NoteAction};

    use super::*;

    #[test]
    fn one_line_per_provider_with_notes() {
        let mut tally = Tally::default();
        for i in 0..10 {
            let mut c = Conversation::new("autocalls", serde_json::json!({"phone": "+1555"}));
            if i % 3 == 0 {
                c.notes.push(DecodeNote::new(
                    "assistant_id",
                    Documented::String,
                    Found::Number,
                    NoteAction::Converted,
                ));
            }
            tally.record(&c);
            tally.record(&Conversation::new("asapp", serde_json::json!({})));
        }
        assert_eq!(
            tally.summary(),
            [
                "autocalls: 4 of 10 records had fields off their documented types: \
              assistant_id (number, documented string); see \"notes\" in json or ndjson output \
              (--strict refuses them)"
            ]
        );
    }
}
