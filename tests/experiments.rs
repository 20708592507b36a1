//! Experiments through the real server (port 0, its own data directory, real sled): the
//! widget's page-load call, the holdout in the chat, purchases joined to exposures, the admin
//! report, the dashboard's sign-in, and one small simulation with a planted effect.

use std::time::Duration;

use concierge::experiments::simulate::{Scenario, drive};
use serde_json::{Value, json};

mod common;

use common::{Server, connect, http, next_within, reply_within, send, start};

const ADMIN: &str = "admin-key-for-tests";
const BACKEND: &str = "backend-key-for-tests";
const WAIT: Duration = Duration::from_secs(10);

/// A server running the holdout at `percent` percent, with admin and backend keys and room for
/// a simulation's requests.
async fn server(percent: f64) -> Server {
    start(|config| {
        config.experiments.set_holdout_percent(percent).unwrap();
        config.admin_key = Some(ADMIN.into());
        config.backend_key = Some(BACKEND.into());
        config.identity_secret = Some("identity-secret-for-tests".into());
        config.limits.rest_per_minute = 100_000;
    })
    .await
}

/// The page-load call with an optional token: (token, arm in the holdout, assistant shown).
async fn page_load(server: &Server, token: Option<&str>, body: Value) -> (String, String, bool) {
    let (status, assigned) = http(server, "POST", "/v1/experiments", token, Some(body)).await;
    assert_eq!(status, 200, "{assigned}");
    let arm = assigned["experiments"]["holdout"].as_str().unwrap_or_default().to_string();
    (assigned["shopper"].as_str().unwrap().to_string(), arm, assigned["assistant"].as_bool().unwrap())
}

/// New shoppers' page loads until one lands in `arm`: its token.
async fn shopper_in(server: &Server, arm: &str) -> String {
    for _ in 0..200 {
        let (token, got, _) = page_load(server, None, json!({})).await;
        if got == arm {
            return token;
        }
    }
    panic!("no shopper landed in {arm} in 200 tries");
}

async fn report(server: &Server) -> Value {
    let (status, report) = http(server, "GET", "/v1/admin/experiments/holdout", Some(ADMIN), None).await;
    assert_eq!(status, 200, "{report}");
    report
}

fn arm<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["arms"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()
}

async fn buy(server: &Server, token: &str, order: &str, total: &str) {
    let event =
        json!({"events":[{"id": order, "kind":"purchase","product_id":"sku-1","order":{"id": order, "total": total}}]});
    let (status, body) = http(server, "POST", "/v1/events", Some(token), Some(event)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "stored", "{body}");
}

#[tokio::test]
async fn a_held_out_shopper_learns_their_arm_at_page_load_and_nothing_is_stored_about_them() {
    let server = server(50.0).await;
    let token = shopper_in(&server, "holdout").await;
    let (again, arm, assistant) = page_load(&server, Some(&token), json!({})).await;
    assert_eq!(
        (again.as_str(), arm.as_str(), assistant),
        (token.as_str(), "holdout", false),
        "stable on the next page"
    );
    let (status, _) = http(&server, "GET", "/v1/profile", Some(&token), None).await;
    assert_eq!(status, 404, "the page-load call stores no profile");
    let (status, placed) = http(&server, "GET", "/v1/recommendations?placement=home", Some(&token), None).await;
    assert_eq!((status, placed["products"].as_array().map(Vec::len)), (200, Some(0)), "no placements either");
    let helped = shopper_in(&server, "assistant").await;
    let (_, placed) = http(&server, "GET", "/v1/recommendations?placement=home", Some(&helped), None).await;
    assert!(!placed["products"].as_array().unwrap().is_empty(), "the assistant's arm gets placements");
}

