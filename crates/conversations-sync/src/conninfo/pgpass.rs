//! The password file (`~/.pgpass`, `PGPASSFILE`, `passfile=`) as libpq reads it: lines of
//! `host:port:database:user:password`, `*` matching anything, `\` escaping `:` and `\`, the
//! first matching line winning; a Unix socket's host matches `localhost`; a file others can
//! read is ignored, with a warning.

use std::path::Path;

/// The password `file` holds for the connection, if it is there and matches.
///
/// `Err` is the warning libpq prints when it ignores the file (readable by group or others);
/// a missing or unreadable file is no password, silently, as in libpq.
///
/// ```
/// # #[cfg(unix)] {
/// use std::os::unix::fs::PermissionsExt;
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("pgpass");
/// std::fs::write(&file, "db:*:crm:sync:s3cret\n*:*:*:*:other\n").unwrap();
/// std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
/// let found = conversations_sync::conninfo::pgpass::lookup(&file, "db", 5432, "crm", "sync");
/// assert_eq!(found, Ok(Some("s3cret".to_owned())));
/// std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
/// let warning = conversations_sync::conninfo::pgpass::lookup(&file, "db", 5432, "crm", "sync").unwrap_err();
/// assert!(warning.contains("group or world access"), "{warning}");
/// # }
/// ```
pub fn lookup(
    file: &Path,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> Result<Option<String>, String> {
    let Ok(meta) = std::fs::metadata(file) else {
        return Ok(None);
    };
    if !meta.is_file() {
        return Ok(None);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(format!(
                "password file {} has group or world access; permissions should be u=rw (0600) \
                 or less: ignored",
                file.display()
            ));
        }
    }
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(None);
    };
    let host = if host.starts_with('/') {
        "localhost"
    } else {
        host
    };
    let port = port.to_string();
    let wanted = [host, port.as_str(), dbname, user];
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split(line);
        if fields.len() < 5 {
            continue;
        }
        if fields[..4]
            .iter()
            .zip(wanted)
            .all(|(field, want)| field == "*" || field == want)
        {
            return Ok(Some(fields[4].clone()));
        }
    }
    Ok(None)
}

/// A line's fields: split at unescaped `:` (the password, last, keeps the rest of the line).
fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next()
                    && let Some(field) = fields.last_mut()
                {
                    field.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(field) = fields.last_mut() {
                    field.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn escapes_and_wildcards() {
        assert_eq!(
            split(r"h\:x:*:db:u:pa:ss\\"),
            ["h:x", "*", "db", "u", r"pa:ss\"]
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p");
        std::fs::write(
            &file,
            "# comment\nlocalhost:5432:*:u:sock\nh:5433:*:u:tcp\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert_eq!(
            lookup(&file, "/var/run/postgresql", 5432, "crm", "u").unwrap(),
            Some("sock".to_owned())
        );
        assert_eq!(
            lookup(&file, "h", 5433, "crm", "u").unwrap(),
            Some("tcp".to_owned())
        );
        assert_eq!(lookup(&file, "h", 5432, "crm", "u").unwrap(), None);
        assert_eq!(
            lookup(&dir.path().join("none"), "h", 1, "d", "u").unwrap(),
            None
        );
    }
}
