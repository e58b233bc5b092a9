//! The connector's config (JSON), the same for Singer and Airbyte: which providers or
//! accounts, secrets a platform injects, listing filters by their CLI names, the lookback,
//! the page size, ASAPP's external ids, or the built-in sandbox. Unknown top-level keys are
//! ignored (runners add their own); an unknown filter is an error. The sources are built the
//! way every command builds them ([`crate::providers`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use conversations_core::ConversationQuery;
use conversations_sandbox::Sandbox;
use serde::Deserialize;
use serde_json::Value;

use crate::args::{CredentialArgs, FilterArgs, ProviderChoice};
use crate::filters::WithFilters;
use crate::providers::NamedSource;
use crate::providers::{self, SetupError};

/// The lookback when the config names none.
const DEFAULT_LOOKBACK: Duration = Duration::from_secs(3 * 86_400);

/// Why a config could not be used: one line naming what was wrong, never a secret's value.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// The file could not be read.
    #[error("could not read the config {path}: {error}")]
    Read { path: String, error: std::io::Error },
    /// The file is not the JSON the connector takes.
    #[error("the config {path} is not valid: {message}")]
    Invalid { path: String, message: String },
    /// The sources could not be built.
    #[error("{0}")]
    Setup(String),
}

/// A provider the config names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Provider {
    /// ASAPP.
    Asapp,
    /// Autocalls.
    Autocalls,
}

/// The listing filters, by their CLI names (`external-id`, `type`, `assistant-id`,
/// `customer-phone`, `whatsapp-sender-phone`; `_` for `-` works too).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Filters {
    #[serde(alias = "external_id")]
    external_id: Option<String>,
    #[serde(rename = "type")]
    conversation_type: Option<String>,
    #[serde(alias = "assistant_id")]
    assistant_id: Option<u64>,
    #[serde(alias = "customer_phone")]
    customer_phone: Option<String>,
    #[serde(alias = "whatsapp_sender_phone")]
    whatsapp_sender_phone: Option<String>,
}

/// The connector's config, as read from its JSON file.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ConnectorConfig {
    /// The providers to read (default: every one with credentials).
    #[serde(default)]
    pub(crate) providers: Vec<Provider>,
    /// Accounts of the accounts config file, each a stream of its own.
    #[serde(default)]
    pub(crate) accounts: Vec<String>,
    autocalls_api_key: Option<String>,
    asapp_api_id: Option<String>,
    asapp_api_secret: Option<String>,
    asapp_base_url: Option<String>,
    autocalls_base_url: Option<String>,
    #[serde(default)]
    filters: Filters,
    /// `3d`, `12h`… (default 3 days).
    lookback: Option<String>,
    /// Records per request, for providers that page.
    pub(crate) page_size: Option<u32>,
    /// ASAPP external ids to look up.
    #[serde(default)]
    pub(crate) external_ids: Vec<String>,
    /// A file of ASAPP external ids, one a line.
    pub(crate) external_ids_file: Option<PathBuf>,
    /// Read from a built-in sandbox instead.
    #[serde(default)]
    pub(crate) sandbox: bool,
    /// The lookback, parsed.
    #[serde(skip)]
    pub(crate) lookback_duration: Duration,
}

