//! `conversations sync` against PostgreSQL clusters of the test's own, as teams run them:
//! each test starts one with `initdb` into a temporary directory on a free port (as the
//! `postgres` OS user when run as root: initdb refuses root), one with TLS on (a CA and a
//! server certificate for `localhost` and 127.0.0.1 that the test generates, SCRAM and md5
//! passwords in a `pg_hba.conf` that takes TLS connections only) or one without TLS.
//!
//! Covered: `verify-full` with the right CA, another CA and a wrong host name; `verify-ca`;
//! `require` against a server without TLS and `prefer` falling back to it; SCRAM and md5
//! passwords, a refused password, role or `pg_hba` line (exit 3, one line naming user, host
//! and port); the `PG*` variables alone and `application_name`; the password file and its
//! permission warning; Unix sockets; a SIGKILL loop over TLS as a role holding only the
//! README's grants, in a schema of its own; a server restart mid-run, resumed exactly.
//!
//! Nothing sleeps: `pg_ctl -w` waits for the server itself; the child prints a JSON line per
//! committed batch (`--progress-lines`) and the tests act on those lines. No test skips: the
//! PostgreSQL binaries missing fail it, naming what to install (`.ci/run` installs them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};

mod common;

const KEY: &str = "autocalls-pg-cluster-key";
const PG_LIB: &str = "/usr/lib/postgresql";
/// The password of the roles the tests create (never printed: checked below).
const PASSWORD: &str = "Tr0ub4dor-pg-secret";

/// The PostgreSQL binaries: `CONVERSATIONS_TEST_PG_BIN`, else the newest of
/// `/usr/lib/postgresql/*/bin` (Debian's layout; 15 on this project's machines).
fn pg_bin(name: &str) -> PathBuf {
    let dir = std::env::var("CONVERSATIONS_TEST_PG_BIN").unwrap_or_else(|_| {
        std::fs::read_dir(PG_LIB)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .max()
            .map_or_else(
                || format!("{PG_LIB}/15/bin"),
                |v| format!("{PG_LIB}/{v}/bin"),
            )
    });
    let path = Path::new(&dir).join(name);
    assert!(
        path.is_file(),
        "{} is missing: install PostgreSQL's server binaries (apt-get install postgresql; \
         .ci/run does) or set CONVERSATIONS_TEST_PG_BIN",
        path.display()
    );
    path
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// `program args…` as the cluster's owner: `postgres` when we are root, else ourselves.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, or a certificate it signs.
struct Cert {
    cert: X509,
    key: PKey<Private>,
}

fn ec_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn serial() -> openssl::asn1::Asn1Integer {
    let mut n = BigNum::new().unwrap();
    n.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    n.to_asn1_integer().unwrap()
}

impl Cert {
    fn ca(name: &str) -> Self {
        let key = ec_key();
        let mut subject = X509NameBuilder::new().unwrap();
        subject.append_entry_by_text("CN", name).unwrap();
        let subject = subject.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&serial()).unwrap();
        b.set_subject_name(&subject).unwrap();
        b.set_issuer_name(&subject).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        Self {
            cert: b.build(),
            key,
        }
    }

    /// A server certificate for `localhost` and 127.0.0.1, signed by `self`.
    fn server(&self) -> Self {
        let key = ec_key();
        let mut subject = X509NameBuilder::new().unwrap();
        subject.append_entry_by_text("CN", "localhost").unwrap();
        let subject = subject.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&serial()).unwrap();
        b.set_subject_name(&subject).unwrap();
        b.set_issuer_name(self.cert.subject_name()).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        let san = SubjectAlternativeName::new()
            .dns("localhost")
            .ip("127.0.0.1")
            .build(&b.x509v3_context(Some(&self.cert), None))
            .unwrap();
        b.append_extension(san).unwrap();
        b.sign(&self.key, MessageDigest::sha256()).unwrap();
        Self {
            cert: b.build(),
            key,
        }
    }
}

