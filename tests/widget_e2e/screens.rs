//! The widget on every screen: the panel's controls are reachable (nothing covers Send), the
//! full-screen panel is a modal dialog that keeps focus, Escape closes it, product pictures
//! load, and a card's link opens the demo shop's product page with its "related" shelf.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::Value;

use super::{Outcome, check, script};

/// Phone, short phone (keyboard open), the narrowest supported, and a laptop.
pub const SCREENS: [(u32, u32); 4] = [(390, 844), (390, 500), (320, 640), (1366, 900)];

/// Resizes the window so the page's viewport (`innerWidth` x `innerHeight`) is `width` x
/// `height`, whatever the browser adds around it.
///
/// A resize reaches the page a moment later, later still on a loaded machine (seen: the
/// viewport read back unchanged right after a resize, and the test failing on it), so the
/// window is set to the viewport wanted plus the browser's chrome as one snapshot of the page
/// shows it, again until the page shows the size wanted, for up to five seconds.
pub async fn set_viewport(client: &Client, (width, height): (u32, u32)) -> Outcome {
    const SIZES: &str = "return [innerWidth, innerHeight, outerWidth, outerHeight]";
    client.set_window_size(width, height).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sizes = script(client, SIZES).await?;
        let size = |i: usize| sizes[i].as_u64().unwrap_or(0) as u32;
        if (size(0), size(1)) == (width, height) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(5) {
            return check(false, || format!("viewport is [{},{}], wanted {width}x{height}", size(0), size(1)));
        }
        let (chrome_w, chrome_h) = (size(2).saturating_sub(size(0)), size(3).saturating_sub(size(1)));
        client.set_window_size(width + chrome_w, height + chrome_h).await.map_err(|e| e.to_string())?;
    }
}

/// Where the Send button is and what the page shows at its centre: the button itself (or its
/// text) when nothing covers it. Also whether the input and Send lie inside the viewport and
/// whether the launcher is visible while the panel is open.
const GEOMETRY: &str = r#"
    const send = document.querySelector('[data-testid="concierge-send"]');
    const input = document.querySelector('[data-testid="concierge-input"]');
    const bubble = document.querySelector('[data-testid="concierge-bubble"]');
    const panel = document.getElementById('concierge-panel');
    const r = send.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const top = document.elementFromPoint(x, y);
    const inside = (e) => { const b = e.getBoundingClientRect();
        return b.width > 0 && b.left >= 0 && b.top >= 0 && b.right <= innerWidth + 0.5 && b.bottom <= innerHeight + 0.5; };
    const b = bubble.getBoundingClientRect();
    const p = panel.getBoundingClientRect();
    const bubbleShown = b.width > 0 && getComputedStyle(bubble).display !== 'none';
    const overlap = bubbleShown && !(b.right <= p.left || b.left >= p.right || b.bottom <= p.top || b.top >= p.bottom);
    return { sendOnTop: top === send || send.contains(top), onTop: top ? top.outerHTML.slice(0, 80) : null,
             sendInside: inside(send), inputInside: inside(input), bubbleShown, overlap,
             modal: panel.getAttribute('aria-modal'), role: panel.getAttribute('role') };"#;

