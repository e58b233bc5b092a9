//! PostgreSQL connection strings as libpq reads them: a URL (`postgres://user@host/db?…`) or
//! `key=value` pairs (`host=/var/run/postgresql dbname=crm`), the `PG*` environment
//! variables for every key the string leaves out, `~/.pgpass` ([`pgpass`]), and libpq's
//! defaults (a Unix socket when no host is named, the OS user, `sslmode=prefer`) plus ours
//! (`application_name=conversations-sync`, a 10 s connect timeout).
//!
//! The string is only split into libpq's keywords here ([`ConnInfo::parse`]); the environment
//! is read when connecting ([`ConnInfo::resolve`]), into a `tokio_postgres::Config` and the
//! [`Tls`] settings the driver's own parser does not know (`verify-ca`, `verify-full`,
//! `allow`, `sslrootcert`, `sslcert`, `sslkey`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use percent_encoding::percent_decode_str;

pub mod pgpass;

/// libpq's `sslmode`: whether to use TLS and how far to trust the server's certificate.
///
/// ```
/// use conversations_sync::conninfo::SslMode;
/// assert_eq!("verify-full".parse::<SslMode>(), Ok(SslMode::VerifyFull));
/// assert_eq!(SslMode::default(), SslMode::Prefer);
/// assert!("verify_full".parse::<SslMode>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// Without TLS first; with it (certificate unchecked) if the server refuses that.
    Allow,
    /// TLS if the server offers it, else without (libpq's default).
    #[default]
    Prefer,
    /// TLS or nothing; the certificate is checked against `sslrootcert` only if one is there.
    Require,
    /// TLS, the certificate signed by a CA of `sslrootcert`.
    VerifyCa,
    /// TLS, the certificate signed by a CA of `sslrootcert` and naming the host.
    VerifyFull,
}

impl std::str::FromStr for SslMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => {
                return Err(format!(
                    "sslmode {s:?}: use disable, allow, prefer, require, verify-ca or verify-full"
                ));
            }
        })
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

/// Where the CAs that sign the server's certificate come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// None given (and no `~/.postgresql/root.crt`): fine up to `require`, refused for
    /// `verify-*`.
    None,
    /// A PEM file of CA certificates.
    File(PathBuf),
    /// `sslrootcert=system`: the platform's trusted roots (`verify-full` only, as in libpq).
    System,
}

/// The TLS settings of a connection, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    /// `sslmode`.
    pub mode: SslMode,
    /// `sslrootcert`.
    pub roots: RootCerts,
    /// `sslcert` and `sslkey` (PEM, the key PKCS#8), when both are there.
    pub client: Option<(PathBuf, PathBuf)>,
}

/// The keywords this tool reads (libpq's names), each with its environment variable.
const KEYS: &[(&str, Option<&str>)] = &[
    ("host", Some("PGHOST")),
    ("hostaddr", Some("PGHOSTADDR")),
    ("port", Some("PGPORT")),
    ("dbname", Some("PGDATABASE")),
    ("user", Some("PGUSER")),
    ("password", Some("PGPASSWORD")),
    ("passfile", Some("PGPASSFILE")),
    ("options", Some("PGOPTIONS")),
    ("application_name", Some("PGAPPNAME")),
    ("connect_timeout", Some("PGCONNECT_TIMEOUT")),
    ("sslmode", Some("PGSSLMODE")),
    ("sslrootcert", Some("PGSSLROOTCERT")),
    ("sslcert", Some("PGSSLCERT")),
    ("sslkey", Some("PGSSLKEY")),
    ("target_session_attrs", Some("PGTARGETSESSIONATTRS")),
    ("channel_binding", Some("PGCHANNELBINDING")),
    ("keepalives", None),
    ("keepalives_idle", None),
    ("keepalives_interval", None),
    ("keepalives_retries", None),
    ("tcp_user_timeout", None),
    ("load_balance_hosts", Some("PGLOADBALANCEHOSTS")),
];

