//! The site widget, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;

const WIDGET: &str = include_str!("../../widget/widget.js");

/// `GET /widget.js`: the chat widget, one script tag on any page.
pub async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], WIDGET)
}
