//! The config file's parsing, validation and errors, secret resolution, and that no secret
//! reaches a Debug output or an error; the fixtures here serve the tests of the accounts
//! listing (`commands::accounts`) and of building an account's source (`providers`) too.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;

use secrecy::ExposeSecret;

use super::account::shell_words;
use super::accounts::environment_accounts;
use super::error::ConfigError;
use super::file::{parse, redact_values};
use super::*;

/// A config file with an Autocalls account (its key in `ACME_AUTOCALLS_KEY`) and an ASAPP one
/// (its secret printed by a command).
pub(crate) const GOOD: &str = r#"# My accounts.
[accounts.acme-autocalls]
provider = "autocalls"
base_url = "https://app.autocalls.ai/api"
api_key_env = "ACME_AUTOCALLS_KEY"

[accounts.main-asapp]
provider = "asapp"
api_id = "my-api-id"
api_secret_command = ["pass", "show", "asapp/main"]
"#;

/// A secret that must never be printed.
pub(crate) const SECRET: &str = "sk-live-do-not-print-4242";

/// An environment of these variables only.
pub(crate) fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
    let map: HashMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
        .collect();
    move |name| map.get(name).cloned()
}

/// The accounts of [`GOOD`], loaded from a file, and the environment they were loaded in:
/// every secret there is [`SECRET`] (the file's Autocalls key and both providers' own
/// variables, which add an account each).
pub(crate) fn good_accounts_with_secrets() -> (Accounts, impl Fn(&str) -> Option<OsString> + use<>)
{
    let vars = env(&[
        ("ACME_AUTOCALLS_KEY", SECRET),
        ("ASAPP_API_ID", "id"),
        ("ASAPP_API_SECRET", SECRET),
        ("AUTOCALLS_API_KEY", SECRET),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, GOOD).unwrap();
    let accounts = Accounts::load(Some(&path), &vars).unwrap();
    (accounts, vars)
}

fn parse_err(text: &str) -> String {
    parse(text, Path::new("cfg.toml")).unwrap_err().to_string()
}

/// The one account of the config file `text`.
pub(crate) fn one(text: &str) -> Account {
    let mut accounts = parse(text, Path::new("cfg.toml")).unwrap();
    assert_eq!(accounts.len(), 1);
    accounts.remove(0)
}

fn command_account(argv: &[&str]) -> Account {
    Account {
        name: "cmd".to_owned(),
        provider: Provider::Autocalls,
        base_url: None,
        api_id: None,
        secret: SecretSource::Command(argv.iter().map(|s| (*s).to_owned()).collect()),
        secret_timeout: None,
        origin: Origin::File { line: 1 },
    }
}

#[test]
fn a_good_file_gives_its_accounts() {
    let accounts = parse(GOOD, Path::new("cfg.toml")).unwrap();
    assert_eq!(
        accounts,
        vec![
            Account {
                name: "acme-autocalls".to_owned(),
                provider: Provider::Autocalls,
                base_url: Some("https://app.autocalls.ai/api".to_owned()),
                api_id: None,
                secret: SecretSource::Env("ACME_AUTOCALLS_KEY".to_owned()),
                secret_timeout: None,
                origin: Origin::File { line: 2 },
            },
            Account {
                name: "main-asapp".to_owned(),
                provider: Provider::Asapp,
                base_url: None,
                api_id: Some("my-api-id".to_owned()),
                secret: SecretSource::Command(vec![
                    "pass".to_owned(),
                    "show".to_owned(),
                    "asapp/main".to_owned()
                ]),
                secret_timeout: None,
                origin: Origin::File { line: 7 },
            },
        ]
    );
    assert_eq!(parse("", Path::new("cfg.toml")).unwrap(), vec![]);
}

#[test]
fn an_explicit_file_that_is_missing_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let err = Accounts::load(Some(&path), &env(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("cannot read the config file"), "{message}");

    std::fs::write(&path, GOOD).unwrap();
    let loaded = Accounts::load(Some(&path), &env(&[])).unwrap();
    assert_eq!(loaded.file, ConfigFile::Loaded(path));
    assert_eq!(loaded.accounts.len(), 2);
}

#[test]
fn malformed_toml_names_the_line_and_column() {
    let text = "[accounts.a]\nprovider = \"autocalls\"\napi_key_env = ACME\n";
    let message = parse_err(text);
    assert!(
        message.starts_with("config file cfg.toml, line 3, column 15: "),
        "{message}"
    );
}

#[test]
fn malformed_toml_never_quotes_the_value() {
    // A secret pasted where it does not belong, with a syntax error on the same line.
    let text = format!("[accounts.a]\nprovider = \"autocalls\"\napi_key_command = \"{SECRET}\n");
    let message = parse_err(&text);
    assert!(message.contains("line 3"), "{message}");
    assert!(!message.contains(SECRET), "{message}");
    // …and a value of the wrong type, which serde would quote.
    let text = format!("[accounts.a]\nprovider = \"autocalls\"\napi_key_command = \"{SECRET}\"\n");
    let message = parse_err(&text);
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("expected a sequence"), "{message}");
    assert!(!message.contains(SECRET), "{message}");
}