/// Opens the chat on the home page at this viewport and checks that Send is reachable.
pub async fn check_open_panel(client: &Client, base_url: &str, screen: (u32, u32)) -> Outcome {
    set_viewport(client, screen).await?;
    client.goto(&format!("{base_url}/")).await.map_err(|e| e.to_string())?;
    script(client, "sessionStorage.clear(); localStorage.clear(); return null").await?;
    client.refresh().await.map_err(|e| e.to_string())?;
    let bubble = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(r#"[data-testid="concierge-bubble"]"#))
        .await
        .map_err(|e| format!("no chat launcher: {e}"))?;
    bubble.click().await.map_err(|e| e.to_string())?;
    settle(client).await?;
    let found = script(client, GEOMETRY).await?;
    let (w, h) = screen;
    let at = format!("at {w}x{h}");
    check(found["sendOnTop"] == true, || format!("{at} something covers Send: {}", found["onTop"]))?;
    check(found["sendInside"] == true && found["inputInside"] == true, || {
        format!("{at} the input or Send is off screen: {found}")
    })?;
    check(found["overlap"] == false, || format!("{at} the launcher overlaps the open panel: {found}"))?;
    check(found["role"] == "dialog", || format!("{at} the panel is not a dialog: {found}"))?;
    let small = w <= 480 || h <= 480;
    if small {
        check(found["modal"] == "true", || format!("{at} the full-screen panel is not aria-modal: {found}"))?;
        check(found["bubbleShown"] == false, || format!("{at} the launcher shows over the full-screen panel"))?;
    } else {
        check(found["modal"].is_null(), || format!("{at} the popover panel claims to be modal: {found}"))?;
    }
    Ok(())
}

/// Waits (up to 5 s) until the panel's opening animation has finished, so boxes are final
/// (the panel's own animation only: the typing dots blink for as long as they show).
async fn settle(client: &Client) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(5);
    while script(
        client,
        "return document.getElementById('concierge-panel').getAnimations().every(a => a.playState !== 'running')",
    )
    .await?
        != true
    {
        if Instant::now() > deadline {
            return Err("the panel is still animating after 5 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn focus_in_panel(client: &Client) -> Result<Value, String> {
    script(client, "return document.getElementById('concierge-panel').contains(document.activeElement) ? null : (document.activeElement || {}).outerHTML || 'nothing'").await
}

/// Tab, and Shift+Tab, never leave the open full-screen panel.
pub async fn check_focus_stays_inside(client: &Client) -> Outcome {
    for round in 0..12 {
        let active = client.active_element().await.map_err(|e| e.to_string())?;
        let keys = if round % 4 == 3 {
            format!("{}{}", char::from(Key::Shift), char::from(Key::Tab))
        } else {
            char::from(Key::Tab).to_string()
        };
        active.send_keys(&keys).await.map_err(|e| e.to_string())?;
        let outside = focus_in_panel(client).await?;
        check(outside.is_null(), || format!("Tab number {} left the open panel for {outside}", round + 1))?;
    }
    Ok(())
}

/// Escape closes the panel and gives focus back to the launcher.
pub async fn check_escape_closes(client: &Client) -> Outcome {
    let active = client.active_element().await.map_err(|e| e.to_string())?;
    active.send_keys(&char::from(Key::Escape).to_string()).await.map_err(|e| e.to_string())?;
    let after = script(
        client,
        r#"return { hidden: document.getElementById('concierge-panel').hidden,
                   focus: document.activeElement && document.activeElement.dataset.testid || null }"#,
    )
    .await?;
    check(after["hidden"] == true, || format!("Escape did not close the panel: {after}"))?;
    check(after["focus"] == "concierge-bubble", || format!("after Escape the focus is not on the launcher: {after}"))
}

/// Every product picture in the chat loaded (natural width > 0) within 10 s; none fell back.
pub async fn check_images_loaded(client: &Client) -> Outcome {
    let source = r#"const imgs = [...document.querySelectorAll('[data-testid="concierge-product"] img')];
        return { total: imgs.length, loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
                 placeholders: document.querySelectorAll('[data-testid="concierge-product-placeholder"]').length };"#;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = script(client, source).await?;
        let done = found["total"].as_u64().is_some_and(|t| t > 0) && found["loaded"] == found["total"];
        if done && found["placeholders"] == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("product pictures did not all load: {found}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Clicking a card opens that product's page on the demo shop, whose "related" shelf fills
/// from the placements API with other products.
pub async fn check_card_opens_product_page(client: &Client) -> Outcome {
    let card = client.find(Locator::Css(r#"[data-testid="concierge-product"]"#)).await.map_err(|e| e.to_string())?;
    let id = card.attr("data-product-id").await.map_err(|e| e.to_string())?.ok_or("a card without a product id")?;
    let link = card.find(Locator::Css("a")).await.map_err(|e| format!("card {id} has no link: {e}"))?;
    link.click().await.map_err(|e| e.to_string())?;
    let page = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(r#"[data-testid="product-page"]"#))
        .await
        .map_err(|e| format!("card {id}'s link did not open a product page: {e}"))?;
    let shown = page.attr("data-product-id").await.map_err(|e| e.to_string())?;
    check(shown.as_deref() == Some(id.as_str()), || format!("card {id} opened the page of {shown:?}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let related = script(
            client,
            r#"return [...document.querySelectorAll('#related [data-product-id]')].map(e => e.dataset.productId)"#,
        )
        .await?;
        let ids: Vec<&str> =
            related.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if !ids.is_empty() {
            return check(!ids.contains(&id.as_str()), || format!("the page of {id} suggests itself: {ids:?}"));
        }
        if Instant::now() > deadline {
            return Err(format!("the page of {id} shows no related products"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Saves a screenshot when `CONCIERGE_E2E_SCREENSHOTS` names a folder, for people to look at.
pub async fn keep_screenshot(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("CONCIERGE_E2E_SCREENSHOTS") else { return };
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png);
    }
}
