//! Deterministic generation of both providers' records.
//!
//! Only the crate's own SplitMix64, fixed word lists and integer arithmetic are used, never
//! the clock or a hash map's iteration order, so the same seed and size always give the same
//! bytes. Each Autocalls conversation is drawn by [`conversation`], which runtime additions
//! ([`Mutator::add_autocalls`](crate::Mutator::add_autocalls)) call too, from their own stream.

use std::cell::RefCell;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::datetime::{format_timestamp, timestamp_bytes};
use crate::drift::{AsappDrift, AutocallsDrift};
use crate::prng::SplitMix64;
use crate::records::{
    AsappRecord, Ascii, Assistant, AutocallsRecord, BaseParts, ConversationType, PoolCustomer,
};

/// Generates the base data set for `seed` with `size` conversations in total: `size / 3`
/// ASAPP items and the rest Autocalls conversations, drifted if `drift` (see [`crate::drift`]).
pub(crate) fn base(seed: u64, size: usize, drift: bool) -> BaseParts {
    let mut root = SplitMix64::new(seed);
    let mut asapp_rng = SplitMix64::new(root.next_u64());
    let mut autocalls_rng = SplitMix64::new(root.next_u64());
    let asapp_size = size / 3;
    let autocalls_size = size - asapp_size;

    let assistants = generate_assistants(&mut autocalls_rng);
    let autocalls = generate_autocalls(&mut autocalls_rng, autocalls_size, &assistants, drift);
    // A business tracks the same CRM case in both providers: some ASAPP externalIds are
    // Autocalls external_identifiers (the leads, in order of first appearance), so one
    // `--external-id` finds conversations in both.
    let asapp = generate_asapp(&mut asapp_rng, asapp_size, &autocalls.leads, drift);
    BaseParts {
        assistants,
        customers: autocalls.customers,
        leads: autocalls.leads,
        lead_counter: autocalls.lead_counter,
        newest_update: autocalls.newest_update,
        autocalls: autocalls.records,
        asapp: asapp.records,
        asapp_groups: asapp.groups,
    }
}

/// A vector with room for `n` elements if the allocator agrees (else it grows as needed).
fn with_room<T>(n: usize) -> Vec<T> {
    let mut v = Vec::new();
    let _ = v.try_reserve_exact(n);
    v
}

thread_local! {
    /// Where records are serialized before being copied into an exact-size allocation: no
    /// spare capacity kept, and no trail of outgrown buffers fragmenting the heap.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(4096));
}

fn to_json<T: Serialize>(value: &T) -> Box<str> {
    // Serializing these plain structs (strings, integers, finite floats) cannot fail.
    let fallback = || Box::<str>::from("{}");
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            match serde_json::to_writer(&mut *buf, value) {
                Ok(()) => std::str::from_utf8(&buf).map_or_else(|_| fallback(), Box::from),
                Err(_) => fallback(),
            }
        }
        Err(_) => serde_json::to_string(value).map_or_else(|_| fallback(), String::into_boxed_str),
    })
}

