//! Agents end to end: the real server on port 0 with its own data directory, driven over MCP
//! (Streamable HTTP at `/mcp`) by an independent client, the official MCP Python SDK pinned in
//! `tests/mcp/requirements.txt`, running `tests/mcp/client.py`.
//!
//! The Python script only makes the calls; every assertion is here. Without Python or the
//! package (and no network to install it into a venv) the SDK tests print a note and pass,
//! unless `CONCIERGE_MCP=required` (set by `.ci/run`), which turns every skip into a failure.
//! `CONCIERGE_MCP_PYTHON` names a Python that already has the package.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use concierge::catalog::Catalog;
use serde_json::{Value, json};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/demo.jsonl");
const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/client.py");
const REQUIREMENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/requirements.txt");

/// Why the SDK tests cannot run here: a note, or a failure when the run requires them.
fn skip(reason: &str) {
    if std::env::var("CONCIERGE_MCP").as_deref() == Ok("required") {
        panic!("the MCP client tests are required (CONCIERGE_MCP=required) but {reason}");
    }
    eprintln!("skipping the MCP Python SDK tests: {reason}");
}

/// The pinned `mcp` version, from `tests/mcp/requirements.txt` (`mcp==X.Y.Z`).
fn pinned() -> String {
    let text = std::fs::read_to_string(REQUIREMENTS).expect("tests/mcp/requirements.txt");
    text.lines().find_map(|l| l.trim().strip_prefix("mcp==")).expect("an `mcp==X.Y.Z` line").trim().to_string()
}

fn has_pinned_sdk(python: &Path) -> bool {
    let probe = "import importlib.metadata as m; print(m.version('mcp'))";
    Command::new(python)
        .args(["-c", probe])
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == pinned())
}

/// A Python with the pinned SDK: `CONCIERGE_MCP_PYTHON`, else a venv under the target
/// directory, created and filled with pip when missing. Found once per test binary.
fn python() -> Result<PathBuf, String> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if let Some(given) = std::env::var_os("CONCIERGE_MCP_PYTHON") {
                let given = PathBuf::from(given);
                return if has_pinned_sdk(&given) {
                    Ok(given)
                } else {
                    Err(format!("CONCIERGE_MCP_PYTHON={} lacks mcp=={}", given.display(), pinned()))
                };
            }
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mcp-venv");
            let python = venv.join("bin/python");
            if has_pinned_sdk(&python) {
                return Ok(python);
            }
            let created = Command::new("python3").args(["-m", "venv"]).arg(&venv).status();
            if !created.is_ok_and(|s| s.success()) {
                return Err("python3 with venv is not available".into());
            }
            let installed = Command::new(venv.join("bin/pip")).args(["install", "-q", "-r", REQUIREMENTS]).status();
            if installed.is_ok_and(|s| s.success()) && has_pinned_sdk(&python) {
                Ok(python)
            } else {
                Err(format!("pip could not install mcp=={} into {}", pinned(), venv.display()))
            }
        })
        .clone()
}

/// Runs the steps through the Python SDK against `server`; `None` when the test is skipped.
async fn run(server: &common::Server, steps: Value) -> Option<HashMap<String, Value>> {
    let python = match python() {
        Ok(python) => python,
        Err(reason) => {
            skip(&reason);
            return None;
        }
    };
    let base = format!("http://{}", server.addr);
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(CLIENT).arg(base).arg(steps.to_string()).output().expect("the client runs")
    })
    .await
    .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the Python client failed:\n{stderr}\n{stdout}");
    Some(serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}")))
}

fn demo_catalog() -> Catalog {
    Catalog::load(Path::new(DEMO)).unwrap().0
}

/// Every product is a real catalog product at its catalog price, with one why line per signal.
fn assert_honest(products: &Value, catalog: &Catalog) {
    for product in products.as_array().expect("a product list") {
        let id = product["id"].as_str().unwrap();
        let real = catalog.get(id).unwrap_or_else(|| panic!("{id} is not in the catalog"));
        let minor = (real.price.decimal() * rust_decimal::Decimal::from(100)).normalize().to_string();
        assert_eq!(product["price"]["amount"].to_string(), minor, "{id}'s price is the catalog's");
        assert_eq!(product["price"]["currency"], real.currency.code());
        assert_eq!(product["title"], real.title.as_str());
        let (why, signals) = (product["why"].as_array().unwrap(), product["signals"].as_array().unwrap());
        assert_eq!(why.len(), signals.len(), "{id}: one why line per signal");
    }
}

fn ok<'a>(results: &'a HashMap<String, Value>, step: &str) -> &'a Value {
    let result = &results[step];
    assert_eq!(result["is_error"], false, "{step} failed: {result}");
    &result["structured"]
}

