//! Agent-ready: an MCP server (Streamable HTTP, the official `rmcp` SDK) at `/mcp` so shoppers'
//! own AI agents can shop through concierge, and the UCP business profile at
//! `/.well-known/ucp` that tells them where it is.
//!
//! - `tools`: names, schemas and annotations; `catalog`: `search_catalog`, `lookup_catalog`,
//!   `get_product`; `recommend`: the chat's ranking for an intent; `converse`: one turn of the
//!   chat's dialogue; `shopper`: the shopper's
//!   own profile and events, through the REST API's logic;
//! - `ucp`: UCP's product and money shapes and the discovery document; `error`: tool errors.
//!
//! The server is stateless (no MCP sessions to keep): each request builds a [`Concierge`]
//! handler around the shared [`AppState`]. A shopper is named only by the token in the
//! request's `Authorization` header, never by a tool argument, so one agent's token cannot
//! reach another shopper's data. Every failure a caller can fix is a tool result with
//! `isError`, never an HTTP status a client would act on (a 401 starts OAuth discovery).
//! At the edge: the configured allowed hosts (rmcp's DNS-rebinding guard), the socket's
//! Origin rules, a per-client-address rate limit and a request body cap.

mod catalog;
mod converse;
mod error;
mod recommend;
mod shopper;
mod tools;
mod ucp;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::chat::assistant::Assistant;
use crate::profile::ShopperId;
use crate::server::AppState;
use crate::server::limits::PerClient;
use crate::slots::SlotName;
use crate::understand::Understanding;
use error::ToolError;

/// The routes `/mcp` and `/.well-known/ucp` (none when `mcp.enabled` is off), with their own
/// edge checks; merged into the server's router after its REST guard.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let settings = &state.config.mcp;
    if !settings.enabled {
        return Router::new();
    }
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(settings.body_bytes);
    config = if settings.allowed_hosts.iter().any(|h| h == "*") {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(settings.allowed_hosts.clone())
    };
    let handler_state = state.clone();
    let service = StreamableHttpService::new(
        move || Ok(Concierge { state: handler_state.clone() }),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let edge = Edge { state: state.clone(), limits: PerClient::new(settings.per_minute) };
    Router::new()
        .route_service("/mcp", service)
        .route("/.well-known/ucp", get(discovery))
        .layer(axum::middleware::from_fn_with_state(Arc::new(edge), guard))
}

/// `GET /.well-known/ucp`: the UCP business profile naming this server's MCP endpoint.
async fn discovery(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = match &state.config.mcp.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    ([(header::CACHE_CONTROL, "public, max-age=300")], axum::Json(ucp::profile(&base))).into_response()
}

struct Edge {
    state: AppState,
    limits: PerClient,
}

/// Refuses browsers from origins the socket would refuse (403) and clients over their rate
/// (429), before rmcp reads the request.
async fn guard(State(edge): State<Arc<Edge>>, request: Request, next: Next) -> Response {
    let state = &edge.state;
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if matches!(crate::server::edge::origin(state, request.headers(), peer), crate::server::edge::Origin::Refused) {
        state.metrics.refused("origin");
        return refusal(StatusCode::FORBIDDEN, "forbidden_origin", "this origin may not use the API");
    }
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(client) = client
        && !edge.limits.allow(client, Instant::now())
    {
        state.metrics.refused("mcp_per_minute");
        state.metrics.error("rate_limited");
        return refusal(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests; slow down");
    }
    next.run(request).await
}

fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({"error": {"code": code, "message": message}}))).into_response()
}

/// One request's MCP handler: the tools over the server's current agent and store.
#[derive(Clone)]
pub(crate) struct Concierge {
    state: AppState,
}

impl ServerHandler for Concierge {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("concierge", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "concierge is this shop's shopping assistant. Search and look up products (UCP catalog tools), \
                 get explained recommendations for an intent, and hold a conversation with the assistant. \
                 Every product is real, with its catalog price; every `why` line comes from a signal.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, rmcp::ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::list()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, rmcp::ErrorData> {
        let headers =
            context.extensions.get::<axum::http::request::Parts>().map(|p| p.headers.clone()).unwrap_or_default();
        let arguments = serde_json::Value::Object(request.arguments.unwrap_or_default());
        let result = self.call(&request.name, arguments, &headers).await.unwrap_or_else(ToolError::into_result);
        Ok(result.into())
    }
}

