//! The chat protocol's frames (INTERFACE.md, "WebSocket chat"), parsed strictly at the edge so
//! nothing malformed gets past: a frame is either one of these or an error frame with a code.

use serde::{Deserialize, Serialize};

use crate::chat::query::PageContext;
use crate::chat::reply::Reply;

/// A logged-in customer, as the shop's server signed it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Customer {
    pub id: String,
    /// Hex HMAC-SHA256 of `id` with the identity secret.
    pub signature: String,
}

/// A frame from the widget.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    Hello {
        shopper: Option<String>,
        session: Option<String>,
        customer: Option<Customer>,
        context: PageContext,
    },
    /// `id`, when set, names the message: a `say` resent with an id already applied in its
    /// conversation (after a reconnect, to any server) is answered again, not applied again.
    Say {
        text: String,
        choice: Option<String>,
        id: Option<String>,
    },
    Event {
        event: serde_json::Value,
    },
}

/// Why a frame was refused; `code` is one of INTERFACE.md's error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub code: &'static str,
    pub message: String,
}

impl FrameError {
    pub fn new(code: &'static str, message: impl Into<String>) -> FrameError {
        FrameError { code, message: message.into() }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HelloBody {
    #[serde(rename = "type")]
    _type: String,
    #[serde(default)]
    shopper: Option<String>,
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    customer: Option<Customer>,
    #[serde(default)]
    context: Option<PageContext>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SayBody {
    #[serde(rename = "type")]
    _type: String,
    text: String,
    #[serde(default)]
    choice: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// The longest `id` a `say` may carry, in bytes.
pub const MAX_SAY_ID: usize = 128;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    #[serde(rename = "type")]
    _type: String,
    event: serde_json::Value,
}

impl ClientFrame {
    /// Parses one text frame: not JSON or a wrong shape is `bad_message`; an unknown `type`
    /// is `unknown_type`.
    pub fn parse(text: &str) -> Result<ClientFrame, FrameError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| FrameError::new("bad_message", format!("not valid JSON: {e}")))?;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .ok_or_else(|| FrameError::new("bad_message", "a frame needs a string `type`"))?
            .to_string();
        let shape = |e: serde_json::Error| FrameError::new("bad_message", format!("bad `{kind}` frame: {e}"));
        match kind.as_str() {
            "hello" => {
                let body: HelloBody = serde_json::from_value(value).map_err(shape)?;
                let context = body.context.unwrap_or_default();
                Ok(ClientFrame::Hello {
                    shopper: body.shopper,
                    session: body.session,
                    customer: body.customer,
                    context,
                })
            }
            "say" => {
                let body: SayBody = serde_json::from_value(value).map_err(shape)?;
                if body.id.as_ref().is_some_and(|id| id.is_empty() || id.len() > MAX_SAY_ID) {
                    let message = format!("a say's `id` is 1 to {MAX_SAY_ID} bytes");
                    return Err(FrameError::new("bad_message", message));
                }
                Ok(ClientFrame::Say { text: body.text, choice: body.choice, id: body.id })
            }
            "event" => {
                let body: EventBody = serde_json::from_value(value).map_err(shape)?;
                Ok(ClientFrame::Event { event: body.event })
            }
            other => Err(FrameError::new(
                "unknown_type",
                format!(
                    "unknown frame type `{}`; expected hello, say or event",
                    other.chars().take(40).collect::<String>()
                ),
            )),
        }
    }
}

/// A frame to the widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Welcome {
        shopper: String,
        session: String,
        returning: bool,
        /// The shopper's arm in each running experiment (`{"holdout":"assistant"}`); absent
        /// when none runs.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        experiments: std::collections::BTreeMap<String, String>,
    },
    Reply(Box<Reply>),
    ReplyDelta {
        text: String,
    },
    Handover {
        reason: String,
        message: String,
    },
    /// A proactive notice (a shipping delay, a watched product back in stock, ...).
    Notice(Box<crate::notices::Notice>),
    Error {
        code: String,
        message: String,
    },
}

impl ServerFrame {
    pub fn error(error: &FrameError) -> ServerFrame {
        ServerFrame::Error { code: error.code.to_string(), message: error.message.clone() }
    }

    pub fn to_text(&self) -> String {
        // Serialising these types cannot fail (no maps with non-string keys, no custom errors).
        serde_json::to_string(self)
            .unwrap_or_else(|_| r#"{"type":"error","code":"internal","message":"encoding"}"#.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_as_the_interface_shows() {
        let hello = ClientFrame::parse(r#"{"type":"hello","shopper":null,"session":null,"customer":null,"context":{"page":"home","product_id":null,"referrer":"https://runningblog.example/","device":"mobile","locale":"en-GB","country":"GB"}}"#).unwrap();
        let ClientFrame::Hello { context, .. } = hello else { panic!() };
        assert_eq!(context.referrer.as_deref(), Some("https://runningblog.example/"));
        assert_eq!(
            ClientFrame::parse(r#"{"type":"say","text":"Under £20","choice":"Under £20"}"#).unwrap(),
            ClientFrame::Say { text: "Under £20".into(), choice: Some("Under £20".into()), id: None }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"say","text":"hi","id":"m-1"}"#).unwrap(),
            ClientFrame::Say { text: "hi".into(), choice: None, id: Some("m-1".into()) }
        );
        assert!(matches!(
            ClientFrame::parse(r#"{"type":"event","event":{"kind":"product_viewed","product_id":"sku-1"}}"#),
            Ok(ClientFrame::Event { .. })
        ));
    }

    #[test]
    fn malformed_frames_get_their_codes() {
        assert_eq!(ClientFrame::parse("{not json").unwrap_err().code, "bad_message");
        assert_eq!(ClientFrame::parse(r#"{"text":"hi"}"#).unwrap_err().code, "bad_message");
        assert_eq!(ClientFrame::parse(r#"{"type":"say"}"#).unwrap_err().code, "bad_message");
        assert_eq!(ClientFrame::parse(r#"{"type":"say","text":5}"#).unwrap_err().code, "bad_message");
        assert_eq!(ClientFrame::parse(r#"{"type":"dance"}"#).unwrap_err().code, "unknown_type");
        assert_eq!(ClientFrame::parse(r#"{"type":"say","text":"hi","id":""}"#).unwrap_err().code, "bad_message");
        let long = format!(r#"{{"type":"say","text":"hi","id":"{}"}}"#, "x".repeat(MAX_SAY_ID + 1));
        assert_eq!(ClientFrame::parse(&long).unwrap_err().code, "bad_message");
    }

    #[test]
    fn server_frames_are_tagged_by_type() {
        let welcome = ServerFrame::Welcome {
            shopper: "t".into(),
            session: "s".into(),
            returning: false,
            experiments: Default::default(),
        };
        assert_eq!(welcome.to_text(), r#"{"type":"welcome","shopper":"t","session":"s","returning":false}"#);
        let held = ServerFrame::Welcome {
            shopper: "t".into(),
            session: "s".into(),
            returning: false,
            experiments: [("holdout".to_string(), "holdout".to_string())].into(),
        };
        assert!(held.to_text().ends_with(r#""returning":false,"experiments":{"holdout":"holdout"}}"#));
    }
}