#[test]
fn unknown_keys_and_providers_are_errors_naming_them() {
    let message = parse_err("[accounts.a]\nprovider = \"autocalls\"\napikey_env = \"X\"\n");
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("unknown field `apikey_env`"), "{message}");

    let message = parse_err("[acounts.a]\nprovider = \"autocalls\"\n");
    assert!(message.contains("unknown field `acounts`"), "{message}");

    let message = parse_err("[accounts.a]\nprovider = \"parley\"\napi_key_env = \"X\"\n");
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("unknown variant `parley`"), "{message}");
    assert!(
        message.contains("expected `asapp` or `autocalls`"),
        "{message}"
    );
}

#[test]
fn a_secret_in_the_file_is_refused_with_the_way_out() {
    let text = format!("[accounts.a]\nprovider = \"autocalls\"\napi_key = \"{SECRET}\"\n");
    let message = parse_err(&text);
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("never holds one"), "{message}");
    assert!(message.contains("api_key_env") && message.contains("api_key_command"));
    assert!(!message.contains(SECRET), "{message}");

    let text =
        format!("[accounts.b]\nprovider = \"asapp\"\napi_id = \"x\"\napi_secret = \"{SECRET}\"\n");
    let message = parse_err(&text);
    assert!(message.contains("line 4"), "{message}");
    assert!(message.contains("api_secret_env") && message.contains("api_secret_command"));
    assert!(!message.contains(SECRET), "{message}");
}

#[test]
fn keys_that_do_not_go_together_name_the_account_and_line() {
    let cases = [
        (
            "[accounts.a]\nprovider = \"autocalls\"\n",
            "account `a`: no secret source: add `api_key_env",
        ),
        (
            "[accounts.a]\nprovider = \"autocalls\"\napi_key_env = \"X\"\napi_key_command = [\"x\"]\n",
            "give `api_key_env` or `api_key_command`, not both",
        ),
        (
            "[accounts.a]\nprovider = \"autocalls\"\napi_secret_env = \"X\"\n",
            "`api_secret_env` is not a key of autocalls accounts",
        ),
        (
            "[accounts.a]\nprovider = \"asapp\"\napi_secret_env = \"X\"\n",
            "asapp accounts need `api_id`",
        ),
        (
            "[accounts.a]\nprovider = \"asapp\"\napi_id = \"i\"\napi_key_env = \"X\"\n",
            "`api_key_env` is not a key of asapp accounts",
        ),
        (
            "[accounts.a]\nprovider = \"autocalls\"\napi_key_env = \"NOT A NAME\"\n",
            "must name an environment variable",
        ),
        (
            "[accounts.a]\nprovider = \"autocalls\"\napi_key_command = []\n",
            "must start with the program to run",
        ),
    ];
    for (text, expected) in cases {
        let message = parse_err(text);
        assert!(message.contains(expected), "{message}");
        assert!(
            message.starts_with("config file cfg.toml, line 1: "),
            "{message}"
        );
    }
}

#[test]
fn environment_variables_make_accounts_and_a_file_account_replaces_them() {
    let vars = env(&[
        ("ASAPP_API_ID", "id"),
        ("ASAPP_API_SECRET", SECRET),
        ("AUTOCALLS_API_KEY", SECRET),
        ("AUTOCALLS_BASE_URL", "http://127.0.0.1:9"),
    ]);
    let from_env = environment_accounts(&vars);
    let names: Vec<_> = from_env.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["asapp", "autocalls"]);
    assert_eq!(from_env[1].base_url.as_deref(), Some("http://127.0.0.1:9"));
    assert!(from_env.iter().all(|a| a.origin == Origin::Environment));

    // ASAPP needs both variables.
    let only_secret = env(&[("ASAPP_API_SECRET", SECRET)]);
    assert!(environment_accounts(&only_secret).is_empty());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[accounts.autocalls]\nprovider = \"autocalls\"\napi_key_env = \"OTHER\"\n",
    )
    .unwrap();
    let loaded = Accounts::load(Some(&path), &vars).unwrap();
    let names: Vec<_> = loaded.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["autocalls", "asapp"]);
    assert_eq!(
        loaded.find("autocalls").unwrap().secret,
        SecretSource::Env("OTHER".to_owned())
    );
    let unknown = loaded.find("acme").unwrap_err().to_string();
    assert!(unknown.contains("no account named `acme`"), "{unknown}");
    assert!(unknown.contains("autocalls, asapp"), "{unknown}");
}

