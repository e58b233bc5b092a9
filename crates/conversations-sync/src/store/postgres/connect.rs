//! Opening a connection: the string resolved with the environment (libpq's conventions,
//! [`crate::conninfo`]), TLS by `sslmode` through `native-tls` (the TLS library the HTTP
//! clients already use), and every failure as one line naming the server and the cause —
//! refused, unknown host, timeout, TLS refused or required, certificate untrusted or for
//! another name, password or role refused (then [`SyncError::Auth`]).

use std::sync::Arc;

use native_tls::{Certificate, Identity, TlsConnector};
use postgres_native_tls::MakeTlsConnector;
use tokio_postgres::Client;
use tokio_postgres::config::SslMode as DriverSslMode;

use crate::conninfo::{Resolved, RootCerts, SslMode, Tls};
use crate::error::SyncError;
use crate::target::PostgresUrl;

/// A connection string resolved once, with its TLS connector: every connection of a store
/// is opened from it.
pub(crate) struct Link {
    pub(crate) url: PostgresUrl,
    pub(crate) resolved: Resolved,
    connector: MakeTlsConnector,
}

impl Link {
    /// Resolves `url` with the process's environment and builds its TLS connector.
    pub(crate) fn new(url: &PostgresUrl) -> Result<Arc<Self>, SyncError> {
        let resolved = url
            .conninfo()
            .resolve(&|k| std::env::var(k).ok())
            .map_err(|reason| SyncError::BadTarget { reason })?;
        let connector =
            connector(&resolved.tls).map_err(|reason| SyncError::BadTarget { reason })?;
        Ok(Arc::new(Self {
            url: url.clone(),
            resolved,
            connector,
        }))
    }

    /// Where and as whom, for messages and `--status`: `127.0.0.1:5432, database crm, user
    /// sync` — never a password.
    pub(crate) fn server(&self) -> String {
        format!(
            "{}, database {}, user {}",
            self.resolved.servers, self.resolved.dbname, self.resolved.user
        )
    }

    /// Opens a connection, its I/O driven on a task of its own.
    pub(crate) async fn connect(&self) -> Result<Client, SyncError> {
        let r = &self.resolved;
        let first = match r.tls.mode {
            SslMode::Disable | SslMode::Allow => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverSslMode::Require,
        };
        let mut result = self.attempt(first).await;
        // allow: without TLS first, with it if the server refuses that (pg_hba's hostssl).
        if r.tls.mode == SslMode::Allow
            && let Err(Some(e)) = &result
            && e.as_db_error().is_some()
        {
            result = self.attempt(DriverSslMode::Require).await;
        }
        result.map_err(|e| match e {
            Some(e) => self.failure(&e),
            None => SyncError::Connect {
                target: self.server(),
                message: format!(
                    "timed out after {}s (connect_timeout, PGCONNECT_TIMEOUT)",
                    r.config
                        .get_connect_timeout()
                        .map_or(0, std::time::Duration::as_secs)
                ),
            },
        })
    }

    /// One try; `Err(None)` when the connect timeout passed. The driver's own timeout covers
    /// the TCP connect only; libpq's, the whole opening (TLS and authentication too): a
    /// server that takes the connection and never answers is given up on as well.
    async fn attempt(&self, mode: DriverSslMode) -> Result<Client, Option<tokio_postgres::Error>> {
        let mut config = self.resolved.config.clone();
        config.ssl_mode(mode);
        let connecting = config.connect(self.connector.clone());
        let opened = match config.get_connect_timeout() {
            // Each host gets the timeout, as in libpq.
            Some(limit) => {
                let hosts = u32::try_from(config.get_hosts().len().max(1)).unwrap_or(1);
                tokio::time::timeout(*limit * hosts, connecting)
                    .await
                    .map_err(|_| None)?
            }
            None => connecting.await,
        };
        let (client, connection) = opened.map_err(Some)?;
        tokio::spawn(async move {
            // The connection ends when the client is dropped; an error then has nobody to tell.
            let _ = connection.await;
        });
        Ok(client)
    }

    /// A failed connect as one line naming the server and the cause.
    fn failure(&self, e: &tokio_postgres::Error) -> SyncError {
        let r = &self.resolved;
        let redactor = self.url.redactor();
        let redactor = match &r.password {
            Some(p) => redactor.secret(p),
            None => redactor,
        };
        let one_line = |s: String| {
            redactor
                .redact_string(s)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        if let Some(db) = e.as_db_error() {
            let code = db.code().code();
            // 28P01 invalid_password, 28000 invalid_authorization_specification (pg_hba,
            // an unknown role), 3D000 an unknown database is not the credentials'.
            if code.starts_with("28") {
                return SyncError::Auth {
                    user: r.user.clone(),
                    server: r.servers.clone(),
                    message: one_line(db.message().to_owned()),
                };
            }
            return SyncError::Connect {
                target: self.server(),
                message: one_line(db.message().to_owned()),
            };
        }
        let mut chain = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let text = s.to_string();
            if !chain.contains(&text) {
                chain.push_str(": ");
                chain.push_str(&text);
            }
            source = s.source();
        }
        let lower = chain.to_lowercase();
        let mode = r.tls.mode;
        let cause = if lower.contains("password missing") {
            return SyncError::Auth {
                user: r.user.clone(),
                server: r.servers.clone(),
                message: std::iter::once(
                    "the server asks for a password and none was given \
                     (password=, PGPASSWORD or ~/.pgpass)"
                        .to_owned(),
                )
                .chain(r.warnings.iter().cloned())
                .collect::<Vec<_>>()
                .join("; "),
            };
        } else if lower.contains("server does not support tls") {
            format!("the server does not offer TLS, and sslmode={mode} requires it")
        } else if lower.contains("hostname mismatch") || lower.contains("ip address mismatch") {
            format!(
                "TLS: the server's certificate is not for this host name (sslmode={mode}) ({})",
                tail(&chain)
            )
        } else if lower.contains("certificate verify failed")
            || lower.contains("self-signed")
            || lower.contains("unable to get local issuer")
        {
            format!(
                "TLS: the server's certificate is not signed by a trusted CA (sslmode={mode}, sslrootcert {}) ({})",
                match &r.tls.roots {
                    RootCerts::File(f) => f.display().to_string(),
                    RootCerts::System => "system".to_owned(),
                    RootCerts::None => "none".to_owned(),
                },
                tail(&chain)
            )
        } else if lower.contains("tls") || lower.contains("ssl") {
            format!("TLS handshake failed (sslmode={mode}): {}", tail(&chain))
        } else if lower.contains("connection refused") {
            "connection refused (is a server listening there?)".to_owned()
        } else if lower.contains("lookup address") || lower.contains("name or service not known") {
            "unknown host (the name does not resolve)".to_owned()
        } else if lower.contains("timed out") || lower.contains("timeout") {
            match r.config.get_connect_timeout() {
                Some(t) => format!(
                    "timed out after {}s (connect_timeout, PGCONNECT_TIMEOUT)",
                    t.as_secs()
                ),
                None => "timed out".to_owned(),
            }
        } else if lower.contains("no such file") {
            "no server socket there (is the server running, and is this its socket directory?)"
                .to_owned()
        } else {
            chain
        };
        SyncError::Connect {
            target: self.server(),
            message: one_line(cause),
        }
    }

