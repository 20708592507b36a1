//! The `--url` driver: talks to a live server over its WebSocket chat, exactly as a widget
//! would, and puts shopper fixtures in place through the HTTP API.
//!
//! A fixture must be in place before the first reply, but the shopper token it is stored
//! under only exists after a `hello`. So the driver says hello once to get a token, closes
//! that connection, writes the fixture (`PATCH /v1/profile` for declared slots, `POST
//! /v1/events` for orders and events, with the token as bearer), and then opens the script's
//! first visit as a new visit of that shopper. Such a shopper is therefore "returning" in the
//! server's eyes; the in-process driver writes fixtures into its store directly instead.
//!
//! A fixture's `shop_events` are recorded as the shop's backend would: the first hello names
//! the shopper's customer (signed with the server's identity secret) and the events go to
//! `POST /v1/events` with the backend key, so the driver needs both ([`ShopKeys`]).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use super::driver::{Driver, DriverError, DriverFactory, ends_turn};
use super::script::{Fixture, Script};
use crate::chat::protocol::ServerFrame;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long to wait for the server's answer to one frame.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait for frames that may follow an event or a handover.
const GRACE: Duration = Duration::from_millis(150);

/// The server's backend key and identity secret, for fixtures' `shop_events`.
#[derive(Debug, Clone)]
pub struct ShopKeys {
    pub backend_key: String,
    pub identity_secret: String,
}

/// One shopper's connection to a live chat server.
pub struct SocketDriver {
    url: String,
    /// `http://host:port` of the same server, for the fixture's HTTP calls.
    http: String,
    client: reqwest::Client,
    socket: Option<Socket>,
    /// The shopper token from the first `welcome`, for later visits and the HTTP API.
    shopper: Option<String>,
    keys: Option<ShopKeys>,
    /// The verified customer every hello names once the fixture made the shopper one (a
    /// customer's profile is continued only with their signature).
    customer: Value,
}

/// A factory of socket drivers for the chat at `url` (`ws://HOST:PORT/v1/chat`); each script
/// gets a new shopper. Fails at once when the URL is not a ws:// or wss:// URL. Without
/// `keys`, a script whose fixture has `shop_events` fails saying so.
pub fn factory(
    url: &str,
    keys: Option<ShopKeys>,
) -> Result<impl DriverFactory<Driver = SocketDriver> + use<>, DriverError> {
    let http = http_base(url)?;
    let client = reqwest::Client::builder()
        .timeout(ANSWER_TIMEOUT)
        .build()
        .map_err(|e| DriverError::Unavailable(format!("cannot start an HTTP client: {e}")))?;
    let url = url.to_string();
    Ok(move |_script: &Script| {
        let driver = SocketDriver {
            url: url.clone(),
            http: http.clone(),
            client: client.clone(),
            socket: None,
            shopper: None,
            keys: keys.clone(),
            customer: Value::Null,
        };
        async move { Ok(Box::new(driver)) }
    })
}

