//! The merchant's dashboard in Chromium: a server running the holdout gets purchases from
//! simulated shoppers; the demo page's widget learns its arm at page load (and stays away when
//! held out); a browser signs in with the admin key through the form and sees the charts, whose
//! numbers match the JSON report.

use std::time::Duration;

use concierge::experiments::simulate::{Scenario, drive};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use super::{Outcome, check, connect_browser, on_path, script, skip, start_chromedriver, start_server_with};

const ADMIN: &str = "dashboard-admin-key";

async fn widget_learns_its_arm(client: &Client, base_url: &str) -> Outcome {
    client.goto(&format!("{base_url}/")).await.map_err(|e| e.to_string())?;
    let mut arms = Value::Null;
    for _ in 0..50 {
        arms = script(client, "return window.concierge && window.concierge.experiments").await?;
        if arms.get("holdout").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let arm = arms["holdout"].as_str().ok_or_else(|| format!("the widget learnt no arm: {arms}"))?.to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shown = script(client, "return !!document.querySelector('[data-testid=\"concierge-bubble\"]')").await?;
    check(shown == json!(arm == "assistant"), || format!("arm {arm}, yet the widget shown is {shown}"))
}

async fn sign_in(client: &Client, base_url: &str) -> Outcome {
    client.goto(&format!("{base_url}/admin")).await.map_err(|e| e.to_string())?;
    let key = client.find(Locator::Css("input[name=key]")).await.map_err(|e| format!("no sign-in form: {e}"))?;
    key.send_keys(ADMIN).await.map_err(|e| e.to_string())?;
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-testid=lift-chart]"))
        .await
        .map_err(|e| format!("no lift chart after signing in: {e}"))?;
    let cookie = script(client, "return document.cookie").await?;
    check(!cookie.as_str().unwrap_or_default().contains("concierge_admin"), || {
        "the sign-in cookie is readable by script".into()
    })
}

fn close(a: f64, b: &Value) -> bool {
    b.as_f64().is_some_and(|b| (a - b).abs() <= 1e-9 * b.abs().max(1.0))
}

/// Every drawn lift and every arm's row against the JSON report.
async fn numbers_match(client: &Client, report: &Value) -> Outcome {
    let drawn = script(
        client,
        r#"return [...document.querySelectorAll('[data-testid=lift][data-lift]')].map(g => ({
            metric: g.dataset.metric, arm: g.dataset.arm, lift: +g.dataset.lift, lo: +g.dataset.lo, hi: +g.dataset.hi, p: +g.dataset.p}))"#,
    )
    .await?;
    let drawn = drawn.as_array().cloned().unwrap_or_default();
    let defined: Vec<&Value> =
        report["metrics"].as_array().into_iter().flatten().filter(|m| !m["lift"].is_null()).collect();
    check(!defined.is_empty() && drawn.len() == defined.len(), || format!("drawn {drawn:?}, defined {defined:?}"))?;
    for m in defined {
        let d =
            drawn.iter().find(|d| d["metric"] == m["metric"] && d["arm"] == m["arm"]).ok_or("a metric not drawn")?;
        let same = close(d["lift"].as_f64().unwrap_or(f64::NAN), &m["lift"])
            && close(d["lo"].as_f64().unwrap_or(f64::NAN), &m["ci"][0])
            && close(d["hi"].as_f64().unwrap_or(f64::NAN), &m["ci"][1])
            && close(d["p"].as_f64().unwrap_or(f64::NAN), &m["p_value"]);
        check(same, || format!("drawn {d} differs from the report's {m}"))?;
    }
    for arm in report["arms"].as_array().into_iter().flatten() {
        let name = arm["name"].as_str().unwrap_or_default();
        let source = format!(
            "const row = document.querySelector('[data-testid=arms] tr[data-arm=\"{name}\"]');\
             return row && [row.querySelector('[data-field=shoppers]').textContent, row.querySelector('[data-field=converted]').textContent]"
        );
        let cells = script(client, &source).await?;
        let want = json!([arm["shoppers"].to_string(), arm["converted"].to_string()]);
        check(cells == want, || format!("arm {name}: the table shows {cells}, the report {want}"))?;
    }
    let lines = script(client, "return document.querySelectorAll('[data-testid=conversion-line]').length").await?;
    check(lines == json!(report["arms"].as_array().map_or(0, Vec::len)), || format!("{lines} conversion lines"))?;
    let funnel =
        script(client, "return document.querySelectorAll('[data-testid=funnel-chart] [data-stage]').length").await?;
    check(funnel == json!(8), || format!("{funnel} funnel stages"))
}

#[tokio::test]
async fn the_dashboard_draws_the_reports_numbers_in_chromium() {
    let (Some(chromedriver), Some(chromium)) = (on_path("chromedriver"), on_path("chromium")) else {
        skip("chromedriver or chromium is not on PATH (apt-get install chromium chromium-driver)");
        return;
    };
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let config = data_dir.path().join("concierge.toml");
    let toml =
        format!("admin_key = \"{ADMIN}\"\n[limits]\nrest_per_minute = 100000\n[experiments]\nholdout_percent = 50\n");
    std::fs::write(&config, toml).expect("write the config");
    let (_server, base_url) = start_server_with(data_dir.path(), &["--config", config.to_str().expect("a UTF-8 path")]);
    let scenario = Scenario { shoppers: 120, lift: 1.0, base_rate: 0.25, ..Scenario::default() };
    drive(&base_url, ADMIN, &scenario, 3).await.expect("simulated shoppers through the server");

    let profile = tempfile::tempdir().expect("temp browser profile");
    let (_driver, webdriver) = start_chromedriver(&chromedriver);
    let client = connect_browser(&webdriver, &chromium, profile.path()).await;
    let outcome = tokio::time::timeout(Duration::from_secs(120), async {
        widget_learns_its_arm(&client, &base_url).await?;
        // The report as it stands after the widget's exposure: what the dashboard must show.
        let url = format!("{base_url}/v1/admin/experiments/holdout");
        let response = reqwest::Client::new().get(url).bearer_auth(ADMIN).send().await.map_err(|e| e.to_string())?;
        let report: Value = response.json().await.map_err(|e| e.to_string())?;
        sign_in(&client, &base_url).await?;
        numbers_match(&client, &report).await
    })
    .await;
    let _ = client.close().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("{message}"),
        Err(_) => panic!("the dashboard e2e did not finish within 120 s"),
    }
}
