//! Drift mode: a deterministic third of the records served off their documented types, the
//! way real servers drift from their docs.
//!
//! Selection depends only on a record's position in generation order (which is served order),
//! never on the random stream, so switching drift on changes no other byte and the same seed
//! and size drift the same records. The `k`-th record (0-based) drifts when `k % 3 == 2` (the
//! 3rd, 6th, 9th, …), and the slot `(k / 3) % N` picks what drifts:
//!
//! Autocalls (N = 7):
//!
//! | slot | field | served as |
//! |------|-------|-----------|
//! | 0 | `assistant_id` | the assistant's integer id, a JSON number (documented: UUID string) |
//! | 1 | `variables` | `[]`, PHP's empty array (documented: object) |
//! | 2 | `total_cost` | a numeric string, e.g. `"0.0021"` (documented: number) |
//! | 3 | `message_count` | a numeric string, e.g. `"12"` (documented: integer) |
//! | 4 | `customer` | `null` (documented: object); WhatsApp records, whose customer the `customer_phone` filter matches, get slot 5 instead |
//! | 5 | `ai_enabled` | `null` (documented: boolean) |
//! | 6 | `new_field` | an extra, undocumented field `"new_field":{"kind":"unannounced","version":2}` at the end |
//!
//! ASAPP (N = 4):
//!
//! | slot | field | served as |
//! |------|-------|-----------|
//! | 0 | `metadata` | `null` (documented: object) |
//! | 1 | `agent` | `null` (documented: object) |
//! | 2 | `metadata.priority` | an extra metadata entry `"priority":2`, a number (documented: string values) |
//! | 3 | `new_field` | an extra, undocumented field `"new_field":{"kind":"unannounced","version":2}` at the end |
//!
//! Records added at runtime ([`Mutator::add_autocalls`](crate::Mutator::add_autocalls)) follow
//! the same rule by their own creation count (the 3rd added, the 6th, …). Ids, `created_at`,
//! filters and cursors never drift.

use crate::fields::{Fields, raw, raw_string};

/// The undocumented object both providers' `new_field` drift adds.
const NEW_FIELD: &str = r#"{"kind":"unannounced","version":2}"#;

/// How one Autocalls record drifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AutocallsDrift {
    AssistantIdNumber,
    VariablesArray,
    TotalCostString,
    MessageCountString,
    CustomerNull,
    AiEnabledNull,
    NewField,
}

impl AutocallsDrift {
    const ROTATION: [AutocallsDrift; 7] = [
        Self::AssistantIdNumber,
        Self::VariablesArray,
        Self::TotalCostString,
        Self::MessageCountString,
        Self::CustomerNull,
        Self::AiEnabledNull,
        Self::NewField,
    ];

    /// The drift of the record at generation position `k`, if it drifts.
    pub(crate) fn at(k: usize, is_whatsapp: bool) -> Option<Self> {
        if k % 3 != 2 {
            return None;
        }
        match Self::ROTATION[(k / 3) % Self::ROTATION.len()] {
            Self::CustomerNull if is_whatsapp => Some(Self::AiEnabledNull),
            drift => Some(drift),
        }
    }

    /// The (dotted) field that is off its documented type.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Self::AssistantIdNumber => "assistant_id",
            Self::VariablesArray => "variables",
            Self::TotalCostString => "total_cost",
            Self::MessageCountString => "message_count",
            Self::CustomerNull => "customer",
            Self::AiEnabledNull => "ai_enabled",
            Self::NewField => "new_field",
        }
    }

    /// Rewrites the record's JSON; `assistant_id` is the assistant's integer id.
    pub(crate) fn apply(self, json: &str, assistant_id: u64) -> String {
        let Some(mut fields) = Fields::parse(json) else {
            return json.to_owned();
        };
        match self {
            Self::AssistantIdNumber => {
                fields.set("assistant_id", raw(assistant_id.to_string()), None);
            }
            Self::VariablesArray => fields.set("variables", raw("[]"), None),
            Self::TotalCostString | Self::MessageCountString => {
                let key = self.field();
                let text = fields.get(key).map(|v| v.get().to_owned());
                if let Some(text) = text {
                    fields.set(key, raw_string(&text), None);
                }
            }
            Self::CustomerNull => fields.set("customer", raw("null"), None),
            Self::AiEnabledNull => fields.set("ai_enabled", raw("null"), None),
            Self::NewField => fields.set("new_field", raw(NEW_FIELD), None),
        }
        fields.render()
    }
}

/// How one ASAPP item drifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AsappDrift {
    MetadataNull,
    AgentNull,
    MetadataNumber,
    NewField,
}

impl AsappDrift {
    const ROTATION: [AsappDrift; 4] = [
        Self::MetadataNull,
        Self::AgentNull,
        Self::MetadataNumber,
        Self::NewField,
    ];

