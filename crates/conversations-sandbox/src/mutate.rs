//! Changing a running sandbox's data, for incremental-sync tests: new Autocalls conversations
//! on top of the listing, existing ones updated, ASAPP metadata revised.
//!
//! Every change is deterministic: it draws from a random stream of its own (seeded from the
//! data set's seed), and moves a clock that starts at the data set's latest `updated_at`, so
//! the same calls on the same seed and size give the same bytes. A change builds a new
//! snapshot that shares the generated records and indexes with the old one (nothing large is
//! copied); requests already being answered finish on the snapshot they started with.
//!
//! Cursors issued before a change keep working: a cursor is a position (`created_at`, `id`),
//! and the conversations added have a `created_at` later than every existing one, so they only
//! ever appear *before* an existing position (on a new first page, or walking back).

use std::sync::Arc;

use crate::dataset::Dataset;
use crate::datetime::{format_timestamp, parse_timestamp};
use crate::drift::AsappDrift;
use crate::fields::{Fields, raw, raw_string};
use crate::generate::{LeadBook, conversation};
use crate::records::AsappRecord;
use crate::state::AppState;

/// Changes the data of a running [`Sandbox`](crate::Sandbox); see
/// [`Sandbox::mutate`](crate::Sandbox::mutate).
///
/// ```
/// use conversations_sandbox::{Sandbox, SandboxConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30)).await?;
/// let before = sandbox.snapshot();
///
/// let ids = sandbox.mutate().add_autocalls(2);
/// let after = sandbox.snapshot();
/// assert_eq!(after.autocalls().len(), before.autocalls().len() + 2);
/// // The newest first: the last one added tops the listing.
/// assert_eq!(after.autocalls()[0]["id"], ids[1].as_str());
///
/// let old = before.autocalls()[5]["id"].as_str().unwrap_or_default().to_owned();
/// assert!(sandbox.mutate().touch_autocalls(&old));
/// let now = sandbox.snapshot();
/// let touched = &now.autocalls()[7];
/// assert_eq!(touched["id"], old.as_str());
/// assert!(touched["updated_at"].as_str() > before.autocalls()[5]["updated_at"].as_str());
///
/// // What the sandbox was started with stays available.
/// assert_eq!(sandbox.dataset().autocalls().len(), before.autocalls().len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Mutator<'a> {
    state: &'a AppState,
}

impl std::fmt::Debug for Mutator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mutator").finish_non_exhaustive()
    }
}

impl<'a> Mutator<'a> {
    pub(crate) fn new(state: &'a AppState) -> Self {
        Mutator { state }
    }

    /// Adds `n` Autocalls conversations, each created after every existing one (so the last
    /// added tops the newest-first listing), with content drawn like the generated ones (and
    /// drifted like them in drift mode: the 3rd added, the 6th, …). Returns their ids in
    /// creation order: the last is the newest.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use conversations_sandbox::{Sandbox, SandboxConfig};
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30)).await?;
    /// let ids = sandbox.mutate().add_autocalls(3);
    /// let now = sandbox.snapshot();
    /// let top: Vec<&str> = now.autocalls()[..3].iter().filter_map(|c| c["id"].as_str()).collect();
    /// assert_eq!(top, [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_autocalls(&self, n: usize) -> Vec<String> {
        self.state
            .change(|data| data.add_autocalls(n), |ids| !ids.is_empty())
    }

    /// Updates the Autocalls conversation `id`: `updated_at` moves later (past the sandbox's
    /// clock), `message_count` grows by 1 to 6 and `total_cost` with it (a drifted numeric
    /// string stays a string). Its position, filters and other fields do not change. Returns
    /// whether `id` exists.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use conversations_sandbox::{Sandbox, SandboxConfig};
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30)).await?;
    /// let before = sandbox.dataset().autocalls()[0].clone();
    /// assert!(sandbox.mutate().touch_autocalls(before["id"].as_str().unwrap_or_default()));
    /// assert!(!sandbox.mutate().touch_autocalls("no-such-id"));
    /// let now = sandbox.snapshot();
    /// assert!(now.autocalls()[0]["updated_at"].as_str() > before["updated_at"].as_str());
    /// # Ok(())
    /// # }
    /// ```
    pub fn touch_autocalls(&self, id: &str) -> bool {
        // The id index is built on first use: build it before taking the lock requests wait on.
        let _ = self.state.snapshot().base.autocalls_position(id);
        self.state
            .change(|data| data.touch_autocalls(id), |done| *done)
    }

    /// Revises the metadata of every ASAPP item with `external_id`: its `revision` entry (a
    /// string) counts up from `"1"`, other entries are kept. A missing or `null` `metadata`
    /// becomes `{"revision":"1"}` (which ends a `metadata` drift). Returns how many items
    /// changed (0 for an unknown `externalId`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use conversations_sandbox::{Sandbox, SandboxConfig};
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30)).await?;
    /// assert_eq!(sandbox.mutate().touch_asapp("ext-000101"), 1);
    /// assert_eq!(sandbox.mutate().touch_asapp("ext-000101"), 1);
    /// assert_eq!(sandbox.snapshot().asapp()[0]["metadata"]["revision"], "2");
    /// assert_eq!(sandbox.mutate().touch_asapp("unknown"), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn touch_asapp(&self, external_id: &str) -> usize {
        self.state
            .change(|data| data.touch_asapp(external_id), |n| *n > 0)
    }
}