    /// Whether the connection `client` came over is encrypted, and with what (the server's
    /// `pg_stat_ssl` for this session): `TLSv1.3 TLS_AES_256_GCM_SHA384`, or `not encrypted`.
    pub(crate) async fn encryption(&self, client: &Client) -> String {
        let row = client
            .query_opt(
                "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await;
        match row {
            Ok(Some(row)) if row.get::<_, Option<bool>>(0) == Some(true) => format!(
                "{} {}",
                row.get::<_, Option<String>>(1).unwrap_or_default(),
                row.get::<_, Option<String>>(2).unwrap_or_default()
            ),
            Ok(_) if self.resolved.servers.starts_with('/') => "a Unix socket".to_owned(),
            Ok(_) => "not encrypted".to_owned(),
            Err(_) => "unknown".to_owned(),
        }
    }
}

/// The last part of a driver/OpenSSL message chain: the reason, without the library's prefix.
fn tail(chain: &str) -> String {
    let last = chain
        .rsplit(": ")
        .find(|part| !part.trim().is_empty())
        .unwrap_or(chain)
        .trim();
    last.strip_prefix('(')
        .and_then(|l| l.strip_suffix(')'))
        .unwrap_or(last)
        .to_owned()
}

/// The TLS connector `tls` asks for: the CAs of `sslrootcert` alone when it is a file (the
/// platform's with `system`), the chain checked from `verify-ca` up (and below it when a CA
/// file is there, as libpq does), the host name with `verify-full`, and the client
/// certificate of `sslcert`/`sslkey`.
fn connector(tls: &Tls) -> Result<MakeTlsConnector, String> {
    let mut builder = TlsConnector::builder();
    if let RootCerts::File(file) = &tls.roots {
        let pem =
            std::fs::read(file).map_err(|e| format!("sslrootcert {}: {e}", file.display()))?;
        builder.disable_built_in_roots(true);
        let mut found = 0;
        for block in pem_blocks(&pem, "CERTIFICATE") {
            let cert = Certificate::from_pem(&block).map_err(|e| {
                format!(
                    "sslrootcert {}: not a PEM certificate ({e})",
                    file.display()
                )
            })?;
            builder.add_root_certificate(cert);
            found += 1;
        }
        if found == 0 {
            return Err(format!(
                "sslrootcert {}: no PEM certificate in it",
                file.display()
            ));
        }
    }
    let check_chain = match tls.mode {
        SslMode::VerifyCa | SslMode::VerifyFull => true,
        SslMode::Allow | SslMode::Prefer | SslMode::Require => {
            matches!(tls.roots, RootCerts::File(_))
        }
        SslMode::Disable => false,
    };
    builder.danger_accept_invalid_certs(!check_chain);
    builder.danger_accept_invalid_hostnames(tls.mode != SslMode::VerifyFull);
    if let Some((cert, key)) = &tls.client {
        let cert_pem =
            std::fs::read(cert).map_err(|e| format!("sslcert {}: {e}", cert.display()))?;
        let key_pem = std::fs::read(key).map_err(|e| format!("sslkey {}: {e}", key.display()))?;
        let identity = Identity::from_pkcs8(&cert_pem, &key_pem).map_err(|e| {
            format!(
                "sslcert {} / sslkey {}: not a PEM certificate and PKCS#8 PEM key ({e}); \
                 convert a key with openssl pkcs8 -topk8 -nocrypt",
                cert.display(),
                key.display()
            )
        })?;
        builder.identity(identity);
    }
    let connector = builder
        .build()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    Ok(MakeTlsConnector::new(connector))
}

/// Each `-----BEGIN {label}-----` … `-----END {label}-----` block of `pem`.
fn pem_blocks(pem: &[u8], label: &str) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let (begin, end) = (
        format!("-----BEGIN {label}-----"),
        format!("-----END {label}-----"),
    );
    let mut blocks = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(&begin) {
        let Some(stop) = rest[start..].find(&end) else {
            break;
        };
        let stop = start + stop + end.len();
        blocks.push(rest.as_bytes()[start..stop].to_vec());
        rest = &rest[stop..];
    }
    blocks
}
