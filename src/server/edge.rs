//! Checks at the edge of every route: the browser origin allow-list (no cross-site WebSocket
//! hijacking), per-client REST rate limits, and bearer credentials.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::state::AppState;
use crate::profile::ShopperId;

/// Whether a request's `Origin` (if any) may use the API: listed in `allowed_origins`, or,
/// with none listed, the server's own origin. Requests without `Origin` (servers, tools) pass.
pub fn origin_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else { return true };
    let origin = origin.trim_end_matches('/');
    if !state.config.allowed_origins.is_empty() {
        return state.config.allowed_origins.iter().any(|allowed| allowed == origin || allowed == "*");
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| !host.is_empty() && rest == host)
}

/// Middleware: refuses disallowed origins (403) and clients over their REST rate (429).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !origin_allowed(&state, request.headers()) {
        state.metrics.refused("origin");
        return ApiError::new(StatusCode::FORBIDDEN, "forbidden_origin", "this origin may not use the API")
            .into_response();
    }
    let rest = !request.uri().path().starts_with("/v1/chat");
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if rest
        && let Some(client) = client
        && !state.rest_limits.allow(client, Instant::now())
    {
        state.metrics.refused("rest_per_minute");
        state.metrics.error("rate_limited");
        return ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests; slow down")
            .into_response();
    }
    next.run(request).await
}

/// The bearer credential of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The shopper a request's bearer token names, or 401.
pub fn shopper(state: &AppState, headers: &HeaderMap) -> Result<ShopperId, ApiError> {
    bearer(headers)
        .and_then(|token| state.tokens.verify(token))
        .ok_or_else(|| ApiError::unauthorized("a valid shopper token is required (Authorization: Bearer <token>)"))
}

/// Compares a presented key with the configured one in constant time.
pub fn key_matches(presented: Option<&str>, configured: &str) -> bool {
    use hmac::Mac;
    let Some(presented) = presented else { return false };
    // Equal-length comparison through HMAC verification, which is constant-time.
    let mut mac = <hmac::Hmac<sha2::Sha256>>::new_from_slice(b"concierge-key-check").unwrap_or_else(|_| unreachable!());
    mac.update(configured.as_bytes());
    let expected = mac.finalize().into_bytes();
    let mut check =
        <hmac::Hmac<sha2::Sha256>>::new_from_slice(b"concierge-key-check").unwrap_or_else(|_| unreachable!());
    check.update(presented.as_bytes());
    check.verify_slice(&expected).is_ok()
}
