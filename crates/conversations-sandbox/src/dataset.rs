//! The deterministic data set both fake providers serve.
//!
//! [`Dataset::generate`] turns a seed and a size into provider-native records (see
//! [`crate::generate`]; the record types are in [`crate::records`]). The same seed and size always give byte-identical JSON.
//!
//! A data set is an immutable, shared *base* (the generated records, serialized once, and the
//! indexes of [`crate::index`]) plus a small *delta* of what was changed at runtime
//! ([`Mutator`](crate::Mutator)): conversations added on top, touched records' new bytes. A
//! mutation makes a new `Dataset` sharing the base, so a snapshot never changes under a
//! reader and nothing large is ever copied.
//!
//! Memory: an Autocalls record keeps its exact JSON (a boxed `str`, no spare capacity), its
//! sort key inline (`created_at` and `id` as fixed-width ASCII) and its filter values as small
//! table indexes; an ASAPP item keeps only its JSON. Indexes cost 4 bytes a posting.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::index::{AddedIndex, AutocallsIndex, Lookup};
use crate::prng::SplitMix64;
use crate::records::{
    AsappRecord, Assistant, AutocallsRecord, BaseParts, DriftedRecord, PoolCustomer,
};

/// The generated records and their indexes, shared by every snapshot of a sandbox.
pub(crate) struct Base {
    pub(crate) assistants: Vec<Assistant>,
    pub(crate) customers: Vec<PoolCustomer>,
    customer_lookup: Lookup,
    pub(crate) leads: Vec<String>,
    lead_lookup: Lookup,
    /// The last lead number handed out.
    pub(crate) lead_counter: u64,
    /// The latest `updated_at` (Unix seconds): runtime changes happen after it.
    pub(crate) newest_update: i64,
    /// Served order: newest first.
    pub(crate) autocalls: Vec<AutocallsRecord>,
    pub(crate) index: AutocallsIndex,
    /// Autocalls positions sorted by id, built on first use (only mutations need it).
    by_id: OnceLock<Vec<u32>>,
    pub(crate) asapp: Vec<AsappRecord>,
    /// Each group's `externalId` and first position; a group ends where the next begins.
    asapp_group_ids: Vec<String>,
    asapp_group_starts: Vec<u32>,
    asapp_lookup: Lookup,
    /// The groups whose `externalId` appears for the first time, in order.
    asapp_distinct: Vec<u32>,
}

impl Base {
    pub(crate) fn new(parts: BaseParts) -> Base {
        let (asapp_group_ids, asapp_group_starts): (Vec<String>, Vec<u32>) =
            parts.asapp_groups.into_iter().unzip();
        let asapp_lookup = Lookup::build(&asapp_group_ids);
        let asapp_distinct = asapp_lookup.firsts(&asapp_group_ids);
        let index = AutocallsIndex::build(
            &parts.autocalls,
            parts.assistants.len(),
            crate::generate::SENDERS.len(),
            parts.customers.len(),
            parts.leads.len(),
        );
        Base {
            customer_lookup: Lookup::build(&parts.customers),
            lead_lookup: Lookup::build(&parts.leads),
            assistants: parts.assistants,
            customers: parts.customers,
            leads: parts.leads,
            lead_counter: parts.lead_counter,
            newest_update: parts.newest_update,
            autocalls: parts.autocalls,
            index,
            by_id: OnceLock::new(),
            asapp: parts.asapp,
            asapp_group_ids,
            asapp_group_starts,
            asapp_lookup,
            asapp_distinct,
        }
    }

    /// The customer pool index of `phone`.
    pub(crate) fn customer(&self, phone: &str) -> Option<u32> {
        self.customer_lookup.find(&self.customers, phone)
    }

    /// The lead index of `lead` among the base's leads.
    pub(crate) fn lead(&self, lead: &str) -> Option<u32> {
        self.lead_lookup.find(&self.leads, lead)
    }

    /// The position of the Autocalls conversation `id`.
    pub(crate) fn autocalls_position(&self, id: &str) -> Option<u32> {
        let by_id = self.by_id.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.autocalls.len())
                .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
                .collect();
            order.sort_unstable_by_key(|i| self.autocalls.get(*i as usize).map(|r| r.id.bytes()));
            order
        });
        let key = |i: &u32| {
            self.autocalls
                .get(*i as usize)
                .map_or("", |r| r.id.as_str())
        };
        let at = by_id.partition_point(|i| key(i) < id);
        by_id.get(at).copied().filter(|i| key(i) == id)
    }

    /// The positions of the ASAPP items with `external_id`, in served order.
    pub(crate) fn asapp_positions(&self, external_id: &str) -> impl Iterator<Item = usize> + '_ {
        self.asapp_lookup
            .find_all(&self.asapp_group_ids, external_id)
            .iter()
            .flat_map(move |g| {
                let g = *g as usize;
                let start = self.asapp_group_starts.get(g).map_or(0, |s| *s as usize);
                let end = self
                    .asapp_group_starts
                    .get(g + 1)
                    .map_or(self.asapp.len(), |s| *s as usize);
                start..end
            })
    }
}