    /// The drift of the item at generation position `k`, if it drifts.
    pub(crate) fn at(k: usize) -> Option<Self> {
        (k % 3 == 2).then(|| Self::ROTATION[(k / 3) % Self::ROTATION.len()])
    }

    /// The (dotted) field that is off its documented type.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Self::MetadataNull => "metadata",
            Self::AgentNull => "agent",
            Self::MetadataNumber => "metadata.priority",
            Self::NewField => "new_field",
        }
    }

    /// Rewrites the item's JSON.
    pub(crate) fn apply(self, json: &str) -> String {
        let Some(mut fields) = Fields::parse(json) else {
            return json.to_owned();
        };
        match self {
            // `metadata` is the last documented field, `agent` follows `externalId`.
            Self::MetadataNull => fields.set("metadata", raw("null"), Some("customer")),
            Self::AgentNull => fields.set("agent", raw("null"), Some("externalId")),
            Self::MetadataNumber => {
                let mut metadata = fields
                    .get("metadata")
                    .and_then(|m| Fields::parse(m.get()))
                    .unwrap_or_default();
                metadata.set("priority", raw("2"), None);
                fields.set("metadata", raw(metadata.render()), Some("customer"));
            }
            Self::NewField => fields.set("new_field", raw(NEW_FIELD), None),
        }
        fields.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_third_record_rotates_through_the_slots() {
        let drifted: Vec<(usize, Option<AutocallsDrift>)> = (0..24)
            .map(|k| (k, AutocallsDrift::at(k, false)))
            .filter(|(_, d)| d.is_some())
            .collect();
        assert_eq!(drifted.len(), 8);
        assert_eq!(drifted[0], (2, Some(AutocallsDrift::AssistantIdNumber)));
        assert_eq!(drifted[6], (20, Some(AutocallsDrift::NewField)));
        assert_eq!(drifted[7], (23, Some(AutocallsDrift::AssistantIdNumber)));
        assert_eq!(
            AutocallsDrift::at(14, false),
            Some(AutocallsDrift::CustomerNull)
        );
        assert_eq!(
            AutocallsDrift::at(14, true),
            Some(AutocallsDrift::AiEnabledNull)
        );
        assert_eq!(AsappDrift::at(2), Some(AsappDrift::MetadataNull));
        assert_eq!(AsappDrift::at(11), Some(AsappDrift::NewField));
        assert_eq!(AsappDrift::at(4), None);
    }

    #[test]
    fn autocalls_rewrites() {
        let json = r#"{"id":"i","assistant_id":"u","variables":null,"message_count":12,"total_cost":0.0021,"ai_enabled":true,"created_at":"c"}"#;
        let apply = |d: AutocallsDrift| d.apply(json, 1834);
        assert!(apply(AutocallsDrift::AssistantIdNumber).contains(r#""assistant_id":1834,"#));
        assert!(apply(AutocallsDrift::VariablesArray).contains(r#""variables":[],"#));
        assert!(apply(AutocallsDrift::TotalCostString).contains(r#""total_cost":"0.0021","#));
        assert!(apply(AutocallsDrift::MessageCountString).contains(r#""message_count":"12","#));
        assert!(
            apply(AutocallsDrift::CustomerNull).ends_with(r#""created_at":"c","customer":null}"#)
        );
        assert!(apply(AutocallsDrift::AiEnabledNull).contains(r#""ai_enabled":null,"#));
        assert!(
            apply(AutocallsDrift::NewField).ends_with(&format!(r#","new_field":{NEW_FIELD}}}"#))
        );
    }

    #[test]
    fn asapp_rewrites() {
        let json =
            r#"{"id":"i","externalId":"e","customer":{"externalId":"c"},"metadata":{"queue":"q"}}"#;
        assert_eq!(
            AsappDrift::MetadataNull.apply(json),
            r#"{"id":"i","externalId":"e","customer":{"externalId":"c"},"metadata":null}"#
        );
        assert_eq!(
            AsappDrift::AgentNull.apply(json),
            r#"{"id":"i","externalId":"e","agent":null,"customer":{"externalId":"c"},"metadata":{"queue":"q"}}"#
        );
        assert_eq!(
            AsappDrift::MetadataNumber.apply(json),
            r#"{"id":"i","externalId":"e","customer":{"externalId":"c"},"metadata":{"queue":"q","priority":2}}"#
        );
        let bare = r#"{"id":"i","externalId":"e","customer":{"externalId":"c"}}"#;
        assert!(
            AsappDrift::MetadataNumber
                .apply(bare)
                .ends_with(r#""metadata":{"priority":2}}"#)
        );
    }
}
