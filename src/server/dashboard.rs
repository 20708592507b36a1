//! The merchant's dashboard at `/admin`: one page, rendered on the server (HTML and SVG, no
//! script), readable on a laptop and a phone. A browser signs in by posting the admin key to a
//! form; the answer is a short-lived cookie (HttpOnly, SameSite=Strict, an hour) that carries its
//! expiry and an HMAC of it under the admin key, so no session is stored and changing the key
//! signs everyone out.
//!
//! It shows each running experiment (and the holdout, once it has data): the arms, each
//! metric's lift with its interval, cumulative conversion per arm over time, the sample-ratio
//! check; then the assistant's own funnel and the demand it could not serve (this server, since
//! it started).

mod charts;

use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use time::OffsetDateTime;

use super::edge::key_matches;
use super::error::ApiError;
use super::state::AppState;
use crate::experiments::{HOLDOUT, Report};

const COOKIE: &str = "concierge_admin";
/// How long a sign-in lasts.
const SIGNED_IN_SECS: i64 = 3600;
const CSS: &str = include_str!("dashboard/dashboard.css");

/// `/admin`, `/admin/login`, `/admin/logout`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin", get(page)).route("/admin/login", post(login)).route("/admin/logout", post(logout))
}

#[derive(Deserialize)]
struct Login {
    key: String,
}

/// The cookie's value for a sign-in that expires at `expires` (Unix seconds).
fn sign(admin_key: &str, expires: i64) -> Option<String> {
    Some(format!("{expires}.{}", hex::encode(mac(admin_key, expires)?.finalize().into_bytes())))
}

/// The MAC of a sign-in's expiry under the admin key (HMAC takes a key of any length).
fn mac(admin_key: &str, expires: i64) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(admin_key.as_bytes()).ok()?;
    mac.update(format!("concierge-admin:{expires}").as_bytes());
    Some(mac)
}

/// Whether the request carries a valid, unexpired sign-in cookie.
fn signed_in(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(admin_key) = state.config.admin_key.as_deref() else { return false };
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let cookies = headers.get_all(header::COOKIE).into_iter().filter_map(|v| v.to_str().ok());
    let value = cookies.flat_map(|c| c.split(';')).find_map(|c| c.trim().strip_prefix("concierge_admin="));
    let Some((expires, tag)) = value.and_then(|v| v.split_once('.')) else { return false };
    let (Ok(expires), Ok(tag)) = (expires.parse::<i64>(), hex::decode(tag)) else { return false };
    if expires <= now || expires > now + SIGNED_IN_SECS {
        return false;
    }
    mac(admin_key, expires).is_some_and(|check| check.verify_slice(&tag).is_ok())
}

fn off() -> ApiError {
    ApiError::not_found("the dashboard is off (no admin key is configured)")
}

/// `GET /admin`: the dashboard when signed in, else the sign-in form.
async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if state.config.admin_key.is_none() {
        return Err(off());
    }
    if !signed_in(&state, &headers) {
        return Ok(html(StatusCode::OK, &login_form(None)));
    }
    let mut reports = Vec::new();
    let mut keys: Vec<String> = state.config.experiments.running().into_iter().map(|e| e.key).collect();
    if !keys.iter().any(|k| k == HOLDOUT) {
        keys.insert(0, HOLDOUT.to_string());
    }
    for key in keys {
        let report = super::experiments::load_report(&state, key).await?;
        // The holdout switched off and never run: nothing to show.
        if report.key == HOLDOUT && state.config.experiments.holdout_percent() == 0.0 && no_shoppers(&report) {
            continue;
        }
        reports.push(report);
    }
    let funnel = state.funnel.tally();
    Ok(html(StatusCode::OK, &charts::dashboard(&reports, &funnel, state.assistant().index().catalog().currency())))
}

fn no_shoppers(report: &Report) -> bool {
    report.arms.iter().all(|a| a.shoppers == 0)
}

/// `POST /admin/login` (a form with `key`): the sign-in cookie and back to `/admin`, or the
/// form again with a 401.
async fn login(State(state): State<AppState>, Form(form): Form<Login>) -> Result<Response, ApiError> {
    let Some(admin_key) = state.config.admin_key.as_deref() else { return Err(off()) };
    if !key_matches(Some(form.key.trim()), admin_key) {
        return Ok(html(StatusCode::UNAUTHORIZED, &login_form(Some("That is not the admin key."))));
    }
    let expires = OffsetDateTime::now_utc().unix_timestamp() + SIGNED_IN_SECS;
    let value = sign(admin_key, expires).ok_or_else(|| ApiError::internal(&"cannot sign the cookie"))?;
    let cookie = format!("{COOKIE}={value}; Path=/admin; Max-Age={SIGNED_IN_SECS}; HttpOnly; SameSite=Strict");
    let mut response = Redirect::to("/admin").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /admin/logout`: the cookie removed.
async fn logout() -> Response {
    let mut response = Redirect::to("/admin").into_response();
    let cookie = format!("{COOKIE}=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn html(status: StatusCode, body: &str) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        // Nothing on the page runs script or loads anything from elsewhere.
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    ];
    (status, headers, body.to_string()).into_response()
}

/// The page around `body`.
fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>{body}</body></html>",
        charts::escape(title)
    )
}

fn login_form(problem: Option<&str>) -> String {
    let problem =
        problem.map(|p| format!("<p class=\"problem\" role=\"alert\">{}</p>", charts::escape(p))).unwrap_or_default();
    document(
        "concierge: sign in",
        &format!(
            "<main class=\"login\"><h1>concierge dashboard</h1>{problem}\
             <form method=\"post\" action=\"/admin/login\"><label for=\"key\">Admin key</label>\
             <input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\">Sign in</button></form></main>"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_cookie_is_bound_to_the_key_and_its_expiry() {
        let expires = 1_900_000_000;
        let value = sign("k1", expires).unwrap();
        assert_ne!(Some(&value), sign("k2", expires).as_ref());
        assert_ne!(Some(&value), sign("k1", expires + 1).as_ref());
        assert!(value.starts_with("1900000000."));
    }
}