/// A string-to-string JSON object that keeps insertion order (the docs' key order).
#[derive(Debug, Clone, Default)]
struct StringMap(Vec<(&'static str, String)>);

impl StringMap {
    fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.0.push((key, value.into()));
        self
    }
}

impl Serialize for StringMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

const FIRST_NAMES: &[&str] = &[
    "Jane", "John", "Maria", "Wei", "Aisha", "Carlos", "Priya", "Liam", "Sofia", "Noah", "Fatima",
    "Mateo", "Yuki", "Olivia", "Ahmed", "Emma", "Lucas", "Chloe", "Kwame", "Isabella", "Ravi",
    "Mia", "Diego", "Hannah",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Doe",
    "Garcia",
    "Chen",
    "Khan",
    "Rodriguez",
    "Patel",
    "Murphy",
    "Rossi",
    "Kim",
    "Haddad",
    "Silva",
    "Tanaka",
    "Johnson",
    "Hassan",
    "Brown",
    "Martin",
    "Dubois",
    "Mensah",
    "Lopez",
    "Sharma",
    "Nguyen",
    "Costa",
    "Weber",
];

fn person_name(rng: &mut SplitMix64) -> String {
    let first = rng.pick(FIRST_NAMES).copied().unwrap_or("Alex");
    let last = rng.pick(LAST_NAMES).copied().unwrap_or("Taylor");
    format!("{first} {last}")
}

// ---------------------------------------------------------------------------------------------
// ASAPP
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct AsappParty {
    #[serde(rename = "externalId")]
    external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct AsappItem {
    id: String,
    #[serde(rename = "externalId")]
    external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<AsappParty>,
    customer: AsappParty,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<StringMap>,
}

const ORGANIZATIONAL_GROUPS: &[&str] = &["consumer", "business", "enterprise", "care"];
const SUBDIVISIONS: &[&str] = &["north", "south", "east", "west", "central"];
const QUEUES: &[&str] = &[
    "billing",
    "tech-support",
    "sales",
    "retention",
    "general",
    "escalations",
];
const CHANNELS: &[&str] = &["voice", "chat", "messaging"];
const LANGUAGES: &[&str] = &["en-US", "es-US", "fr-CA"];

/// Crockford's base-32 alphabet, as ULIDs use.
pub(crate) const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A 26-character ULID: 48-bit millisecond timestamp, then 80 random bits.
fn ulid(millis: u64, rng: &mut SplitMix64) -> String {
    let random = (u128::from(rng.next_u64()) << 16) | u128::from(rng.next_u64() & 0xFFFF);
    let value = (u128::from(millis & 0xFFFF_FFFF_FFFF) << 80) | random;
    (0..26)
        .rev()
        .map(|i| char::from(CROCKFORD[((value >> (i * 5)) & 0x1F) as usize]))
        .collect()
}

/// The ASAPP items and their groups: each group shares one `externalId` and is contiguous.
struct AsappParts {
    records: Vec<AsappRecord>,
    /// `(externalId, position of the group's first item)`, in order.
    groups: Vec<(String, u32)>,
}

fn generate_asapp(
    rng: &mut SplitMix64,
    size: usize,
    shared_ids: &[String],
    drift: bool,
) -> AsappParts {
    let agents: Vec<(String, Option<String>)> = (1..=24)
        .map(|i| {
            let name = if rng.chance(85) {
                Some(person_name(rng))
            } else {
                None
            };
            (format!("agent-{i:03}"), name)
        })
        .collect();
    let customer_pool = (size / 2).max(4) as u64;

    let mut records: Vec<AsappRecord> = with_room(size);
    let mut groups: Vec<(String, u32)> = Vec::new();
    let mut millis: u64 = 1_735_804_800_000; // 2025-01-02 08:00:00 UTC
    let mut ext_counter: u64 = 100;
    let mut group_count: usize = 0;
    while records.len() < size {
        // The first is always `ext-000101`, so examples can name it.
        ext_counter += if records.is_empty() {
            1
        } else {
            rng.range(1, 3)
        };
        // Every fifth group from the second on takes the next id shared with Autocalls, in
        // Autocalls' served order.
        let external_id = match shared_ids.get(group_count / 5) {
            Some(shared) if group_count % 5 == 1 => shared.clone(),
            _ => format!("ext-{ext_counter:06}"),
        };
        group_count += 1;
        groups.push((
            external_id.clone(),
            u32::try_from(records.len()).unwrap_or(u32::MAX),
        ));
        let group = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4];
        let copies = rng.pick(&group).copied().unwrap_or(1);
        for _ in 0..copies {
            if records.len() >= size {
                break;
            }
            millis += rng.range(20_000, 2_400_000);
            let agent = if rng.chance(88) {
                rng.pick(&agents).map(|(id, name)| AsappParty {
                    external_id: id.clone(),
                    name: name.clone(),
                })
            } else {
                None
            };
            let customer_no = rng.below(customer_pool).min(rng.below(customer_pool)) + 1;
            let customer = AsappParty {
                external_id: format!("customer-{customer_no:05}"),
                name: if rng.chance(65) {
                    Some(person_name(rng))
                } else {
                    None
                },
            };
            let metadata = match rng.below(20) {
                0..=2 => None,
                3..=4 => Some(StringMap::default().with("queue", pick_str(rng, QUEUES))),
                5..=15 => Some(
                    StringMap::default()
                        .with("organizationalGroup", pick_str(rng, ORGANIZATIONAL_GROUPS))
                        .with("subdivision", pick_str(rng, SUBDIVISIONS))
                        .with("queue", pick_str(rng, QUEUES)),
                ),
                _ => Some(
                    StringMap::default()
                        .with("organizationalGroup", pick_str(rng, ORGANIZATIONAL_GROUPS))
                        .with("subdivision", pick_str(rng, SUBDIVISIONS))
                        .with("queue", pick_str(rng, QUEUES))
                        .with("channel", pick_str(rng, CHANNELS))
                        .with("language", pick_str(rng, LANGUAGES)),
                ),
            };
            let item = AsappItem {
                id: ulid(millis, rng),
                external_id: external_id.clone(),
                agent,
                customer,
                metadata,
            };
            let json = to_json(&item);
            let drift = if drift {
                AsappDrift::at(records.len())
            } else {
                None
            };
            let json = match drift {
                Some(d) => d.apply(&json).into_boxed_str(),
                None => json,
            };
            records.push(AsappRecord { json, drift });
        }
    }
    AsappParts { records, groups }
}

fn pick_str(rng: &mut SplitMix64, items: &[&'static str]) -> &'static str {
    rng.pick(items).copied().unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// Autocalls
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct Sender {
    name: &'static str,
    phone: &'static str,
}

#[derive(Serialize)]
struct Customer<'a> {
    /// `None`: key absent; `Some(None)`: JSON null; `Some(Some(_))`: a name.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Option<&'a str>>,
    phone: &'a str,
}

#[derive(Serialize)]
struct AutocallsConversation<'a> {
    id: &'a str,
    assistant_id: &'a str,
    assistant_name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    variables: Option<StringMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_identifier: Option<&'a str>,
    message_count: u64,
    total_cost: f64,
    ai_enabled: bool,
    created_at: &'a str,
    updated_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    whatsapp_sender: Option<Sender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<Customer<'a>>,
}

const ASSISTANT_NAMES: &[&str] = &[
    "Support Assistant",
    "Sales Qualifier",
    "Appointment Scheduler",
    "WhatsApp Concierge",
    "Billing Helper",
    "Legacy IVR Assistant",
];
/// Relative share of conversations per assistant; the last assistant has none.
const ASSISTANT_WEIGHTS: &[u64] = &[30, 20, 15, 25, 10, 0];

/// The user's WhatsApp business numbers (the first is the docs' example).
pub(crate) const SENDERS: &[(&str, &str)] = &[
    ("Acme Corp Support", "+14155551234"),
    ("Acme Corp Sales", "+14155550100"),
    ("Acme Billing", "+12125550199"),
    ("Acme Europe", "+447700900123"),
];

const AREA_CODES: &[u32] = &[415, 212, 312, 646, 305, 617, 206, 512];

/// Distinct customer phone numbers: the docs' example customer first, then numbers from the
/// ranges reserved for fiction (US 555-01xx, UK 07700 900xxx).
pub(crate) fn customer_phone(index: usize) -> String {
    if index == 0 {
        return String::from("+14155559876");
    }
    let q = index - 1;
    if q.is_multiple_of(2) {
        let j = q / 2;
        let area = AREA_CODES[j % AREA_CODES.len()];
        format!("+1{area}55501{:02}", (j / AREA_CODES.len()) % 100)
    } else {
        format!("+447700900{:03}", (q / 2) % 1000)
    }
}

fn generate_assistants(rng: &mut SplitMix64) -> Vec<Assistant> {
    let mut id = 1800;
    ASSISTANT_NAMES
        .iter()
        .map(|name| {
            id += rng.range(1, 57);
            Assistant {
                id,
                uuid: rng.uuid(),
                name: (*name).to_owned(),
            }
        })
        .collect()
}

/// The Autocalls half of a base data set.
struct AutocallsParts {
    customers: Vec<PoolCustomer>,
    leads: Vec<String>,
    lead_counter: u64,
    newest_update: i64,
    records: Vec<AutocallsRecord>,
}

/// The first lead number is one more than this (at least).
const FIRST_LEAD_COUNTER: u64 = 12_300;

fn generate_autocalls(
    rng: &mut SplitMix64,
    size: usize,
    assistants: &[Assistant],
    drift: bool,
) -> AutocallsParts {
    // At most 1 + 2 * 800 distinct numbers exist (see `customer_phone`).
    let pool = (size / 10).clamp(8, 1601);
    let customers: Vec<PoolCustomer> = (0..pool)
        .map(|i| {
            let name = if i == 0 {
                Some(String::from("John Doe"))
            } else if rng.chance(80) {
                Some(person_name(rng))
            } else {
                None
            };
            PoolCustomer {
                phone: customer_phone(i),
                name,
            }
        })
        .collect();

    let mut records: Vec<AutocallsRecord> = with_room(size);
    let mut created: i64 = 1_751_305_512; // 2025-06-30 17:45:12 UTC, the newest conversation
    let mut newest_update = created;
    let mut lead_counter = FIRST_LEAD_COUNTER;
    let mut leads: Vec<String> = Vec::new();
    for k in 0..size {
        let mut book = LeadBook {
            base: &[],
            added: &mut leads,
            counter: &mut lead_counter,
        };
        let Some(generated) = conversation(
            rng,
            created,
            assistants,
            &customers,
            &mut book,
            drift.then_some(k),
        ) else {
            break;
        };
        newest_update = newest_update.max(generated.updated);
        records.push(generated.record);
        // Strictly older each time, so served order (newest first) has no ties.
        created -= rng.range(37, 2400) as i64;
    }
    AutocallsParts {
        customers,
        leads,
        lead_counter,
        newest_update,
        records,
    }
}

/// The CRM leads handed out so far: the base data set's, then those added at runtime, and
/// the counter the next new lead's number grows from.
pub(crate) struct LeadBook<'a> {
    /// The base data set's leads (empty while generating it).
    pub(crate) base: &'a [String],
    /// Leads created since; a new lead's index is `base.len() + added.len()`.
    pub(crate) added: &'a mut Vec<String>,
    /// The last lead number handed out.
    pub(crate) counter: &'a mut u64,
}

impl LeadBook<'_> {
    fn len(&self) -> usize {
        self.base.len() + self.added.len()
    }
}