/// Keys handed to the driver's own parser as they are.
const PASSED_THROUGH: &[&str] = &[
    "hostaddr",
    "options",
    "target_session_attrs",
    "channel_binding",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "tcp_user_timeout",
    "load_balance_hosts",
];

/// The connect timeout when neither the string nor `PGCONNECT_TIMEOUT` sets one.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `application_name` when neither the string nor `PGAPPNAME` sets one.
pub const DEFAULT_APPLICATION_NAME: &str = "conversations-sync";

/// A PostgreSQL connection string, split into libpq's keywords; never printed with its
/// password.
///
/// ```
/// use conversations_sync::conninfo::ConnInfo;
/// let url = ConnInfo::parse("postgres://sync:pw@db.internal:5433/crm?sslmode=verify-full").unwrap();
/// assert_eq!(url.get("host"), Some("db.internal"));
/// assert_eq!(url.get("sslmode"), Some("verify-full"));
/// assert_eq!(url.to_string(), "postgres://sync:***@db.internal:5433/crm?sslmode=verify-full");
/// let kv = ConnInfo::parse("host=/var/run/postgresql dbname=crm password='it''s'").unwrap_err();
/// assert!(kv.contains("password"), "{kv}");
/// let kv = ConnInfo::parse(r"host=/var/run/postgresql dbname=crm password='it\'s'").unwrap();
/// assert_eq!(kv.get("password"), Some("it's"));
/// assert_eq!(kv.to_string(), "host=/var/run/postgresql dbname=crm password=***");
/// assert!(ConnInfo::parse("host=h sslmode=sometimes").unwrap_err().contains("sslmode"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    given: String,
    url: bool,
    pairs: Vec<(String, String)>,
}

impl ConnInfo {
    /// Splits `s`, a `postgres://`/`postgresql://` URL or `key=value` pairs, into libpq's
    /// keywords, checking each keyword and the values that have a fixed set. The error says
    /// what was wrong, never the password.
    pub fn parse(s: &str) -> Result<Self, String> {
        let url = s.starts_with("postgres://") || s.starts_with("postgresql://");
        let pairs = if url { parse_url(s)? } else { parse_pairs(s)? };
        for (key, value) in &pairs {
            if !KEYS.iter().any(|(k, _)| k == key) {
                return Err(format!(
                    "unknown or unsupported connection option {key:?} (see libpq's keywords: host, port, dbname, user, password, sslmode, sslrootcert, …)"
                ));
            }
            check_value(key, value)?;
        }
        Ok(Self {
            given: s.to_owned(),
            url,
            pairs,
        })
    }

    /// The value the string gives `key` (the last one, as libpq takes), if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The password the string holds, if any (for redaction).
    pub(crate) fn password(&self) -> Option<&str> {
        self.get("password")
    }

