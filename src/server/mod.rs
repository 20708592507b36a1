//! The chat server, a transport: the WebSocket pump, the HTTP API, auth, limits, metrics and
//! the widget. What a turn says is decided by `chat`; the server carries frames to and from it.
//!
//! [`Application::build`] loads everything and binds the listener (port 0 works, for tests);
//! [`Application::run_until_stopped`] serves until the shutdown future resolves, then tells
//! every socket, waits for them, and flushes the store. [`app`] is the router alone.
//!
//! - `state`: the shared handle and the parked visits; `socket`: the WebSocket pump;
//! - `rest`, `admin`: the HTTP API; `experiments`, `dashboard`: the experiments' exposure call
//!   and reports, and the merchant's dashboard at `/admin`; `edge`: origin, CORS, rate limits,
//!   credentials, the JSON shape of every refusal; `listen`: the accept loop (per-client connections, timeouts);
//!   `quiet`: log lines about bad input, rate-limited;
//! - `auth`: shopper tokens and customer signatures; `limits`, `metrics`, `logs`; `widget`;
//! - `demo`, `demo_art`: the demo shop front (home, product pages, pictures) around the widget;
//! - `openapi`: the OpenAPI document generated from the handlers.

mod admin;
pub mod auth;
mod dashboard;
mod demo;
mod demo_art;
pub(crate) mod edge;
pub(crate) mod error;
mod experiments;
mod learn;
pub(crate) mod limits;
mod listen;
mod logs;
mod metrics;
pub(crate) mod notices;
mod openapi;
mod placements;
mod quiet;
pub(crate) mod rest;
mod resume;
mod socket;
pub(crate) mod state;

mod widget;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use admin::uploaded_catalog;
pub use state::AppState;

use crate::chat::conversation::Profiles;
use crate::config::Config;
use crate::profile::{Limits, Store, StoreOptions};

/// The router with every route, for the server and for tests (`oneshot`).
pub fn app(state: AppState) -> Router {
    let limits = &state.config.limits;
    // The catalog upload reads its own body, after checking the key, up to its own limit.
    let admin = Router::new()
        .route("/v1/admin/catalog", put(admin::replace_catalog))
        .route("/v1/admin/reload", post(admin::reload))
        .route("/v1/admin/experiments/{key}", get(experiments::report))
        .route("/v1/admin/stock", post(notices::stock))
        .merge(dashboard::routes());
    let body_timeout = std::time::Duration::from_secs(limits.body_timeout_secs);
    Router::new()
        .route("/", get(demo::home))
        .route("/p/{id}", get(demo::product))
        .route("/demo/img/{file}", get(demo::image))
        .route("/demo/shop.css", get(demo::stylesheet))
        .route("/demo/shop.js", get(demo::script))
        .route("/widget.js", get(widget::script))
        .route("/healthz", get(rest::healthz))
        .route("/metrics", get(rest::metrics))
        .route("/openapi.json", get(openapi::document))
        .route("/v1/chat", get(chat_upgrade))
        .route("/v1/events", post(rest::post_events))
        .route("/v1/profile", get(rest::get_profile).patch(rest::patch_profile).delete(rest::delete_profile))
        .route("/v1/profile/export", get(rest::export_profile))
        .route("/v1/recommendations", get(placements::recommendations))
        .route("/v1/experiments", post(experiments::expose))
        .route("/v1/notices", get(notices::list))
        .route("/v1/notices/ack", post(notices::ack))
        .layer(DefaultBodyLimit::max(limits.rest_body_bytes))
        .merge(admin)
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge::guard))
        .merge(crate::mcp::routes(&state))
        // Outside the merge, so the unknown-route fallback and /mcp's refusals get it too.
        .layer(axum::middleware::from_fn(edge::json_refusals))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(body_timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), logs::request_line))
        .with_state(state)
}

/// `GET /v1/chat`: upgrades to a WebSocket with the configured frame limits and small buffers.
async fn chat_upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The origin was checked by the edge guard; this keeps the check next to the upgrade too.
    if edge::origin(&state, &headers, Some(peer.ip())) == edge::Origin::Refused {
        return error::ApiError::new(axum::http::StatusCode::FORBIDDEN, "forbidden_origin", "origin not allowed")
            .into_response();
    }
    let hard = state.config.limits.hard_frame_bytes;
    upgrade
        .max_message_size(hard)
        .max_frame_size(hard)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| socket::serve(state, socket))
}

/// The longest group-commit window the server accepts (`profile.group_window_us`).
const MAX_GROUP_WINDOW_US: u64 = 100_000;

/// A built server: state loaded, listener bound.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    stop: watch::Sender<bool>,
}

