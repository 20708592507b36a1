//! The HTTP API (INTERFACE.md, "HTTP API"): health, metrics, the shopper's own profile (view,
//! edit, export, erase) and events from the widget or the shop's backend (recommendations by
//! placement are in `placements`). Every route that reads shopper data takes the shopper from a verified token, so
//! no request can reach another shopper's data.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::edge::{bearer, key_matches, shopper};
use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::chat::conversation::Profiles;
use crate::chat::query::Recent;
use crate::chat::{EventError, Noticed, record_event_noticing};
use crate::profile::{Profile, ProfileView, Recorded, ShopperId, Source};
use crate::slots::{SlotName, Slots};

/// Most events accepted in one request.
const MAX_EVENTS: usize = 500;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the profile store cannot be reached.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Readiness: `{"status":"ok"}`, or 503 `{"status":"unavailable","error":..}` while the
/// profile store cannot serve (its database is down); it turns ok again by itself.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let store = state.profiles.store.clone();
    let checked =
        if store.blocks() { tokio::task::spawn_blocking(move || store.check()).await } else { Ok(store.check()) };
    match checked {
        Ok(Ok(())) => (StatusCode::OK, Json(Health { status: "ok", error: None })),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: the profile store is unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", error: Some(error.to_string()) }))
        }
        Err(error) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", error: Some(error.to_string()) }))
        }
    }
}

/// Prometheus metrics in text format.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

/// What we know about the shopper and where each fact came from.
#[utoipa::path(get, path = "/v1/profile", security(("shopper" = [])),
    responses((status = 200, description = "declared facts with provenance, recent behaviour, orders, consent"),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_profile(State(state): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(view(&state, shopper(&state, &headers)?).await?))
}

/// What we know about `id` and where each fact came from; 404 when nothing is stored.
pub(crate) async fn view(state: &AppState, id: ShopperId) -> Result<ProfileView, ApiError> {
    let profile = load(state, id).await?;
    Ok(profile.view(OffsetDateTime::now_utc(), state.profiles.window))
}

/// Everything stored about the shopper, as JSON.
#[utoipa::path(get, path = "/v1/profile/export", security(("shopper" = [])),
    responses((status = 200, description = "the whole profile"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_profile(State(state): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    let export = export(&state, shopper(&state, &headers)?).await?;
    let disposition = [(header::CONTENT_DISPOSITION, "attachment; filename=\"my-data.json\"")];
    Ok((disposition, Json(export)))
}

/// Everything stored about `id`; 404 when nothing is.
pub(crate) async fn export(state: &AppState, id: ShopperId) -> Result<serde_json::Value, ApiError> {
    Ok(load(state, id).await?.export())
}

/// Erases everything about the shopper and ends their conversations, live and parked; their
/// token starts a new shopper afterwards.
#[utoipa::path(delete, path = "/v1/profile", security(("shopper" = [])),
    responses((status = 204, description = "erased"), (status = 401, body = ErrorBody)))]
