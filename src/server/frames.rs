//! The chat protocol's server frames (INTERFACE.md, "WebSocket chat"). A minimal copy of the
//! lead's file so replay compiles on its own branch; the real file replaces it at merge.

use serde::{Deserialize, Serialize};

/// A frame to the widget.
// A reply is much larger than the other frames, but each frame is built once and moved
// straight to the socket, so boxing it would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Welcome { shopper: String, session: String, returning: bool },
    Reply(crate::reply::Reply),
    ReplyDelta { text: String },
    Handover { reason: String, message: String },
    Error { code: String, message: String },
}
