//! The shopper tools: `get_shopper_profile`, `update_shopper_profile`,
//! `export_shopper_profile`, `erase_shopper_profile` and `record_event`.
//!
//! The shopper is the one the request's `Authorization: Bearer <token>` names (the token
//! `converse` or the widget's `welcome` gave), never an argument, so an agent can only reach
//! its own shopper's data. Each tool runs the REST API's own logic (`server::rest`); facts an
//! agent declares carry the source `agent`, and events follow the profile's consent.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::ToolError;
use crate::profile::{ShopperId, Source};
use crate::server::AppState;
use crate::server::rest::{self, ConsentPatch, ProfilePatch};

/// No arguments: the shopper is the token's.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoArgs {}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateArgs {
    /// Slot name to its new value in the slot's JSON shape (`{"age": 7}`, `{"budget": {"max": 25}}`,
    /// `{"interests": ["trains"]}`); `null` removes it. Slots: purpose, recipient, age,
    /// occasion, budget, interests, exclude.
    #[serde(default)]
    pub declared: serde_json::Map<String, serde_json::Value>,
    /// `{"personalization": false}` stops every use of the profile (and recording behaviour);
    /// `{"notices": true}` agrees to proactive notices (shipping delays, back in stock, ...),
    /// off until given.
    pub consent: Option<Consent>,
}

/// The consents to change; at least one.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Consent {
    #[serde(default)]
    pub personalization: Option<bool>,
    #[serde(default)]
    pub notices: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventArgs {
    /// One event as `POST /v1/events` takes it: `{"kind": "product_viewed", "product_id": "sku-1"}`,
    /// `{"kind": "search", "query": "..."}`, `{"kind": "add_to_cart", ...}`; an `id` makes a
    /// repeat harmless.
    pub event: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Erased {
    pub erased: bool,
}

/// `get_shopper_profile`: what is known and where each fact came from.
pub(crate) async fn get(state: &AppState, shopper: ShopperId) -> Result<serde_json::Value, ToolError> {
    to_json(rest::view(state, shopper).await?)
}

/// `update_shopper_profile`: edits declared slots (source `agent`) and consent, all or nothing.
pub(crate) async fn update(
    state: &AppState,
    shopper: ShopperId,
    args: UpdateArgs,
) -> Result<serde_json::Value, ToolError> {
    if args.declared.is_empty() && args.consent.is_none() {
        return Err(ToolError::invalid("give `declared` slots, `consent`, or both"));
    }
    if args.consent.as_ref().is_some_and(|c| c.personalization.is_none() && c.notices.is_none()) {
        return Err(ToolError::invalid("`consent` needs `personalization`, `notices`, or both"));
    }
    let patch = ProfilePatch {
        declared: args.declared,
        consent: args.consent.map(|c| ConsentPatch { personalization: c.personalization, notices: c.notices }),
    };
    to_json(rest::apply_patch(state, shopper, patch, Source::Agent).await?)
}

/// `export_shopper_profile`: everything stored about the shopper.
pub(crate) async fn export(state: &AppState, shopper: ShopperId) -> Result<serde_json::Value, ToolError> {
    Ok(rest::export(state, shopper).await?)
}

/// `erase_shopper_profile`: erases everything, durably; the token then names no one.
pub(crate) async fn erase(state: &AppState, shopper: ShopperId) -> Result<Erased, ToolError> {
    rest::erase(state, shopper).await?;
    Ok(Erased { erased: true })
}

/// `record_event`: one event for the shopper: `stored`, `duplicate`, `not_consented` (nothing
/// is recorded without consent) or an `invalid_arguments` error saying what is wrong.
pub(crate) async fn record(
    state: &AppState,
    shopper: ShopperId,
    args: EventArgs,
) -> Result<serde_json::Value, ToolError> {
    if args.event.contains_key("customer_id") {
        return Err(ToolError::invalid("`customer_id` is for the shop's backend, not an agent"));
    }
    let results = rest::record_events(state, Some(shopper), vec![serde_json::Value::Object(args.event)]).await?;
    let result = to_json(results)?["results"][0].take();
    if result["status"] == "rejected" {
        let reason = result["error"].as_str().unwrap_or("not an event");
        return Err(ToolError::invalid(reason.to_string()));
    }
    Ok(result)
}

fn to_json(value: impl Serialize) -> Result<serde_json::Value, ToolError> {
    serde_json::to_value(value).map_err(|e| ToolError::internal(&e))
}