    /// Resolves the string with the environment `env` (`PG*` variables, `HOME`, `USER`) into
    /// the driver's configuration and the TLS settings; `warnings` are libpq's (a password
    /// file readable by others is ignored, and said so).
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, String> {
        let mut warnings = Vec::new();
        let value = |key: &str| -> Option<String> {
            self.get(key).map(str::to_owned).or_else(|| {
                let var = KEYS.iter().find(|(k, _)| *k == key).and_then(|(_, v)| *v)?;
                env(var).filter(|v| !v.is_empty())
            })
        };
        // Values from the environment get the checks the string's had.
        for (key, _) in KEYS {
            if self.get(key).is_none()
                && let Some(v) = value(key)
            {
                check_value(key, &v)?;
            }
        }
        let mut config = {
            let passed: Vec<String> = PASSED_THROUGH
                .iter()
                .filter_map(|k| value(k).map(|v| format!("{k}={}", quote(&v))))
                .collect();
            if passed.is_empty() {
                tokio_postgres::Config::new()
            } else {
                passed
                    .join(" ")
                    .parse::<tokio_postgres::Config>()
                    .map_err(|e| format!("{e}"))?
            }
        };
        let hosts: Vec<String> = match value("host") {
            Some(h) => h.split(',').map(str::to_owned).collect(),
            None => vec![default_socket_dir().to_owned()],
        };
        let ports: Vec<u16> = match value("port") {
            Some(p) => p
                .split(',')
                .map(|p| {
                    if p.is_empty() {
                        Ok(5432)
                    } else {
                        p.parse::<u16>()
                            .map_err(|_| format!("port {p:?} is not a port number"))
                    }
                })
                .collect::<Result<_, _>>()?,
            None => vec![5432],
        };
        if ports.len() != 1 && ports.len() != hosts.len() {
            return Err(format!(
                "{} hosts but {} ports: give one port, or one per host",
                hosts.len(),
                ports.len()
            ));
        }
        let hosts: Vec<String> = hosts
            .into_iter()
            .map(|h| {
                if h.is_empty() {
                    default_socket_dir().to_owned()
                } else {
                    h
                }
            })
            .collect();
        for host in &hosts {
            config.host(host);
        }
        for port in &ports {
            config.port(*port);
        }
        let user = value("user")
            .or_else(|| env("USER"))
            .or_else(|| env("LOGNAME"))
            .ok_or("no user: name one (user=, PGUSER, or user@ in the URL)")?;
        let dbname = value("dbname").unwrap_or_else(|| user.clone());
        config.user(&user).dbname(&dbname);
        config.application_name(
            value("application_name")
                .as_deref()
                .unwrap_or(DEFAULT_APPLICATION_NAME),
        );
        match value("connect_timeout") {
            // libpq: zero, or less than 2 s, is 2 s; zero waits for ever.
            Some(t) => {
                let secs: u64 = t.trim().parse().unwrap_or(0);
                if secs > 0 {
                    config.connect_timeout(Duration::from_secs(secs.max(2)));
                }
            }
            None => {
                config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
            }
        }
        let first = (hosts[0].as_str(), ports[0]);
        let password = match value("password") {
            Some(p) => Some(p),
            None => {
                let file = value("passfile")
                    .map(PathBuf::from)
                    .or_else(|| env("HOME").map(|h| Path::new(&h).join(".pgpass")));
                match file {
                    Some(file) => pgpass::lookup(&file, first.0, first.1, &dbname, &user)
                        .unwrap_or_else(|warning| {
                            warnings.push(warning);
                            None
                        }),
                    None => None,
                }
            }
        };
        if let Some(p) = &password {
            config.password(p);
        }
        let home_file = |name: &str| {
            env("HOME")
                .map(|h| Path::new(&h).join(".postgresql").join(name))
                .filter(|p| p.is_file())
        };
        let mode: SslMode = match value("sslmode") {
            Some(m) => m.parse()?,
            None => SslMode::Prefer,
        };
        let roots = match value("sslrootcert") {
            Some(r) if r == "system" => RootCerts::System,
            Some(r) => RootCerts::File(PathBuf::from(r)),
            None => home_file("root.crt").map_or(RootCerts::None, RootCerts::File),
        };
        if roots == RootCerts::System && mode != SslMode::VerifyFull {
            return Err(format!(
                "sslmode {mode} may not be used with sslrootcert=system: use sslmode=verify-full"
            ));
        }
        if let RootCerts::File(file) = &roots
            && !file.is_file()
        {
            return Err(format!(
                "sslrootcert {}: no such file (a PEM file of the CAs, or system)",
                file.display()
            ));
        }
        if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) && roots == RootCerts::None {
            return Err(format!(
                "sslmode {mode} needs the CA that signs the server's certificate: \
                 sslrootcert=FILE (or system), or ~/.postgresql/root.crt"
            ));
        }
        let cert = value("sslcert")
            .map(PathBuf::from)
            .or_else(|| home_file("postgresql.crt"));
        let key = value("sslkey")
            .map(PathBuf::from)
            .or_else(|| home_file("postgresql.key"));
        let client = match (cert, key) {
            (Some(c), Some(k)) => Some((c, k)),
            (Some(_), None) | (None, Some(_))
                if value("sslcert").is_some() || value("sslkey").is_some() =>
            {
                return Err("sslcert and sslkey go together: give both".to_owned());
            }
            _ => None,
        };
        // libpq ignores sslmode on Unix sockets: the kernel carries the bytes.
        let unix_only = hosts.iter().all(|h| h.starts_with('/'));
        let servers = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let port = ports.get(i).unwrap_or(&ports[0]);
                if h.starts_with('/') {
                    format!("{h}/.s.PGSQL.{port}")
                } else if h.contains(':') {
                    format!("[{h}]:{port}")
                } else {
                    format!("{h}:{port}")
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        Ok(Resolved {
            config,
            tls: Tls {
                mode: if unix_only { SslMode::Disable } else { mode },
                roots,
                client,
            },
            servers,
            user,
            dbname,
            password,
            warnings,
        })
    }
}