#[test]
fn an_env_secret_is_read_when_used_and_named_when_missing() {
    let account = one(GOOD.split("\n\n").next().unwrap());
    let resolved = account
        .resolve(&env(&[("ACME_AUTOCALLS_KEY", SECRET)]))
        .unwrap();
    assert_eq!(resolved.secret.expose_secret(), SECRET);
    assert_eq!(resolved.name, "acme-autocalls");

    let err = account.resolve(&env(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "account `acme-autocalls`: environment variable ACME_AUTOCALLS_KEY is not set"
    );
    assert_eq!(err.exit_code(), crate::exit::AUTH);
    let err = account
        .resolve(&env(&[("ACME_AUTOCALLS_KEY", "")]))
        .unwrap_err();
    assert!(err.to_string().contains("is empty"), "{err}");
}

#[test]
fn a_command_secret_is_its_stdout_without_the_line_break() {
    let account = command_account(&["sh", "-c", &format!("printf '{SECRET}\\n'")]);
    let resolved = account.resolve(&env(&[])).unwrap();
    assert_eq!(resolved.secret.expose_secret(), SECRET);

    let account = command_account(&["sh", "-c", &format!("printf '{SECRET}'")]);
    assert_eq!(
        account.resolve(&env(&[])).unwrap().secret.expose_secret(),
        SECRET
    );
}

#[test]
fn a_failing_command_is_named_with_its_status_never_its_output() {
    // The output (`out42`) appears nowhere in the command line, so it cannot leak through it.
    let account = command_account(&["sh", "-c", "echo out$((40+2)); exit 3"]);
    let err = account.resolve(&env(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "account `cmd`: api_key_command `sh -c 'echo out$((40+2)); exit 3'` failed \
         (exit status: 3); its output is not shown"
    );
    assert_eq!(err.exit_code(), crate::exit::AUTH);

    let quiet = command_account(&["sh", "-c", "exit 0"]);
    let message = quiet.resolve(&env(&[])).unwrap_err().to_string();
    assert!(message.contains("printed nothing on stdout"), "{message}");

    let chatty = command_account(&["sh", "-c", "echo out$((40+2)); echo more$((2+2))"]);
    let message = chatty.resolve(&env(&[])).unwrap_err().to_string();
    assert!(message.contains("more than one line"), "{message}");
    assert!(
        !message.contains("out42") && !message.contains("more4"),
        "{message}"
    );

    let missing = command_account(&["/nonexistent/secret-helper", "x"]);
    let message = missing.resolve(&env(&[])).unwrap_err().to_string();
    assert!(
        message.starts_with(
            "account `cmd`: cannot run api_key_command `/nonexistent/secret-helper x`: "
        ),
        "{message}"
    );
}

#[test]
fn no_secret_in_debug_or_errors() {
    let (accounts, vars) = good_accounts_with_secrets();
    assert!(!format!("{accounts:?}").contains(SECRET));

    let resolved = accounts
        .find("acme-autocalls")
        .unwrap()
        .resolve(&vars)
        .unwrap();
    let debug = format!("{resolved:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
}

#[test]
fn shell_words_quote_what_a_shell_would_split() {
    let argv = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        shell_words(&argv(&["pass", "show", "a/b"])),
        "pass show a/b"
    );
    assert_eq!(
        shell_words(&argv(&["sh", "-c", "printf 'x'"])),
        r"sh -c 'printf '\''x'\'''"
    );
    assert_eq!(shell_words(&argv(&[""])), "''");
}

#[test]
fn values_in_messages_are_redacted_and_nothing_else() {
    assert_eq!(
        redact_values("invalid type: string \"sk-1\", expected a sequence"),
        "invalid type: string \"…\", expected a sequence"
    );
    assert_eq!(
        redact_values(r#"invalid value: string "a\"b", expected x; and string "c""#),
        r#"invalid value: string "…", expected x; and string "…""#
    );
    assert_eq!(
        redact_values("invalid type: integer `42`, expected a string"),
        "invalid type: integer `…`, expected a string"
    );
    assert_eq!(
        redact_values("invalid basic string, expected `\"`\nmore"),
        "invalid basic string, expected `\"`; more"
    );
    assert_eq!(redact_values("string \"unterminated"), "string \"…");
}

#[test]
fn a_secret_timeout_is_read_for_commands_only() {
    let with = |timeout: &str, secret: &str| {
        format!(
            "[accounts.a]\nprovider = \"autocalls\"\n{secret}\nsecret_timeout = \"{timeout}\"\n"
        )
    };
    let command = r#"api_key_command = ["pass", "show", "a"]"#;
    assert_eq!(
        one(&with("90s", command)).secret_timeout,
        Some(std::time::Duration::from_secs(90))
    );
    assert_eq!(one(GOOD.split("\n\n").next().unwrap()).secret_timeout, None);
    for bad in ["0s", "soon", ""] {
        let message = parse_err(&with(bad, command));
        assert!(
            message.contains("`secret_timeout` must be a duration"),
            "{message}"
        );
    }
    let message = parse_err(&with("1s", r#"api_key_env = "KEY""#));
    assert!(
        message.contains("only applies to `api_key_command`"),
        "{message}"
    );
}