#[tokio::test]
async fn a_held_out_shopper_is_welcomed_with_their_arm_and_every_message_is_refused_as_held_out() {
    let server = server(50.0).await;
    let token = shopper_in(&server, "holdout").await;
    let mut socket = connect(&server).await;
    send(&mut socket, json!({"type":"hello","shopper": token,"context":{"page":"home"}})).await;
    let welcome = next_within(&mut socket, WAIT).await;
    assert_eq!(welcome["experiments"], json!({"holdout":"holdout"}), "{welcome}");
    assert_eq!(next_within(&mut socket, WAIT).await["code"], "held_out");
    send(&mut socket, json!({"type":"say","text":"a present for my nephew"})).await;
    let refused = next_within(&mut socket, WAIT).await;
    assert_eq!((refused["type"].as_str(), refused["code"].as_str()), (Some("error"), Some("held_out")), "{refused}");
    let (status, _) = http(&server, "GET", "/v1/profile", Some(&token), None).await;
    assert_eq!(status, 404, "a held-out hello stores nothing either");
}

#[tokio::test]
async fn a_shopper_with_the_assistant_keeps_their_arm_after_the_chat_gives_them_a_stored_profile() {
    let server = server(50.0).await;
    let token = shopper_in(&server, "assistant").await;
    let mut socket = connect(&server).await;
    send(&mut socket, json!({"type":"hello","shopper": token,"context":{"page":"home"}})).await;
    let welcome = next_within(&mut socket, WAIT).await;
    assert_eq!(welcome["experiments"], json!({"holdout":"assistant"}), "{welcome}");
    reply_within(&mut socket, WAIT).await;
    // The chat stored the shopper under the welcome's token: its next page load keeps the arm,
    // and the report counts one shopper, not two.
    let stored = welcome["shopper"].as_str().unwrap();
    let (_, kept, assistant) = page_load(&server, Some(stored), json!({})).await;
    assert_eq!((kept.as_str(), assistant), ("assistant", true));
    assert_eq!(arm(&report(&server).await, "assistant")["shoppers"], 1);
}

#[tokio::test]
async fn a_login_keeps_the_arm_and_the_customers_purchases_count_for_the_shopper() {
    let server = server(50.0).await;
    let token = shopper_in(&server, "holdout").await;
    let signature = concierge::server::auth::sign_customer("identity-secret-for-tests", "c-77");
    let customer = json!({"customer": {"id": "c-77", "signature": signature}});
    let (_, kept, _) = page_load(&server, Some(&token), customer).await;
    assert_eq!(kept, "holdout", "a login does not re-randomise");
    let event = json!({"events":[{"id":"o-9","kind":"purchase","customer_id":"c-77","product_id":"sku-1","order":{"id":"o-9","total":"30.00"}}]});
    let (status, body) = http(&server, "POST", "/v1/events", Some(BACKEND), Some(event)).await;
    assert_eq!(status, 200, "{body}");
    let report = report(&server).await;
    let held = arm(&report, "holdout");
    assert_eq!((held["shoppers"].as_u64(), held["converted"].as_u64()), (Some(1), Some(1)), "{report}");
    assert_eq!(held["revenue"].as_f64(), Some(30.0));
}