/// `ws://host:port/v1/chat` → `http://host:port` (and wss → https).
fn http_base(url: &str) -> Result<String, DriverError> {
    let bad = |why: &str| DriverError::Unavailable(format!("--url {url}: {why}; expected ws://HOST:PORT/v1/chat"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "ws" => "http",
        "wss" => "https",
        _ => return Err(bad("not a ws:// or wss:// URL")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    Ok(format!("{scheme}://{authority}"))
}

impl SocketDriver {
    async fn connect(&mut self) -> Result<&mut Socket, DriverError> {
        self.close().await;
        let (socket, _) = connect_async(self.url.as_str())
            .await
            .map_err(|e| DriverError::Connect { url: self.url.clone(), reason: e.to_string() })?;
        Ok(self.socket.insert(socket))
    }

    async fn close(&mut self) {
        if let Some(mut socket) = self.socket.take() {
            // The server may already be gone; a failed close changes nothing for the script.
            let _ = socket.close(None).await;
        }
    }

    async fn send(&mut self, frame: &Value) -> Result<(), DriverError> {
        let socket = self.socket.as_mut().ok_or_else(|| DriverError::Closed(": no open conversation".into()))?;
        socket.send(Message::text(frame.to_string())).await.map_err(|e| DriverError::Closed(format!(": {e}")))
    }

    /// Frames until and including one that ends a turn (reply, handover, error); after a
    /// handover, also whatever follows within the grace period (its reply, if any).
    async fn answer(&mut self, waiting_for: &str) -> Result<Vec<ServerFrame>, DriverError> {
        let mut frames = Vec::new();
        loop {
            let frame = self.next(ANSWER_TIMEOUT, waiting_for).await?.ok_or_else(|| DriverError::Timeout {
                seconds: ANSWER_TIMEOUT.as_secs(),
                waiting_for: waiting_for.to_string(),
            })?;
            let ends = ends_turn(&frame);
            let handover = matches!(frame, ServerFrame::Handover { .. });
            frames.push(frame);
            if handover {
                frames.extend(self.linger().await?);
            }
            if ends {
                return Ok(frames);
            }
        }
    }

    /// Whatever frames arrive within the grace period.
    async fn linger(&mut self) -> Result<Vec<ServerFrame>, DriverError> {
        let mut frames = Vec::new();
        while let Some(frame) = self.next(GRACE, "").await? {
            frames.push(frame);
        }
        Ok(frames)
    }

    /// The next chat frame within `wait`, `None` when none came in time.
    async fn next(&mut self, wait: Duration, waiting_for: &str) -> Result<Option<ServerFrame>, DriverError> {
        let socket = self.socket.as_mut().ok_or_else(|| DriverError::Closed(": no open conversation".into()))?;
        loop {
            let message = match tokio::time::timeout(wait, socket.next()).await {
                Err(_) => return Ok(None),
                Ok(None) => return Err(DriverError::Closed(format!(" while waiting for {waiting_for}"))),
                Ok(Some(Err(e))) => return Err(DriverError::Closed(format!(": {e}"))),
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).map(Some).map_err(|e| {
                        DriverError::Protocol(format!("{e} in {}", super::script::quote_short(text.as_str(), 200)))
                    });
                }
                Message::Close(frame) => {
                    let why =
                        frame.map(|f| format!(" (status {}: {})", u16::from(f.code), f.reason)).unwrap_or_default();
                    return Err(DriverError::Closed(why));
                }
                Message::Binary(_) | Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// Says hello (with the known shopper token, if any) and reads up to the greeting.
    /// Names the fixture's customer, if any (see `customer`).
    async fn hello(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.connect().await?;
        let hello = json!({"type": "hello", "shopper": self.shopper, "session": null, "customer": self.customer,
                           "context": context});
        self.send(&hello).await?;
        let frames = self.answer("the welcome and first reply").await?;
        for frame in &frames {
            if let ServerFrame::Welcome { shopper, .. } = frame {
                self.shopper = Some(shopper.clone());
            }
        }
        Ok(frames)
    }

    async fn http(&self, method: reqwest::Method, path: &str, token: &str, body: &Value) -> Result<(), DriverError> {
        let url = format!("{}{path}", self.http);
        let name = if method == reqwest::Method::PATCH { "PATCH" } else { "POST" };
        let failed = |detail: String| DriverError::Http { method: name, url: url.clone(), detail };
        let response = self
            .client
            .request(method.clone(), &url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(failed(format!("{status}: {}", text.chars().take(300).collect::<String>())))
    }
}

/// What the shop's server signs to vouch for a customer id: hex HMAC-SHA256 with the identity
/// secret (INTERFACE.md, `hello.customer`).
fn customer_signature(secret: &str, customer: &str) -> String {
    use hmac::Mac;
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(customer.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// An idempotency key unique to this shopper and event.
fn event_id(token: &str, n: usize) -> String {
    let digest = hex::encode(Sha256::digest(token.as_bytes()));
    format!("replay-{}-{n}", &digest[..16])
}

impl Driver for SocketDriver {
    async fn apply_fixture(&mut self, fixture: &Fixture) -> Result<(), DriverError> {
        let keys = match (&self.keys, fixture.shop_events.is_empty()) {
            (_, true) => None,
            (Some(keys), false) => Some(keys.clone()),
            (None, false) => {
                return Err(DriverError::Protocol(
                    "fixture: `shop_events` over --url need the server's backend key and identity secret \
                     (CONCIERGE_BACKEND_KEY and CONCIERGE_IDENTITY_SECRET)"
                        .into(),
                ));
            }
        };
        // A fresh shopper's token names its customer, so say hello once without one first.
        self.hello(&json!({})).await?;
        let token =
            self.shopper.clone().ok_or_else(|| DriverError::Protocol("no `welcome` frame after hello".into()))?;
        let customer = Fixture::customer(&token);
        if let Some(keys) = &keys {
            let signature = customer_signature(&keys.identity_secret, &customer);
            self.customer = json!({"id": customer, "signature": signature});
            self.hello(&json!({})).await?;
        }
        self.close().await;
        if !fixture.declared.is_empty() {
            let body = json!({"declared": fixture.declared});
            self.http(reqwest::Method::PATCH, "/v1/profile", &token, &body).await?;
        }
        let mut events: Vec<Value> = fixture.order_events();
        events.extend(fixture.events.iter().cloned());
        for (n, event) in events.iter_mut().enumerate() {
            if let Some(map) = event.as_object_mut() {
                map.entry("id").or_insert_with(|| Value::String(event_id(&token, n)));
            }
        }
        if !events.is_empty() {
            self.http(reqwest::Method::POST, "/v1/events", &token, &json!({"events": events})).await?;
        }
        if let Some(keys) = keys {
            let mut events = fixture.shop_events.clone();
            for (n, event) in events.iter_mut().enumerate() {
                if let Some(map) = event.as_object_mut() {
                    map.insert("customer_id".into(), Value::String(customer.clone()));
                    map.entry("id").or_insert_with(|| Value::String(format!("{}-shop", event_id(&token, n))));
                }
            }
            self.http(reqwest::Method::POST, "/v1/events", &keys.backend_key, &json!({"events": events})).await?;
        }
        Ok(())
    }

    /// Posts the shop's orders with the shop's backend key, `CONCIERGE_BACKEND_KEY` (as the
    /// server reads it).
    async fn apply_orders(&mut self, orders: &[Value]) -> Result<(), DriverError> {
        let key = std::env::var("CONCIERGE_BACKEND_KEY").ok().filter(|k| !k.is_empty()).ok_or_else(|| {
            DriverError::Unavailable("the script's shop orders need the backend key: set CONCIERGE_BACKEND_KEY".into())
        })?;
        // The server keeps event ids: make them unique to this run, so a rerun counts them again.
        let run = self.shopper.clone().unwrap_or_else(|| format!("{:?}", std::time::SystemTime::now()));
        let mut events = orders.to_vec();
        for (n, event) in events.iter_mut().enumerate() {
            if let Some(map) = event.as_object_mut() {
                map.insert("id".into(), Value::String(event_id(&run, n)));
                if let Some(order) = map.get_mut("order").and_then(Value::as_object_mut) {
                    order.insert("id".into(), Value::String(event_id(&run, n)));
                }
            }
        }
        self.http(reqwest::Method::POST, "/v1/events", &key, &json!({"events": events})).await
    }

    async fn open(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.hello(context).await
    }

    async fn say(&mut self, text: &str) -> Result<Vec<ServerFrame>, DriverError> {
        self.send(&json!({"type": "say", "text": text})).await?;
        self.answer("the reply").await
    }

    async fn event(&mut self, event: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.send(&json!({"type": "event", "event": event})).await?;
        self.linger().await
    }

    async fn visit(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.hello(context).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_http_api_lives_beside_the_chat() {
        assert_eq!(http_base("ws://127.0.0.1:8080/v1/chat").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(http_base("wss://shop.example/v1/chat?x=1").unwrap(), "https://shop.example");
        assert!(http_base("http://127.0.0.1:8080/v1/chat").is_err());
        assert!(http_base("127.0.0.1:8080").is_err());
    }
}
