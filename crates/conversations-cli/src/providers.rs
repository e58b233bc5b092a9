//! The one place `ConversationSource`s are built, with the provider crates' public builders
//! only: from credentials given as flags or environment variables ([`sources_with`]), from
//! the config file's named accounts ([`from_account`], [`sources_for`]), or pointing at the
//! built-in sandbox; [`select`] picks among them for a `list` or `sync` run.

use std::path::Path;
use std::sync::Arc;

use asapp_gen::AsappClient;
use autocalls_api::{AutocallsClient, AutocallsSource};
use conversations_core::ConversationSource;
use conversations_sandbox::Sandbox;
use conversations_transport::ClientOptions;

use crate::args::{AccountArgs, CredentialArgs, HttpArgs, PaceArgs, ProviderChoice};
use crate::config::{Account, AccountError, Accounts, EnvLookup, Provider, process_env};
use crate::exit;

/// A source with the name it is listed under.
pub(crate) type NamedSource = (Arc<str>, Arc<dyn ConversationSource>);

/// Why a provider could not be set up: what to set, or what was wrong.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SetupError {
    /// A credential is missing.
    #[error("{provider}: missing credential: set {variable} (or pass --{flag})")]
    Missing {
        provider: &'static str,
        variable: &'static str,
        flag: &'static str,
    },
    /// The builder refused the configuration (bad base URL, bad credential characters, …).
    #[error("{provider}: {message}")]
    Invalid {
        provider: &'static str,
        message: String,
    },
}

fn required(
    value: Option<&String>,
    provider: &'static str,
    variable: &'static str,
    flag: &'static str,
) -> Result<String, SetupError> {
    value
        .filter(|v| !v.is_empty())
        .cloned()
        .ok_or(SetupError::Missing {
            provider,
            variable,
            flag,
        })
}

/// A base URL given (an empty one, like an empty variable, counts as not given).
fn base_url(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|url| !url.is_empty())
}

/// A builder's refusal; a refused base URL names where it came from: its environment
/// variable when that holds it, else its flag (`setting`: the variable and the flag).
fn refused(
    provider: &'static str,
    url: Option<&str>,
    (variable, flag): (&str, &str),
    error: &dyn std::fmt::Display,
) -> SetupError {
    let message = match url {
        Some(url) if conversations_transport::BaseUrl::parse(url).is_err() => {
            let from_env = std::env::var_os(variable).is_some_and(|v| v == url);
            if from_env {
                format!("{variable}: {error}")
            } else {
                format!("--{flag}: {error}")
            }
        }
        _ => error.to_string(),
    };
    SetupError::Invalid { provider, message }
}

fn asapp(
    credentials: &CredentialArgs,
    options: &ClientOptions,
) -> Result<Arc<dyn ConversationSource>, SetupError> {
    let id = required(
        credentials.asapp_api_id.as_ref(),
        "asapp",
        "ASAPP_API_ID",
        "asapp-api-id",
    )?;
    let secret = required(
        credentials.asapp_api_secret.as_ref(),
        "asapp",
        "ASAPP_API_SECRET",
        "asapp-api-secret",
    )?;
    let mut builder = AsappClient::builder()
        .api_id(id)
        .api_secret(secret)
        .options(options.clone());
    let url = base_url(credentials.asapp_base_url.as_ref());
    if let Some(url) = url {
        builder = builder.base_url(url.to_owned());
    }
    let client = builder
        .build()
        .map_err(|e| refused("asapp", url, ("ASAPP_BASE_URL", "asapp-base-url"), &e))?;
    Ok(Arc::new(client.into_source()))
}

fn autocalls(
    credentials: &CredentialArgs,
    options: &ClientOptions,
) -> Result<Arc<dyn ConversationSource>, SetupError> {
    let key = required(
        credentials.autocalls_api_key.as_ref(),
        "autocalls",
        "AUTOCALLS_API_KEY",
        "autocalls-api-key",
    )?;
    let mut builder = AutocallsClient::builder()
        .api_key(key)
        .options(options.clone());
    let url = base_url(credentials.autocalls_base_url.as_ref());
    if let Some(url) = url {
        builder = builder.base_url(url.to_owned());
    }
    let client = builder.build().map_err(|e| {
        refused(
            "autocalls",
            url,
            ("AUTOCALLS_BASE_URL", "autocalls-base-url"),
            &e,
        )
    })?;
    Ok(Arc::new(AutocallsSource::new(client)))
}