#[tokio::test]
async fn purchases_reach_the_report_which_needs_the_admin_key_and_a_known_experiment() {
    let server = server(50.0).await;
    let (held, helped) = (shopper_in(&server, "holdout").await, shopper_in(&server, "assistant").await);
    buy(&server, &held, "o-1", "10.00").await;
    buy(&server, &helped, "o-2", "25.00").await;
    buy(&server, &helped, "o-3", "15.00").await;
    let report = report(&server).await;
    assert_eq!(report["control"], "holdout");
    let assistant = arm(&report, "assistant");
    assert_eq!((assistant["orders"].as_u64(), assistant["revenue"].as_f64()), (Some(2), Some(40.0)), "{report}");
    assert_eq!(assistant["aov"].as_f64(), Some(20.0));
    // Every page load exposed a shopper; one of them ordered twice within 90 days.
    let shoppers = assistant["shoppers"].as_f64().unwrap();
    assert!((assistant["repeat_rate"].as_f64().unwrap() * shoppers - 1.0).abs() < 1e-9, "{report}");
    let metrics: Vec<&str> =
        report["metrics"].as_array().unwrap().iter().map(|m| m["metric"].as_str().unwrap()).collect();
    assert_eq!(metrics, ["conversion", "revenue_per_shopper", "aov", "repeat_rate"]);
    assert!(report["srm"]["p_value"].is_number() && report["srm"]["flagged"].is_boolean());
    let (status, _) = http(&server, "GET", "/v1/admin/experiments/holdout", None, None).await;
    assert_eq!(status, 401);
    let (status, body) = http(&server, "GET", "/v1/admin/experiments/nothing-here", Some(ADMIN), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn erasing_a_shopper_removes_their_exposure_and_purchases() {
    let server = server(50.0).await;
    let token = shopper_in(&server, "assistant").await;
    let mut socket = connect(&server).await;
    send(&mut socket, json!({"type":"hello","shopper": token,"context":{"page":"home"}})).await;
    let stored = next_within(&mut socket, WAIT).await["shopper"].as_str().unwrap().to_string();
    reply_within(&mut socket, WAIT).await;
    buy(&server, &stored, "o-5", "12.00").await;
    assert_eq!(arm(&report(&server).await, "assistant")["orders"], 1);
    let (status, _) = http(&server, "DELETE", "/v1/profile", Some(&stored), None).await;
    assert_eq!(status, 204);
    assert_eq!(arm(&report(&server).await, "assistant")["orders"], 0, "the purchase went with the shopper");
}

#[tokio::test]
async fn with_no_holdout_the_page_load_call_assigns_nothing_and_welcome_names_no_experiment() {
    let server = server(0.0).await;
    let (_, arm, assistant) = page_load(&server, None, json!({})).await;
    assert_eq!((arm.as_str(), assistant), ("", true));
    let mut socket = connect(&server).await;
    send(&mut socket, json!({"type":"hello","context":{"page":"home"}})).await;
    let welcome = next_within(&mut socket, WAIT).await;
    assert!(welcome.get("experiments").is_none(), "{welcome}");
}

#[tokio::test]
async fn one_small_simulation_through_the_real_server_reports_every_shopper_and_a_healthy_split() {
    let server = server(50.0).await;
    let scenario = Scenario { shoppers: 200, lift: 1.0, base_rate: 0.2, ..Scenario::default() };
    let base = format!("http://{}", server.addr);
    let report = drive(&base, ADMIN, &scenario, 7).await.unwrap();
    let shoppers: u64 = report.arms.iter().map(|a| a.shoppers).sum();
    assert_eq!(shoppers, 200);
    assert!(!report.srm.flagged, "{:?}", report.srm);
    let rate = |name: &str| report.arms.iter().find(|a| a.name == name).unwrap().conversion_rate;
    // Planted: 20 % held out, 40 % with the assistant; with 100 shoppers an arm, far apart.
    assert!(rate("assistant") > rate("holdout"), "{:?}", report.arms);
    let conversion = report.metrics.iter().find(|m| m.metric == "conversion").unwrap();
    let [lo, hi] = conversion.ci.unwrap();
    assert!(lo < hi && conversion.lift.unwrap() > 0.0);
}

#[tokio::test]
async fn the_dashboard_asks_for_the_admin_key_and_a_signed_in_browser_sees_the_charts() {
    let server = server(50.0).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = format!("http://{}/admin", server.addr);
    let form = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("name=\"key\"") && !form.contains("lift-chart"), "signed out: the form only");
    let login = |key: &str| {
        let body = format!("key={key}");
        client.post(format!("{url}/login")).header("content-type", "application/x-www-form-urlencoded").body(body)
    };
    let wrong = login("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right = login(ADMIN).send().await.unwrap();
    assert_eq!(right.status(), 303);
    let cookie = right.headers()["set-cookie"].to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Max-Age=3600", "Path=/admin"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let value = cookie.split(';').next().unwrap();
    let page = client.get(&url).header("cookie", value).send().await.unwrap().text().await.unwrap();
    for chart in ["lift-chart", "conversion-chart", "funnel-chart", "data-testid=\"demand\""] {
        assert!(page.contains(chart), "{chart} missing");
    }
    let forged = format!("concierge_admin={}0.00", &value["concierge_admin=".len()..value.len() - 4]);
    let refused = client.get(&url).header("cookie", forged).send().await.unwrap().text().await.unwrap();
    assert!(!refused.contains("lift-chart"), "a forged cookie signs nobody in");
}
