//! `concierge-echo`: a bare WebSocket echo server, the baseline for the load generator. It
//! answers each text frame with the same frame, on the same stack as the chat server (axum's
//! WebSocket over tokio), so `concierge-load` against it measures the socket's own cost and
//! concierge's cost can be stated as a ratio to it.
//!
//! ```sh
//! concierge-echo --addr 127.0.0.1:18081    # then: concierge-load --url ws://127.0.0.1:18081/v1/chat --metrics none
//! ```

use axum::Router;
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{Message, WebSocket};
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use clap::Parser;

/// mimalloc instead of the system allocator: a turn makes many small, short-lived allocations
/// (frames, templates, JSON), where glibc's malloc cost about a tenth of the server's CPU at
/// saturation. The echo baseline uses it too, so the comparison stays like for like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(about = "A bare WebSocket echo server (any path), the baseline for concierge-load")]
struct Args {
    #[arg(long, default_value = "127.0.0.1:18081")]
    addr: std::net::SocketAddr,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        // TCP_NODELAY as in concierge serve, so both pay the same for the socket.
        let listener = tokio::net::TcpListener::bind(args.addr).await?.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        println!("echo listening on {}", args.addr);
        let app = Router::new().fallback(get(upgrade));
        axum::serve(listener, app).await?;
        Ok(())
    })
}

async fn upgrade(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(echo)
}

/// Answers every text or binary frame with itself until the peer closes.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let answer = match message {
            Message::Text(_) | Message::Binary(_) => message,
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if socket.send(answer).await.is_err() {
            break;
        }
    }
}