/// Credentials pointing at a running sandbox.
pub(crate) fn sandbox_credentials(sandbox: &Sandbox) -> CredentialArgs {
    let demo = sandbox.credentials();
    CredentialArgs {
        asapp_api_id: Some(demo.asapp_api_id.clone()),
        asapp_api_secret: Some(demo.asapp_api_secret.clone()),
        asapp_base_url: Some(sandbox.asapp_base_url()),
        autocalls_api_key: Some(demo.autocalls_api_key.clone()),
        autocalls_base_url: Some(sandbox.autocalls_base_url()),
    }
}

/// The sources `choice` names, with these HTTP options (a `--rate`, say) for every client.
/// For `all`, every provider with credentials; when none has any, the errors naming what to
/// set.
pub(crate) fn sources_with(
    choice: ProviderChoice,
    credentials: &CredentialArgs,
    options: &ClientOptions,
) -> Result<Vec<Arc<dyn ConversationSource>>, Vec<SetupError>> {
    match choice {
        ProviderChoice::Asapp => asapp(credentials, options)
            .map(|s| vec![s])
            .map_err(|e| vec![e]),
        ProviderChoice::Autocalls => autocalls(credentials, options)
            .map(|s| vec![s])
            .map_err(|e| vec![e]),
        ProviderChoice::All => {
            let mut sources = Vec::new();
            let mut errors = Vec::new();
            for result in [asapp(credentials, options), autocalls(credentials, options)] {
                match result {
                    Ok(source) => sources.push(source),
                    // A provider without credentials is simply not configured…
                    Err(SetupError::Missing { .. }) => {}
                    // …but one configured wrongly is an error.
                    Err(e) => errors.push(e),
                }
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            if sources.is_empty() {
                return Err(vec![
                    asapp(credentials, options).err(),
                    autocalls(credentials, options).err(),
                ]
                .into_iter()
                .flatten()
                .collect());
            }
            Ok(sources)
        }
    }
}

/// What every command that lists starts with: the built-in sandbox when asked for (it lives
/// as long as the returned value), and the sources `choice` names, with `options`. Setup
/// errors are printed; the exit code to end with is returned instead.
async fn setup(
    use_sandbox: bool,
    choice: ProviderChoice,
    credentials: &CredentialArgs,
    options: &ClientOptions,
) -> Result<(Option<Sandbox>, Vec<Arc<dyn ConversationSource>>), std::process::ExitCode> {
    let sandbox = if use_sandbox {
        match Sandbox::start(conversations_sandbox::SandboxConfig::new()).await {
            Ok(sandbox) => Some(sandbox),
            Err(e) => {
                eprintln!("error: could not start the sandbox: {e}");
                return Err(std::process::ExitCode::from(exit::FAILURE));
            }
        }
    } else {
        None
    };
    let credentials = match &sandbox {
        Some(sandbox) => sandbox_credentials(sandbox),
        None => credentials.clone(),
    };
    match sources_with(choice, &credentials, options) {
        Ok(sources) => Ok((sandbox, sources)),
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            let all_missing = errors
                .iter()
                .all(|e| matches!(e, SetupError::Missing { .. }));
            let code = if all_missing { exit::AUTH } else { exit::USAGE };
            Err(std::process::ExitCode::from(code))
        }
    }
}

/// The client options of `--timeout` and `--max-body-size` (the page deadline grows with a
/// longer timeout, so one attempt always fits in it).
pub(crate) fn client_options(http: &HttpArgs) -> ClientOptions {
    let deadline = conversations_transport::DEFAULT_DEADLINE.max(http.timeout * 3);
    ClientOptions::new()
        .timeout(http.timeout)
        .deadline(deadline)
        .max_body_size(http.max_body_size)
}

/// The sources a `list` or `sync` run reads: its named accounts, or the providers of
/// `--provider` from the environment or the sandbox.
pub(crate) struct Selection {
    /// The built-in sandbox, kept alive for the run when it was asked for.
    pub(crate) sandbox: Option<Sandbox>,
    /// Each source with the name its records and errors go under: the account's name, or the
    /// provider's.
    pub(crate) sources: Vec<NamedSource>,
    /// Whether the sources are named accounts (records then say which account).
    pub(crate) named: bool,
}

