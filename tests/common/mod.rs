//! Helpers shared by the socket-level integration tests: start the real server on port 0 with
//! its own data directory, and talk to it over a real WebSocket.
#![allow(dead_code)]

pub mod fake_llm;

use std::net::SocketAddr;
use std::time::Duration;

use concierge::config::Config;
use concierge::server::Application;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Server {
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

/// The real server on the demo store, configured further by `configure`.
pub async fn start(configure: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        catalog: concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl").into(),
        prompts: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts").into()),
        ..Config::default()
    };
    configure(&mut config);
    let app = Application::build(config).await.unwrap();
    let addr = app.addr();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    Server { addr, _dir: dir }
}

impl Server {
    /// The server's own data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

/// One HTTP request with an optional bearer token and JSON body: (status, JSON body, or the
/// body as a JSON string when it is not JSON).
pub async fn http(server: &Server, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("http://{}{}", server.addr, path);
    let mut request = client.request(method.parse().unwrap(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub async fn connect(server: &Server) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/v1/chat", server.addr)).await.unwrap();
    socket
}

pub async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.unwrap();
}

/// The next JSON frame within `wait`, skipping pings.
pub async fn next_within(socket: &mut Socket, wait: Duration) -> Value {
    loop {
        let message = tokio::time::timeout(wait, socket.next()).await.expect("a frame in time");
        match message.expect("the socket is open").expect("a readable frame") {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => continue,
        }
    }
}

/// Frames up to and including the next `reply` (or `handover`): (the deltas' texts, the reply).
pub async fn reply_within(socket: &mut Socket, wait: Duration) -> (Vec<String>, Value) {
    let mut deltas = Vec::new();
    loop {
        let frame = next_within(socket, wait).await;
        match frame["type"].as_str() {
            Some("reply_delta") => deltas.push(frame["text"].as_str().unwrap_or_default().to_string()),
            Some("reply" | "handover") => return (deltas, frame),
            _ => {}
        }
    }
}

/// Sends hello; returns the welcome and the first reply.
pub async fn hello(socket: &mut Socket) -> (Value, Value) {
    send(socket, json!({"type":"hello","context":{"page":"home"}})).await;
    let welcome = next_within(socket, Duration::from_secs(10)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (welcome, reply_within(socket, Duration::from_secs(10)).await.1)
}

/// A plain HTTP GET's body.
pub async fn get(server: &Server, path: &str) -> String {
    reqwest::get(format!("http://{}{}", server.addr, path)).await.unwrap().text().await.unwrap()
}