/// What changed since the base was generated (see [`crate::mutate`]); cloned, small, for
/// each new snapshot.
#[derive(Debug, Clone)]
pub(crate) struct Delta {
    /// The stream every runtime change draws from, so the same calls give the same data.
    pub(crate) rng: SplitMix64,
    /// The sandbox's notion of "now" (Unix seconds): strictly later after each change.
    pub(crate) clock: i64,
    /// The last lead number handed out.
    pub(crate) lead_counter: u64,
    /// Leads created at runtime; lead index `base.leads.len() + i`.
    pub(crate) leads: Vec<String>,
    /// Conversations added at runtime, in creation order (so served order is the reverse).
    pub(crate) added: Vec<AutocallsRecord>,
    pub(crate) added_index: AddedIndex,
    /// New bytes of touched base Autocalls records, by position.
    pub(crate) touched: HashMap<u32, Box<str>>,
    /// New bytes (and drift) of touched ASAPP items, by position.
    pub(crate) asapp_touched: HashMap<u32, AsappRecord>,
}

/// The records the sandbox serves, generated deterministically from a seed and a size.
///
/// The size is split roughly one third ASAPP, two thirds Autocalls. Records are exposed as
/// [`serde_json::Value`]s parsed from the very bytes the endpoints send, in the order the
/// endpoints send them, so tests can compare what a client decoded against the source of truth.
/// They are parsed on first access (serving only needs the bytes); later calls are free.
///
/// ```
/// use conversations_sandbox::Dataset;
///
/// let a = Dataset::generate(42, 300);
/// let b = Dataset::generate(42, 300);
/// assert_eq!(a.asapp().len(), 100);
/// assert_eq!(a.autocalls().len(), 200);
/// assert_eq!(a.asapp(), b.asapp());
/// assert_eq!(a.autocalls(), b.autocalls());
/// ```
pub struct Dataset {
    seed: u64,
    drift: bool,
    pub(crate) base: Arc<Base>,
    pub(crate) delta: Delta,
    /// Parsed on first use: serving needs only the bytes, so a sandbox starts faster.
    asapp: OnceLock<Vec<Value>>,
    autocalls: OnceLock<Vec<Value>>,
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("seed", &self.seed)
            .field("drift", &self.drift)
            .field("asapp", &self.base.asapp.len())
            .field("autocalls", &self.autocalls_len())
            .field("assistants", &self.base.assistants)
            .finish_non_exhaustive()
    }
}

/// The seed of the stream runtime changes draw from, mixed with the data set's seed.
const MUTATION_STREAM: u64 = 0x6D75_7461_7465_2121;

impl Dataset {
    /// Generates the data set for `seed` with `size` conversations in total: `size / 3` ASAPP
    /// items and the rest Autocalls conversations.
    ///
    /// Generation is pure: the same arguments always give byte-identical records. The default
    /// size (3000) takes a few milliseconds in an optimised build; 1,000,000 about a second.
    ///
    /// ```
    /// use conversations_sandbox::Dataset;
    ///
    /// let data = Dataset::generate(7, 10);
    /// assert_eq!(data.asapp().len() + data.autocalls().len(), 10);
    /// ```
    pub fn generate(seed: u64, size: usize) -> Dataset {
        Self::with_drift(seed, size, false)
    }

    /// Like [`generate`](Self::generate), with every third record of each provider served off
    /// its documented types (see [`SandboxConfig::drift`](crate::SandboxConfig::drift)). The
    /// other records are byte-identical to [`generate`](Self::generate)'s.
    ///
    /// ```
    /// use conversations_sandbox::Dataset;
    ///
    /// let plain = Dataset::generate(7, 30);
    /// let drifted = Dataset::generate_drifted(7, 30);
    /// assert!(drifted.drifts());
    /// assert_eq!(drifted.autocalls()[0], plain.autocalls()[0]);
    /// assert_ne!(drifted.autocalls()[2], plain.autocalls()[2]);
    /// assert_eq!(drifted.autocalls()[2]["id"], plain.autocalls()[2]["id"]);
    /// ```
    pub fn generate_drifted(seed: u64, size: usize) -> Dataset {
        Self::with_drift(seed, size, true)
    }

