//! The OpenAPI document, generated from the handlers' annotations and types.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{admin, error, experiments, notices, placements, rest};

#[derive(OpenApi)]
#[openapi(
    info(title = "concierge", description = "A conversational shopping agent. The chat itself is a WebSocket at GET /v1/chat; see INTERFACE.md for its frames."),
    paths(
        rest::healthz,
        rest::metrics,
        rest::get_profile,
        rest::patch_profile,
        rest::export_profile,
        rest::delete_profile,
        rest::post_events,
        placements::recommendations,
        admin::replace_catalog,
        admin::reload,
        experiments::expose,
        experiments::report,
        notices::list,
        notices::ack,
        notices::stock,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let bearer = || SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("shopper", bearer());
            components.add_security_scheme("admin", bearer());
            components.add_security_scheme("backend", bearer());
        }
    }
}

/// `GET /openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
