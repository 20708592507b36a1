//! A misbehaving OpenAI-compatible endpoint, for the faults a real model server has: it hangs,
//! it answers garbage, or it answers with fixed text (to prove the checks over the whole
//! stack). A real HTTP server on a loopback port, speaking the chat-completions protocol
//! (server-sent events for streams); the well-behaved real model is llama.cpp (tests/llm.rs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

#[derive(Clone)]
pub enum Behaviour {
    /// Accepts the request and never answers.
    Hang,
    /// Answers 200 with a body that is not a chat completion.
    Garbage,
    /// Answers structured-output calls with `slots` and streamed calls with `reply`.
    Fixed { slots: Value, reply: String },
}

pub struct FakeLlm {
    pub base_url: String,
    pub calls: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Fake {
    behaviour: Behaviour,
    calls: Arc<AtomicUsize>,
}

/// Starts the endpoint on a free loopback port.
pub async fn start(behaviour: Behaviour) -> FakeLlm {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(Fake { behaviour, calls: calls.clone() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    FakeLlm { base_url: format!("http://{addr}/v1"), calls }
}

async fn completions(State(fake): State<Fake>, body: String) -> Response {
    fake.calls.fetch_add(1, Ordering::SeqCst);
    let request: Value = serde_json::from_str(&body).unwrap_or_default();
    match fake.behaviour {
        Behaviour::Hang => std::future::pending().await,
        Behaviour::Garbage => ([("content-type", "application/json")], "{\"oops\": [1, 2").into_response(),
        Behaviour::Fixed { slots, reply } => {
            if request["stream"] == true {
                let mut events = String::new();
                for piece in reply.as_bytes().chunks(9) {
                    let chunk = json!({"id":"x","object":"chat.completion.chunk","created":0,"model":"fake",
                        "choices":[{"index":0,"delta":{"content":String::from_utf8_lossy(piece)},"finish_reason":null}]});
                    events.push_str(&format!("data: {chunk}\n\n"));
                }
                events.push_str("data: [DONE]\n\n");
                ([("content-type", "text/event-stream")], events).into_response()
            } else {
                let answer = json!({"id":"x","object":"chat.completion","created":0,"model":"fake",
                    "choices":[{"index":0,"message":{"role":"assistant","content":slots.to_string()},"finish_reason":"stop"}],
                    "usage":{"prompt_tokens":50,"completion_tokens":20,"total_tokens":70}});
                axum::Json(answer).into_response()
            }
        }
    }
}