/// A PostgreSQL cluster of this test's: stopped (immediately) and removed when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    /// The CA that signed the server's certificate (TLS clusters), as a PEM file.
    ca: PathBuf,
    /// A CA that signed nothing the server has.
    other_ca: PathBuf,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Cluster {
    /// A cluster with TLS on (`pg_hba.conf` takes TLS connections only) or off.
    fn start(tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let chown = |path: &Path| {
            if is_root() {
                run(Command::new("chown").args(["-R", "postgres:"]).arg(path));
            }
        };
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let sock = dir.path().join("sock");
        std::fs::create_dir(&sock).unwrap();
        chown(&data);
        chown(&sock);
        run(as_owner(&pg_bin("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ])
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"]));
        let ca = Cert::ca("conversations test CA");
        let other = Cert::ca("another CA");
        let (ca_file, other_ca) = (dir.path().join("ca.crt"), dir.path().join("other-ca.crt"));
        std::fs::write(&ca_file, ca.cert.to_pem().unwrap()).unwrap();
        std::fs::write(&other_ca, other.cert.to_pem().unwrap()).unwrap();
        let port = free_port();
        let mut conf = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nmax_connections = 40\nshared_buffers = 16MB\n",
            sock.display()
        );
        let mut hba = "local all all trust\n".to_owned();
        if tls {
            let server = ca.server();
            let (crt, key) = (data.join("server.crt"), data.join("server.key"));
            std::fs::write(&crt, server.cert.to_pem().unwrap()).unwrap();
            std::fs::write(&key, server.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
            std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
            chown(&crt);
            chown(&key);
            conf.push_str("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
            hba.push_str(
                "hostssl all md5user 127.0.0.1/32 md5\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
            );
        } else {
            conf.push_str("ssl = off\n");
            hba.push_str("host all all 127.0.0.1/32 scram-sha-256\n");
        }
        let mut pg_conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        pg_conf.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), pg_conf).unwrap();
        std::fs::write(data.join("pg_hba.conf"), hba).unwrap();
        let cluster = Self {
            dir,
            port,
            ca: ca_file,
            other_ca,
        };
        cluster.pg_ctl(&["start", "-w", "-t", "60"]);
        cluster.superuser("CREATE DATABASE crm");
        cluster.superuser(&format!(
            "CREATE ROLE sync LOGIN PASSWORD '{PASSWORD}';
             SET password_encryption = 'md5';
             CREATE ROLE md5user LOGIN PASSWORD '{PASSWORD}';
             GRANT ALL ON DATABASE crm TO sync, md5user;"
        ));
        cluster.superuser_in("crm", "GRANT ALL ON SCHEMA public TO sync, md5user");
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn sock(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    fn pg_ctl(&self, args: &[&str]) {
        let log = self.dir.path().join("sock").join("server.log");
        run(as_owner(&pg_bin("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(log)
            .args(args));
    }

    /// Runs `sql` as the superuser over the Unix socket (trust), in `postgres`.
    fn superuser(&self, sql: &str) {
        self.superuser_in("postgres", sql);
    }

    fn superuser_in(&self, db: &str, sql: &str) {
        let rows = self.query(db, sql);
        drop(rows);
    }

    /// The first column of each row of the last statement of `sql`, as text, run as the
    /// superuser in `db`.
    fn query(&self, db: &str, sql: &str) -> Vec<String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut config = tokio_postgres::Config::new();
            config
                .host_path(self.sock())
                .port(self.port)
                .user("postgres")
                .dbname(db);
            let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            let messages = client.simple_query(sql).await.unwrap();
            messages
                .into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some(r.get(0).unwrap_or_default().to_owned())
                    }
                    _ => None,
                })
                .collect()
        })
    }

    /// `postgres://user:password@host:port/crm?…` for this cluster.
    fn url(&self, user: &str, host: &str, params: &str) -> String {
        format!(
            "postgres://{user}:{PASSWORD}@{host}:{}/crm{}{params}",
            self.port,
            if params.is_empty() { "" } else { "?" }
        )
    }

    /// A URL that trusts this cluster's CA and checks the host name.
    fn verified(&self, user: &str) -> String {
        self.url(
            user,
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={}", self.ca.display()),
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_owner(&pg_bin("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["stop", "-m", "immediate", "-w"])
            .output();
    }
}

/// A sandbox and the CLI pointed at it, with no `PG*` variable of the developer's.
struct Env(common::SandboxEnv);

impl Env {
    fn start(size: usize) -> Self {
        Self(common::SandboxEnv::with_autocalls_key(size, KEY))
    }

    fn conversations(&self) -> Command {
        let mut cmd = self.0.autocalls_cli(KEY);
        for (var, _) in std::env::vars() {
            if var.starts_with("PG") {
                cmd.env_remove(var);
            }
        }
        // No ~/.pgpass or ~/.postgresql of the developer's.
        cmd.env("HOME", "/nonexistent");
        cmd
    }

    /// The records a full sync of Autocalls writes.
    fn expected(&self) -> usize {
        self.0.sandbox().dataset().autocalls().len()
    }

    fn sync(&self, to: &str, extra: &[&str]) -> Command {
        let mut cmd = self.conversations();
        cmd.args(["sync", "--provider", "autocalls", "--to", to])
            .args(extra);
        cmd
    }

    fn status(&self, to: &str) -> Command {
        let mut cmd = self.conversations();
        cmd.args(["sync", "--status", "--to", to]);
        cmd
    }
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The run failed with exit `code` and one `error:` line holding each of `says`, and the
/// password nowhere.
fn fails_saying(out: &Output, code: i32, says: &[&str]) -> String {
    let (stdout, stderr) = text(out);
    assert_eq!(out.status.code(), Some(code), "{stdout}{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    for s in says {
        assert!(errors[0].contains(s), "{s:?} in {stderr}");
    }
    assert!(!stderr.contains(PASSWORD) && !stdout.contains(PASSWORD));
    errors[0].to_owned()
}

fn succeeds(out: &Output) -> (String, String) {
    let (stdout, stderr) = text(out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(!stderr.contains(PASSWORD) && !stdout.contains(PASSWORD));
    (stdout, stderr)
}

/// A clean sync by the superuser, over the socket, into a schema of its own (`clean`): the
/// rows it wrote, for a resumed run to match.
fn clean_rows(env: &Env, cluster: &Cluster) -> Vec<String> {
    let clean = format!(
        "host={} port={} user=postgres dbname=crm",
        cluster.sock().display(),
        cluster.port
    );
    succeeds(&env.sync(&clean, &["--schema", "clean"]).output().unwrap());
    rows(cluster, "clean")
}

/// Every row as the columns a clean sync decides, in key order, from `schema` of `crm`.
fn rows(cluster: &Cluster, schema: &str) -> Vec<String> {
    cluster.query(
        "crm",
        &format!(
            "SELECT concat_ws('|', source, key, raw_hash, raw::text, notes::text, agent_name,
                    total_cost::text, created_at::text, channel)
             FROM {schema}.conversations ORDER BY source, key"
        ),
    )
}

/// Reads the child's stderr until it has printed `n` committed-batch lines; the last line's
/// running total, or `None` if it ended first.
fn wait_for_batches(child: &mut Child, n: usize) -> Option<u64> {
    let stderr = child.stderr.as_mut().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let (mut seen, mut total) = (0, 0);
    while seen < n {
        match lines.next() {
            Some(Ok(line)) if line.contains(r#""event":"committed""#) => {
                seen += 1;
                let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                total = ["inserted", "updated", "unchanged"]
                    .iter()
                    .map(|k| v[k].as_u64().unwrap())
                    .sum();
            }
            Some(Ok(_)) => {}
            _ => return None,
        }
    }
    Some(total)
}

#[test]
fn verify_full_with_the_right_ca_syncs_encrypted_and_says_so() {
    let cluster = Cluster::start(true);
    let env = Env::start(300);
    let to = cluster.verified("sync");
    let (_, stderr) = succeeds(&env.sync(&to, &["-v"]).output().unwrap());
    assert!(
        stderr.contains("connected to PostgreSQL") && stderr.contains("encryption=TLSv1."),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("localhost:{}", cluster.port)),
        "{stderr}"
    );
    let (stdout, _) = succeeds(&env.status(&to).output().unwrap());
    assert!(
        stdout.contains(&format!(
            "server: localhost:{}, database crm, user sync, TLSv1.",
            cluster.port
        )) && stdout.contains("schema public"),
        "{stdout}"
    );
    assert_eq!(rows(&cluster, "public").len(), env.expected());
    // verify-ca checks the chain, not the name: 127.0.0.1 by another name passes.
    let to = format!(
        "host=wrong.example hostaddr=127.0.0.1 port={} user=sync password={PASSWORD} dbname=crm \
         sslmode=verify-ca sslrootcert={}",
        cluster.port,
        cluster.ca.display()
    );
    succeeds(&env.status(&to).output().unwrap());
}

#[test]
fn verify_full_refuses_another_ca_and_another_host_name() {
    let cluster = Cluster::start(true);
    let env = Env::start(10);
    let port = cluster.port;
    let another_ca = cluster.url(
        "sync",
        "localhost",
        &format!(
            "sslmode=verify-full&sslrootcert={}",
            cluster.other_ca.display()
        ),
    );
    fails_saying(
        &env.sync(&another_ca, &[]).output().unwrap(),
        1,
        &[&format!("localhost:{port}"), "not signed by a trusted CA"],
    );
    let wrong_name = format!(
        "host=wrong.example hostaddr=127.0.0.1 port={port} user=sync password={PASSWORD} \
         dbname=crm sslmode=verify-full sslrootcert={}",
        cluster.ca.display()
    );
    fails_saying(
        &env.sync(&wrong_name, &[]).output().unwrap(),
        1,
        &[&format!("wrong.example:{port}"), "not for this host name"],
    );
    // Without a CA, verify-full is refused before connecting.
    let no_ca = cluster.url("sync", "localhost", "sslmode=verify-full");
    fails_saying(
        &env.sync(&no_ca, &[]).output().unwrap(),
        2,
        &["sslrootcert"],
    );
}

#[test]
fn require_fails_without_tls_and_prefer_falls_back() {
    let cluster = Cluster::start(false);
    let env = Env::start(50);
    let port = cluster.port;
    fails_saying(
        &env.sync(&cluster.url("sync", "127.0.0.1", "sslmode=require"), &[])
            .output()
            .unwrap(),
        1,
        &[&format!("127.0.0.1:{port}"), "does not offer TLS"],
    );
    // prefer (the default) goes on without TLS, and -v says so.
    let (_, stderr) = succeeds(
        &env.sync(&cluster.url("sync", "127.0.0.1", ""), &["-v"])
            .output()
            .unwrap(),
    );
    assert!(stderr.contains("encryption=not encrypted"), "{stderr}");
}

#[test]
fn refused_passwords_roles_and_pg_hba_lines_are_authentication_errors() {
    let cluster = Cluster::start(true);
    let env = Env::start(10);
    let port = cluster.port;
    let at = format!("127.0.0.1:{port}");
    // md5 as well as SCRAM: a right password gets past authentication (no tables yet).
    for user in ["sync", "md5user"] {
        fails_saying(
            &env.status(&cluster.url(user, "127.0.0.1", "sslmode=require"))
                .output()
                .unwrap(),
            1,
            &["no sync has written there yet"],
        );
    }
    let wrong = format!("postgres://sync:not-it@127.0.0.1:{port}/crm?sslmode=require");
    fails_saying(
        &env.sync(&wrong, &[]).output().unwrap(),
        3,
        &["authentication failed for user sync", &at, "password"],
    );
    let wrong_md5 = format!("postgres://md5user:not-it@127.0.0.1:{port}/crm?sslmode=require");
    fails_saying(
        &env.sync(&wrong_md5, &[]).output().unwrap(),
        3,
        &["authentication failed for user md5user", &at],
    );
    let unknown = cluster.url("nobody", "127.0.0.1", "sslmode=require");
    fails_saying(
        &env.sync(&unknown, &[]).output().unwrap(),
        3,
        &["user nobody", &at],
    );
    // pg_hba.conf takes TLS only: a connection without it is refused there.
    let plain = cluster.url("sync", "127.0.0.1", "sslmode=disable");
    fails_saying(
        &env.sync(&plain, &[]).output().unwrap(),
        3,
        &["user sync", &at, "pg_hba.conf"],
    );
    // allow tries without TLS, then with it.
    let allow = cluster.url("sync", "127.0.0.1", "sslmode=allow");
    fails_saying(
        &env.status(&allow).output().unwrap(),
        1,
        &["no sync has written there yet"],
    );
    // No password anywhere.
    let none = format!("postgres://sync@127.0.0.1:{port}/crm?sslmode=require");
    fails_saying(
        &env.sync(&none, &[]).output().unwrap(),
        3,
        &["user sync", &at, "none was given"],
    );
    // Nothing listening.
    let closed = format!("postgres://sync@127.0.0.1:{}/crm", free_port());
    fails_saying(
        &env.sync(&closed, &[]).output().unwrap(),
        1,
        &["127.0.0.1:", "connection refused"],
    );
    // A name that does not resolve (.invalid never does).
    fails_saying(
        &env.sync("postgres://sync@db.example.invalid/crm", &[])
            .output()
            .unwrap(),
        1,
        &["db.example.invalid:5432", "unknown host"],
    );
    // A port that takes the connection and never answers: the connect timeout (libpq's
    // least, 2 s) ends it, naming itself.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let hung = format!("host=127.0.0.1 port={silent_port} user=sync dbname=crm connect_timeout=1");
    fails_saying(
        &env.sync(&hung, &[]).output().unwrap(),
        1,
        &[&format!("127.0.0.1:{silent_port}"), "timed out after 2s"],
    );
    drop(silent);
}

#[test]
fn pg_variables_alone_reach_a_tls_only_server_with_a_password() {
    let cluster = Cluster::start(true);
    let env = Env::start(3000);
    let mut child = env
        .sync("postgres://", &["--batch-size", "40", "--progress-lines"])
        .env("PGHOST", "localhost")
        .env("PGPORT", cluster.port.to_string())
        .env("PGUSER", "sync")
        .env("PGPASSWORD", PASSWORD)
        .env("PGDATABASE", "crm")
        .env("PGSSLMODE", "verify-full")
        .env("PGSSLROOTCERT", &cluster.ca)
        .env("PGAPPNAME", "nightly-crm-sync")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_for_batches(&mut child, 1).is_some());
    // The DBA sees who is connected, over TLS.
    let seen = cluster.query(
        "postgres",
        "SELECT DISTINCT a.application_name || ' ' || s.ssl::text FROM pg_stat_activity a
         JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'sync'",
    );
    assert_eq!(seen, ["nightly-crm-sync true"]);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(rows(&cluster, "public").len(), env.expected());
}

#[test]
fn the_password_file_is_read_and_ignored_when_others_can_read_it() {
    use std::os::unix::fs::PermissionsExt;
    let cluster = Cluster::start(true);
    let env = Env::start(20);
    let home = tempfile::tempdir().unwrap();
    let pgpass = home.path().join(".pgpass");
    std::fs::write(
        &pgpass,
        format!("# ours\nlocalhost:{}:crm:sync:{PASSWORD}\n", cluster.port),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let to = format!(
        "host=localhost port={} user=sync dbname=crm sslmode=verify-full sslrootcert={}",
        cluster.port,
        cluster.ca.display()
    );
    succeeds(
        &env.sync(&to, &[])
            .env("HOME", home.path())
            .output()
            .unwrap(),
    );
    // PGPASSFILE names another file.
    let elsewhere = home.path().join("elsewhere");
    std::fs::rename(&pgpass, &elsewhere).unwrap();
    succeeds(
        &env.status(&to)
            .env("HOME", home.path())
            .env("PGPASSFILE", &elsewhere)
            .output()
            .unwrap(),
    );
    // Readable by others: ignored, with libpq's warning, and then no password at all.
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env
        .status(&to)
        .env("PGPASSFILE", &elsewhere)
        .output()
        .unwrap();
    fails_saying(
        &out,
        3,
        &["none was given", "password file", "group or world access"],
    );
    // A server that asks for none (the socket's trust) is reached, and the warning said.
    let trusted = format!(
        "host={} port={} user=postgres dbname=crm",
        cluster.sock().display(),
        cluster.port
    );
    let out = env
        .status(&trusted)
        .env("PGPASSFILE", &elsewhere)
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("warning: password file") && stderr.contains("group or world access"),
        "{stderr}"
    );
}

#[test]
fn unix_sockets_by_key_value_and_by_url() {
    let cluster = Cluster::start(false);
    let env = Env::start(30);
    let sock = cluster.sock();
    let kv = format!(
        "host={} port={} user=postgres dbname=crm",
        sock.display(),
        cluster.port
    );
    let (_, stderr) = succeeds(
        &env.sync(&kv, &["-v", "--schema", "by_socket"])
            .output()
            .unwrap(),
    );
    assert!(stderr.contains("encryption=a Unix socket"), "{stderr}");
    assert!(stderr.contains(&format!("{}/.s.PGSQL.{}", sock.display(), cluster.port)));
    let encoded: String = sock.display().to_string().replace('/', "%2F");
    let url = format!("postgresql://postgres@{encoded}:{}/crm", cluster.port);
    let (stdout, _) = succeeds(
        &env.status(&url)
            .args(["--schema", "by_socket"])
            .output()
            .unwrap(),
    );
    assert!(stdout.contains("complete"), "{stdout}");
    assert_eq!(rows(&cluster, "by_socket").len(), env.expected());
}

/// The README's grants for a sync role, run by an administrator.
fn least_privileged_role(cluster: &Cluster) {
    cluster.superuser(&format!(
        "CREATE ROLE crm_sync LOGIN PASSWORD '{PASSWORD}';
         REVOKE ALL ON DATABASE crm FROM PUBLIC;
         GRANT CONNECT, TEMPORARY ON DATABASE crm TO crm_sync;"
    ));
    cluster.superuser_in(
        "crm",
        "CREATE SCHEMA conversations_sync;
         GRANT USAGE, CREATE ON SCHEMA conversations_sync TO crm_sync;",
    );
}

#[test]
fn a_sigkill_loop_over_tls_as_the_least_privileged_role_ends_equal_to_a_clean_sync() {
    let cluster = Cluster::start(true);
    least_privileged_role(&cluster);
    let env = Env::start(4000);
    let to = cluster.verified("crm_sync");
    let args = [
        "--batch-size",
        "40",
        "--progress-lines",
        "--schema",
        "conversations_sync",
    ];
    let want = clean_rows(&env, &cluster);
    assert_eq!(want.len(), env.expected());
    // The role may not make a schema of its own (no CREATE on the database).
    fails_saying(
        &env.sync(&to, &["--schema", "elsewhere"]).output().unwrap(),
        1,
        &["permission denied"],
    );
    let mut kills = 0;
    for after in [1, 3, 2, 5] {
        let mut child = env
            .sync(&to, &args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let reached = wait_for_batches(&mut child, after);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if reached.is_none() {
            break;
        }
        kills += 1;
    }
    assert!(kills >= 3, "the sync was killed mid-run {kills} times");
    let (_, stderr) = succeeds(&env.sync(&to, &args).output().unwrap());
    assert!(
        stderr.contains("resuming an unfinished full walk"),
        "{stderr}"
    );
    assert!(
        rows(&cluster, "conversations_sync") == want,
        "the resumed table differs from a clean sync"
    );
    // The tables, state and locks are all in the role's schema; public holds none.
    let elsewhere = cluster.query(
        "crm",
        "SELECT count(*)::text FROM pg_tables WHERE tablename IN ('conversations', 'sync_streams', 'sync_locks') AND schemaname NOT IN ('clean', 'conversations_sync')",
    );
    assert_eq!(elsewhere, ["0"]);
}

#[test]
fn a_server_restart_mid_run_keeps_committed_batches_and_the_next_run_resumes_exactly() {
    let cluster = Cluster::start(true);
    let env = Env::start(4000);
    let to = cluster.verified("sync");
    let want = clean_rows(&env, &cluster);
    let mut child = env
        .sync(&to, &["--batch-size", "40", "--progress-lines"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let committed = wait_for_batches(&mut child, 4).expect("four batches committed");
    // Stopped where it is, the server restarted under it, then let go: its connections are gone.
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).unwrap();
    cluster.pg_ctl(&["restart", "-m", "fast", "-w", "-t", "60"]);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT).unwrap();
    let out = child.wait_with_output().unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success(), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    let kept = rows(&cluster, "public").len() as u64;
    assert!(
        kept >= committed,
        "{kept} rows kept, {committed} committed before the restart"
    );
    let (_, stderr) = succeeds(&env.sync(&to, &["--batch-size", "40"]).output().unwrap());
    assert!(
        stderr.contains("resuming an unfinished full walk"),
        "{stderr}"
    );
    assert!(
        rows(&cluster, "public") == want,
        "the resumed table differs from a clean sync"
    );
}
