//! Real `concierge serve` processes on a shared database, and a client for them: WebSocket
//! chat and plain HTTP.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Every server of a test signs tokens with this, as a shop's servers would share one secret.
const SECRET: &str = "one secret shared by every server of the shop";
/// The shop's keys, the same for every server of a test.
pub const ADMIN_KEY: &str = "admin key of the shop";
pub const BACKEND_KEY: &str = "backend key of the shop";
pub const IDENTITY_SECRET: &str = "identity secret of the shop";

/// A `concierge serve` process; killed (SIGKILL) when dropped.
pub struct Serve {
    child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Serve {
    /// Starts a server on port 0 with its own data directory and `store`; returns once it
    /// listens.
    pub fn start(store: &str) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let root = env!("CARGO_MANIFEST_DIR");
        // Every request of a test comes from one address: lift the per-address REST limit.
        let config = dir.path().join("concierge.toml");
        std::fs::write(&config, "[limits]\nrest_per_minute = 1000000\n").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_concierge"))
            .args(["serve", "--addr", "127.0.0.1:0", "--store", store])
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--catalog", &format!("{root}/catalog/demo.jsonl"), "--prompts", &format!("{root}/prompts")])
            .env("CONCIERGE_SECRET", SECRET)
            .env("CONCIERGE_ADMIN_KEY", ADMIN_KEY)
            .env("CONCIERGE_BACKEND_KEY", BACKEND_KEY)
            .env("CONCIERGE_IDENTITY_SECRET", IDENTITY_SECRET)
            .env("RUST_LOG", "info,tantivy=warn,sled=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            let line = lines.next().expect("the server says where it listens").unwrap();
            if let Some((_, rest)) = line.split_once("listening on http://") {
                let addr: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
                break addr.parse().unwrap();
            }
        };
        // Keep reading its logs so a full pipe never stalls it.
        std::thread::spawn(move || lines.for_each(drop));
        Serve { child, addr, _dir: dir }
    }

    /// SIGKILL, as a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub async fn connect(&self) -> Socket {
        connect(self.addr).await
    }

    pub async fn http(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        http(self.addr, method, path, token, body).await
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}

pub async fn connect(addr: SocketAddr) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/v1/chat")).await.unwrap();
    socket
}

pub async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.unwrap();
}

/// The next JSON frame, skipping pings; `None` when the socket closed.
pub async fn next(socket: &mut Socket) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(15), socket.next()).await.expect("a frame in time");
        match message {
            Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Sends hello; returns (welcome, first reply).
pub async fn hello(socket: &mut Socket, shopper: Option<&str>, session: Option<&str>) -> (Value, Value) {
    send(socket, json!({"type":"hello","shopper":shopper,"session":session,"context":{"page":"home"}})).await;
    let welcome = next(socket).await.expect("a welcome");
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (welcome, next(socket).await.expect("a greeting"))
}

pub async fn say(socket: &mut Socket, text: &str) -> Option<Value> {
    send(socket, json!({"type":"say","text":text})).await;
    next(socket).await
}

pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method.parse().unwrap(), format!("http://{addr}{path}"));
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
