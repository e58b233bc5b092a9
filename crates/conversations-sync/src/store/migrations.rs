//! The schema's migrations, as `.sql` files, one per backend (`migrations/sqlite.sql`,
//! `migrations/postgres.sql`), embedded in the build. Each migration starts at a line
//! `-- migration N: what` and runs the SQL up to the next one; the versions count up from 1
//! to [`SCHEMA_VERSION`](super::SCHEMA_VERSION) in both files.

/// One migration: its version, what it does (saved in `sync_migrations.description`), and
/// its SQL (possibly only comments: a step the other backend needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) description: &'static str,
    pub(crate) sql: &'static str,
}

/// SQLite's migrations, in order.
pub(crate) fn sqlite() -> Vec<Migration> {
    parse(include_str!("migrations/sqlite.sql"))
}

/// PostgreSQL's migrations, in order.
pub(crate) fn postgres() -> Vec<Migration> {
    parse(include_str!("migrations/postgres.sql"))
}

/// The migrations of a file: each `-- migration N: what` line starts one (text before the
/// first is the file's own comment).
fn parse(text: &'static str) -> Vec<Migration> {
    const MARK: &str = "-- migration ";
    let mut migrations = Vec::new();
    let mut rest = text;
    // Past the file's header, to the first mark.
    if !rest.starts_with(MARK) {
        let Some(first) = rest.find(&format!("\n{MARK}")) else {
            return migrations;
        };
        rest = &rest[first + 1..];
    }
    while let Some(after) = rest.strip_prefix(MARK) {
        let line_end = after.find('\n').unwrap_or(after.len());
        let header = &after[..line_end];
        let body = &after[line_end..];
        let next = body
            .find(&format!("\n{MARK}"))
            .map_or(body.len(), |i| i + 1);
        let (version, description) = header.split_once(": ").unwrap_or((header, ""));
        migrations.push(Migration {
            version: version.trim().parse().unwrap_or(0),
            description: description.trim(),
            sql: body[..next].trim(),
        });
        rest = &body[next..];
    }
    migrations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SCHEMA_VERSION;

    #[test]
    fn both_files_count_up_from_one_to_the_schema_version() {
        for migrations in [sqlite(), postgres()] {
            let versions: Vec<i64> = migrations.iter().map(|m| m.version).collect();
            assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
            assert!(migrations.iter().all(|m| !m.description.is_empty()));
        }
    }

    #[test]
    fn a_migration_is_the_sql_up_to_the_next_mark() {
        let text = "-- header: `-- migration N: what` starts one\n\n-- migration 1: one\nCREATE TABLE a (x int);\n\n\
                    -- migration 2: two (nothing)\n-- a comment only\n";
        assert_eq!(
            parse(text),
            [
                Migration {
                    version: 1,
                    description: "one",
                    sql: "CREATE TABLE a (x int);",
                },
                Migration {
                    version: 2,
                    description: "two (nothing)",
                    sql: "-- a comment only",
                },
            ]
        );
    }
}