impl Dataset {
    /// See [`Mutator::add_autocalls`].
    pub(crate) fn add_autocalls(&mut self, n: usize) -> Vec<String> {
        let base = Arc::clone(&self.base);
        let drift = self.drifts();
        let delta = &mut self.delta;
        let mut ids = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let created = delta.clock + delta.rng.range(37, 2400) as i64;
            let position = delta.added.len();
            let mut leads = LeadBook {
                base: &base.leads,
                added: &mut delta.leads,
                counter: &mut delta.lead_counter,
            };
            let Some(generated) = conversation(
                &mut delta.rng,
                created,
                &base.assistants,
                &base.customers,
                &mut leads,
                drift.then_some(position),
            ) else {
                break;
            };
            delta.clock = created;
            ids.push(generated.record.id.as_str().to_owned());
            delta.added_index.add(
                u32::try_from(position).unwrap_or(u32::MAX),
                &generated.record,
            );
            delta.added.push(generated.record);
        }
        ids
    }

    /// See [`Mutator::touch_autocalls`].
    pub(crate) fn touch_autocalls(&mut self, id: &str) -> bool {
        if let Some(i) = self.delta.added.iter().position(|r| r.id.as_str() == id) {
            let json = self.delta.added.get(i).map(|r| r.json.to_string());
            let Some(json) = json.and_then(|j| self.touched_json(&j)) else {
                return false;
            };
            if let Some(record) = self.delta.added.get_mut(i) {
                record.json = json.into_boxed_str();
            }
            return true;
        }
        let Some(position) = self.base.autocalls_position(id) else {
            return false;
        };
        let json = self
            .base_autocalls_json(position as usize)
            .map(str::to_owned);
        let Some(json) = json.and_then(|j| self.touched_json(&j)) else {
            return false;
        };
        self.delta.touched.insert(position, json.into_boxed_str());
        true
    }

    /// The bytes of a conversation after an update: later `updated_at`, more messages, more
    /// cost, each in the JSON type it was served with.
    fn touched_json(&mut self, json: &str) -> Option<String> {
        let mut fields = Fields::parse(json)?;
        let text = |fields: &Fields, key: &str| -> Option<(String, bool)> {
            let raw = fields.get(key)?.get();
            match serde_json::from_str::<String>(raw) {
                Ok(s) => Some((s, true)),
                Err(_) => Some((raw.to_owned(), false)),
            }
        };
        let delta = &mut self.delta;
        let step = delta.rng.range(30, 900) as i64;
        let more = delta.rng.range(1, 6);
        let per_message = delta.rng.range(25, 55);

        let old_updated = text(&fields, "updated_at")
            .and_then(|(t, _)| parse_timestamp(&t))
            .unwrap_or(delta.clock);
        let updated = delta.clock.max(old_updated) + step;
        delta.clock = updated;
        fields.set("updated_at", raw_string(&format_timestamp(updated)), None);

        let write = |fields: &mut Fields, key: &str, value: String, as_string: bool| {
            let value = if as_string {
                raw_string(&value)
            } else {
                raw(value)
            };
            fields.set(key, value, None);
        };
        let (count, count_is_string) = text(&fields, "message_count")
            .and_then(|(t, s)| t.parse::<u64>().ok().map(|n| (n, s)))
            .unwrap_or((0, false));
        write(
            &mut fields,
            "message_count",
            count.saturating_add(more).to_string(),
            count_is_string,
        );
        let (cost, cost_is_string) = text(&fields, "total_cost")
            .and_then(|(t, s)| t.parse::<f64>().ok().map(|c| (c, s)))
            .unwrap_or((0.0, false));
        // Costs are whole units of 1/10000 USD (see the generator).
        let units = ((cost * 10_000.0).round().max(0.0) as u64)
            .saturating_add((more * per_message / 10).max(1));
        let cost = serde_json::to_string(&(units as f64 / 10_000.0)).ok()?;
        write(&mut fields, "total_cost", cost, cost_is_string);
        Some(fields.render())
    }

    /// See [`Mutator::touch_asapp`].
    pub(crate) fn touch_asapp(&mut self, external_id: &str) -> usize {
        let positions: Vec<usize> = self.base.asapp_positions(external_id).collect();
        let mut changed = 0;
        for position in positions {
            let Some(record) = self.asapp_record(position) else {
                continue;
            };
            let Some(mut fields) = Fields::parse(&record.json) else {
                continue;
            };
            let drift = match record.drift {
                Some(AsappDrift::MetadataNull) => None,
                other => other,
            };
            let mut metadata = fields
                .get("metadata")
                .and_then(|m| Fields::parse(m.get()))
                .unwrap_or_default();
            let revision = metadata
                .get("revision")
                .and_then(|r| serde_json::from_str::<String>(r.get()).ok())
                .and_then(|r| r.parse::<u64>().ok())
                .unwrap_or(0)
                + 1;
            metadata.set("revision", raw_string(&revision.to_string()), None);
            fields.set("metadata", raw(metadata.render()), Some("customer"));
            let Ok(position) = u32::try_from(position) else {
                continue;
            };
            self.delta.asapp_touched.insert(
                position,
                AsappRecord {
                    json: fields.render().into_boxed_str(),
                    drift,
                },
            );
            changed += 1;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn additions_are_newer_deterministic_and_indexed() {
        let data = Dataset::generate(3, 300);
        let mut a = data.next_version();
        let mut b = data.next_version();
        let ids = a.add_autocalls(40);
        assert_eq!(ids, b.add_autocalls(40));
        assert_eq!(a.autocalls(), b.autocalls());
        let all = a.autocalls();
        assert_eq!(all.len(), data.autocalls().len() + 40);
        // Newest first, the last added on top, strictly ordered, no ties.
        assert_eq!(all[0]["id"], ids[39].as_str());
        assert!(
            all.windows(2)
                .all(|w| w[0]["created_at"].as_str() > w[1]["created_at"].as_str())
        );
        assert_eq!(&all[40..], data.autocalls());
        // New records can be found by their filters.
        let newest = &all[0];
        let kind = newest["type"].as_str().unwrap_or_default();
        let filters = crate::listing::Filters {
            kind: crate::records::ConversationType::parse(kind),
            ..Default::default()
        };
        let page = crate::listing::page(&a, &filters, 1, None);
        assert_eq!(
            page.items.first().map(|r| r.record.id.as_str()),
            newest["id"].as_str()
        );
        // The untouched original is untouched.
        assert_eq!(data.autocalls().len(), 200);
    }

    #[test]
    fn touches_move_updated_at_and_keep_everything_else() {
        let data = Dataset::generate_drifted(4, 300);
        let mut changed = data.next_version();
        for i in [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        ] {
            let before = &data.autocalls()[i];
            let id = before["id"].as_str().unwrap_or_default();
            assert!(changed.touch_autocalls(id));
            let after = changed.autocalls()[i].clone();
            changed = changed.next_version();
            assert_eq!(after["id"], before["id"]);
            assert_eq!(after["created_at"], before["created_at"]);
            assert!(after["updated_at"].as_str() > before["updated_at"].as_str());
            let n = |v: &Value| match v {
                Value::String(s) => s.parse::<f64>().unwrap_or(-1.0),
                other => other.as_f64().unwrap_or(-1.0),
            };
            assert!(n(&after["message_count"]) > n(&before["message_count"]));
            assert!(n(&after["total_cost"]) > n(&before["total_cost"]));
            // A drifted string stays a string; a number stays a number.
            assert_eq!(
                after["total_cost"].is_string(),
                before["total_cost"].is_string()
            );
            assert_eq!(
                after["message_count"].is_string(),
                before["message_count"].is_string()
            );
            for key in [
                "assistant_id",
                "variables",
                "type",
                "ai_enabled",
                "customer",
            ] {
                assert_eq!(after.get(key), before.get(key), "{key}");
            }
        }
        assert!(!changed.touch_autocalls("no-such-id"));
        // Drift bookkeeping is unchanged by touches.
        assert_eq!(
            changed.drifted_autocalls().count(),
            data.drifted_autocalls().count()
        );
    }

    #[test]
    fn added_records_can_be_touched_too() {
        let mut data = Dataset::generate(4, 30).next_version();
        let ids = data.add_autocalls(3);
        let before = data.autocalls()[1].clone();
        let mut data = data.next_version();
        assert!(data.touch_autocalls(&ids[1]));
        let after = &data.autocalls()[1];
        assert_eq!(after["id"], before["id"]);
        assert!(after["updated_at"].as_str() > before["updated_at"].as_str());
    }

    #[test]
    fn asapp_revisions_count_up() {
        let data = Dataset::generate_drifted(4, 90);
        let mut changed = data.next_version();
        let first = data.asapp_external_ids()[0].to_owned();
        let n = changed.touch_asapp(&first);
        assert!(n >= 1);
        assert_eq!(changed.touch_asapp(&first), n);
        assert_eq!(changed.asapp()[0]["metadata"]["revision"], "2");
        assert_eq!(changed.touch_asapp("ext-nope"), 0);
        // A `metadata: null` drift is healed by a revision, and no longer listed.
        let healed = data
            .drifted_asapp()
            .find(|d| d.field == "metadata")
            .map(|d| d.index)
            .unwrap_or(usize::MAX);
        let external = data.asapp()[healed]["externalId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut changed = changed.next_version();
        assert!(changed.touch_asapp(&external) >= 1);
        assert_eq!(changed.asapp()[healed]["metadata"]["revision"], "1");
        assert!(changed.drifted_asapp().all(|d| d.index != healed));
        // Other keys of the item are as before.
        assert_eq!(changed.asapp()[healed]["id"], data.asapp()[healed]["id"]);
    }
}
