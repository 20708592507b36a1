//! Configuration: a TOML file (`--config`, or `concierge.toml` when present), then
//! environment variables, then command-line flags, each overriding the one before.
//!
//! Every limit has a default that suits a small shop on a small machine; see `concierge.toml.example`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::money::{Currency, ExchangeRates};
use crate::profile::Durability;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}:{line}: {message}")]
    Invalid { file: String, line: usize, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
}

/// The whole configuration. Field names are the TOML keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// Where profiles live: a `postgres://` URL (shared by several servers) or a directory for
    /// sled; `None`: sled in `data_dir`, as before.
    pub store: Option<String>,
    /// The PostgreSQL store's connections, when `store` is a `postgres://` URL.
    pub postgres: PostgresConfig,
    pub catalog: PathBuf,
    /// `None`: `prompts/` when it exists, else the built-in prompt files.
    pub prompts: Option<PathBuf>,
    /// Enables the admin routes (`Authorization: Bearer <key>`); off when unset.
    pub admin_key: Option<String>,
    /// The shop's backend posts events with this key and its own customer ids.
    pub backend_key: Option<String>,
    /// Shared with the shop's server, which signs logged-in customer ids with it.
    pub identity_secret: Option<String>,
    /// Signs shopper tokens; generated once into the data directory when unset.
    pub secret: Option<String>,
    /// Earlier secrets still accepted (for rotation): tokens they signed remain valid.
    pub previous_secrets: Vec<String>,
    /// Browser origins allowed to open the chat and call the API (`https://shop.example`).
    pub allowed_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the real client (per-client limits then
    /// count that address) and whose own connections are not limited per client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub log: LogConfig,
    pub limits: Limits,
    pub profile: ProfileConfig,
    /// Exchange rates into the shop's currency, e.g. `USD = 0.79`.
    pub rates: std::collections::BTreeMap<String, Decimal>,
    pub llm: LlmConfig,
    pub mcp: McpConfig,
    pub notices: NoticesConfig,
    /// The shop as shoppers see it: name, currency display, accent colour, logo.
    pub shop: crate::shop::Shop,
    /// The holdout and the merchant's experiments (`[experiments]`).
    pub experiments: crate::experiments::ExperimentsConfig,
}

/// The PostgreSQL store's connections (`[postgres]`); each server keeps its own pool.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostgresConfig {
    /// Connections this server keeps open (each turn holds one for a few round trips).
    pub pool_size: usize,
    /// Milliseconds to connect, to wait for a free pooled connection, and for any one store
    /// call as a whole; past it the call fails (`internal` to the shopper, 503 from
    /// `/healthz`) and nothing is acknowledged.
    pub timeout_ms: u64,
}

impl Default for PostgresConfig {
    fn default() -> PostgresConfig {
        PostgresConfig { pool_size: 16, timeout_ms: 5_000 }
    }
}

/// The MCP server for shoppers' own agents (`[mcp]`), at `/mcp`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct McpConfig {
    /// Serve `/mcp` and `/.well-known/ucp`.
    pub enabled: bool,
    /// `Host` header values `/mcp` answers (a name, or `name:port`); anything else is refused,
    /// which stops DNS-rebinding attacks. Defaults to the loopback names: list the shop's own.
    pub allowed_hosts: Vec<String>,
    /// Tool calls per minute per client address, with bursts of a sixth of it (at least 10).
    pub per_minute: u32,
    /// Largest MCP request body.
    pub body_bytes: usize,
    /// The public base URL the discovery document names (`https://shop.example`); by default
    /// `http://` and the request's `Host`.
    pub public_url: Option<String>,
}

impl Default for McpConfig {
    fn default() -> McpConfig {
        McpConfig {
            enabled: true,
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            per_minute: 300,
            body_bytes: 64 * 1024,
            public_url: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (human-readable) or `json`.
    #[serde(deserialize_with = "parsed")]
    pub format: LogFormat,
    /// Log shoppers' messages and tokens (never enable in production).
    pub debug_shopper_text: bool,
    /// Seconds between summary lines (connections, turns per second, errors, refusals); 0: none.
    pub summary_secs: u64,
    /// Request and connection lines written per second at most; the rest are counted and the
    /// count ("N suppressed") is written with the next line.
    pub lines_per_second: u32,
}

/// How the server writes its logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<LogFormat, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("log format is text or json, not `{other}`")),
        }
    }
}

/// A setting written as a string and parsed here, at the edge, so a bad value is an error
/// at load that names the allowed values (the type's `FromStr` message).
fn parsed<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr<Err = String>,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