    pub(crate) fn with_drift(seed: u64, size: usize, drift: bool) -> Dataset {
        let base = Base::new(crate::generate::base(seed, size, drift));
        let delta = Delta {
            rng: SplitMix64::new(seed ^ MUTATION_STREAM),
            clock: base.newest_update,
            lead_counter: base.lead_counter,
            leads: Vec::new(),
            added: Vec::new(),
            added_index: AddedIndex::default(),
            touched: HashMap::new(),
            asapp_touched: HashMap::new(),
        };
        Dataset {
            seed,
            drift,
            base: Arc::new(base),
            delta,
            asapp: OnceLock::new(),
            autocalls: OnceLock::new(),
        }
    }

    /// A copy to change: shares the base, copies the (small) delta, drops parsed caches.
    pub(crate) fn next_version(&self) -> Dataset {
        Dataset {
            seed: self.seed,
            drift: self.drift,
            base: Arc::clone(&self.base),
            delta: self.delta.clone(),
            asapp: OnceLock::new(),
            autocalls: OnceLock::new(),
        }
    }

    /// The seed this data set was generated from.
    ///
    /// ```
    /// assert_eq!(conversations_sandbox::Dataset::generate(9, 3).seed(), 9);
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether drift mode is on (see [`generate_drifted`](Self::generate_drifted)).
    ///
    /// ```
    /// assert!(!conversations_sandbox::Dataset::generate(9, 3).drifts());
    /// ```
    pub fn drifts(&self) -> bool {
        self.drift
    }

    /// Every ASAPP conversation item exactly as `GET /conversation/v1/conversations` serves it.
    ///
    /// A query for one `externalId` returns the items with that `externalId`, in this order.
    ///
    /// ```
    /// let data = conversations_sandbox::Dataset::generate(1, 30);
    /// let item = &data.asapp()[0];
    /// assert_eq!(item["id"].as_str().map(str::len), Some(26));
    /// assert!(item["customer"]["externalId"].is_string());
    /// ```
    pub fn asapp(&self) -> &[Value] {
        self.asapp
            .get_or_init(|| self.served_asapp().map(|r| parse(&r.json)).collect())
    }

    /// Every Autocalls conversation exactly as `GET /api/user/conversations` serves it, in
    /// served order: newest `created_at` first.
    ///
    /// ```
    /// let data = conversations_sandbox::Dataset::generate(1, 30);
    /// let all = data.autocalls();
    /// assert!(all.windows(2).all(|w| w[0]["created_at"].as_str() > w[1]["created_at"].as_str()));
    /// ```
    pub fn autocalls(&self) -> &[Value] {
        self.autocalls.get_or_init(|| {
            self.served_autocalls()
                .map(|(_, json)| parse(json))
                .collect()
        })
    }

    /// The user's Autocalls assistants. The last one owns no conversation, so filtering by it
    /// is valid but returns an empty page.
    ///
    /// ```
    /// let data = conversations_sandbox::Dataset::generate(1, 30);
    /// assert!(data.autocalls_assistants().len() >= 2);
    /// ```
    pub fn autocalls_assistants(&self) -> &[Assistant] {
        &self.base.assistants
    }

    /// The distinct ASAPP `externalId`s, in order of first appearance. Some of them are shared
    /// by several items.
    ///
    /// ```
    /// let data = conversations_sandbox::Dataset::generate(1, 300);
    /// let ids = data.asapp_external_ids();
    /// assert!(ids.len() < data.asapp().len(), "some externalIds are shared");
    /// ```
    pub fn asapp_external_ids(&self) -> Vec<&str> {
        self.base
            .asapp_distinct
            .iter()
            .filter_map(|g| self.base.asapp_group_ids.get(*g as usize))
            .map(String::as_str)
            .collect()
    }

    /// The Autocalls conversations served off their documented types, in served order, with
    /// the field that drifted. Empty unless drift mode is on.
    ///
    /// ```
    /// let data = conversations_sandbox::Dataset::generate_drifted(3, 90);
    /// let fields: Vec<&str> = data.drifted_autocalls().map(|d| d.field).take(4).collect();
    /// assert_eq!(fields, ["assistant_id", "variables", "total_cost", "message_count"]);
    /// assert_eq!(conversations_sandbox::Dataset::generate(3, 90).drifted_autocalls().count(), 0);
    /// ```
    pub fn drifted_autocalls(&self) -> impl Iterator<Item = DriftedRecord<'_>> + '_ {
        self.served_autocalls()
            .enumerate()
            .filter_map(|(index, (record, _))| {
                record.drift.map(|d| DriftedRecord {
                    index,
                    id: record.id.as_str(),
                    field: d.field(),
                })
            })
    }

