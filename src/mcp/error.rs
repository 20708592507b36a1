//! The MCP layer's errors. Every one reaches the agent as a tool result with `isError: true`
//! and a stable code, never as an HTTP error: an HTTP 401 would start a client's OAuth
//! discovery, and a protocol error hides its message from the model calling the tool.

use rmcp::model::{CallToolResult, ContentBlock};

#[derive(Debug, thiserror::Error)]
pub(crate) enum ToolError {
    /// The arguments are not what the tool's schema says.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// A shopper tool called without a valid shopper token in `Authorization: Bearer`.
    #[error(
        "a valid shopper token is required in the Authorization header (Bearer <token>); call `converse` to get one"
    )]
    Unauthorized,
    #[error("unknown tool `{0}`")]
    UnknownTool(String),
    /// Our fault; the details went to the log.
    #[error("something went wrong on our side")]
    Internal,
}

impl ToolError {
    pub(crate) fn invalid(message: impl Into<String>) -> ToolError {
        ToolError::Invalid(message.into())
    }

    /// Logs `error` and hides it from the caller.
    pub(crate) fn internal(error: &dyn std::fmt::Display) -> ToolError {
        tracing::error!(%error, "MCP tool failed");
        ToolError::Internal
    }

    pub(crate) fn code(&self) -> &'static str {
        match self {
            ToolError::Invalid(_) => "invalid_arguments",
            ToolError::NotFound(_) => "not_found",
            ToolError::Unauthorized => "unauthorized",
            ToolError::UnknownTool(_) => "unknown_tool",
            ToolError::Internal => "internal",
        }
    }

    /// The tool result an agent reads: `isError`, the message as text, and
    /// `{"error":{"code","message"}}` as structured content.
    pub(crate) fn into_result(self) -> CallToolResult {
        let message = self.to_string();
        let body = serde_json::json!({"error": {"code": self.code(), "message": message}});
        let mut result = CallToolResult::error(vec![ContentBlock::text(format!("{}: {message}", self.code()))]);
        result.structured_content = Some(body);
        result
    }
}

impl From<crate::profile::StoreError> for ToolError {
    fn from(error: crate::profile::StoreError) -> ToolError {
        ToolError::internal(&error)
    }
}

/// The REST layer's errors, from the handlers' logic the shopper tools share.
impl From<crate::server::error::ApiError> for ToolError {
    fn from(error: crate::server::error::ApiError) -> ToolError {
        use axum::http::StatusCode;
        match error.status {
            StatusCode::BAD_REQUEST => ToolError::Invalid(error.message),
            StatusCode::NOT_FOUND => ToolError::NotFound(error.message),
            StatusCode::UNAUTHORIZED => ToolError::Unauthorized,
            // Already logged where it was made.
            _ => ToolError::Internal,
        }
    }
}

impl From<tokio::task::JoinError> for ToolError {
    fn from(error: tokio::task::JoinError) -> ToolError {
        ToolError::internal(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_error_is_an_error_result_with_its_code() {
        let result = ToolError::Unauthorized.into_result();
        assert_eq!(result.is_error, Some(true));
        let body = result.structured_content.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert!(body["error"]["message"].as_str().unwrap().contains("Authorization"));
    }

    #[test]
    fn an_internal_error_hides_its_details() {
        let result = ToolError::internal(&"disk on fire at /var/secret").into_result();
        assert!(!serde_json::to_string(&result).unwrap().contains("/var/secret"));
    }
}