/// Every limit is counted in the metrics when it refuses something.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// A chat frame larger than this gets a `too_large` error; the connection stays usable.
    pub soft_frame_bytes: usize,
    /// A chat frame larger than this closes the connection with status 1009.
    pub hard_frame_bytes: usize,
    /// Messages a connection may send per minute, with bursts up to `burst`.
    pub messages_per_minute: u32,
    pub burst: u32,
    pub max_connections: usize,
    /// Seconds a new connection has to send `hello`.
    pub hello_timeout_secs: u64,
    /// Seconds of silence after which a connection is closed.
    pub idle_timeout_secs: u64,
    /// Seconds a closed conversation can be resumed with its session id.
    pub session_resume_secs: u64,
    /// Largest REST request body (the admin catalog upload has its own limit).
    pub rest_body_bytes: usize,
    pub catalog_body_bytes: usize,
    /// REST requests per minute per client address.
    pub rest_per_minute: u32,
    /// New chat connections per minute per client address (bursts of a sixth of it, at least 10).
    pub chat_per_minute: u32,
    /// Open TCP connections per client address (a trusted proxy is exempt).
    pub connections_per_client: usize,
    /// Open TCP connections in all, chat sockets included.
    pub max_tcp_connections: usize,
    /// Seconds a connection has to send a request's headers (also closes idle keep-alives).
    pub header_timeout_secs: u64,
    /// Seconds a request has to send its whole body.
    pub body_timeout_secs: u64,
    /// Closed conversations kept for a reconnect; the oldest is dropped first beyond it.
    pub max_parked_sessions: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileConfig {
    /// Behaviour older than this is neither used for ranking nor shown as a reason.
    pub behaviour_window_days: u32,
    /// Anonymous shoppers idle for longer than this are removed.
    pub retention_days: u32,
    /// `group` (flush shared by concurrent writers), `each` (a flush per write), `none`.
    #[serde(deserialize_with = "parsed")]
    pub durability: Durability,
    /// With `group`: the least time between two flushes' starts, in microseconds. Answers
    /// arriving within it share the next flush; 0 flushes as soon as the last one ends.
    pub group_window_us: u64,
    /// The largest stored profile, encoded, in bytes; a write past it is refused.
    pub max_profile_bytes: usize,
    /// Days an erased shopper or customer id stays refused, so no late event or re-import
    /// recreates it; after that a customer id may be linked again, as a new customer.
    pub erased_ids_days: u32,
    /// Percent of the home placement's products picked outside the shopper's usual types
    /// (labelled "something different"); 0 turns serendipity off.
    pub serendipity_percent: u8,
}

/// The optional language model (`[llm]`): none unless both `base_url` and `model` are set.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// An OpenAI-compatible endpoint, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`.
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<String>,
    /// Use the model to read messages the rules only partly understand.
    pub understand: bool,
    /// Use the model to word replies (streamed as `reply_delta` frames).
    pub phrase: bool,
    /// The longest a turn waits for the model to read a message before using the rules alone.
    pub understand_timeout_ms: u64,
    /// The longest a reply may take to stream before the template reply is sent instead.
    pub phrase_timeout_ms: u64,
    /// The model's context window in tokens; prompts are fitted to it, oldest history first.
    pub context_tokens: usize,
    /// Room kept for the answer, and its limit.
    pub max_reply_tokens: u32,
    /// A tiktoken encoding (`o200k_base`, `cl100k_base`) to count tokens with; by default the
    /// model's own when tiktoken knows it, else `o200k_base` plus a 25% safety margin.
    pub encoding: Option<String>,
    /// Whether facts from earlier visits may be sent to the model; when `false`, replies built
    /// from remembered facts are never sent to it (they keep their template wording).
    pub share_profile: bool,
    /// Failed calls in a row that stop calls for `breaker_cooldown_secs`.
    pub breaker_failures: u32,
    pub breaker_cooldown_secs: u64,
}

/// `[notices]`: proactive notices (README, "Notices").
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoticesConfig {
    /// Where notices for shoppers who are not connected are POSTed, signed; none: they wait
    /// for `GET /v1/notices`.
    pub webhook_url: Option<String>,
    /// The HMAC-SHA256 key of the webhook's signature (`CONCIERGE_NOTICES_WEBHOOK_SECRET`);
    /// required with `webhook_url`.
    pub webhook_secret: Option<String>,
    /// At most this many notices per shopper within `cap_days` days.
    pub max_per_shopper: usize,
    pub cap_days: u32,
    /// A watched product at or below this stock is noticed as running low.
    pub low_stock: u64,
    /// How often consenting customers are checked for products due again (reorder notices),
    /// in seconds; 0: never.
    pub reorder_every_secs: u64,
}

