//! The deterministic data set both fake providers serve.
//!
//! [`Dataset::generate`] turns a seed and a size into provider-native records. The same seed and
//! size always give byte-identical JSON: generation uses only the crate's own SplitMix64, fixed
//! word lists and integer arithmetic, never the clock or a hash map's iteration order.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::datetime::format_timestamp;
use crate::prng::SplitMix64;

/// An Autocalls assistant owned by the sandbox's (single) user.
///
/// Autocalls identifies an assistant two ways: the `assistant_id` *filter* takes its numeric
/// [`id`](Self::id) (an integer, per the docs), while every conversation carries its
/// [`uuid`](Self::uuid) in the `assistant_id` *response field*.
///
/// ```
/// use conversations_sandbox::Dataset;
///
/// let data = Dataset::generate(1, 30);
/// let first = &data.autocalls()[0];
/// let assistant = data
///     .autocalls_assistants()
///     .iter()
///     .find(|a| first["assistant_id"] == a.uuid.as_str())
///     .expect("every conversation belongs to a listed assistant");
/// assert_eq!(first["assistant_name"], assistant.name.as_str());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assistant {
    /// The integer id the `assistant_id` query filter takes.
    pub id: u64,
    /// The UUID that conversations carry in their `assistant_id` field.
    pub uuid: String,
    /// The display name conversations carry in `assistant_name`.
    pub name: String,
}

/// The four Autocalls conversation types, in the docs' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConversationType {
    Test,
    Widget,
    Whatsapp,
    Api,
}

impl ConversationType {
    /// Every type, for validation messages and parsing.
    pub(crate) const ALL: [ConversationType; 4] =
        [Self::Test, Self::Widget, Self::Whatsapp, Self::Api];

    /// The wire spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Widget => "widget",
            Self::Whatsapp => "whatsapp",
            Self::Api => "api",
        }
    }

    /// Parses the wire spelling (exact, case-sensitive, like Laravel's `in:` rule).
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One ASAPP conversation as the server needs it: the filter key and the exact bytes served.
#[derive(Debug, Clone)]
pub(crate) struct AsappRecord {
    pub(crate) external_id: String,
    pub(crate) json: String,
}

/// One Autocalls conversation as the server needs it: sort key, filter keys, exact bytes.
#[derive(Debug, Clone)]
pub(crate) struct AutocallsRecord {
    pub(crate) created_at: String,
    pub(crate) id: String,
    pub(crate) kind: ConversationType,
    pub(crate) assistant_id: u64,
    pub(crate) customer_phone: Option<String>,
    pub(crate) sender_phone: Option<String>,
    pub(crate) external_identifier: Option<String>,
    pub(crate) json: String,
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
    /// Parsed on first use: serving needs only the bytes, so a sandbox starts faster.
    asapp: OnceLock<Vec<Value>>,
    autocalls: OnceLock<Vec<Value>>,
    assistants: Vec<Assistant>,
    asapp_external_ids: Vec<String>,
    pub(crate) asapp_records: Vec<AsappRecord>,
    pub(crate) autocalls_records: Vec<AutocallsRecord>,
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("seed", &self.seed)
            .field("asapp", &self.asapp_records.len())
            .field("autocalls", &self.autocalls_records.len())
            .field("assistants", &self.assistants)
            .finish_non_exhaustive()
    }
}

