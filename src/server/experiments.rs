//! Experiment routes: the widget's page-load call that learns the shopper's arms (and records
//! the exposure), and the admin report of one experiment.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::edge::bearer;
use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::chat::Identity;
use crate::chat::protocol::Customer;
use crate::experiments::Report;
use crate::profile::{ShopperId, Unit};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExposureRequest {
    /// The logged-in customer, signed by the shop's server as in `hello`: a login then keeps
    /// the arm the shopper had.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    customer: Option<Customer>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    /// The shopper's token: the one sent, or a new one when none (or no valid one) was sent.
    /// Nothing is stored under a new token until the shopper chats.
    shopper: String,
    /// The arm in each running experiment, e.g. `{"holdout":"assistant"}`.
    experiments: BTreeMap<String, String>,
    /// `false` for a held-out shopper: the widget stays closed.
    assistant: bool,
}

/// The widget's call at page load, before anyone opens it: the shopper's arms in every running
/// experiment, the first exposure recorded (by customer when the shop names a logged-in one,
/// else by the shopper token, a new one when none is sent). No profile is created.
#[utoipa::path(post, path = "/v1/experiments", request_body = ExposureRequest,
    responses((status = 200, body = Assigned), (status = 400, body = ErrorBody)))]
pub async fn expose(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Option<Json<ExposureRequest>>,
) -> Result<Json<Assigned>, ApiError> {
    let request = request.map(|Json(r)| r).unwrap_or_default();
    let shopper = bearer(&headers).and_then(|t| state.tokens.verify(t)).unwrap_or_else(ShopperId::random);
    let customer = request.customer.and_then(|c| state.customer(c));
    let mut units: Vec<Unit> = customer.iter().map(Unit::customer).collect();
    units.push(Unit::shopper(shopper));
    let worker = state.clone();
    let arms = tokio::task::spawn_blocking(move || {
        let exposures = worker.profiles.store.experiments();
        crate::experiments::arms(&worker.config.experiments, exposures, &units, OffsetDateTime::now_utc())
    })
    .await??;
    let assistant = !arms.held_out();
    Ok(Json(Assigned { shopper: state.tokens.sign(shopper), experiments: arms.names, assistant }))
}

/// The report of one experiment (admin key): arms, lifts with intervals and p-values, and the
/// sample-ratio check. `404` for a key that is neither running nor `holdout`.
#[utoipa::path(get, path = "/v1/admin/experiments/{key}", security(("admin" = [])),
    params(("key" = String, Path, description = "the experiment's key, e.g. holdout")),
    responses((status = 200, body = Report), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Json<Report>, ApiError> {
    super::admin::authorize(&state, &headers)?;
    load_report(&state, key).await.map(Json)
}

/// The report of `key` from the store, off the runtime's threads.
pub(crate) async fn load_report(state: &AppState, key: String) -> Result<Report, ApiError> {
    let worker = state.clone();
    let shown: String = key.chars().take(64).collect();
    let found = tokio::task::spawn_blocking(move || {
        let Some(exposures) = worker.profiles.store.experiments() else { return Ok(None) };
        crate::experiments::report(&worker.config.experiments, exposures, &key)
    })
    .await??;
    found
        .ok_or_else(|| ApiError::not_found(format!("no experiment `{shown}` (running experiments and `holdout` only)")))
}

/// Whether the token's shopper is held out from the assistant (see
/// `experiments::is_held_out`): the shop's placements then show them nothing of concierge's.
pub(crate) async fn held_out(state: &AppState, shopper: ShopperId) -> Result<bool, ApiError> {
    if state.config.experiments.running().is_empty() {
        return Ok(false);
    }
    let worker = state.clone();
    Ok(tokio::task::spawn_blocking(move || {
        let exposures = worker.profiles.store.experiments();
        crate::experiments::is_held_out(&worker.config.experiments, exposures, &Unit::shopper(shopper))
    })
    .await??)
}
