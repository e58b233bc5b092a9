//! The one aggregate query of each view, for each database. Every query answers rows of
//! `(group, period, provider, rows, sum)`: `period` is `NULL` for rows without a creation time
//! (counted in the footer), `sum` the exact sum of the view's field as sent (`NULL` for none).
//!
//! A field's value is the record's top-level field as received in `raw`: a JSON number, or
//! a string holding a JSON number (`"0.0045"`, as Laravel's `decimal` casts send it); any
//! other value counts as none. PostgreSQL sums it as `numeric` (exact); SQLite through the
//! report's `report_sum`, which adds the numbers' texts as decimals. Periods are labelled by
//! `to_char` in PostgreSQL and by the report's `report_period` in SQLite.

use crate::options::{Options, View};

/// The field summed by `view`, if any.
pub(crate) fn field(view: View) -> Option<&'static str> {
    match view {
        View::Cost => Some("total_cost"),
        View::Volume => Some("message_count"),
        View::Notes => None,
    }
}

/// SQLite's query for `view`; its parameters are the window's bounds, as given by
/// [`sqlite_bounds`], in that order.
pub(crate) fn sqlite(view: View, options: &Options) -> String {
    let window = window(options, "?", "?", "c.created_at");
    match view {
        View::Notes => format!(
            "SELECT CASE WHEN n.type = 'null' THEN NULL ELSE json_extract(n.value, '$.path') END,
                    report_period(c.created_at), c.provider, count(*), NULL
             FROM conversations c,
                  json_each(json_insert(CASE WHEN json_type(c.notes) = 'array' THEN c.notes ELSE '[]' END,
                                        '$[#]', NULL)) n
             WHERE {window}
             GROUP BY 1, 2, 3"
        ),
        View::Cost | View::Volume => {
            let f = field(view).unwrap_or_default();
            format!(
                "SELECT {group}, report_period(c.created_at), c.provider, count(*),
                        report_sum(CASE json_type(c.raw, '$.{f}')
                            WHEN 'integer' THEN c.raw -> '$.{f}'
                            WHEN 'real' THEN c.raw -> '$.{f}'
                            WHEN 'text' THEN c.raw ->> '$.{f}' END)
                 FROM conversations c
                 WHERE {window}
                 GROUP BY 1, 2, 3",
                group = prefixed(options.by.column()),
            )
        }
    }
}

/// PostgreSQL's query for `view`: `$1` is the time zone's name, `$2` and `$3` the window's
/// bounds as RFC 3339 (those present, in that order).
pub(crate) fn postgres(view: View, options: &Options) -> String {
    let period = format!(
        "to_char(c.created_at AT TIME ZONE $1::text, '{}')",
        options.per.pg_pattern()
    );
    let (since, until) = match (options.since.is_some(), options.until.is_some()) {
        (true, true) => ("$2::text::timestamptz", "$3::text::timestamptz"),
        (true, false) => ("$2::text::timestamptz", ""),
        (false, true) => ("", "$2::text::timestamptz"),
        (false, false) => ("", ""),
    };
    let window = window(options, since, until, "c.created_at");
    match view {
        View::Notes => format!(
            "SELECT n.field, {period}, c.provider, count(*)::text, NULL::text
             FROM conversations c
             CROSS JOIN LATERAL (
                 SELECT NULL::text AS field
                 UNION ALL
                 SELECT e->>'path' FROM jsonb_array_elements(
                     CASE jsonb_typeof(c.notes) WHEN 'array' THEN c.notes ELSE '[]'::jsonb END) e
             ) n
             WHERE {window}
             GROUP BY 1, 2, 3"
        ),
        View::Cost | View::Volume => {
            let f = field(view).unwrap_or_default();
            format!(
                "SELECT {group}::text, {period}, c.provider, count(*)::text,
                        sum(CASE jsonb_typeof(c.raw->'{f}')
                            WHEN 'number' THEN (c.raw->>'{f}')::numeric
                            WHEN 'string' THEN CASE WHEN c.raw->>'{f}' ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$'
                                                    THEN (c.raw->>'{f}')::numeric END
                        END)::text
                 FROM conversations c
                 WHERE {window}
                 GROUP BY 1, 2, 3",
                group = prefixed(options.by.column()),
            )
        }
    }
}

/// The window as SQL: rows without a creation time always (they go to the footer), the
/// others between the bounds. `since`/`until` are the placeholders ("" when unbounded).
fn window(options: &Options, since: &str, until: &str, column: &str) -> String {
    let mut dated = vec![format!("{column} IS NOT NULL")];
    if options.since.is_some() {
        dated.push(format!("{column} >= {since}"));
    }
    if options.until.is_some() {
        dated.push(format!("{column} < {until}"));
    }
    if dated.len() == 1 {
        "TRUE".to_owned()
    } else {
        format!("({column} IS NULL OR ({}))", dated[1..].join(" AND "))
    }
}

/// `column` read from the table aliased `c`.
fn prefixed(column: &str) -> String {
    match column.strip_prefix("coalesce(") {
        Some(rest) => format!(
            "coalesce({})",
            rest.trim_end_matches(')')
                .split(", ")
                .map(|c| format!("c.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!("c.{column}"),
    }
}

/// The window's bounds as SQLite compares them with its stored `created_at` (RFC 3339 in
/// UTC, `Z`, fractions only when present): whole seconds without the `Z`, which sort before
/// every stored time of that second.
pub(crate) fn sqlite_bounds(options: &Options) -> Vec<String> {
    [options.since, options.until]
        .into_iter()
        .flatten()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .collect()
}

/// The window's bounds for PostgreSQL: RFC 3339.
pub(crate) fn postgres_bounds(options: &Options) -> Vec<String> {
    [options.since, options.until]
        .into_iter()
        .flatten()
        .map(|t| t.to_rfc3339())
        .collect()
}