/// A connection string with the environment applied: what the driver is given.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The driver's configuration, TLS mode aside (set when connecting).
    pub config: tokio_postgres::Config,
    /// The TLS settings.
    pub tls: Tls,
    /// The servers tried, `host:port` (or the socket's path), comma-separated: for messages.
    pub servers: String,
    /// The role connected as.
    pub user: String,
    /// The database.
    pub dbname: String,
    /// The password found (string, `PGPASSWORD` or the password file), for redaction only.
    pub(crate) password: Option<String>,
    /// What libpq would warn about (a password file readable by others, ignored).
    pub warnings: Vec<String>,
}

/// libpq's default socket directory (Debian's, else upstream's).
fn default_socket_dir() -> &'static str {
    if Path::new("/var/run/postgresql").is_dir() {
        "/var/run/postgresql"
    } else {
        "/tmp"
    }
}

fn check_value(key: &str, value: &str) -> Result<(), String> {
    match key {
        "sslmode" => value.parse::<SslMode>().map(drop),
        "connect_timeout" if value.trim().parse::<i64>().is_err() => {
            Err(format!("connect_timeout {value:?}: a number of seconds"))
        }
        _ => Ok(()),
    }
}

/// `value` quoted for a `key=value` string.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn decode(s: &str) -> Result<String, String> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| "the URL has a %-escape that is not UTF-8".to_owned())
}

/// `postgres[ql]://[user[:password]@][host][:port][,…][/dbname][?key=value&…]`.
fn parse_url(s: &str) -> Result<Vec<(String, String)>, String> {
    let rest = s.split_once("://").map_or("", |(_, r)| r);
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = main.split_once('/').unwrap_or((main, ""));
    let mut pairs = Vec::new();
    let hosts_part = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            if !user.is_empty() {
                pairs.push(("user".to_owned(), decode(user)?));
            }
            if let Some(p) = password {
                pairs.push(("password".to_owned(), decode(p)?));
            }
            hosts
        }
        None => authority,
    };
    if !hosts_part.is_empty() {
        let (mut hosts, mut ports) = (Vec::new(), Vec::new());
        for one in hosts_part.split(',') {
            let (host, port) = if let Some(v6) = one.strip_prefix('[') {
                let (h, after) = v6
                    .split_once(']')
                    .ok_or("an IPv6 host in the URL lacks its closing ]")?;
                (h, after.strip_prefix(':').unwrap_or(""))
            } else {
                one.rsplit_once(':').unwrap_or((one, ""))
            };
            if !port.is_empty() && port.parse::<u16>().is_err() {
                return Err(format!("port {port:?} is not a port number"));
            }
            hosts.push(decode(host)?);
            ports.push(port.to_owned());
        }
        if hosts.iter().any(|h| !h.is_empty()) {
            pairs.push(("host".to_owned(), hosts.join(",")));
        }
        if ports.iter().any(|p| !p.is_empty()) {
            pairs.push(("port".to_owned(), ports.join(",")));
        }
    }
    if !path.is_empty() {
        pairs.push(("dbname".to_owned(), decode(path)?));
    }
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = param.split_once('=').ok_or_else(|| {
            format!(
                "URL parameter {:?} has no =value",
                decode(param).unwrap_or_default()
            )
        })?;
        pairs.push((decode(k)?, decode(v)?));
    }
    Ok(pairs)
}

