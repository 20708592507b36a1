//! The site widget and the demo shop page, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;

const WIDGET: &str = include_str!("../../widget/widget.js");
const DEMO_PAGE: &str = include_str!("../../widget/index.html");

/// `GET /widget.js`: the chat widget, one script tag on any page.
pub async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], WIDGET)
}

/// `GET /`: a demo shop page embedding the widget.
pub async fn demo_page() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], DEMO_PAGE)
}
