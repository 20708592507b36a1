//! The REST API's one error type: JSON `{"error":{"code","message"}}` with a fitting status.
//! A caller's mistake gets a 4xx with a message meant for them; our own failures a 500 whose
//! details go to the log, not the response.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `bad_request`, `unauthorized`, `not_found`, `rate_limited`, `too_large`,
    /// `forbidden_origin`, `invalid_prompts`, `invalid_catalog`, `internal`, ...
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Our fault: logged with its details; the caller learns only that it failed.
    pub fn internal(error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%error, "request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_string(), message: self.message } };
        (self.status, Json(body)).into_response()
    }
}

impl From<crate::profile::StoreError> for ApiError {
    /// The caller's mistakes (an erased id, a profile grown past its cap) get a 4xx saying so;
    /// anything else is ours.
    fn from(error: crate::profile::StoreError) -> ApiError {
        use crate::profile::StoreError;
        match error {
            StoreError::ShopperErased { .. } => ApiError::not_found("this shopper was erased"),
            StoreError::CustomerErased { .. } => {
                ApiError::new(StatusCode::CONFLICT, "erased", format!("{error}; it is not recreated"))
            }
            StoreError::TooLarge { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", error.to_string()),
            other => ApiError::internal(&other),
        }
    }
}

impl From<crate::profile::InputError> for ApiError {
    fn from(error: crate::profile::InputError) -> ApiError {
        ApiError::bad_request(error.to_string())
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(error: tokio::task::JoinError) -> ApiError {
        ApiError::internal(&error)
    }
}
