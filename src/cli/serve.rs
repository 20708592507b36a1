//! `concierge serve`: runs the chat server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::{Config, LogFormat};
use crate::server::{Application, shutdown_signal};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML configuration file (default: `concierge.toml` when present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<SocketAddr>,
    /// Where shopper profiles and the token secret are kept (default ./data).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Where profiles live: a `postgres://` URL shared by several servers, or a directory for
    /// sled (default: the data directory).
    #[arg(long, value_name = "URL|DIR")]
    store: Option<String>,
    /// Native JSONL catalog (default: the last one uploaded with `PUT /v1/admin/catalog`, kept
    /// in the data directory, else the configured one, else catalog/demo.jsonl).
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Prompt files folder (default prompts/, or the built-in set).
    #[arg(long, value_name = "DIR")]
    prompts: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(args.config.as_deref())?;
    config.addr = args.addr.unwrap_or(config.addr);
    config.data_dir = args.data_dir.unwrap_or(config.data_dir);
    config.store = args.store.or(config.store);
    // A catalog uploaded with `PUT /v1/admin/catalog` is the shop's latest: it wins over the
    // configured one, but not over a file named on the command line.
    let uploaded = crate::server::uploaded_catalog(&config.data_dir);
    config.catalog = match args.catalog {
        Some(named) => named,
        None if uploaded.is_file() => uploaded,
        None => config.catalog,
    };
    config.prompts = args.prompts.or(config.prompts);
    init_logging(&config);
    let catalog = config.catalog.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let app = Application::build(config).await?;
        // Tests and scripts read this line to find the port (it may be 0 in the config).
        tracing::info!(catalog = %catalog.display(), "listening on http://{}", app.addr());
        app.run_until_stopped(shutdown_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Human-readable logs by default, JSON with `log.format = "json"`; `RUST_LOG` filters. Colours
/// only on a terminal (and never with `NO_COLOR` set): a log file gets plain text.
fn init_logging(config: &Config) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tantivy=warn,sled=warn"));
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(colour);
    let _ = if config.log.format == LogFormat::Json { builder.json().try_init() } else { builder.try_init() };
}
