//! How an Autocalls page is found without scanning the data set.
//!
//! 1. The request's filters are resolved to table indexes ([`FilterKey`]s). A value the data
//!    set does not hold (an unknown phone, say) matches nothing: the page is empty at once.
//! 2. The candidates are the served records (no filter), or the posting list of the most
//!    selective filter (the shortest list). Either way they are in served order, as a [`View`]
//!    of two runs: the conversations added at runtime (newest first), then the base's.
//! 3. [`paginate`] binary-searches the cursor among the candidates and scans forward (or back)
//!    until it has `per_page + 1` records that match every filter.
//!
//! An unfiltered page costs O(log n + per_page). A filtered one costs O(log n) plus the
//! candidates scanned: at most the shortest filter's list, usually `per_page` divided by the
//! share of its records that match the other filters.

use std::collections::HashMap;

use crate::cursor::{Cursor, Keyed, Page, Sequence, paginate};
use crate::dataset::Dataset;
use crate::generate::SENDERS;
use crate::index::FilterKey;
use crate::records::{AutocallsRecord, ConversationType};

/// The filters of a list request, as sent (validated, not yet resolved).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Filters<'q> {
    pub(crate) kind: Option<ConversationType>,
    /// The assistant's integer id.
    pub(crate) assistant_id: Option<u64>,
    pub(crate) customer_phone: Option<&'q str>,
    pub(crate) sender_phone: Option<&'q str>,
    pub(crate) external_identifier: Option<&'q str>,
}

impl Filters<'_> {
    /// The filters as table indexes; `None` when a value exists nowhere in `data` (no record
    /// can match).
    pub(crate) fn resolve(&self, data: &Dataset) -> Option<Vec<FilterKey>> {
        let mut keys = Vec::with_capacity(5);
        if let Some(kind) = self.kind {
            keys.push(FilterKey::Type(kind));
        }
        if let Some(id) = self.assistant_id {
            let index = data
                .autocalls_assistants()
                .iter()
                .position(|a| a.id == id)?;
            keys.push(FilterKey::Assistant(u8::try_from(index).ok()?));
        }
        if let Some(phone) = self.customer_phone {
            keys.push(FilterKey::Customer(data.base.customer(phone)?));
        }
        if let Some(phone) = self.sender_phone {
            let index = SENDERS.iter().position(|(_, p)| *p == phone)?;
            keys.push(FilterKey::Sender(u8::try_from(index).ok()?));
        }
        if let Some(lead) = self.external_identifier {
            keys.push(FilterKey::Lead(data.lead(lead)?));
        }
        Some(keys)
    }
}

/// A record with the bytes served for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    pub(crate) record: &'a AutocallsRecord,
    pub(crate) json: &'a str,
}

impl Keyed for Row<'_> {
    fn sort_key(&self) -> (&str, &str) {
        (self.record.created_at.as_str(), self.record.id.as_str())
    }
}

/// Records in served order: all of a table, or those a posting list names.
#[derive(Debug, Clone, Copy)]
struct Run<'a> {
    records: &'a [AutocallsRecord],
    /// `None`: every record of `records`.
    positions: Option<&'a [u32]>,
    /// The table (and list) is stored oldest first: read it backwards.
    reversed: bool,
    /// New bytes of touched records, by position.
    touched: Option<&'a HashMap<u32, Box<str>>>,
}

impl<'a> Run<'a> {
    fn len(&self) -> usize {
        self.positions.map_or(self.records.len(), <[u32]>::len)
    }

    fn get(&self, index: usize) -> Option<Row<'a>> {
        let index = if self.reversed {
            self.len().checked_sub(index.checked_add(1)?)?
        } else {
            index
        };
        let position = match self.positions {
            None => index,
            Some(list) => *list.get(index)? as usize,
        };
        let record = self.records.get(position)?;
        let touched = self
            .touched
            .filter(|t| !t.is_empty())
            .and_then(|t| t.get(&u32::try_from(position).ok()?));
        Some(Row {
            record,
            json: touched.map_or(&record.json, |j| j),
        })
    }
}

/// The candidates of one request in served order: the added run, then the base run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    added: Run<'a>,
    base: Run<'a>,
}