impl Application {
    /// Loads the catalog, prompt files and store named by `config` and binds its address.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let metrics = metrics::Metrics::new().with_line_budget(config.log.lines_per_second);
        let llm = language_model(&config, &metrics)?;
        let model = llm.as_ref().map(|l| l.settings().model.clone());
        let prompts = crate::chat::load_prompts(config.prompts.as_deref())?.with_shop(&config.shop);
        let loaded = crate::chat::load_with(&config.catalog, prompts, config.exchange_rates()?, model)?;
        for problem in &loaded.skipped {
            tracing::warn!(%problem, "catalog line skipped");
        }
        let assistant = loaded.assistant;
        let durability = config.profile.durability;
        config.check_secrets()?;
        crate::files::private_dir(&config.data_dir)
            .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
        // A longer window would hold every answer (and shutdown) that long: refuse it.
        anyhow::ensure!(
            config.profile.group_window_us <= MAX_GROUP_WINDOW_US,
            "profile.group_window_us is {} µs; at most {MAX_GROUP_WINDOW_US} (100 ms) is allowed",
            config.profile.group_window_us
        );
        let group_window = std::time::Duration::from_micros(config.profile.group_window_us);
        let location = config.store_location();
        let sled = StoreOptions {
            durability,
            group_window,
            max_profile_bytes: config.profile.max_profile_bytes,
            erased_ids: time::Duration::days(i64::from(config.profile.erased_ids_days)),
            ..StoreOptions::default()
        };
        let postgres = config.postgres_options()?;
        // Opening a networked store waits for its database: off the runtime's threads.
        let store = {
            let location = location.clone();
            tokio::task::spawn_blocking(move || location.open(sled, postgres)).await?
        }
        .with_context(|| format!("cannot open the profile store {location}"))?;
        let secret = auth::load_or_create_secret(config.secret.as_deref(), &config.data_dir)
            .context("cannot read or create the token secret")?;
        let previous: Vec<Vec<u8>> = config.previous_secrets.iter().map(|s| s.as_bytes().to_vec()).collect();
        let profiles = Profiles {
            store,
            window: time::Duration::days(i64::from(config.profile.behaviour_window_days)),
            limits: Limits::default(),
        };
        let listener =
            TcpListener::bind(config.addr).await.with_context(|| format!("cannot listen on {}", config.addr))?;
        let (stop, stopped) = watch::channel(false);
        let tokens = auth::Tokens::new(&secret, &previous);
        let state = AppState::new(assistant, profiles, tokens, config, stopped, (metrics, llm));
        learn::reload(&state).await.context("cannot read the order log")?;
        learn::spawn_refresh(state.clone());
        Ok(Application { listener, state, stop })
    }

    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| self.state.config.addr)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves; then closes sockets (status 1001), finishes requests in
    /// flight and flushes the store.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application { listener, state, stop } = self;
        let store: Arc<dyn Store> = Arc::clone(&state.profiles.store);
        let idle = time::Duration::days(i64::from(state.config.profile.retention_days));
        let sweeper = crate::profile::spawn_sweeper(Arc::clone(&store), std::time::Duration::from_secs(3600), idle);
        let erasures = resume::spawn_erasure_listener(&state);
        let summary = logs::spawn_summary(state.clone(), std::time::Duration::from_secs(state.config.log.summary_secs));
        let limits = &state.config.limits;
        let accept = listen::Accept {
            per_client: limits.connections_per_client,
            total: limits.max_tcp_connections,
            header_timeout: std::time::Duration::from_secs(limits.header_timeout_secs),
            trusted_proxies: state.config.trusted_proxies.clone(),
        };
        let webhook = state.config.notices.webhook_url.clone().zip(state.config.notices.webhook_secret.clone()).map(
            |(url, secret)| {
                let hook = crate::notices::webhook::Webhook { url, secret };
                let wake = Arc::clone(&state.notices.wake);
                let now = state.clone();
                let catalog: crate::notices::webhook::CatalogNow =
                    Arc::new(move || Arc::clone(now.assistant().index().catalog()));
                let stop = state.shutdown.clone();
                tokio::spawn(crate::notices::webhook::run(Arc::clone(&store), catalog, hook, wake, stop))
            },
        );
        notices::spawn_index(&state);
        let reorders = notices::spawn_reorders(
            state.clone(),
            std::time::Duration::from_secs(state.config.notices.reorder_every_secs),
        );
        let router = app(state.clone());
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: closing conversations and flushing the store");
            let _ = stop.send(true);
        };
        listen::serve(listener, router, accept, state, signal).await;
        sweeper.abort();
        if let Some(erasures) = erasures {
            erasures.abort();
        }
        if let Some(webhook) = webhook {
            webhook.abort();
        }
        if let Some(reorders) = reorders {
            reorders.abort();
        }
        if let Some(summary) = summary {
            summary.abort();
        }
        tokio::task::spawn_blocking(move || store.flush()).await?.context("flushing the store")?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The configured language model, if any, with its metrics in the server's registry.
fn language_model(config: &Config, metrics: &metrics::Metrics) -> anyhow::Result<Option<crate::llm::Llm>> {
    let Some(settings) = crate::llm::LlmSettings::from_config(&config.llm) else {
        return Ok(None);
    };
    let base_url = config.llm.base_url.as_deref().unwrap_or_default();
    let connect = std::time::Duration::from_millis(config.llm.understand_timeout_ms.min(2_000));
    let model = crate::llm::openai::OpenAiModel::new(base_url, &settings.model, config.llm.api_key.as_deref(), connect);
    let llm = crate::llm::Llm::new(Arc::new(model), settings, metrics.llm.clone()).map_err(anyhow::Error::msg)?;
    tracing::info!(
        model = %llm.settings().model,
        base_url,
        encoding = llm.encoding(),
        "language model configured; it reads messages and words replies, with the rules and templates as fallback"
    );
    Ok(Some(llm))
}
