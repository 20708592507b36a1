//! Checks at the edge of every route: the browser origin allow-list (no cross-site WebSocket
//! hijacking) and CORS for the allowed origins, per-client rate limits (REST requests and new
//! chat connections, by the real client address behind a trusted proxy), bearer credentials,
//! and the JSON shape of every refusal.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::state::AppState;
use crate::profile::ShopperId;

/// What a request's `Origin` headers say, checked strictly: every `Origin` header counts (two
/// that differ are refused), a value that is not UTF-8 or not `scheme://host[:port]` is
/// refused, and the scheme is part of the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// No `Origin` header: a server or a tool, not a browser; not subject to the check.
    Absent,
    /// A browser origin allowed to use the API (its exact text, for CORS).
    Allowed(HeaderValue),
    Refused,
}

/// Checks a request's origin: listed in `allowed_origins` (`*` allows any), or, with none
/// listed, the server's own origin (the `Host` it was asked for, over `http`, or over the
/// scheme a trusted proxy reports in `X-Forwarded-Proto`).
pub fn origin(state: &AppState, headers: &HeaderMap, peer: Option<IpAddr>) -> Origin {
    let mut values = headers.get_all(header::ORIGIN).iter();
    let Some(first) = values.next() else { return Origin::Absent };
    if values.any(|other| other != first) {
        return Origin::Refused;
    }
    let Some((scheme, host)) = first.to_str().ok().and_then(parse_origin) else { return Origin::Refused };
    let allowed = if state.config.allowed_origins.is_empty() {
        let own_host =
            headers.get(header::HOST).and_then(|h| h.to_str().ok()).is_some_and(|h| h.eq_ignore_ascii_case(&host));
        let proxied = peer.is_some_and(|p| state.config.trusted_proxies.contains(&p));
        let own_scheme = match headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
            Some(forwarded) if proxied => forwarded.trim().eq_ignore_ascii_case(&scheme),
            _ => scheme == "http" || proxied,
        };
        own_host && own_scheme
    } else {
        state.config.allowed_origins.iter().any(|listed| {
            listed == "*" || parse_origin(listed).is_some_and(|(s, h)| s == scheme && h.eq_ignore_ascii_case(&host))
        })
    };
    if allowed { Origin::Allowed(first.clone()) } else { Origin::Refused }
}

/// `(scheme, host[:port])` of an origin `http(s)://host[:port]` (a trailing `/` tolerated), or
/// `None` for anything else: another scheme, a path, credentials, spaces, `null`.
fn parse_origin(text: &str) -> Option<(String, String)> {
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let host = rest.strip_suffix('/').unwrap_or(rest);
    let clean = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    (matches!(scheme.as_str(), "http" | "https") && clean).then(|| (scheme, host.to_ascii_lowercase()))
}

/// The client a request comes from: the peer, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client(state: &AppState, request: &Request) -> Option<IpAddr> {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())?;
    let trusted = &state.config.trusted_proxies;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    Some(forwarded.into_iter().rev().find(|ip| !trusted.contains(ip)).unwrap_or(peer))
}

/// Middleware: refuses disallowed origins (403), answers CORS preflights for allowed ones, and
/// refuses clients over their rate (429): REST requests per minute, and new chat connections
/// per minute, both per client address.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let origin = match origin(&state, request.headers(), peer) {
        Origin::Refused => {
            state.metrics.refused("origin");
            return ApiError::new(StatusCode::FORBIDDEN, "forbidden_origin", "this origin may not use the API")
                .into_response();
        }
        Origin::Allowed(origin) => Some(origin),
        Origin::Absent => None,
    };
    if request.method() == Method::OPTIONS
        && let Some(origin) = &origin
    {
        return preflight(origin);
    }
    let chat = request.uri().path().starts_with("/v1/chat");
    let limits = if chat { &state.chat_limits } else { &state.rest_limits };
    if let Some(client) = client(&state, &request)
        && !limits.allow(client, Instant::now())
    {
        state.metrics.refused(if chat { "chat_per_minute" } else { "rest_per_minute" });
        state.metrics.error("rate_limited");
        return ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests; slow down")
            .into_response();
    }
    let mut response = next.run(request).await;
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.append(header::VARY, HeaderValue::from_static("origin"));
    }
    response
}

/// The answer to a CORS preflight from an allowed origin.
fn preflight(origin: &HeaderValue) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
    response
}

/// Middleware: every refusal in the API's JSON error shape, including the framework's own
/// (a body that is not JSON, a wrong content type, a body over its limit, a bad query, an
/// unknown route or method), which are plain text or empty otherwise.
pub async fn json_refusals(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    // The framework's messages are a line or two; anything longer is cut, not buffered.
    let text = axum::body::to_bytes(response.into_body(), 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("refused").to_string() } else { text };
    ApiError { status, code, message }.into_response()
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