pub async fn delete_profile(State(state): State<AppState>, headers: HeaderMap) -> Result<StatusCode, ApiError> {
    erase(&state, shopper(&state, &headers)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Erases everything about `id`, durably, before returning.
pub(crate) async fn erase(state: &AppState, id: ShopperId) -> Result<(), ApiError> {
    let store = state.profiles.store.clone();
    let durable = tokio::task::spawn_blocking(move || {
        crate::experiments::forget(store.as_ref(), id)?;
        store.erase(id)
    })
    .await??;
    // Every conversation of the shopper ends now, live or parked: none can write it back.
    state.end_conversations(id);
    durable.await?;
    Ok(())
}

/// `PATCH /v1/profile`: `{"declared":{"budget":null,"age":7}, "consent":{"personalization":false}}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// Slot name to its new value in the slot's JSON shape; `null` removes it.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub(crate) declared: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub(crate) consent: Option<ConsentPatch>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentPatch {
    #[serde(default)]
    pub(crate) personalization: Option<bool>,
    /// Proactive notices (shipping delays, back in stock, ...): off until given.
    #[serde(default)]
    pub(crate) notices: Option<bool>,
}

/// Edits or removes declared slots and sets consent; answers with the updated profile view.
#[utoipa::path(patch, path = "/v1/profile", security(("shopper" = [])), request_body = ProfilePatch,
    responses((status = 200, description = "the updated profile view"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn patch_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(patch): Json<ProfilePatch>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(apply_patch(&state, shopper(&state, &headers)?, patch, Source::Settings).await?))
}

/// Applies `patch` to `id`'s profile, every declared value recorded with `source`, all or
/// nothing: a bad value is refused before anything changes. Answers with the updated view.
pub(crate) async fn apply_patch(
    state: &AppState,
    id: ShopperId,
    patch: ProfilePatch,
    source: Source,
) -> Result<ProfileView, ApiError> {
    let now = OffsetDateTime::now_utc();
    // Check every edit on a scratch profile first, so a bad value changes nothing.
    let mut edits = Vec::new();
    let mut scratch = Profile::new(id, now);
    for (name, value) in &patch.declared {
        let slot = SlotName::parse(name).ok_or_else(|| ApiError::bad_request(format!("unknown slot `{name}`")))?;
        scratch.edit(slot, value, source, now)?;
        edits.push((slot, value.clone()));
    }
    let store = state.profiles.store.clone();
    let consent = patch.consent.as_ref().and_then(|c| c.personalization);
    let notices = patch.consent.as_ref().and_then(|c| c.notices);
    // Only a stored shopper is changed: an erased one's token cannot bring it back.
    let changed = tokio::task::spawn_blocking(move || {
        store.change(id, &mut |p: &mut Profile| {
            for (slot, value) in &edits {
                let _ = p.edit(*slot, value, source, now);
            }
            if let Some(on) = consent {
                p.set_personalization(on, now);
            }
            if let Some(on) = notices {
                p.set_notices(on, now);
            }
        })
    })
    .await??;
    let (profile, durable) = changed.ok_or_else(|| ApiError::not_found("nothing is stored about this shopper"))?;
    durable.await?;
    Ok(profile.view(now, state.profiles.window))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EventBatch {
    /// Events as INTERFACE.md describes them; `id` makes a repeat harmless.
    #[schema(value_type = Vec<Object>)]
    events: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventResults {
    /// One per event, in order: `stored`, `duplicate`, `not_consented` or `rejected`.
    results: Vec<EventResult>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventResult {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Records events: with a shopper token for that shopper, or with the backend key for the
/// shop's customers (each event then names its `customer_id`).
#[utoipa::path(post, path = "/v1/events", request_body = EventBatch,
    responses((status = 200, body = EventResults), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn post_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(batch): Json<EventBatch>,
) -> Result<Json<EventResults>, ApiError> {
    let backend = state.config.backend_key.as_deref().is_some_and(|key| key_matches(bearer(&headers), key));
    let shopper = if backend { None } else { Some(shopper(&state, &headers)?) };
    Ok(Json(record_events(&state, shopper, batch.events).await?))
}

/// Records `events` for `shopper` (or, with `None`, for the customers they name), each
/// durable before the answer; one result per event, in order.
pub(crate) async fn record_events(
    state: &AppState,
    shopper: Option<ShopperId>,
    events: Vec<serde_json::Value>,
) -> Result<EventResults, ApiError> {
    if events.len() > MAX_EVENTS {
        return Err(ApiError::bad_request(format!("at most {MAX_EVENTS} events per request")));
    }
    let (shared, now) = (state.clone(), OffsetDateTime::now_utc());
    let settings = state.notices.settings;
    let (results, tickets, noticed) = tokio::task::spawn_blocking(move || {
        let state = shared;
        let mut results = Vec::new();
        let mut tickets = Vec::new();
        let mut noticed = Vec::new();
        for raw in events {
            let learnable = raw.clone();
            match record(&state.profiles, shopper, raw, now, &settings) {
                Ok((recorded, durable, causes)) => {
                    tickets.push(durable);
                    if recorded == Recorded::Stored {
                        // The event is stored; a log failure only delays what it teaches.
                        if let Err(error) = super::learn::learn(&state, &learnable, causes.customer.as_ref(), now) {
                            tracing::warn!(%error, "a stored event could not reach the order log");
                        }
                    }
                    noticed.push(causes);
                    let status = match recorded {
                        Recorded::Stored => "stored",
                        Recorded::Duplicate => "duplicate",
                        Recorded::NotConsented => "not_consented",
                    };
                    results.push(EventResult { status, error: None });
                }
                // The event's own fault (bad, for an erased customer, too much): this one only.
                Err(ApiError { message, status, .. }) if status.is_client_error() => {
                    results.push(EventResult { status: "rejected", error: Some(message) });
                }
                Err(error) => return Err(error),
            }
        }
        Ok((results, tickets, noticed))
    })
    .await??;
    for durable in tickets {
        durable.await?;
    }
    // Durable: a notice never announces what a crash could take back.
    for causes in noticed {
        super::notices::deliver(state, causes).await;
    }
    Ok(EventResults { results })
}

/// Records one event: a sender's mistake is a `400`, a store failure a `500`.
fn record(
    profiles: &Profiles,
    shopper: Option<ShopperId>,
    raw: serde_json::Value,
    now: OffsetDateTime,
    notices: &crate::notices::Settings,
) -> Result<(Recorded, crate::profile::Durable, Noticed), ApiError> {
    record_event_noticing(profiles, shopper, raw, now, Some(notices)).map_err(|error| match error {
        EventError::Store(e) => ApiError::from(e),
        EventError::Gone => ApiError::not_found("nothing is stored about this shopper"),
        refused => ApiError::bad_request(refused.to_string()),
    })
}

/// What a stored profile lets a recommendation use: its declared slots and recent behaviour,
/// or nothing at all when there is no profile or personalization is off.
pub(crate) fn personal(profile: Option<&Profile>, now: OffsetDateTime, window: time::Duration) -> (Slots, Recent) {
    match profile.filter(|p| p.consent().personalization) {
        Some(p) => (p.slots(), Recent::of(p, now, window)),
        None => Default::default(),
    }
}

async fn load(state: &AppState, id: ShopperId) -> Result<Profile, ApiError> {
    let store = state.profiles.store.clone();
    tokio::task::spawn_blocking(move || store.load(id))
        .await??
        .ok_or_else(|| ApiError::not_found("nothing is stored about this shopper"))
}