/// `key=value key2='quoted \' value'`: libpq's keyword/value form.
fn parse_pairs(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!(
                "not a connection string: {key:?} has no =value (expected postgres://… or key=value pairs such as host=db dbname=crm)"
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => value.push(chars.next().ok_or("a \\ ends the string")?),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("the value of {key} lacks its closing quote")),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err(format!(
                    "the quoted value of {key} runs into more text: put a space after its closing quote, or escape a quote in it as \\'"
                ));
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.push(chars.next().ok_or("a \\ ends the string")?);
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
    if pairs.is_empty() {
        return Err("an empty connection string".to_owned());
    }
    Ok(pairs)
}

impl fmt::Display for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.url {
            // The string as given, the password in the user part and in ?password= starred.
            let (scheme, rest) = self.given.split_once("://").unwrap_or(("", &self.given));
            let (main, query) = match rest.split_once('?') {
                Some((m, q)) => (m, Some(q)),
                None => (rest, None),
            };
            let (authority, path) = match main.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (main, None),
            };
            write!(f, "{scheme}://")?;
            match authority.rsplit_once('@') {
                Some((userinfo, hosts)) => match userinfo.split_once(':') {
                    Some((user, _)) => write!(f, "{user}:***@{hosts}")?,
                    None => write!(f, "{userinfo}@{hosts}")?,
                },
                None => f.write_str(authority)?,
            }
            if let Some(path) = path {
                write!(f, "/{path}")?;
            }
            if let Some(query) = query {
                let shown: Vec<String> = query
                    .split('&')
                    .map(|p| match p.split_once('=') {
                        Some((k, _)) if decode(k).is_ok_and(|k| k == "password") => {
                            format!("{k}=***")
                        }
                        _ => p.to_owned(),
                    })
                    .collect();
                write!(f, "?{}", shown.join("&"))?;
            }
            Ok(())
        } else {
            let shown: Vec<String> = self
                .pairs
                .iter()
                .map(|(k, v)| {
                    if k == "password" {
                        format!("{k}=***")
                    } else if v.is_empty()
                        || v.contains(|c: char| c.is_whitespace() || c == '\'' || c == '\\')
                    {
                        format!("{k}={}", quote(v))
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            f.write_str(&shown.join(" "))
        }
    }
}

impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnInfo({self})")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn urls_and_pairs_give_the_same_keywords() {
        let url = ConnInfo::parse("postgresql://u%40x:p%2Fw@h1:5433,[::1]:5434/my%20db?sslmode=require&application_name=a").unwrap();
        assert_eq!(url.get("user"), Some("u@x"));
        assert_eq!(url.get("password"), Some("p/w"));
        assert_eq!(url.get("host"), Some("h1,::1"));
        assert_eq!(url.get("port"), Some("5433,5434"));
        assert_eq!(url.get("dbname"), Some("my db"));
        assert!(!url.to_string().contains("p%2Fw"), "{url}");
        let kv =
            ConnInfo::parse("host = h1 port=5433 dbname='my db' user=u sslmode=require").unwrap();
        assert_eq!(kv.get("dbname"), Some("my db"));
        assert_eq!(kv.get("host"), Some("h1"));
    }

    #[test]
    fn a_url_without_a_host_is_a_unix_socket() {
        let info = ConnInfo::parse("postgres:///crm").unwrap();
        let r = info.resolve(&env_of(&[("USER", "me")])).unwrap();
        assert!(r.servers.starts_with('/'), "{}", r.servers);
        assert!(r.servers.ends_with("/.s.PGSQL.5432"), "{}", r.servers);
        assert_eq!(r.tls.mode, SslMode::Disable);
        assert_eq!(r.user, "me");
        assert_eq!(r.dbname, "crm");
        let info = ConnInfo::parse("postgresql://%2Fsome%2Fdir:5999/crm").unwrap();
        let r = info.resolve(&env_of(&[("USER", "me")])).unwrap();
        assert_eq!(r.servers, "/some/dir/.s.PGSQL.5999");
    }

    #[test]
    fn the_environment_fills_what_the_string_leaves_out() {
        let info = ConnInfo::parse("dbname=crm").unwrap();
        let r = info
            .resolve(&env_of(&[
                ("PGHOST", "db.internal"),
                ("PGPORT", "6543"),
                ("PGUSER", "sync"),
                ("PGPASSWORD", "pw"),
                ("PGDATABASE", "ignored"),
                ("PGSSLMODE", "require"),
                ("PGAPPNAME", "nightly"),
                ("PGCONNECT_TIMEOUT", "3"),
            ]))
            .unwrap();
        assert_eq!(r.servers, "db.internal:6543");
        assert_eq!(r.user, "sync");
        assert_eq!(r.dbname, "crm");
        assert_eq!(r.password.as_deref(), Some("pw"));
        assert_eq!(r.tls.mode, SslMode::Require);
        assert_eq!(r.config.get_application_name(), Some("nightly"));
        assert_eq!(
            r.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
        // Defaults: our application name, a connect timeout, prefer.
        let r = ConnInfo::parse("host=h user=u")
            .unwrap()
            .resolve(&env_of(&[]))
            .unwrap();
        assert_eq!(
            r.config.get_application_name(),
            Some(DEFAULT_APPLICATION_NAME)
        );
        assert_eq!(
            r.config.get_connect_timeout(),
            Some(&DEFAULT_CONNECT_TIMEOUT)
        );
        assert_eq!(r.tls.mode, SslMode::Prefer);
        assert_eq!(r.dbname, "u");
        // A bad value from the environment is refused like one in the string.
        let err = ConnInfo::parse("host=h user=u")
            .unwrap()
            .resolve(&env_of(&[("PGSSLMODE", "on")]))
            .unwrap_err();
        assert!(err.contains("sslmode"), "{err}");
    }

    #[test]
    fn verify_modes_need_a_ca_and_system_needs_verify_full() {
        let err = ConnInfo::parse("host=h user=u sslmode=verify-full")
            .unwrap()
            .resolve(&env_of(&[("HOME", "/nonexistent")]))
            .unwrap_err();
        assert!(err.contains("sslrootcert"), "{err}");
        let err = ConnInfo::parse("host=h user=u sslmode=require sslrootcert=system")
            .unwrap()
            .resolve(&env_of(&[]))
            .unwrap_err();
        assert!(err.contains("verify-full"), "{err}");
        let r = ConnInfo::parse("host=h user=u sslmode=verify-full sslrootcert=system")
            .unwrap()
            .resolve(&env_of(&[]))
            .unwrap();
        assert_eq!(r.tls.roots, RootCerts::System);
    }

    #[test]
    fn bad_strings_say_what_is_wrong() {
        for (bad, says) in [
            ("host=h sslmode=on", "sslmode"),
            ("host=h bogus=1", "bogus"),
            ("host=h dbname='crm", "quote"),
            ("justaword", "=value"),
            ("postgres://h:99999/db", "port"),
            ("postgres://h/db?sslmode=verify_full", "sslmode"),
            ("host=h connect_timeout=soon", "connect_timeout"),
        ] {
            let err = ConnInfo::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