    /// The ASAPP items served off their documented types, in served order, with the field
    /// that drifted. Empty unless drift mode is on.
    ///
    /// ```
    /// let data = conversations_sandbox::Dataset::generate_drifted(3, 90);
    /// let first = data.drifted_asapp().next().expect("drifted");
    /// assert_eq!((first.index, first.field), (2, "metadata"));
    /// assert!(data.asapp()[2]["metadata"].is_null());
    /// ```
    pub fn drifted_asapp(&self) -> impl Iterator<Item = DriftedRecord<'_>> + '_ {
        self.served_asapp()
            .enumerate()
            .filter_map(|(index, record)| {
                record.drift.map(|d| DriftedRecord {
                    index,
                    id: AsappRecord::id(&record.json),
                    field: d.field(),
                })
            })
    }

    /// How many Autocalls conversations are served.
    pub(crate) fn autocalls_len(&self) -> usize {
        self.delta.added.len() + self.base.autocalls.len()
    }

    /// The bytes served for the base Autocalls record at `position`.
    pub(crate) fn base_autocalls_json(&self, position: usize) -> Option<&str> {
        let record = self.base.autocalls.get(position)?;
        if self.delta.touched.is_empty() {
            return Some(&record.json);
        }
        let touched = u32::try_from(position)
            .ok()
            .and_then(|p| self.delta.touched.get(&p));
        Some(touched.unwrap_or(&record.json))
    }

    /// Every Autocalls record with the bytes served for it, in served order.
    pub(crate) fn served_autocalls(&self) -> impl Iterator<Item = (&AutocallsRecord, &str)> + '_ {
        let added = self.delta.added.iter().rev().map(|r| (r, &*r.json));
        let base = self
            .base
            .autocalls
            .iter()
            .enumerate()
            .map(|(i, r)| (r, self.base_autocalls_json(i).unwrap_or(&r.json)));
        added.chain(base)
    }

    /// The ASAPP item at `position` as served (touched or not).
    pub(crate) fn asapp_record(&self, position: usize) -> Option<&AsappRecord> {
        let touched = if self.delta.asapp_touched.is_empty() {
            None
        } else {
            u32::try_from(position)
                .ok()
                .and_then(|p| self.delta.asapp_touched.get(&p))
        };
        touched.or_else(|| self.base.asapp.get(position))
    }

    /// Every ASAPP item as served, in order.
    pub(crate) fn served_asapp(&self) -> impl Iterator<Item = &AsappRecord> + '_ {
        (0..self.base.asapp.len()).filter_map(|i| self.asapp_record(i))
    }

    /// The lead index of `lead`, among the base's leads and those added at runtime.
    pub(crate) fn lead(&self, lead: &str) -> Option<u32> {
        self.base.lead(lead).or_else(|| {
            self.delta
                .leads
                .iter()
                .position(|l| l == lead)
                .and_then(|i| u32::try_from(self.base.leads.len() + i).ok())
        })
    }
}

fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::datetime::is_timestamp;
    use crate::generate::{CROCKFORD, customer_phone};
    use crate::records::ConversationType;

    #[test]
    fn split_and_determinism() {
        let a = Dataset::generate(5, 3000);
        let b = Dataset::generate(5, 3000);
        assert_eq!(a.asapp().len(), 1000);
        assert_eq!(a.autocalls().len(), 2000);
        let bytes = |d: &Dataset| -> Vec<String> {
            d.base
                .asapp
                .iter()
                .map(|r| r.json.to_string())
                .chain(d.base.autocalls.iter().map(|r| r.json.to_string()))
                .collect()
        };
        assert_eq!(bytes(&a), bytes(&b));
        assert_ne!(bytes(&a), bytes(&Dataset::generate(6, 3000)));
    }

    #[test]
    fn tiny_sizes_work() {
        for size in 0..10 {
            let d = Dataset::generate(1, size);
            assert_eq!(d.asapp().len() + d.autocalls().len(), size);
        }
    }

    #[test]
    fn some_external_ids_are_shared_with_autocalls() {
        let d = Dataset::generate(DEFAULT_SEED_FOR_TESTS, 600);
        let leads: HashSet<&str> = d
            .autocalls()
            .iter()
            .filter_map(|c| c["external_identifier"].as_str())
            .collect();
        let shared = d
            .asapp_external_ids()
            .into_iter()
            .filter(|id| leads.contains(id))
            .count();
        assert!(shared >= 3, "only {shared} shared ids");
        assert_eq!(d.asapp_external_ids()[0], "ext-000101");
    }

    const DEFAULT_SEED_FOR_TESTS: u64 = crate::config::DEFAULT_SEED;

    #[test]
    fn asapp_items_follow_the_schema() {
        let d = Dataset::generate(11, 900);
        let mut agent_absent = 0;
        let mut agent_name_absent = 0;
        let mut metadata_absent = 0;
        for item in d.asapp() {
            let id = item["id"].as_str().expect("id");
            assert_eq!(id.len(), 26);
            assert!(id.bytes().all(|c| CROCKFORD.contains(&c)));
            let external_id = item["externalId"].as_str().expect("externalId");
            assert!(external_id.starts_with("ext-") || external_id.starts_with("crm-lead-"));
            assert!(item["customer"]["externalId"].is_string());
            match item.get("agent") {
                None => agent_absent += 1,
                Some(agent) => {
                    assert!(agent["externalId"].is_string());
                    if agent.get("name").is_none() {
                        agent_name_absent += 1;
                    }
                }
            }
            match item.get("metadata") {
                None => metadata_absent += 1,
                Some(m) => assert!(
                    m.as_object()
                        .expect("object")
                        .values()
                        .all(Value::is_string)
                ),
            }
        }
        assert!(agent_absent > 0 && agent_name_absent > 0 && metadata_absent > 0);
        assert!(d.asapp_external_ids().len() < d.asapp().len());
        assert_eq!(d.asapp_external_ids()[0], "ext-000101");
    }

    #[test]
    fn autocalls_conversations_follow_the_docs() {
        let d = Dataset::generate(11, 3000);
        let all = d.autocalls();
        for w in d.base.autocalls.windows(2) {
            assert!(
                (w[0].created_at.as_str(), w[0].id.as_str())
                    > (w[1].created_at.as_str(), w[1].id.as_str())
            );
            assert!(
                w[0].created_at.as_str() > w[1].created_at.as_str(),
                "no ties"
            );
        }
        // The inline sort keys are the served ones.
        for (r, v) in d.base.autocalls.iter().zip(all) {
            assert_eq!(v["created_at"], r.created_at.as_str());
            assert_eq!(v["id"], r.id.as_str());
        }
        let mut null_variables = 0;
        let mut null_customer_names = 0;
        let mut absent_customer_names = 0;
        for c in all {
            let kind = c["type"].as_str().expect("type");
            assert!(ConversationType::parse(kind).is_some());
            assert!(is_timestamp(c["created_at"].as_str().expect("created_at")));
            assert!(is_timestamp(c["updated_at"].as_str().expect("updated_at")));
            assert!(c["message_count"].is_u64());
            assert!(c["total_cost"].is_f64());
            assert!(c["ai_enabled"].is_boolean());
            if c["variables"].is_null() {
                null_variables += 1;
            }
            assert_eq!(c.get("whatsapp_sender").is_some(), kind == "whatsapp");
            assert_eq!(c.get("customer").is_some(), kind == "whatsapp");
            if c.get("external_identifier").is_some() {
                assert_eq!(kind, "api");
            }
            if let Some(customer) = c.get("customer") {
                assert!(customer["phone"].as_str().expect("phone").starts_with('+'));
                match customer.get("name") {
                    None => absent_customer_names += 1,
                    Some(Value::Null) => null_customer_names += 1,
                    Some(n) => assert!(n.is_string()),
                }
            }
        }
        assert!(null_variables > 0 && null_customer_names > 0 && absent_customer_names > 0);
        let first = &all[0];
        assert_eq!(first["created_at"], "2025-06-30 17:45:12");
    }

    #[test]
    fn customer_phones_are_distinct() {
        let phones: std::collections::BTreeSet<String> = (0..1601).map(customer_phone).collect();
        assert_eq!(phones.len(), 1601);
    }

    #[test]
    fn default_size_generates() {
        // Speed is measured by hand (`examples/measure.rs`), never by a test: a wall-clock
        // bound only measures the machine the test happens to run on.
        let d = Dataset::generate(crate::DEFAULT_SEED, crate::DEFAULT_DATASET_SIZE);
        assert_eq!(d.autocalls().len(), 2000);
        assert_eq!(d.asapp().len(), 1000);
    }
}