/// One generated Autocalls conversation.
pub(crate) struct Generated {
    /// What the server keeps.
    pub(crate) record: AutocallsRecord,
    /// Its `updated_at`, in Unix seconds.
    pub(crate) updated: i64,
}

/// Draws one Autocalls conversation created at `created` (Unix seconds). With
/// `drift_position`, the record drifts as [`AutocallsDrift::at`] says for that position.
///
/// The random draws, and their order, are exactly those the generator has always made: the
/// served bytes of a seed never change.
pub(crate) fn conversation(
    rng: &mut SplitMix64,
    created: i64,
    assistants: &[Assistant],
    customers: &[PoolCustomer],
    leads: &mut LeadBook<'_>,
    drift_position: Option<usize>,
) -> Option<Generated> {
    let assistant_index = rng.weighted(ASSISTANT_WEIGHTS);
    let assistant = assistants.get(assistant_index)?;
    let kind = ConversationType::ALL[rng.weighted(&[7, 27, 40, 26])];
    let message_count = match kind {
        ConversationType::Test => rng.range(1, 10),
        ConversationType::Widget => rng.range(2, 40),
        ConversationType::Whatsapp => rng.range(2, 60),
        ConversationType::Api => rng.range(1, 30),
    };
    // Cost in units of 1/10000 USD, so the served number is a short decimal like 0.0045.
    let cost_units = (message_count * rng.range(25, 55) / 10).max(1);
    let total_cost = cost_units as f64 / 10_000.0;
    let variables = variables_for(rng, kind);
    let lead = if kind == ConversationType::Api && rng.chance(70) {
        if leads.len() > 0 && rng.chance(20) {
            Some(rng.index(leads.len()))
        } else {
            *leads.counter += rng.range(1, 40);
            let index = leads.len();
            leads.added.push(format!("crm-lead-{:05}", *leads.counter));
            Some(index)
        }
    } else {
        None
    };
    let external_identifier = lead.and_then(|i| match i.checked_sub(leads.base.len()) {
        None => leads.base.get(i).map(String::as_str),
        Some(j) => leads.added.get(j).map(String::as_str),
    });
    let (sender, customer) = if kind == ConversationType::Whatsapp {
        let sender_index = if rng.chance(85) {
            assistant_index % SENDERS.len()
        } else {
            rng.index(SENDERS.len())
        };
        // min of two draws skews towards low indexes: some customers talk a lot.
        let c = rng.index(customers.len()).min(rng.index(customers.len()));
        let pooled = customers.get(c)?;
        let name = match &pooled.name {
            Some(n) => Some(Some(n.as_str())),
            None if rng.chance(60) => Some(None),
            None => None,
        };
        (Some(sender_index), Some((c, name, pooled.phone.as_str())))
    } else {
        (None, None)
    };
    let updated = created + (message_count * rng.range(15, 90) + rng.range(0, 59)) as i64;
    let id: Ascii<36> = Ascii::from_bytes(rng.uuid_bytes());
    let ai_enabled = kind == ConversationType::Test || rng.chance(88);
    let stamp = |t: i64| {
        timestamp_bytes(t).map_or_else(|| Ascii::new(&format_timestamp(t)), Ascii::from_bytes)
    };
    let (created_at, updated_at) = (stamp(created), stamp(updated));
    let conversation = AutocallsConversation {
        id: id.as_str(),
        assistant_id: &assistant.uuid,
        assistant_name: &assistant.name,
        kind: kind.as_str(),
        variables,
        external_identifier,
        message_count,
        total_cost,
        ai_enabled,
        created_at: created_at.as_str(),
        updated_at: updated_at.as_str(),
        whatsapp_sender: sender
            .and_then(|i| SENDERS.get(i))
            .map(|&(name, phone)| Sender { name, phone }),
        customer: customer.map(|(_, name, phone)| Customer { name, phone }),
    };
    let json = to_json(&conversation);
    let drift =
        drift_position.and_then(|k| AutocallsDrift::at(k, kind == ConversationType::Whatsapp));
    let json = match drift {
        Some(d) => d.apply(&json, assistant.id).into_boxed_str(),
        None => json,
    };
    let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    Some(Generated {
        record: AutocallsRecord {
            created_at,
            id,
            kind,
            assistant: u8::try_from(assistant_index).unwrap_or(u8::MAX),
            sender: sender.and_then(|i| u8::try_from(i).ok()),
            drift,
            customer: customer.map(|(c, _, _)| index(c)),
            lead: lead.map(index),
            json,
        },
        updated,
    })
}