fn error_code<'a>(results: &'a HashMap<String, Value>, step: &str) -> &'a str {
    let result = &results[step];
    assert_eq!(result["is_error"], true, "{step} should be a tool error: {result}");
    result["structured"]["error"]["code"].as_str().unwrap_or_default()
}

fn ids(page: &Value) -> Vec<String> {
    page["products"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_searches_pages_looks_up_and_gets_recommendations_through_the_python_sdk() {
    let server = common::start(|_| {}).await;
    let search = |cursor: Option<&str>, limit: u32| {
        let mut pagination = json!({"limit": limit});
        if let Some(cursor) = cursor {
            pagination["cursor"] = json!(cursor);
        }
        json!({"query": "train", "filters": {"price": {"max": 2500}}, "pagination": pagination})
    };
    let steps = json!([
        {"name": "tools", "tool": "__list__"},
        {"name": "under_25", "tool": "search_catalog", "arguments": search(None, 20)},
        {"name": "page_1", "tool": "search_catalog", "arguments": search(None, 2)},
        {"name": "page_2", "tool": "search_catalog", "arguments": search(Some("$from:page_1.pagination.cursor"), 2)},
        {"name": "first_4", "tool": "search_catalog", "arguments": search(None, 4)},
        {"name": "lookup", "tool": "lookup_catalog", "arguments": {"ids": ["toy-001", "no-such-product"]}},
        {"name": "get_missing", "tool": "get_product", "arguments": {"id": "no-such-product"}},
        {"name": "misspelt", "tool": "search_catalog", "arguments": {"qurey": "train"}},
        {"name": "recommend", "tool": "recommend", "arguments":
            {"recipient": "nephew", "age": 6, "interests": ["trains"], "budget": {"max": 25}}},
    ]);
    let Some(results) = run(&server, steps).await else { return };
    let catalog = demo_catalog();

    let tools = results["tools"]["tools"].as_array().unwrap();
    for name in ["search_catalog", "lookup_catalog", "get_product", "recommend"] {
        assert!(tools.iter().any(|t| t == name), "{name} is listed: {tools:?}");
    }

    let under_25 = ok(&results, "under_25");
    assert!(!ids(under_25).is_empty(), "trains under £25 exist in the demo catalog");
    for product in under_25["products"].as_array().unwrap() {
        assert!(product["price"]["amount"].as_i64().unwrap() <= 2500, "within the price filter: {product}");
        assert!(
            product["why"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w.as_str().unwrap().contains("train") || w.as_str().unwrap().contains("Train")),
            "{product}"
        );
    }
    assert_honest(&under_25["products"], &catalog);

    let (page_1, page_2) = (ok(&results, "page_1"), ok(&results, "page_2"));
    assert_eq!(page_1["pagination"]["has_next_page"], true);
    let mut both = ids(page_1);
    both.extend(ids(page_2));
    assert_eq!(both, ids(ok(&results, "first_4")), "two pages of two are the first four, in order");

    let lookup = ok(&results, "lookup");
    assert_eq!(ids(lookup), ["toy-001"]);
    let message = &lookup["messages"][0];
    assert_eq!((message["code"].as_str(), message["id"].as_str()), (Some("not_found"), Some("no-such-product")));
    assert_honest(&lookup["products"], &catalog);

    assert_eq!(error_code(&results, "get_missing"), "not_found");
    assert_eq!(error_code(&results, "misspelt"), "invalid_arguments");

    let recommended = ok(&results, "recommend");
    assert_eq!(recommended["slots"]["recipient"], "child", "a nephew is read as the chat reads him");
    assert!(!ids(recommended).is_empty());
    for product in recommended["products"].as_array().unwrap() {
        assert!(product["price"]["amount"].as_i64().unwrap() <= 2500, "the budget is a hard filter: {product}");
        assert!(!product["why"].as_array().unwrap().is_empty());
    }
    assert_honest(&recommended["products"], &catalog);
}

#[tokio::test]
async fn the_discovery_document_names_the_mcp_endpoint() {
    let server = common::start(|_| {}).await;
    let doc: Value = serde_json::from_str(&common::get(&server, "/.well-known/ucp").await).unwrap();
    let service = &doc["ucp"]["services"]["dev.ucp.shopping"][0];
    assert_eq!(service["transport"], "mcp");
    assert_eq!(service["endpoint"], format!("http://{}/mcp", server.addr));
    assert!(doc["ucp"]["capabilities"]["dev.ucp.shopping.catalog.search"].is_array());
}

/// A JSON-RPC `initialize` POSTed to `/mcp` with extra headers; returns the status.
async fn initialize_with(server: &common::Server, headers: &[(&str, &str)]) -> u16 {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let mut request = reqwest::Client::new()
        .post(format!("http://{}/mcp", server.addr))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn mcp_answers_its_own_host_and_refuses_other_hosts_and_foreign_origins() {
    let server = common::start(|_| {}).await;
    assert_eq!(initialize_with(&server, &[]).await, 200, "127.0.0.1 is an allowed host by default");
    let rebinding = initialize_with(&server, &[("host", "attacker.example")]).await;
    assert!((400..500).contains(&rebinding), "a foreign Host is refused, got {rebinding}");
    let foreign = initialize_with(&server, &[("origin", "https://evil.example")]).await;
    assert_eq!(foreign, 403, "a browser from another origin is refused as on the socket");
}

#[tokio::test]
async fn a_configured_host_is_answered() {
    let server = common::start(|c| c.mcp.allowed_hosts = vec!["shop.example".into()]).await;
    assert_eq!(initialize_with(&server, &[("host", "shop.example")]).await, 200);
    let loopback = initialize_with(&server, &[]).await;
    assert!((400..500).contains(&loopback), "only the listed hosts, got {loopback}");
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429() {
    let server = common::start(|c| c.mcp.per_minute = 6).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(initialize_with(&server, &[]).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == 200), "the burst passes: {statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "then the client is slowed down: {statuses:?}");
}

/// A shopper who chatted in the widget: their token, from the real socket's `welcome`.
async fn chatting_shopper(server: &common::Server, says: &str) -> String {
    let mut socket = common::connect(server).await;
    let (welcome, _) = common::hello(&mut socket).await;
    common::send(&mut socket, json!({"type": "say", "text": says})).await;
    common::reply_within(&mut socket, std::time::Duration::from_secs(10)).await;
    welcome["shopper"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_manages_only_its_own_shoppers_profile_with_the_token_in_the_header() {
    let server = common::start(|_| {}).await;
    let token = chatting_shopper(&server, "I need a present for my nephew").await;
    let other = chatting_shopper(&server, "something for my mum").await;
    let steps = json!([
        {"name": "no_token", "tool": "get_shopper_profile", "arguments": {}},
        {"name": "forged", "tool": "get_shopper_profile", "arguments": {}, "token": "not-a-real-token"},
        {"name": "before", "tool": "get_shopper_profile", "arguments": {}, "token": token},
        {"name": "update", "tool": "update_shopper_profile", "arguments": {"declared": {"age": 7}}, "token": token},
        {"name": "bad_update", "tool": "update_shopper_profile",
            "arguments": {"declared": {"age": 7, "shoe_size": 9}}, "token": token},
        {"name": "viewed", "tool": "record_event",
            "arguments": {"event": {"kind": "product_viewed", "product_id": "toy-001"}}, "token": token},
        {"name": "export", "tool": "export_shopper_profile", "arguments": {}, "token": token},
        {"name": "other", "tool": "get_shopper_profile", "arguments": {}, "token": other},
        {"name": "erase_without_token", "tool": "erase_shopper_profile", "arguments": {}},
        {"name": "erase", "tool": "erase_shopper_profile", "arguments": {}, "token": token},
        {"name": "after", "tool": "get_shopper_profile", "arguments": {}, "token": token},
        {"name": "other_after", "tool": "get_shopper_profile", "arguments": {}, "token": other},
    ]);
    let Some(results) = run(&server, steps).await else { return };

    assert_eq!(error_code(&results, "no_token"), "unauthorized", "a tool error, not an HTTP 401");
    assert_eq!(error_code(&results, "forged"), "unauthorized");
    assert_eq!(ok(&results, "before")["declared"]["recipient"]["value"], "child");

    let updated = ok(&results, "update");
    assert_eq!(updated["declared"]["age"]["value"], 7);
    assert_eq!(updated["declared"]["age"]["source"], "agent", "facts an agent records say so");
    assert_eq!(updated["declared"]["recipient"]["source"], "chat");
    assert_eq!(error_code(&results, "bad_update"), "invalid_arguments");

    assert_eq!(ok(&results, "viewed")["status"], "stored");
    let export = ok(&results, "export").to_string();
    assert!(export.contains("toy-001"), "the viewed product is in the export: {export}");

    let other_view = ok(&results, "other");
    assert!(other_view["declared"].get("age").is_none(), "another shopper's data stays theirs: {other_view}");
    assert_ne!(other_view["shopper"], ok(&results, "before")["shopper"]);

    assert_eq!(error_code(&results, "erase_without_token"), "unauthorized");
    assert_eq!(ok(&results, "erase")["erased"], true);
    assert_eq!(error_code(&results, "after"), "not_found", "nothing is left of the erased shopper");
    assert!(ok(&results, "other_after")["declared"]["recipient"].is_object(), "the other shopper is untouched");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_personalization_off_recommend_ignores_the_profile_and_events_are_not_recorded() {
    let server = common::start(|_| {}).await;
    let token = chatting_shopper(&server, "a present for my dad, he loves gardening").await;
    let steps = json!([
        {"name": "personal", "tool": "recommend", "arguments": {}, "token": token},
        {"name": "consent_off", "tool": "update_shopper_profile",
            "arguments": {"consent": {"personalization": false}}, "token": token},
        {"name": "anonymous", "tool": "recommend", "arguments": {}, "token": token},
        {"name": "viewed", "tool": "record_event",
            "arguments": {"event": {"kind": "product_viewed", "product_id": "toy-001"}}, "token": token},
    ]);
    let Some(results) = run(&server, steps).await else { return };
    let personal = ok(&results, "personal");
    assert_eq!(personal["slots"]["recipient"], "father", "with consent, what the shopper said is used");
    assert_eq!(ok(&results, "consent_off")["consent"]["personalization"], false);
    let anonymous = ok(&results, "anonymous");
    assert!(anonymous["slots"]["recipient"].is_null(), "without consent the profile is not used: {anonymous}");
    assert_eq!(ok(&results, "viewed")["status"], "not_consented");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_gives_and_withdraws_the_shoppers_consent_to_notices() {
    let server = common::start(|_| {}).await;
    let token = chatting_shopper(&server, "a present for my dad").await;
    let steps = json!([
        {"name": "notices_on", "tool": "update_shopper_profile",
            "arguments": {"consent": {"notices": true}}, "token": token},
        {"name": "empty_consent", "tool": "update_shopper_profile", "arguments": {"consent": {}}, "token": token},
        {"name": "both", "tool": "update_shopper_profile",
            "arguments": {"consent": {"notices": false, "personalization": true}}, "token": token},
    ]);
    let Some(results) = run(&server, steps).await else { return };
    let on = ok(&results, "notices_on");
    assert_eq!(on["consent"]["notices"], true, "{on}");
    assert_eq!(on["consent"]["personalization"], true, "a consent not named stays as it was: {on}");
    assert_eq!(error_code(&results, "empty_consent"), "invalid_arguments");
    assert_eq!(ok(&results, "both")["consent"]["notices"], false);
    // The widget's own view of the profile agrees: the agent changed the stored consent.
    let (status, view) = common::http(&server, "GET", "/v1/profile", Some(&token), None).await;
    assert_eq!((status, &view["consent"]["notices"]), (200, &json!(false)), "{view}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_converses_through_a_gift_request_to_products_and_then_uses_the_token_it_got() {
    let server = common::start(|_| {}).await;
    let steps = json!([
        {"name": "opening", "tool": "converse", "arguments": {"message": "I need a present for my nephew"}},
        {"name": "answer", "tool": "converse", "token": "$from:opening",
            "arguments": {"message": "under £25, he loves trains", "session": "$from:opening.session"}},
        {"name": "stranger", "tool": "converse",
            "arguments": {"message": "the second one", "session": "$from:opening.session"}},
        {"name": "profile", "tool": "get_shopper_profile", "arguments": {}, "token": "$from:opening"},
        {"name": "erase", "tool": "erase_shopper_profile", "arguments": {}, "token": "$from:opening"},
        {"name": "after", "tool": "get_shopper_profile", "arguments": {}, "token": "$from:opening"},
    ]);
    let Some(results) = run(&server, steps).await else { return };
    let catalog = demo_catalog();

    let opening = ok(&results, "opening");
    assert!(opening["shopper"].as_str().is_some_and(|t| !t.is_empty()), "a new shopper gets a token: {opening}");
    assert!(opening["greeting"].is_string(), "the conversation opened with a greeting");
    assert_eq!(opening["slots"]["recipient"], "child");
    assert_eq!(opening["asking"], "budget", "the assistant asks what is missing: {opening}");

    let answer = ok(&results, "answer");
    assert_eq!(answer["session"], opening["session"], "the same conversation continues");
    assert_eq!(answer["shopper"], opening["shopper"]);
    assert!(!ids(answer).is_empty(), "the gift conversation ends in products: {answer}");
    for product in answer["products"].as_array().unwrap() {
        assert!(product["price"]["amount"].as_i64().unwrap() <= 2500, "within the stated budget: {product}");
        assert!(!product["why"].as_array().unwrap().is_empty());
    }
    assert_honest(&answer["products"], &catalog);

    let stranger = ok(&results, "stranger");
    assert_ne!(stranger["session"], opening["session"], "without the token, another's session is not resumed");
    assert_ne!(stranger["shopper"], opening["shopper"]);

    let profile = ok(&results, "profile");
    assert_eq!(profile["declared"]["recipient"]["value"], "child");
    assert_eq!(profile["declared"]["recipient"]["source"], "chat");
    assert_eq!(ok(&results, "erase")["erased"], true);
    assert_eq!(error_code(&results, "after"), "not_found");
}