impl Dataset {
    /// Generates the data set for `seed` with `size` conversations in total: `size / 3` ASAPP
    /// items and the rest Autocalls conversations.
    ///
    /// Generation is pure: the same arguments always give byte-identical records. The default
    /// size (3000) takes about 5 ms in an optimised build (about 50 ms unoptimised).
    ///
    /// ```
    /// use conversations_sandbox::Dataset;
    ///
    /// let data = Dataset::generate(7, 10);
    /// assert_eq!(data.asapp().len() + data.autocalls().len(), 10);
    /// ```
    pub fn generate(seed: u64, size: usize) -> Dataset {
        let mut root = SplitMix64::new(seed);
        let mut asapp_rng = SplitMix64::new(root.next_u64());
        let mut autocalls_rng = SplitMix64::new(root.next_u64());
        let asapp_size = size / 3;
        let autocalls_size = size - asapp_size;

        let assistants = generate_assistants(&mut autocalls_rng);
        let autocalls_records = generate_autocalls(&mut autocalls_rng, autocalls_size, &assistants);
        // A business tracks the same CRM case in both providers: some ASAPP externalIds are
        // Autocalls external_identifiers, so one `--external-id` finds conversations in both.
        let mut seen_leads = HashSet::new();
        let shared_ids: Vec<String> = autocalls_records
            .iter()
            .filter_map(|r| r.external_identifier.clone())
            .filter(|lead| seen_leads.insert(lead.clone()))
            .collect();
        let asapp_records = generate_asapp(&mut asapp_rng, asapp_size, &shared_ids);

        let mut seen = HashSet::new();
        let asapp_external_ids: Vec<String> = asapp_records
            .iter()
            .filter(|r| seen.insert(r.external_id.as_str()))
            .map(|r| r.external_id.clone())
            .collect();

        Dataset {
            seed,
            asapp: OnceLock::new(),
            autocalls: OnceLock::new(),
            assistants,
            asapp_external_ids,
            asapp_records,
            autocalls_records,
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
            .get_or_init(|| self.asapp_records.iter().map(|r| parse(&r.json)).collect())
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
            self.autocalls_records
                .iter()
                .map(|r| parse(&r.json))
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
        &self.assistants
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
        self.asapp_external_ids.iter().map(String::as_str).collect()
    }
}

fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs (strings, integers, finite floats) cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| String::from("{}"))
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
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A 26-character ULID: 48-bit millisecond timestamp, then 80 random bits.
fn ulid(millis: u64, rng: &mut SplitMix64) -> String {
    let random = (u128::from(rng.next_u64()) << 16) | u128::from(rng.next_u64() & 0xFFFF);
    let value = (u128::from(millis & 0xFFFF_FFFF_FFFF) << 80) | random;
    (0..26)
        .rev()
        .map(|i| char::from(CROCKFORD[((value >> (i * 5)) & 0x1F) as usize]))
        .collect()
}

fn generate_asapp(rng: &mut SplitMix64, size: usize, shared_ids: &[String]) -> Vec<AsappRecord> {
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

    let mut records = Vec::with_capacity(size.min(1 << 16));
    let mut millis: u64 = 1_735_804_800_000; // 2025-01-02 08:00:00 UTC
    let mut ext_counter: u64 = 100;
    let mut groups: usize = 0;
    while records.len() < size {
        // The first is always `ext-000101`, so examples can name it.
        ext_counter += if records.is_empty() {
            1
        } else {
            rng.range(1, 3)
        };
        // Every fifth group from the second on takes the next id shared with Autocalls, in
        // Autocalls' served order.
        let external_id = match shared_ids.get(groups / 5) {
            Some(shared) if groups % 5 == 1 => shared.clone(),
            _ => format!("ext-{ext_counter:06}"),
        };
        groups += 1;
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
            records.push(AsappRecord {
                external_id: external_id.clone(),
                json: to_json(&item),
            });
        }
    }
    records
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
struct Customer {
    /// `None`: key absent; `Some(None)`: JSON null; `Some(Some(_))`: a name.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Option<String>>,
    phone: String,
}