const PLANS: &[&str] = &["free", "basic", "premium", "enterprise"];
const PAGES: &[&str] = &["/", "/pricing", "/support", "/checkout", "/account/billing"];
const SOURCES: &[&str] = &["website", "crm", "import", "referral", "landing-page"];
const CAMPAIGNS: &[&str] = &[
    "spring-promo",
    "renewal-2025",
    "winback",
    "webinar-followup",
];
const CHAT_LANGUAGES: &[&str] = &["en", "es", "pt", "fr", "de"];

fn variables_for(rng: &mut SplitMix64, kind: ConversationType) -> Option<StringMap> {
    match kind {
        ConversationType::Widget => match rng.below(10) {
            0..=1 => None,
            2..=5 => Some(
                StringMap::default()
                    .with("user_name", person_name(rng))
                    .with("plan", pick_str(rng, PLANS)),
            ),
            6..=7 => Some(StringMap::default().with("page", pick_str(rng, PAGES))),
            _ => Some(
                StringMap::default()
                    .with("user_name", person_name(rng))
                    .with("plan", pick_str(rng, PLANS))
                    .with("locale", "en-US"),
            ),
        },
        ConversationType::Api => match rng.below(10) {
            0 => None,
            1..=6 => Some(
                StringMap::default()
                    .with("lead_id", rng.range(10_000, 99_999).to_string())
                    .with("source", pick_str(rng, SOURCES)),
            ),
            _ => Some(
                StringMap::default()
                    .with("lead_id", rng.range(10_000, 99_999).to_string())
                    .with("source", pick_str(rng, SOURCES))
                    .with("campaign", pick_str(rng, CAMPAIGNS)),
            ),
        },
        ConversationType::Whatsapp => {
            if rng.chance(55) {
                None
            } else {
                Some(StringMap::default().with("language", pick_str(rng, CHAT_LANGUAGES)))
            }
        }
        ConversationType::Test => match rng.below(3) {
            0 => None,
            1 => Some(StringMap::default()),
            _ => Some(StringMap::default().with("debug", "true")),
        },
    }
}
