//! Admin routes, on only when an admin key is configured: replace the catalog atomically and
//! reload the prompt files, validating before anything changes.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;

use super::edge::{bearer, key_matches};
use super::error::{ApiError, ErrorBody};
use super::state::AppState;
use crate::catalog::{Catalog, CatalogError, CatalogIndex};
use crate::chat::LoadError;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogReplaced {
    loaded: usize,
    /// Lines skipped, as `file:line: message`.
    problems: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Reloaded {
    reloaded: bool,
}

pub(crate) fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(key) = state.config.admin_key.as_deref() else {
        return Err(ApiError::not_found("admin routes are off (no admin key is configured)"));
    };
    if key_matches(bearer(headers), key) {
        Ok(())
    } else {
        Err(ApiError::unauthorized("the admin key is required (Authorization: Bearer <key>)"))
    }
}

/// The file an uploaded catalog is kept in, inside the data directory: `concierge serve` loads
/// it at the next start unless `--catalog` names another file.
pub fn uploaded_catalog(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("catalog.jsonl")
}

/// Replaces the catalog with the native JSONL body. The key is checked before a byte of the
/// body is read, and the body is read up to `limits.catalog_body_bytes` only. Shoppers see the
/// old catalog or the new, never a mix; a body with no usable product changes nothing. The
/// catalog is kept (atomically) in the data directory before it is swapped in, so it survives
/// a restart.
#[utoipa::path(put, path = "/v1/admin/catalog", security(("admin" = [])), request_body(content = String, content_type = "application/x-ndjson"),
    responses((status = 200, body = CatalogReplaced), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<CatalogReplaced>, ApiError> {
    authorize(&state, &headers)?;
    let limit = state.config.limits.catalog_body_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("a catalog is limited to {limit} bytes"))
        } else {
            ApiError::bad_request(format!("cannot read the catalog: {e}"))
        }
    })?;
    let body = String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::bad_request("a catalog is UTF-8 text"))?;
    let keep = uploaded_catalog(&state.config.data_dir);
    let built = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let (catalog, report) = Catalog::parse_jsonl(&body, "catalog").map_err(|e| match e {
            CatalogError::Empty { report } => {
                let problems: Vec<String> = report.problems.iter().take(20).map(ToString::to_string).collect();
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_catalog",
                    format!("no usable product: {}", problems.join("; ")),
                )
            }
            other => ApiError::internal(&other),
        })?;
        let index = CatalogIndex::build(Arc::new(catalog)).map_err(|e| ApiError::internal(&e))?;
        crate::files::write_private_atomically(&keep, body.as_bytes()).map_err(|e| ApiError::internal(&e))?;
        Ok((index, report))
    })
    .await??;
    let (index, report) = built;
    let loaded = index.len();
    let old = Arc::clone(state.assistant().index().catalog());
    let differences = super::notices::differences(&old, index.catalog());
    let assistant = state.assistant().with_catalog(Arc::new(index));
    state.swap_assistant(assistant);
    // Shoppers watching a product that came back or runs low are noticed, after the answer.
    let noticing = state.clone();
    tokio::spawn(async move { super::notices::stock_changed(&noticing, differences).await });
    tracing::info!(products = loaded, skipped = report.problems.len(), "catalog replaced");
    Ok(Json(CatalogReplaced { loaded, problems: report.problems.iter().map(ToString::to_string).collect() }))
}

/// Reloads the prompt files from the prompts folder; an invalid set is refused with every
/// `file:line` problem and the old set stays.
#[utoipa::path(post, path = "/v1/admin/reload", security(("admin" = [])),
    responses((status = 200, body = Reloaded), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reload(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Reloaded>, ApiError> {
    authorize(&state, &headers)?;
    let dir = state.config.prompts.clone();
    let loaded = tokio::task::spawn_blocking(move || crate::chat::load_prompts(dir.as_deref())).await?;
    let prompts = loaded.map_err(|error| match error {
        LoadError::Prompts(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_prompts", lines.join("\n"))
        }
        other => ApiError::internal(&other),
    })?;
    let assistant = state.assistant().with_prompts(Arc::new(prompts.with_shop(&state.config.shop)));
    state.swap_assistant(assistant);
    tracing::info!("prompt files reloaded");
    Ok(Json(Reloaded { reloaded: true }))
}
