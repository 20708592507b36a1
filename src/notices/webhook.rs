//! The signed webhook: each waiting notice is POSTed to `notices.webhook_url` as JSON, signed
//! so the shop can tell it came from us and is fresh, retried with backoff until the shop
//! answers 2xx (or it stops holding), then taken out of the outbox. At least once: a notice whose answer was lost is
//! sent again, with the same `id` (its dedupe key) in the body and the `X-Concierge-Notice-Id`
//! header.
//!
//! Signature: `X-Concierge-Timestamp: <unix seconds>` and
//! `X-Concierge-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`.
//! The receiver recomputes it over the raw body and refuses old timestamps (replays).
//!
//! A waiting notice that no longer holds when its turn comes is withdrawn, not sent (see
//! `withdraw`).

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{Notify, watch};

use super::Notice;
use crate::catalog::Catalog;
use crate::profile::Store;

/// The catalog as it is now (the server swaps catalogs while the sender runs).
pub type CatalogNow = Arc<dyn Fn() -> Arc<Catalog> + Send + Sync>;

/// The first retry's wait; each later one doubles, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long one delivery may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How often the outbox is looked at when nothing wakes the sender (another server may have
/// added notices to a shared outbox).
const IDLE_LOOK: Duration = Duration::from_secs(30);

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
}

/// `sha256=<hex>`: HMAC-SHA256 of `<timestamp>.<body>` with `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends the outbox's notices that still hold (judged against `catalog`) to the webhook,
/// oldest first, until `stop` turns true, withdrawing those that no longer hold. `wake` is
/// notified when a notice is added.
pub async fn run(
    store: Arc<dyn Store>,
    catalog: CatalogNow,
    webhook: Webhook,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot build the webhook's HTTP client; notices wait in the outbox");
            return;
        }
    };
    // The wait before the next try after a refusal: each retry re-reads the outbox, so a
    // notice that stopped holding meanwhile is withdrawn instead of sent again.
    let mut wait = FIRST_BACKOFF;
    loop {
        if *stop.borrow() {
            return;
        }
        let (reader, catalog) = (Arc::clone(&store), catalog());
        let page = tokio::task::spawn_blocking(move || {
            let outbox = reader.notices()?;
            let page = outbox.after(0, 50);
            Some(page.and_then(|page| super::withdraw::keep_holding(reader.as_ref(), outbox, &catalog, page)))
        })
        .await;
        let page = match page {
            Ok(Some(Ok(page))) => page,
            Ok(None) => return,
            Ok(Some(Err(error))) => {
                tracing::warn!(%error, "cannot read the outbox; trying again later");
                Vec::new()
            }
            Err(_) => return,
        };
        if page.is_empty() {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(IDLE_LOOK) => {}
                _ = stop.changed() => return,
            }
            continue;
        }
        for (position, notice) in page {
            if !deliver(&client, &webhook, &notice).await {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
                wait = (wait * 2).min(MAX_BACKOFF);
                break;
            }
            wait = FIRST_BACKOFF;
            let acker = Arc::clone(&store);
            let acked = tokio::task::spawn_blocking(move || acker.notices().map(|o| o.ack(position))).await;
            if let Ok(Some(Err(error))) = acked {
                // Sent but still waiting: it will be sent again (the receiver dedupes by id).
                tracing::warn!(%error, "cannot acknowledge a delivered notice");
            }
        }
    }
}

/// Sends one notice once; whether the receiver took it (answered 2xx). A notice that cannot
/// be encoded counts as taken: it is dropped, since no retry could send it.
async fn deliver(client: &reqwest::Client, webhook: &Webhook, notice: &Notice) -> bool {
    let body = match serde_json::to_vec(notice) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "cannot encode a notice; dropped");
            return true;
        }
    };
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let sent = client
        .post(&webhook.url)
        .header("content-type", "application/json")
        .header("x-concierge-timestamp", timestamp.to_string())
        .header("x-concierge-signature", signature(&webhook.secret, timestamp, &body))
        .header("x-concierge-notice-id", &notice.id)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(answer) if answer.status().is_success() => return true,
        Ok(answer) => tracing::warn!(status = %answer.status(), id = %notice.id, "webhook refused a notice; retrying"),
        Err(error) => tracing::warn!(%error, id = %notice.id, "webhook unreachable; retrying"),
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let signed = signature("s3cret", 1_700_000_000, b"{\"id\":\"a\"}");
        assert!(signed.starts_with("sha256=") && signed.len() == 7 + 64, "{signed}");
        assert_ne!(signed, signature("s3cret", 1_700_000_001, b"{\"id\":\"a\"}"), "another time signs differently");
        assert_ne!(signed, signature("s3cret", 1_700_000_000, b"{\"id\":\"b\"}"), "another body signs differently");
        assert_ne!(signed, signature("other", 1_700_000_000, b"{\"id\":\"a\"}"), "another secret signs differently");
    }
}