#[derive(Serialize)]
struct AutocallsConversation {
    id: String,
    assistant_id: String,
    assistant_name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    variables: Option<StringMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_identifier: Option<String>,
    message_count: u64,
    total_cost: f64,
    ai_enabled: bool,
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    whatsapp_sender: Option<Sender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<Customer>,
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
const SENDERS: &[(&str, &str)] = &[
    ("Acme Corp Support", "+14155551234"),
    ("Acme Corp Sales", "+14155550100"),
    ("Acme Billing", "+12125550199"),
    ("Acme Europe", "+447700900123"),
];

const AREA_CODES: &[u32] = &[415, 212, 312, 646, 305, 617, 206, 512];

/// Distinct customer phone numbers: the docs' example customer first, then numbers from the
/// ranges reserved for fiction (US 555-01xx, UK 07700 900xxx).
fn customer_phone(index: usize) -> String {
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

fn generate_autocalls(
    rng: &mut SplitMix64,
    size: usize,
    assistants: &[Assistant],
) -> Vec<AutocallsRecord> {
    // At most 1 + 2 * 800 distinct numbers exist (see `customer_phone`).
    let pool = (size / 10).clamp(8, 1601);
    let customers: Vec<(String, Option<String>)> = (0..pool)
        .map(|i| {
            let name = if i == 0 {
                Some(String::from("John Doe"))
            } else if rng.chance(80) {
                Some(person_name(rng))
            } else {
                None
            };
            (customer_phone(i), name)
        })
        .collect();

    let mut records = Vec::with_capacity(size.min(1 << 16));
    let mut created: i64 = 1_751_305_512; // 2025-06-30 17:45:12 UTC, the newest conversation
    let mut lead_counter: u64 = 12_300;
    let mut leads: Vec<String> = Vec::new();
    for _ in 0..size {
        let assistant_index = rng.weighted(ASSISTANT_WEIGHTS);
        let Some(assistant) = assistants.get(assistant_index) else {
            break;
        };
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
        let external_identifier = if kind == ConversationType::Api && rng.chance(70) {
            if !leads.is_empty() && rng.chance(20) {
                rng.pick(&leads).cloned()
            } else {
                lead_counter += rng.range(1, 40);
                let lead = format!("crm-lead-{lead_counter:05}");
                leads.push(lead.clone());
                Some(lead)
            }
        } else {
            None
        };
        let (whatsapp_sender, customer) = if kind == ConversationType::Whatsapp {
            let sender_index = if rng.chance(85) {
                assistant_index % SENDERS.len()
            } else {
                rng.index(SENDERS.len())
            };
            let (sender_name, sender_phone) = SENDERS[sender_index];
            // min of two draws skews towards low indexes: some customers talk a lot.
            let c = rng.index(customers.len()).min(rng.index(customers.len()));
            let (phone, known_name) = &customers[c];
            let name = match known_name {
                Some(n) => Some(Some(n.clone())),
                None if rng.chance(60) => Some(None),
                None => None,
            };
            (
                Some(Sender {
                    name: sender_name,
                    phone: sender_phone,
                }),
                Some(Customer {
                    name,
                    phone: phone.clone(),
                }),
            )
        } else {
            (None, None)
        };
        let updated = created + (message_count * rng.range(15, 90) + rng.range(0, 59)) as i64;
        let conversation = AutocallsConversation {
            id: rng.uuid(),
            assistant_id: assistant.uuid.clone(),
            assistant_name: assistant.name.clone(),
            kind: kind.as_str(),
            variables,
            external_identifier: external_identifier.clone(),
            message_count,
            total_cost,
            ai_enabled: kind == ConversationType::Test || rng.chance(88),
            created_at: format_timestamp(created),
            updated_at: format_timestamp(updated),
            whatsapp_sender,
            customer,
        };
        records.push(AutocallsRecord {
            created_at: conversation.created_at.clone(),
            id: conversation.id.clone(),
            kind,
            assistant_id: assistant.id,
            customer_phone: conversation.customer.as_ref().map(|c| c.phone.clone()),
            sender_phone: conversation
                .whatsapp_sender
                .as_ref()
                .map(|s| s.phone.to_owned()),
            external_identifier,
            json: to_json(&conversation),
        });
        // Strictly older each time, so served order (newest first) has no ties.
        created -= rng.range(37, 2400) as i64;
    }
    records
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::is_timestamp;

    #[test]
    fn split_and_determinism() {
        let a = Dataset::generate(5, 3000);
        let b = Dataset::generate(5, 3000);
        assert_eq!(a.asapp().len(), 1000);
        assert_eq!(a.autocalls().len(), 2000);
        let bytes = |d: &Dataset| -> Vec<String> {
            d.asapp_records
                .iter()
                .map(|r| r.json.clone())
                .chain(d.autocalls_records.iter().map(|r| r.json.clone()))
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
        for w in d.autocalls_records.windows(2) {
            assert!((&w[0].created_at, &w[0].id) > (&w[1].created_at, &w[1].id));
            assert!(w[0].created_at > w[1].created_at, "no ties");
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
    fn default_size_is_fast_enough() {
        let start = std::time::Instant::now();
        let d = Dataset::generate(crate::DEFAULT_SEED, crate::DEFAULT_DATASET_SIZE);
        assert_eq!(d.autocalls().len(), 2000);
        // Generous bound for unoptimised test builds on a busy machine.
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