/// Selects the sources of a run, with the client options of `pace` (`--rate`). With no
/// account and no provider, `default` is used, or the run is refused when there is none.
/// Errors are printed; the exit code to end with is returned instead.
pub(crate) async fn select(
    provider: Option<ProviderChoice>,
    default: Option<ProviderChoice>,
    accounts: &AccountArgs,
    pace: &PaceArgs,
    http: &HttpArgs,
    use_sandbox: bool,
    credentials: &CredentialArgs,
) -> Result<Selection, std::process::ExitCode> {
    let mut options = client_options(http);
    if let Some(rate) = pace.rate {
        options = options.rate_limit(conversations_transport::RateLimit::per_second(rate));
    }
    if !accounts.accounts.is_empty() {
        let sources = sources_for(
            &accounts.accounts,
            accounts.file.config.as_deref(),
            &options,
        )?;
        return Ok(Selection {
            sandbox: None,
            sources,
            named: true,
        });
    }
    let Some(choice) = provider.or(default) else {
        eprintln!("error: --provider or --account is required");
        return Err(std::process::ExitCode::from(exit::USAGE));
    };
    let (sandbox, sources) = setup(use_sandbox, choice, credentials, &options).await?;
    Ok(Selection {
        sandbox,
        sources: sources
            .into_iter()
            .map(|source| (Arc::from(source.provider()), source))
            .collect(),
        named: false,
    })
}

/// The source of `account`, its secret read now (from `env` or its command) and its client
/// built with `options`.
pub(crate) fn from_account(
    account: &Account,
    env: EnvLookup<'_>,
    options: &ClientOptions,
) -> Result<Arc<dyn ConversationSource>, AccountError> {
    let account = account.resolve(env)?;
    let name = account.name;
    let refused = |e: &dyn std::fmt::Display| AccountError::Build {
        account: name.clone(),
        message: e.to_string(),
    };
    match account.provider {
        Provider::Asapp => {
            let mut builder = AsappClient::builder()
                .api_id(account.api_id.unwrap_or_default())
                .api_secret(account.secret)
                .options(options.clone());
            if let Some(url) = account.base_url {
                builder = builder.base_url(url);
            }
            let client = builder.build().map_err(|e| refused(&e))?;
            Ok(Arc::new(client.into_source()))
        }
        Provider::Autocalls => {
            let mut builder = AutocallsClient::builder()
                .api_key(account.secret)
                .options(options.clone());
            if let Some(url) = account.base_url {
                builder = builder.base_url(url);
            }
            let client = builder.build().map_err(|e| refused(&e))?;
            Ok(Arc::new(AutocallsSource::new(client)))
        }
    }
}

/// The sources of the accounts `names`, each named after its account and built with
/// `options`, from the config file at `explicit` (or `CONVERSATIONS_CONFIG`, or the default
/// path) and the environment; an error is printed and its exit code returned.
pub(crate) fn sources_for(
    names: &[String],
    explicit: Option<&Path>,
    options: &ClientOptions,
) -> Result<Vec<NamedSource>, std::process::ExitCode> {
    let accounts = Accounts::load(explicit, &process_env).map_err(|e| {
        eprintln!("error: {e}");
        std::process::ExitCode::from(exit::USAGE)
    })?;
    let mut sources = Vec::new();
    for name in names {
        let account = accounts.find(name).map_err(|e| {
            eprintln!("error: {e}");
            std::process::ExitCode::from(exit::USAGE)
        })?;
        let source = from_account(account, &process_env, options).map_err(|e| {
            eprintln!("error: {e}");
            std::process::ExitCode::from(e.exit_code())
        })?;
        sources.push((Arc::from(name.as_str()), source));
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::config::tests::{SECRET, env, one};

    #[test]
    fn a_resolved_account_builds_its_providers_source() {
        let vars = env(&[("K", SECRET)]);
        let autocalls = one("[accounts.a]\nprovider = \"autocalls\"\napi_key_env = \"K\"\n");
        let source = from_account(&autocalls, &vars, &ClientOptions::new()).unwrap();
        assert!(source.capabilities().page_size().is_some());

        let asapp =
            one("[accounts.b]\nprovider = \"asapp\"\napi_id = \"i\"\napi_secret_env = \"K\"\n");
        from_account(&asapp, &vars, &ClientOptions::new()).unwrap();

        let insecure = one(
            "[accounts.c]\nprovider = \"autocalls\"\nbase_url = \"http://example.com\"\napi_key_env = \"K\"\n",
        );
        let err = from_account(&insecure, &vars, &ClientOptions::new())
            .err()
            .unwrap();
        assert!(err.to_string().starts_with("account `c`: "), "{err}");
        assert_eq!(err.exit_code(), exit::USAGE);
        assert!(!err.to_string().contains(SECRET));
    }
}