impl<'a> View<'a> {
    /// Every served record (`keys` empty), or the records listed under the key of `keys` with
    /// the shortest list.
    pub(crate) fn new(data: &'a Dataset, keys: &[FilterKey]) -> View<'a> {
        let shortest = keys
            .iter()
            .copied()
            .min_by_key(|k| data.delta.added_index.get(*k).len() + data.base.index.get(*k).len());
        View {
            added: Run {
                records: &data.delta.added,
                positions: shortest.map(|k| data.delta.added_index.get(k)),
                reversed: true,
                touched: None,
            },
            base: Run {
                records: &data.base.autocalls,
                positions: shortest.map(|k| data.base.index.get(k)),
                reversed: false,
                touched: Some(&data.delta.touched),
            },
        }
    }
}

impl<'a> Sequence for View<'a> {
    type Item = Row<'a>;

    fn len(&self) -> usize {
        self.added.len() + self.base.len()
    }

    fn get(&self, index: usize) -> Option<Row<'a>> {
        match index.checked_sub(self.added.len()) {
            None => self.added.get(index),
            Some(i) => self.base.get(i),
        }
    }
}

/// The page of `data` that `filters`, `per_page` and `cursor` designate.
pub(crate) fn page<'a>(
    data: &'a Dataset,
    filters: &Filters<'_>,
    per_page: usize,
    cursor: Option<&Cursor>,
) -> Page<Row<'a>> {
    let Some(keys) = filters.resolve(data) else {
        // Nothing matches: an empty page has no cursors, whatever the cursor sent.
        return Page {
            items: Vec::new(),
            next_cursor: None,
            prev_cursor: None,
            scanned: 0,
        };
    };
    let view = View::new(data, &keys);
    paginate(&view, per_page, cursor, |row| {
        keys.iter().all(|k| k.matches(row.record))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::reference_paginate;
    use crate::prng::SplitMix64;

    /// The filters as strings, compared against each record's own values: no index involved.
    fn reference_matches(data: &Dataset, filters: &Filters<'_>, r: &AutocallsRecord) -> bool {
        let base = &data.base;
        let assistant_id = base.assistants.get(usize::from(r.assistant)).map(|a| a.id);
        let customer = r
            .customer
            .and_then(|c| base.customers.get(c as usize))
            .map(|c| c.phone.as_str());
        let sender = r
            .sender
            .and_then(|s| SENDERS.get(usize::from(s)))
            .map(|s| s.1);
        let lead = r.lead.and_then(|l| {
            let l = l as usize;
            base.leads
                .get(l)
                .or_else(|| data.delta.leads.get(l.checked_sub(base.leads.len())?))
                .map(String::as_str)
        });
        filters.kind.is_none_or(|k| r.kind == k)
            && filters
                .assistant_id
                .is_none_or(|id| assistant_id == Some(id))
            && filters.customer_phone.is_none_or(|p| customer == Some(p))
            && filters.sender_phone.is_none_or(|p| sender == Some(p))
            && filters.external_identifier.is_none_or(|e| lead == Some(e))
    }

    /// Filter everything, then cut the page: the sandbox's original algorithm.
    fn reference_page<'a>(
        data: &'a Dataset,
        filters: &Filters<'_>,
        per_page: usize,
        cursor: Option<&Cursor>,
    ) -> Page<Row<'a>> {
        let filtered: Vec<Row<'a>> = data
            .served_autocalls()
            .filter(|(r, _)| reference_matches(data, filters, r))
            .map(|(record, json)| Row { record, json })
            .collect();
        reference_paginate(&filtered, per_page, cursor)
    }

    fn same(a: &Page<Row<'_>>, b: &Page<Row<'_>>) -> bool {
        a.next_cursor == b.next_cursor
            && a.prev_cursor == b.prev_cursor
            && a.items.len() == b.items.len()
            && a.items.iter().zip(&b.items).all(|(x, y)| x.json == y.json)
    }

    /// Filters that own their values, for generated queries.
    #[derive(Debug, Default)]
    struct Query {
        kind: Option<ConversationType>,
        assistant_id: Option<u64>,
        customer_phone: Option<String>,
        sender_phone: Option<String>,
        external_identifier: Option<String>,
    }

    impl Query {
        fn filters(&self) -> Filters<'_> {
            Filters {
                kind: self.kind,
                assistant_id: self.assistant_id,
                customer_phone: self.customer_phone.as_deref(),
                sender_phone: self.sender_phone.as_deref(),
                external_identifier: self.external_identifier.as_deref(),
            }
        }
    }

    /// A random query: each filter present with some probability, with a value that exists
    /// (usually) or one that does not, a random per_page and a cursor anywhere (on a record,
    /// between records, before the first, after the last), either direction.
    fn random_query(rng: &mut SplitMix64, data: &Dataset) -> (Query, usize, Option<Cursor>) {
        let rows: Vec<&AutocallsRecord> = data.served_autocalls().map(|(r, _)| r).collect();
        let pick_row = |rng: &mut SplitMix64| rows.get(rng.index(rows.len())).copied();
        let mut query = Query::default();
        if rng.chance(35) {
            query.kind = Some(ConversationType::ALL[rng.index(4)]);
        }
        if rng.chance(30) {
            let assistants = data.autocalls_assistants();
            query.assistant_id = assistants.get(rng.index(assistants.len())).map(|a| a.id);
        }
        if rng.chance(25) {
            let existing = pick_row(rng)
                .and_then(|r| r.customer)
                .and_then(|c| data.base.customers.get(c as usize))
                .map(|c| c.phone.clone());
            query.customer_phone = Some(match existing {
                Some(phone) if rng.chance(85) => phone,
                Some(_) => String::from("+19999999999"),
                None => String::from("+14155559876"),
            });
        }
        if rng.chance(25) {
            query.sender_phone = Some(if rng.chance(85) {
                SENDERS[rng.index(SENDERS.len())].1.to_owned()
            } else {
                String::from("+10000000000")
            });
        }
        if rng.chance(25) {
            let existing = pick_row(rng).and_then(|r| {
                let json: serde_json::Value = serde_json::from_str(&r.json).ok()?;
                json["external_identifier"].as_str().map(str::to_owned)
            });
            query.external_identifier = Some(match existing {
                Some(lead) if rng.chance(85) => lead,
                _ if rng.chance(50) => data
                    .base
                    .leads
                    .get(rng.index(data.base.leads.len()))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::from("crm-lead-00000"),
            });
        }
        let per_page = if rng.chance(50) {
            rng.range(1, 6) as usize
        } else {
            rng.range(1, 100) as usize
        };
        let next = rng.chance(60);
        let cursor = match rng.below(6) {
            0 => None,
            1 => Some(Cursor::at("2000-01-01 00:00:00", "x", next)),
            2 => Some(Cursor::at("2099-12-31 23:59:59", "x", next)),
            3 => pick_row(rng).map(|r| {
                // Same timestamp, an id just after or before the record's.
                let id = if rng.chance(50) {
                    format!("{}0", r.id.as_str())
                } else {
                    r.id.as_str().get(..35).unwrap_or("").to_owned()
                };
                Cursor::at(r.created_at.as_str(), &id, next)
            }),
            _ => pick_row(rng).map(|r| Cursor::at(r.created_at.as_str(), r.id.as_str(), next)),
        };
        (query, per_page, cursor)
    }

    fn check(data: &Dataset, seed: u64, rounds: usize) {
        let mut rng = SplitMix64::new(seed);
        for round in 0..rounds {
            let (query, per_page, cursor) = random_query(&mut rng, data);
            let filters = query.filters();
            let got = page(data, &filters, per_page, cursor.as_ref());
            let want = reference_page(data, &filters, per_page, cursor.as_ref());
            assert!(
                same(&got, &want),
                "round {round}: {filters:?} per_page={per_page} cursor={cursor:?}\n got {} items {:?} {:?}\nwant {} items {:?} {:?}",
                got.items.len(),
                got.next_cursor,
                got.prev_cursor,
                want.items.len(),
                want.next_cursor,
                want.prev_cursor,
            );
            // Follow the page's own cursors too: they must agree as well.
            for c in [&got.next_cursor, &got.prev_cursor].into_iter().flatten() {
                let c = Cursor::decode(c);
                let got = page(data, &filters, per_page, c.as_ref());
                let want = reference_page(data, &filters, per_page, c.as_ref());
                assert!(same(&got, &want), "round {round}, following a cursor");
            }
        }
    }

    #[test]
    fn indexed_pages_equal_filter_then_paginate() {
        for (size, rounds) in [
            (0, 50),
            (1, 50),
            (2, 50),
            (3, 80),
            (10, 200),
            (50, 300),
            (600, 600),
            (3000, 600),
        ] {
            for seed in [1, 20_250_125] {
                let data = Dataset::generate(seed, size);
                check(&data, seed ^ size as u64, rounds);
            }
        }
    }

    #[test]
    fn indexed_pages_equal_filter_then_paginate_with_drift_and_mutations() {
        for size in [0, 7, 900] {
            let data = Dataset::generate_drifted(5, size);
            check(&data, 11, 300);
            let mut changed = data.next_version();
            let added = changed.add_autocalls(25);
            for id in added.iter().step_by(3) {
                assert!(changed.touch_autocalls(id));
            }
            let some_base_ids: Vec<String> = data
                .served_autocalls()
                .step_by(7)
                .map(|(r, _)| r.id.as_str().to_owned())
                .collect();
            for id in &some_base_ids {
                assert!(changed.touch_autocalls(id));
            }
            check(&changed, 12, 400);
            let more = changed.next_version();
            check(&more, 13, 100);
        }
    }

    /// The work a page does, counted rather than timed: it must not grow with the data set.
    #[test]
    fn pages_scan_a_bounded_number_of_candidates() {
        let small = Dataset::generate(1, 3_000);
        let large = Dataset::generate(1, 60_000);
        let whatsapp = Filters {
            kind: Some(ConversationType::Whatsapp),
            ..Filters::default()
        };
        for data in [&small, &large] {
            let n = data.autocalls_len();
            // Unfiltered and single-filter pages read per_page + 1 candidates, wherever the
            // cursor is (it is found by binary search).
            let middle = data
                .served_autocalls()
                .nth(n / 2)
                .map(|(r, _)| Cursor::at(r.created_at.as_str(), r.id.as_str(), true));
            for filters in [Filters::default(), whatsapp] {
                for cursor in [None, middle.clone()] {
                    let p = page(data, &filters, 100, cursor.as_ref());
                    assert_eq!(p.items.len(), 100);
                    assert_eq!(p.scanned, 101, "{filters:?} n={n}");
                }
            }
            // With two filters, the scan walks the shorter list only, and stops at the page.
            let phone = data
                .base
                .customers
                .first()
                .map(|c| c.phone.clone())
                .unwrap_or_default();
            let combined = Filters {
                kind: Some(ConversationType::Whatsapp),
                customer_phone: Some(&phone),
                ..Filters::default()
            };
            let p = page(data, &combined, 5, None);
            assert_eq!(p.items.len(), 5);
            assert_eq!(p.scanned, 6, "customer records are all WhatsApp ones");
            let api_for_assistant = Filters {
                kind: Some(ConversationType::Api),
                assistant_id: data.autocalls_assistants().first().map(|a| a.id),
                ..Filters::default()
            };
            let p = page(data, &api_for_assistant, 20, middle.as_ref());
            assert_eq!(p.items.len(), 20);
            assert!(p.scanned < 200, "scanned {} of {n}", p.scanned);
        }
    }

    #[test]
    fn unknown_values_match_nothing() {
        let data = Dataset::generate(1, 300);
        for filters in [
            Filters {
                customer_phone: Some("+1"),
                ..Filters::default()
            },
            Filters {
                sender_phone: Some("nope"),
                ..Filters::default()
            },
            Filters {
                external_identifier: Some("crm-lead-1"),
                ..Filters::default()
            },
            Filters {
                assistant_id: Some(1),
                ..Filters::default()
            },
        ] {
            let p = page(&data, &filters, 15, None);
            assert!(p.items.is_empty() && p.next_cursor.is_none() && p.prev_cursor.is_none());
        }
    }
}
