//! `csv`: a header row, then one row per record; participants are flattened into columns and
//! metadata is one JSON-encoded column.

use std::io::{self, Write};

use conversations_core::{Conversation, Participant};

use super::RecordWriter;

/// The header row.
pub(super) const HEADER: [&str; 22] = [
    "provider",
    "id",
    "external_id",
    "channel",
    "agent_role",
    "agent_id",
    "agent_external_id",
    "agent_name",
    "customer_id",
    "customer_external_id",
    "customer_name",
    "customer_phone",
    "business_name",
    "business_phone",
    "message_count",
    "total_cost",
    "ai_enabled",
    "created_at",
    "updated_at",
    "metadata",
    "business_id",
    "business_external_id",
];

pub(super) struct CsvWriter<'a> {
    out: csv::Writer<Box<dyn Write + 'a>>,
    header_written: bool,
}

impl<'a> CsvWriter<'a> {
    pub(super) fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out: csv::Writer::from_writer(out),
            header_written: false,
        }
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.out.write_record(HEADER)?;
            self.header_written = true;
        }
        Ok(())
    }
}

fn field<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn part<'p>(
    p: Option<&'p Participant>,
    f: impl Fn(&'p Participant) -> Option<&'p String>,
) -> String {
    p.and_then(f).cloned().unwrap_or_default()
}

impl RecordWriter for CsvWriter<'_> {
    fn write(&mut self, c: &Conversation) -> io::Result<()> {
        self.header()?;
        let (agent, customer, business) =
            (c.agent.as_ref(), c.customer.as_ref(), c.business.as_ref());
        let metadata = if c.metadata.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&c.metadata)?
        };
        let role = agent
            .map(|a| {
                serde_json::to_value(a.role)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
            })
            .unwrap_or_default()
            .unwrap_or_default();
        let row = [
            c.provider.to_string(),
            field(c.id.as_ref()),
            field(c.external_id.as_ref()),
            field(c.channel.as_ref()),
            role,
            part(agent, |p| p.id.as_ref()),
            part(agent, |p| p.external_id.as_ref()),
            part(agent, |p| p.name.as_ref()),
            part(customer, |p| p.id.as_ref()),
            part(customer, |p| p.external_id.as_ref()),
            part(customer, |p| p.name.as_ref()),
            part(customer, |p| p.phone.as_ref()),
            part(business, |p| p.name.as_ref()),
            part(business, |p| p.phone.as_ref()),
            field(c.message_count),
            field(c.total_cost),
            field(c.ai_enabled),
            field(c.created_at.map(|t| t.to_rfc3339())),
            field(c.updated_at.map(|t| t.to_rfc3339())),
            metadata,
            part(business, |p| p.id.as_ref()),
            part(business, |p| p.external_id.as_ref()),
        ];
        self.out.write_record(&row)?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}
