//! Indexes built once per data set, so a page never scans the whole data set.
//!
//! - [`Postings`]: for each value of a filter (a conversation type, an assistant, a customer
//!   phone, a WhatsApp sender, a CRM lead), the positions of the records carrying it, in
//!   served order, packed in two flat arrays (compressed sparse rows: 4 bytes a posting).
//! - [`Lookup`]: a string table's indexes sorted by string, to turn a filter's text into a
//!   table index by binary search (no hashing, so nothing depends on a hasher's seed).
//! - [`FilterKey`]: one resolved filter, and whether a record matches it.

use std::collections::HashMap;

use crate::records::{AutocallsRecord, ConversationType};

/// One Autocalls filter with its value resolved to the data set's table index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FilterKey {
    /// `type`.
    Type(ConversationType),
    /// `assistant_id`, as an index into the assistants.
    Assistant(u8),
    /// `whatsapp_sender_phone`, as an index into the senders.
    Sender(u8),
    /// `customer_phone`, as an index into the customer pool.
    Customer(u32),
    /// `external_identifier`, as an index into the leads.
    Lead(u32),
}

impl FilterKey {
    /// Whether `record` carries this filter's value.
    pub(crate) fn matches(self, record: &AutocallsRecord) -> bool {
        match self {
            FilterKey::Type(t) => record.kind == t,
            FilterKey::Assistant(a) => record.assistant == a,
            FilterKey::Sender(s) => record.sender == Some(s),
            FilterKey::Customer(c) => record.customer == Some(c),
            FilterKey::Lead(l) => record.lead == Some(l),
        }
    }

    /// Every key `record` carries (what an index lists it under).
    pub(crate) fn of(record: &AutocallsRecord) -> impl Iterator<Item = FilterKey> {
        [
            Some(FilterKey::Type(record.kind)),
            Some(FilterKey::Assistant(record.assistant)),
            record.sender.map(FilterKey::Sender),
            record.customer.map(FilterKey::Customer),
            record.lead.map(FilterKey::Lead),
        ]
        .into_iter()
        .flatten()
    }
}

/// Positions by key, compressed: key `k` lists `items[offsets[k]..offsets[k + 1]]`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Postings {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Postings {
    /// Builds the lists of `keys` keys from each record's key (`None`: not listed), in record
    /// order. `record_keys` is walked twice (count, then fill). Keys `>= keys` are ignored.
    pub(crate) fn build<I>(keys: usize, record_keys: I) -> Postings
    where
        I: Iterator<Item = Option<usize>> + Clone,
    {
        let mut counts = vec![0u32; keys + 1];
        for key in record_keys.clone().flatten() {
            if let Some(c) = key.checked_add(1).and_then(|k| counts.get_mut(k)) {
                *c += 1;
            }
        }
        for k in 1..counts.len() {
            counts[k] += counts[k - 1];
        }
        let offsets = counts;
        let mut next: Vec<u32> = offsets.clone();
        let mut items = vec![0u32; offsets.last().map_or(0, |&n| n as usize)];
        for (position, key) in record_keys.enumerate() {
            let Some(key) = key else { continue };
            if let Some(slot) = next.get_mut(key) {
                if let Some(item) = items.get_mut(*slot as usize) {
                    *item = u32::try_from(position).unwrap_or(u32::MAX);
                }
                *slot += 1;
            }
        }
        Postings { offsets, items }
    }

    /// The positions listed under `key` (empty for an unknown key).
    pub(crate) fn get(&self, key: usize) -> &[u32] {
        let start = self.offsets.get(key).copied().unwrap_or(0) as usize;
        let end = key
            .checked_add(1)
            .and_then(|k| self.offsets.get(k))
            .copied()
            .unwrap_or(0) as usize;
        self.items.get(start..end).unwrap_or(&[])
    }
}

/// The base data set's Autocalls indexes, one [`Postings`] per filter.
#[derive(Debug, Default)]
pub(crate) struct AutocallsIndex {
    by_type: Postings,
    by_assistant: Postings,
    by_sender: Postings,
    by_customer: Postings,
    by_lead: Postings,
}

impl AutocallsIndex {
    /// Indexes `records` (in served order) whose tables have the given sizes.
    pub(crate) fn build(
        records: &[AutocallsRecord],
        assistants: usize,
        senders: usize,
        customers: usize,
        leads: usize,
    ) -> AutocallsIndex {
        let type_index = |t: ConversationType| {
            ConversationType::ALL
                .iter()
                .position(|x| *x == t)
                .unwrap_or(0)
        };
        AutocallsIndex {
            by_type: Postings::build(
                ConversationType::ALL.len(),
                records.iter().map(|r| Some(type_index(r.kind))),
            ),
            by_assistant: Postings::build(
                assistants,
                records.iter().map(|r| Some(usize::from(r.assistant))),
            ),
            by_sender: Postings::build(senders, records.iter().map(|r| r.sender.map(usize::from))),
            by_customer: Postings::build(
                customers,
                records.iter().map(|r| r.customer.map(|c| c as usize)),
            ),
            by_lead: Postings::build(leads, records.iter().map(|r| r.lead.map(|l| l as usize))),
        }
    }