impl ConnectorConfig {
    /// Reads and checks the config at `path`.
    pub(crate) fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.display().to_string(),
            error,
        })?;
        Self::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parses a config's text; the error never holds a secret's value.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !value.is_object() {
            return Err("expected a JSON object".to_owned());
        }
        let mut redactor = conversations_transport::Redactor::new();
        for key in ["autocalls_api_key", "asapp_api_secret", "asapp_api_id"] {
            if let Some(Value::String(secret)) = value.get(key)
                && !secret.is_empty()
            {
                redactor = redactor.secret(secret);
            }
        }
        let mut config: Self =
            serde_json::from_value(value).map_err(|e| redactor.redact_string(e.to_string()))?;
        config.lookback_duration = match &config.lookback {
            None => DEFAULT_LOOKBACK,
            Some(text) => humantime::parse_duration(text.trim())
                .map_err(|e| format!("lookback: {e} (e.g. 3d, 12h)"))?,
        };
        if config.page_size == Some(0) {
            return Err("page_size: must be at least 1".to_owned());
        }
        if !config.external_ids.is_empty() && config.external_ids_file.is_some() {
            return Err("external_ids and external_ids_file: give one or the other".to_owned());
        }
        Ok(config)
    }

    /// The listing query of every stream: the filters and the page size.
    pub(crate) fn query(&self) -> ConversationQuery {
        let f = &self.filters;
        let filters = FilterArgs {
            external_id: f.external_id.clone(),
            conversation_type: f.conversation_type.clone(),
            assistant_id: f.assistant_id,
            customer_phone: f.customer_phone.clone(),
            whatsapp_sender_phone: f.whatsapp_sender_phone.clone(),
            // A connector's runs are bounded by its state and lookback, not by times.
            since: None,
            until: None,
        };
        let mut query = ConversationQuery::new().with_filters(&filters);
        query.page_size = self.page_size;
        query
    }

    /// The credentials: the config's keys over the usual environment variables.
    fn credentials(&self) -> CredentialArgs {
        let pick = |key: &Option<String>, variable: &str| {
            key.clone()
                .filter(|v| !v.is_empty())
                .or_else(|| std::env::var(variable).ok())
        };
        CredentialArgs {
            asapp_api_id: pick(&self.asapp_api_id, "ASAPP_API_ID"),
            asapp_api_secret: pick(&self.asapp_api_secret, "ASAPP_API_SECRET"),
            asapp_base_url: pick(&self.asapp_base_url, "ASAPP_BASE_URL"),
            autocalls_api_key: pick(&self.autocalls_api_key, "AUTOCALLS_API_KEY"),
            autocalls_base_url: pick(&self.autocalls_base_url, "AUTOCALLS_BASE_URL"),
        }
    }

    /// The stream names discovery offers, without building any client: the accounts', and
    /// the providers' (every provider when none is named).
    pub(crate) fn stream_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.accounts.clone();
        if self.accounts.is_empty() || !self.providers.is_empty() {
            for provider in self.provider_list() {
                names.push(provider_name(provider).to_owned());
            }
        }
        names
    }

    fn provider_list(&self) -> Vec<Provider> {
        if self.providers.is_empty() {
            vec![Provider::Asapp, Provider::Autocalls]
        } else {
            let mut list = self.providers.clone();
            list.dedup();
            list
        }
    }

    /// The sources to read: the accounts', then the providers' (from the config's keys, the
    /// environment, or the sandbox, which lives as long as the returned value).
    pub(crate) async fn sources(&self) -> Result<(Option<Sandbox>, Vec<NamedSource>), ConfigError> {
        let options = conversations_transport::ClientOptions::new();
        let mut sources = Vec::new();
        if !self.accounts.is_empty() {
            sources =
                crate::providers::sources_for(&self.accounts, None, &options).map_err(|_| {
                    ConfigError::Setup("the accounts could not be set up (see above)".to_owned())
                })?;
            if self.providers.is_empty() {
                return Ok((None, sources));
            }
        }
        let sandbox = if self.sandbox {
            Some(
                Sandbox::start(conversations_sandbox::SandboxConfig::new())
                    .await
                    .map_err(|e| ConfigError::Setup(format!("could not start the sandbox: {e}")))?,
            )
        } else {
            None
        };
        let credentials = match &sandbox {
            Some(sandbox) => providers::sandbox_credentials(sandbox),
            None => self.credentials(),
        };
        let explicit = !self.providers.is_empty();
        for provider in self.provider_list() {
            let choice = match provider {
                Provider::Asapp => ProviderChoice::Asapp,
                Provider::Autocalls => ProviderChoice::Autocalls,
            };
            match providers::sources_with(choice, &credentials, &options) {
                Ok(built) => sources.extend(
                    built
                        .into_iter()
                        .map(|source| (Arc::from(source.provider()), source)),
                ),
                // Not named and not configured: simply not read.
                Err(errors)
                    if !explicit
                        && errors
                            .iter()
                            .all(|e| matches!(e, SetupError::Missing { .. })) => {}
                Err(errors) => {
                    let lines: Vec<String> = errors.iter().map(setup_message).collect();
                    return Err(ConfigError::Setup(lines.join("; ")));
                }
            }
        }
        if sources.is_empty() {
            return Err(ConfigError::Setup(
                "no provider has credentials: set autocalls_api_key, or asapp_api_id and \
                 asapp_api_secret, in the config (or their environment variables), or name \
                 accounts, or set sandbox to true"
                    .to_owned(),
            ));
        }
        let mut names: Vec<&str> = sources.iter().map(|(name, _)| &**name).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ConfigError::Setup(format!(
                "two streams would be named {}: rename the account",
                pair[0]
            )));
        }
        Ok((sandbox, sources))
    }
}

/// A provider's name as a stream is named.
pub(crate) fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Asapp => "asapp",
        Provider::Autocalls => "autocalls",
    }
}

/// A setup error in the config's words (its keys, not the CLI's flags).
fn setup_message(error: &SetupError) -> String {
    match error {
        SetupError::Missing {
            provider,
            variable,
            flag,
        } => format!(
            "{provider}: missing credential: set {} in the config (or {variable})",
            flag.replace('-', "_")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_ignored_and_the_defaults_apply() {
        let config =
            ConnectorConfig::parse(r#"{"providers": ["autocalls"], "some_runner_key": 1}"#)
                .unwrap();
        assert_eq!(config.providers, [Provider::Autocalls]);
        assert_eq!(config.lookback_duration, DEFAULT_LOOKBACK);
        assert_eq!(config.stream_names(), ["autocalls"]);
    }

    #[test]
    fn filters_take_the_cli_names() {
        let config = ConnectorConfig::parse(
            r#"{"filters": {"type": "api", "assistant-id": 7, "customer_phone": "+1"}, "lookback": "12h"}"#,
        )
        .unwrap();
        assert_eq!(config.lookback_duration, Duration::from_secs(12 * 3600));
        assert_eq!(config.query().filters().count(), 3);
    }

    #[test]
    fn errors_name_the_key_and_never_a_secret() {
        let err = ConnectorConfig::parse(r#"{"filters": {"colour": "red"}}"#).unwrap_err();
        assert!(err.contains("colour"), "{err}");
        let err = ConnectorConfig::parse(r#"{"lookback": "soon"}"#).unwrap_err();
        assert!(err.starts_with("lookback:"), "{err}");
        let err =
            ConnectorConfig::parse(r#"{"asapp_api_secret": "hunter22", "page_size": "hunter22"}"#)
                .unwrap_err();
        assert!(!err.contains("hunter22"), "{err}");
        assert!(ConnectorConfig::parse("[]").is_err());
    }
}