impl Default for NoticesConfig {
    fn default() -> NoticesConfig {
        NoticesConfig {
            webhook_url: None,
            webhook_secret: None,
            max_per_shopper: 3,
            cap_days: 7,
            low_stock: 3,
            reorder_every_secs: 6 * 3600,
        }
    }
}

impl Default for LlmConfig {
    fn default() -> LlmConfig {
        LlmConfig {
            base_url: None,
            model: None,
            api_key: None,
            understand: true,
            phrase: true,
            understand_timeout_ms: 2_000,
            phrase_timeout_ms: 6_000,
            context_tokens: 4_096,
            max_reply_tokens: 200,
            encoding: None,
            share_profile: true,
            breaker_failures: 3,
            breaker_cooldown_secs: 30,
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            store: None,
            postgres: PostgresConfig::default(),
            catalog: PathBuf::from("catalog/demo.jsonl"),
            prompts: None,
            admin_key: None,
            backend_key: None,
            identity_secret: None,
            secret: None,
            previous_secrets: Vec::new(),
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            log: LogConfig::default(),
            limits: Limits::default(),
            profile: ProfileConfig::default(),
            rates: Default::default(),
            llm: LlmConfig::default(),
            mcp: McpConfig::default(),
            notices: NoticesConfig::default(),
            shop: crate::shop::Shop::default(),
            experiments: Default::default(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> LogConfig {
        LogConfig { format: LogFormat::Text, debug_shopper_text: false, summary_secs: 60, lines_per_second: 20 }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            soft_frame_bytes: 4 * 1024,
            hard_frame_bytes: 64 * 1024,
            messages_per_minute: 60,
            burst: 10,
            max_connections: 20_000,
            hello_timeout_secs: 10,
            idle_timeout_secs: 600,
            session_resume_secs: 1800,
            rest_body_bytes: 64 * 1024,
            catalog_body_bytes: 64 * 1024 * 1024,
            rest_per_minute: 600,
            chat_per_minute: 60,
            connections_per_client: 64,
            max_tcp_connections: 25_000,
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            max_parked_sessions: 20_000,
        }
    }
}

impl Default for ProfileConfig {
    fn default() -> ProfileConfig {
        ProfileConfig {
            behaviour_window_days: 30,
            retention_days: 180,
            durability: Durability::Group,
            group_window_us: crate::profile::DEFAULT_GROUP_WINDOW.as_micros() as u64,
            max_profile_bytes: crate::profile::DEFAULT_MAX_PROFILE_BYTES,
            erased_ids_days: crate::profile::DEFAULT_ERASED_IDS.whole_days() as u32,
            serendipity_percent: 20,
        }
    }
}

impl Limits {
    pub fn hello_timeout(&self) -> Duration {
        Duration::from_secs(self.hello_timeout_secs)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }
}

impl Config {
    /// Reads `file` (or `concierge.toml` when `file` is `None` and it exists), then applies
    /// the `CONCIERGE_*` environment variables (INTERFACE.md lists them).
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let default_file = Path::new("concierge.toml");
        let path = file.or_else(|| default_file.exists().then_some(default_file));
        let mut config = match path {
            Some(path) => Config::parse_file(path)?,
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn parse_file(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io { file: file.clone(), source })?;
        toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            line: e.span().map_or(0, |s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_string(),
            file,
        })
    }

    /// Overrides settings from environment variables, read through `var`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(addr) = var("CONCIERGE_ADDR") {
            self.addr =
                addr.parse().map_err(|e| ConfigError::Env { name: "CONCIERGE_ADDR", message: format!("{e}") })?;
        }
        let path = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        self.data_dir = path("CONCIERGE_DATA_DIR").unwrap_or(self.data_dir.clone());
        self.catalog = path("CONCIERGE_CATALOG").unwrap_or(self.catalog.clone());
        self.prompts = path("CONCIERGE_PROMPTS").or(self.prompts.take());
        let secret = |name: &str, current: &mut Option<String>| {
            if let Some(value) = var(name).filter(|v| !v.is_empty()) {
                *current = Some(value);
            }
        };
        secret("CONCIERGE_STORE", &mut self.store);
        secret("CONCIERGE_ADMIN_KEY", &mut self.admin_key);
        secret("CONCIERGE_BACKEND_KEY", &mut self.backend_key);
        secret("CONCIERGE_IDENTITY_SECRET", &mut self.identity_secret);
        secret("CONCIERGE_SECRET", &mut self.secret);
        secret("CONCIERGE_NOTICES_WEBHOOK_URL", &mut self.notices.webhook_url);
        secret("CONCIERGE_NOTICES_WEBHOOK_SECRET", &mut self.notices.webhook_secret);
        secret("CONCIERGE_LLM_BASE_URL", &mut self.llm.base_url);
        secret("CONCIERGE_LLM_MODEL", &mut self.llm.model);
        secret("OPENAI_API_KEY", &mut self.llm.api_key);
        if let Some(origins) = var("CONCIERGE_ALLOWED_ORIGINS") {
            self.allowed_origins = origins
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect();
        }
        if let Some(percent) = var("CONCIERGE_HOLDOUT_PERCENT").filter(|v| !v.trim().is_empty()) {
            let parsed = percent.trim().parse::<f64>().map_err(|e| e.to_string());
            parsed
                .and_then(|p| self.experiments.set_holdout_percent(p))
                .map_err(|message| ConfigError::Env { name: "CONCIERGE_HOLDOUT_PERCENT", message })?;
        }
        if let Some(hosts) = var("CONCIERGE_MCP_ALLOWED_HOSTS") {
            self.mcp.allowed_hosts = hosts.split(',').map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect();
        }
        Ok(())
    }

    /// Where the profile store is: `store` when set, else sled in the data directory.
    pub fn store_location(&self) -> crate::profile::StoreLocation {
        match &self.store {
            Some(store) => crate::profile::StoreLocation::parse(store),
            None => crate::profile::StoreLocation::Sled(self.data_dir.clone()),
        }
    }

    /// The PostgreSQL store's options from `[postgres]` and `[profile]`; refuses a pool of no
    /// connection (or over 1000) and a timeout under 100 ms or over 10 minutes.
    pub fn postgres_options(&self) -> Result<crate::profile::PostgresOptions, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { file: "configuration".into(), line: 0, message };
        let PostgresConfig { pool_size, timeout_ms } = self.postgres;
        if !(1..=1000).contains(&pool_size) {
            return Err(invalid(format!("postgres.pool_size is {pool_size}; it must be 1 to 1000")));
        }
        if !(100..=600_000).contains(&timeout_ms) {
            return Err(invalid(format!("postgres.timeout_ms is {timeout_ms}; it must be 100 to 600000")));
        }
        Ok(crate::profile::PostgresOptions {
            pool_size,
            timeout: Duration::from_millis(timeout_ms),
            max_profile_bytes: self.profile.max_profile_bytes,
            erased_ids: time::Duration::days(i64::from(self.profile.erased_ids_days)),
        })
    }

    /// Refuses secrets and keys set to an empty (or blank) string: an empty key would sign
    /// with nothing, or let anyone in.
    pub fn check_secrets(&self) -> Result<(), ConfigError> {
        let keys = [
            ("secret", &self.secret),
            ("identity_secret", &self.identity_secret),
            ("admin_key", &self.admin_key),
            ("backend_key", &self.backend_key),
            ("notices.webhook_secret", &self.notices.webhook_secret),
        ];
        for (name, value) in keys {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(ConfigError::Invalid {
                    file: "configuration".into(),
                    line: 0,
                    message: format!("`{name}` is empty; remove it or set a long random value"),
                });
            }
        }
        if self.notices.webhook_url.is_some() && self.notices.webhook_secret.is_none() {
            return Err(ConfigError::Invalid {
                file: "configuration".into(),
                line: 0,
                message: "`notices.webhook_url` needs `notices.webhook_secret` to sign what it sends".into(),
            });
        }
        if self.previous_secrets.iter().any(|s| s.trim().is_empty()) {
            return Err(ConfigError::Invalid {
                file: "configuration".into(),
                line: 0,
                message: "`previous_secrets` holds an empty secret; remove it".into(),
            });
        }
        Ok(())
    }

    /// The exchange rates, with each currency code checked.
    pub fn exchange_rates(&self) -> Result<ExchangeRates, ConfigError> {
        let mut rates = Vec::new();
        for (code, rate) in &self.rates {
            let currency: Currency = code.parse().map_err(|message| ConfigError::Invalid {
                file: "configuration".into(),
                line: 0,
                message,
            })?;
            rates.push((currency, *rate));
        }
        Ok(ExchangeRates::new(rates))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_variables_override_the_file() {
        let mut config: Config = toml::from_str("addr = \"0.0.0.0:9000\"\nadmin_key = \"file\"\n").unwrap();
        let env = |name: &str| match name {
            "CONCIERGE_ADMIN_KEY" => Some("env".to_string()),
            "CONCIERGE_ALLOWED_ORIGINS" => Some("https://a.example/, https://b.example".to_string()),
            _ => None,
        };
        config.apply_env(env).unwrap();
        assert_eq!(config.addr.port(), 9000);
        assert_eq!(config.admin_key.as_deref(), Some("env"));
        assert_eq!(config.allowed_origins, ["https://a.example", "https://b.example"]);
    }

    #[test]
    fn the_example_file_parses_and_mcp_hosts_come_from_the_environment() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("concierge.toml.example");
        let mut config = Config::parse_file(&path).unwrap();
        assert!(config.mcp.enabled);
        let env =
            |name: &str| (name == "CONCIERGE_MCP_ALLOWED_HOSTS").then(|| "shop.example, ,api.shop.example".into());
        config.apply_env(env).unwrap();
        assert_eq!(config.mcp.allowed_hosts, ["shop.example", "api.shop.example"]);
    }

    #[test]
    fn postgres_pool_settings_come_from_their_section_and_are_bounded() {
        let config: Config = toml::from_str("[postgres]\npool_size = 4\ntimeout_ms = 1500\n").unwrap();
        let options = config.postgres_options().unwrap();
        assert_eq!((options.pool_size, options.timeout), (4, Duration::from_millis(1500)));
        assert_eq!(options.max_profile_bytes, config.profile.max_profile_bytes, "the profile cap applies too");
        let empty: Config = toml::from_str("[postgres]\npool_size = 0\n").unwrap();
        assert!(empty.postgres_options().unwrap_err().to_string().contains("pool_size"));
        let hasty: Config = toml::from_str("[postgres]\ntimeout_ms = 5\n").unwrap();
        assert!(hasty.postgres_options().unwrap_err().to_string().contains("timeout_ms"));
        assert!(toml::from_str::<Config>("[postgres]\npool = 4\n").is_err(), "unknown keys are refused");
    }

    #[test]
    fn the_store_is_the_data_directory_unless_a_setting_names_another() {
        use crate::profile::StoreLocation;
        let mut config: Config = toml::from_str("data_dir = \"shop\"\n").unwrap();
        assert_eq!(config.store_location(), StoreLocation::Sled("shop".into()));
        let file: Config = toml::from_str("store = \"postgres://db/file\"\n").unwrap();
        assert_eq!(file.store_location(), StoreLocation::Postgres("postgres://db/file".into()));
        config.apply_env(|n| (n == "CONCIERGE_STORE").then(|| "postgres://db/env".to_string())).unwrap();
        assert_eq!(config.store_location(), StoreLocation::Postgres("postgres://db/env".into()));
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "addr = \"127.0.0.1:1\"\n\n[limits]\nburts = 3\n").unwrap();
        let err = Config::parse_file(&path).unwrap_err().to_string();
        assert!(err.contains("c.toml:4:"), "{err}");
        assert!(err.contains("burts"), "{err}");
    }

    #[test]
    fn empty_secrets_are_refused_with_their_name() {
        let config: Config = toml::from_str("secret = \"\"\nidentity_secret = \"x\"\n").unwrap();
        assert!(config.check_secrets().unwrap_err().to_string().contains("`secret` is empty"));
        let config: Config = toml::from_str("identity_secret = \"  \"\n").unwrap();
        assert!(config.check_secrets().unwrap_err().to_string().contains("identity_secret"));
        assert!(Config::default().check_secrets().is_ok());
    }

    #[test]
    fn durability_and_log_format_are_read_as_types_and_a_bad_one_names_the_allowed_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[log]\nformat = \"JSON\"\n[profile]\ndurability = \" each \"\n").unwrap();
        let config = Config::parse_file(&path).unwrap();
        assert_eq!((config.log.format, config.profile.durability), (LogFormat::Json, Durability::Each));
        std::fs::write(&path, "[profile]\ndurability = \"sometimes\"\n").unwrap();
        let err = Config::parse_file(&path).unwrap_err().to_string();
        assert!(err.contains("c.toml:2:") && err.contains("group, each or none") && err.contains("sometimes"), "{err}");
        std::fs::write(&path, "[log]\nformat = \"pretty\"\n").unwrap();
        let err = Config::parse_file(&path).unwrap_err().to_string();
        assert!(err.contains("text or json") && err.contains("pretty"), "{err}");
    }

    #[test]
    fn a_bad_address_in_the_environment_is_an_error() {
        let mut config = Config::default();
        let err = config.apply_env(|n| (n == "CONCIERGE_ADDR").then(|| "nowhere".to_string())).unwrap_err();
        assert!(err.to_string().contains("CONCIERGE_ADDR"));
    }
}
