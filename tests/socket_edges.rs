//! The chat socket's edges over raw TCP: close codes per RFC 6455 for text that is not UTF-8
//! and for protocol errors, and a client that never reads giving its place back.

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

mod common;

use common::{Server, connect, next_within, send, start};

/// A WebSocket handshake done by hand, so the test can then write any bytes it likes.
async fn raw_socket(server: &Server) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /v1/chat HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        server.addr
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    stream
}

/// A client frame: FIN, `opcode`, masked (as clients must) or not.
fn frame(opcode: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut bytes = vec![0x80 | opcode, (if masked { 0x80 } else { 0 }) | payload.len() as u8];
    if masked {
        bytes.extend_from_slice(&mask);
        bytes.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    } else {
        bytes.extend_from_slice(payload);
    }
    bytes
}

/// The status code of the server's close frame, skipping any frame before it.
async fn close_code(stream: &mut TcpStream) -> Option<u16> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut head = [0u8; 2];
        tokio::time::timeout_at(deadline.into(), stream.read_exact(&mut head)).await.ok()?.ok()?;
        let len = usize::from(head[1] & 0x7f);
        let len = match len {
            126 => {
                let mut more = [0u8; 2];
                stream.read_exact(&mut more).await.ok()?;
                usize::from(u16::from_be_bytes(more))
            }
            127 => return None,
            n => n,
        };
        let mut payload = vec![0u8; len];
        stream.read_exact(&mut payload).await.ok()?;
        if head[0] & 0x0f == 0x8 {
            return payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
        }
    }
}

#[tokio::test]
async fn text_that_is_not_utf8_closes_the_socket_with_1007() {
    let server = start(|_| {}).await;
    let mut stream = raw_socket(&server).await;
    stream.write_all(&frame(0x1, b"{\"type\":\"hello\xff\xfe\"}", true)).await.unwrap();
    assert_eq!(close_code(&mut stream).await, Some(1007));
}

#[tokio::test]
async fn a_protocol_error_closes_the_socket_with_1002() {
    let server = start(|_| {}).await;
    let mut stream = raw_socket(&server).await;
    // Clients must mask their frames; an unmasked one is a protocol error.
    stream.write_all(&frame(0x1, b"{\"type\":\"hello\"}", false)).await.unwrap();
    assert_eq!(close_code(&mut stream).await, Some(1002));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_gives_its_place_back() {
    let server = start(|c| {
        c.limits.max_connections = 1;
        c.limits.chat_per_minute = 100_000;
        c.limits.messages_per_minute = 1_000_000;
        c.limits.burst = 100_000;
    })
    .await;
    // A tiny receive window and no reading: the server's writer blocks on this peer.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let stream = socket.connect(server.addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{}/v1/chat", server.addr), stream).await.unwrap();
    ws.send(Message::Text(json!({"type":"hello"}).to_string().into())).await.unwrap();
    let flood = tokio::spawn(async move {
        // Requests answered with product cards: big replies fill the socket's buffers fast ("something
        // else" runs out of products and its short replies took minutes to fill them).
        let frame = json!({"type":"say","text":"a present for a 6 year old who loves trains"}).to_string();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(160) {
            let sent = tokio::time::timeout(Duration::from_secs(1), ws.send(Message::Text(frame.clone().into())));
            if matches!(sent.await, Ok(Err(_))) {
                break;
            }
        }
        ws // kept open, never read
    });
    // The one place comes back once the server gives up on that peer, though it never closes.
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let mut socket = connect(&server).await;
        send(&mut socket, json!({"type":"hello"})).await;
        let answer = tokio::time::timeout(Duration::from_secs(5), futures_util::StreamExt::next(&mut socket)).await;
        if let Ok(Some(Ok(Message::Text(text)))) = answer {
            assert!(text.contains("welcome"), "{text}");
            assert_eq!(next_within(&mut socket, Duration::from_secs(5)).await["type"], "reply");
            break;
        }
        assert!(Instant::now() < deadline, "the blocked writer never gave its place back");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    flood.abort();
}