    /// The positions of the records matching `key`, in served order.
    pub(crate) fn get(&self, key: FilterKey) -> &[u32] {
        match key {
            FilterKey::Type(t) => self.by_type.get(
                ConversationType::ALL
                    .iter()
                    .position(|x| *x == t)
                    .unwrap_or(usize::MAX),
            ),
            FilterKey::Assistant(a) => self.by_assistant.get(usize::from(a)),
            FilterKey::Sender(s) => self.by_sender.get(usize::from(s)),
            FilterKey::Customer(c) => self.by_customer.get(c as usize),
            FilterKey::Lead(l) => self.by_lead.get(l as usize),
        }
    }
}

/// The index of records added at runtime: few, so plain growable lists (creation order).
#[derive(Debug, Default, Clone)]
pub(crate) struct AddedIndex(HashMap<FilterKey, Vec<u32>>);

impl AddedIndex {
    /// Lists the record at `position` under every key it carries.
    pub(crate) fn add(&mut self, position: u32, record: &AutocallsRecord) {
        for key in FilterKey::of(record) {
            self.0.entry(key).or_default().push(position);
        }
    }

    /// The positions of the added records matching `key`, in creation order.
    pub(crate) fn get(&self, key: FilterKey) -> &[u32] {
        self.0.get(&key).map_or(&[], Vec::as_slice)
    }
}

/// A string table's indexes sorted by string, for binary search.
#[derive(Debug, Default, Clone)]
pub(crate) struct Lookup(Vec<u32>);

impl Lookup {
    /// Sorts the indexes of `table` by their strings (ties in table order).
    pub(crate) fn build<S: AsRef<str>>(table: &[S]) -> Lookup {
        let mut order: Vec<u32> = (0..table.len())
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        order.sort_by(|a, b| {
            let name = |i: &u32| table.get(*i as usize).map_or("", AsRef::as_ref);
            name(a).cmp(name(b)).then(a.cmp(b))
        });
        Lookup(order)
    }

    /// Every index of `table` whose string is `name`, in table order.
    pub(crate) fn find_all<'a, S: AsRef<str>>(&'a self, table: &[S], name: &str) -> &'a [u32] {
        let at = |i: &u32| table.get(*i as usize).map_or("", AsRef::as_ref);
        let start = self.0.partition_point(|i| at(i) < name);
        let end = self.0.partition_point(|i| at(i) <= name);
        self.0.get(start..end).unwrap_or(&[])
    }

    /// The indexes of `table` whose string appears there for the first time, in table order.
    pub(crate) fn firsts<S: AsRef<str>>(&self, table: &[S]) -> Vec<u32> {
        let at = |i: u32| table.get(i as usize).map_or("", AsRef::as_ref);
        let mut firsts: Vec<u32> = Vec::new();
        let mut previous: Option<&str> = None;
        for &i in &self.0 {
            let name = at(i);
            // Equal strings are adjacent, the smallest index first.
            if previous != Some(name) {
                firsts.push(i);
            }
            previous = Some(name);
        }
        firsts.sort_unstable();
        firsts
    }

    /// The first index of `table` whose string is `name`.
    pub(crate) fn find<S: AsRef<str>>(&self, table: &[S], name: &str) -> Option<u32> {
        self.find_all(table, name).first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_list_positions_in_order() {
        let keys = [Some(1), None, Some(0), Some(1), Some(7), Some(1)];
        let p = Postings::build(3, keys.iter().copied());
        assert_eq!(p.get(0), &[2]);
        assert_eq!(p.get(1), &[0, 3, 5]);
        assert_eq!(p.get(2), &[] as &[u32]);
        assert_eq!(p.get(3), &[] as &[u32]);
        assert_eq!(p.get(usize::MAX), &[] as &[u32]);
        let empty = Postings::build(0, std::iter::empty());
        assert_eq!(empty.get(0), &[] as &[u32]);
    }

    #[test]
    fn lookup_finds_every_match() {
        let table = ["b", "a", "c", "a"];
        let lookup = Lookup::build(&table);
        assert_eq!(lookup.find(&table, "a"), Some(1));
        assert_eq!(lookup.find_all(&table, "a"), &[1, 3]);
        assert_eq!(lookup.find(&table, "c"), Some(2));
        assert_eq!(lookup.find(&table, "zz"), None);
        assert_eq!(lookup.find(&table, ""), None);
        assert_eq!(lookup.firsts(&table), [0, 1, 2]);
    }
}