impl Concierge {
    /// Runs tool `name`: its structured result, or the error the agent should read.
    async fn call(
        &self,
        name: &str,
        arguments: serde_json::Value,
        headers: &HeaderMap,
    ) -> Result<CallToolResult, ToolError> {
        let assistant = self.state.assistant();
        match name {
            "search_catalog" => structured(catalog::search(&assistant, parse(arguments)?)?),
            "lookup_catalog" => structured(catalog::lookup(&assistant, parse(arguments)?)?),
            "get_product" => structured(catalog::get(&assistant, parse(arguments)?)?),
            "recommend" => {
                let args = parse(arguments)?;
                let known = self.known(self.shopper(headers)).await?;
                structured(recommend::recommend(&assistant, args, known)?)
            }
            "converse" => {
                let args = parse(arguments)?;
                structured(converse::converse(&self.state, crate::server::edge::bearer(headers), args).await?)
            }
            "get_shopper_profile" => structured(shopper::get(&self.state, self.signed_in(headers)?).await?),
            "update_shopper_profile" => {
                let args = parse(arguments)?;
                structured(shopper::update(&self.state, self.signed_in(headers)?, args).await?)
            }
            "export_shopper_profile" => structured(shopper::export(&self.state, self.signed_in(headers)?).await?),
            "erase_shopper_profile" => {
                parse::<shopper::NoArgs>(arguments)?;
                structured(shopper::erase(&self.state, self.signed_in(headers)?).await?)
            }
            "record_event" => {
                let args = parse(arguments)?;
                structured(shopper::record(&self.state, self.signed_in(headers)?, args).await?)
            }
            other => Err(ToolError::UnknownTool(other.chars().take(64).collect())),
        }
    }

    /// The shopper the request's bearer token names, if it names one validly.
    fn shopper(&self, headers: &HeaderMap) -> Option<ShopperId> {
        crate::server::edge::bearer(headers).and_then(|token| self.state.tokens.verify(token))
    }

    /// The token's shopper, or the `unauthorized` tool error (not an HTTP 401: that would start
    /// the client's OAuth discovery).
    fn signed_in(&self, headers: &HeaderMap) -> Result<ShopperId, ToolError> {
        self.shopper(headers).ok_or(ToolError::Unauthorized)
    }

    /// What the shopper's profile lets a recommendation use (nothing without consent).
    async fn known(&self, shopper: Option<ShopperId>) -> Result<recommend::Known, ToolError> {
        let Some(id) = shopper else { return Ok(recommend::Known::default()) };
        let store = self.state.profiles.store.clone();
        let profile = tokio::task::spawn_blocking(move || store.load(id)).await??;
        let window = self.state.profiles.window;
        let (slots, recent) = crate::server::rest::personal(profile.as_ref(), OffsetDateTime::now_utc(), window);
        Ok(recommend::Known { slots, recent, returning: profile.is_some() })
    }
}

fn parse<T: DeserializeOwned>(arguments: serde_json::Value) -> Result<T, ToolError> {
    serde_json::from_value(arguments).map_err(|e| ToolError::invalid(format!("arguments: {e}")))
}

fn structured(value: impl Serialize) -> Result<CallToolResult, ToolError> {
    let value = serde_json::to_value(value).map_err(|e| ToolError::internal(&e))?;
    Ok(CallToolResult::structured(value))
}

/// `text` if it is at most `max` characters, else an `invalid_arguments` error naming `field`.
pub(crate) fn bounded<'a>(field: &str, text: &'a str, max: usize) -> Result<&'a str, ToolError> {
    if text.chars().count() > max {
        return Err(ToolError::invalid(format!("{field} is longer than {max} characters")));
    }
    Ok(text)
}

/// `text` read as the chat reads a shopper's answer to its question about `slot`.
pub(crate) fn understood_as(assistant: &Assistant, slot: SlotName, text: &str) -> Understanding {
    assistant.understander().understand_with(text, Some(slot))
}
