//! What `concierge serve` logs when its output is a pipe or a file, as an operator reads it: plain
//! text, a line per HTTP request and per closed connection, a periodic summary, and never what
//! a shopper wrote or their token.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// The server, killed when the test ends however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for a line matching `wanted` among those the server wrote, keeping all it saw.
fn wait_for(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, wanted: impl Fn(&str) -> bool) -> bool {
    if seen.iter().any(|l| wanted(l)) {
        return true;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) => {
                let found = wanted(&line);
                seen.push(line);
                if found {
                    return true;
                }
            }
            Err(_) => return false,
        }
    }
    false
}

async fn next_frame(socket: &mut common::Socket) -> Value {
    common::next_within(socket, Duration::from_secs(10)).await
}

mod common;

#[tokio::test]
async fn piped_logs_are_plain_text_with_request_connection_and_summary_lines_and_no_shopper_words() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("concierge.toml");
    std::fs::write(&config, "addr = \"127.0.0.1:0\"\n[log]\nsummary_secs = 1\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_concierge"))
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (sender, lines) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let sender = sender.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
    }
    let _server = Running(child);
    let mut seen = Vec::new();
    assert!(wait_for(&lines, &mut seen, |l| l.contains("listening on http://")), "{seen:#?}");
    let address = seen.iter().find_map(|l| l.split("listening on http://").nth(1)).unwrap();
    // The line goes on with fields (the catalog it loaded): the address is its first word.
    let address = address.split_whitespace().next().unwrap().to_string();

    let secret = "my aunt Philippa adores zeppelins";
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/v1/chat")).await.unwrap();
    socket.send(Message::Text(json!({"type":"hello"}).to_string().into())).await.unwrap();
    let welcome = next_frame(&mut socket).await;
    let token = welcome["shopper"].as_str().unwrap().to_string();
    next_frame(&mut socket).await;
    socket.send(Message::Text(json!({"type":"say","text":secret}).to_string().into())).await.unwrap();
    next_frame(&mut socket).await;
    socket.close(None).await.unwrap();
    while socket.next().await.is_some() {}
    reqwest::get(format!("http://{address}/healthz?token={token}")).await.unwrap();

    let closed = wait_for(&lines, &mut seen, |l| l.contains("connection closed") && l.contains("turns=2"));
    assert!(closed, "no line for the closed connection: {seen:#?}");
    let request = wait_for(&lines, &mut seen, |l| {
        l.contains("request") && l.contains("\"/healthz\"") && l.contains("status=200")
    });
    assert!(request, "no line for GET /healthz: {seen:#?}");
    let summary = wait_for(&lines, &mut seen, |l| l.contains("summary of the last 1 s") && l.contains("turns="));
    assert!(summary, "no summary line: {seen:#?}");
    for line in &seen {
        assert!(!line.contains('\u{1b}'), "colour codes in a piped log: {line:?}");
        assert!(!line.contains("zeppelin") && !line.contains("Philippa"), "shopper text in the log: {line}");
        assert!(!line.contains(&token), "a shopper token in the log: {line}");
    }
}
