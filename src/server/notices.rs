//! Notices on the server: who is connected (a notice goes to a connected shopper's sockets as a
//! `notice` frame, otherwise to the outbox for the shop's backend), the routes
//! `GET /v1/notices` and `POST /v1/notices/ack` (backend key) and `POST /v1/admin/stock`
//! (admin key); `walk` finds the shoppers a stock change or a reorder sweep concerns. A
//! waiting notice is handed out only while it still holds (`notices::withdraw`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::ws::Message;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::{Notify, mpsc};

use super::edge::{bearer, key_matches};
use super::error::ApiError;
use super::state::AppState;
use crate::catalog::{Catalog, CatalogIndex, Product};
use crate::chat::Noticed;
use crate::chat::protocol::ServerFrame;
use crate::notices::{Cause, Notice, NoticeProduct, Settings};
use crate::profile::{CustomerId, ShopperId};

mod walk;

pub(crate) use walk::{spawn_index, spawn_reorders, stock_changed};

/// Pages `GET /v1/notices` reads at most to fill one answer past withdrawn notices.
const WITHDRAW_ROUNDS: usize = 10;
/// Most stock changes in one request.
const MAX_STOCK_CHANGES: usize = 10_000;

/// One socket's key in the hub and its writer's queue.
type Socket = (u64, mpsc::Sender<Message>);

/// The live sockets of each connected shopper, and the webhook's wake-up call.
pub(crate) struct Hub {
    live: Mutex<HashMap<ShopperId, Vec<Socket>>>,
    next: AtomicU64,
    pub(crate) wake: Arc<Notify>,
    pub(crate) settings: Settings,
}

impl Hub {
    pub(crate) fn new(config: &crate::config::NoticesConfig) -> Hub {
        let settings = Settings {
            max_per_window: config.max_per_shopper,
            window: time::Duration::days(i64::from(config.cap_days)),
            low_stock: config.low_stock,
        };
        Hub { live: Mutex::default(), next: AtomicU64::new(1), wake: Arc::new(Notify::new()), settings }
    }

    /// Notes a socket of `shopper`; returns its key for [`Hub::leave`].
    pub(crate) fn join(&self, shopper: ShopperId, socket: mpsc::Sender<Message>) -> u64 {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.live.lock().unwrap_or_else(|e| e.into_inner()).entry(shopper).or_default().push((key, socket));
        key
    }

    pub(crate) fn leave(&self, shopper: ShopperId, key: u64) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sockets) = live.get_mut(&shopper) {
            sockets.retain(|(k, _)| *k != key);
            if sockets.is_empty() {
                live.remove(&shopper);
            }
        }
    }

    /// Queues `frame` on every socket of `shopper`; whether one took it. A full queue (a peer
    /// that stopped reading) does not take it: the notice then goes to the outbox.
    fn send_live(&self, shopper: ShopperId, frame: &ServerFrame) -> bool {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let Some(sockets) = live.get(&shopper) else { return false };
        let text = frame.to_text();
        let mut took = false;
        for (_, socket) in sockets {
            took |= socket.try_send(Message::Text(text.clone().into())).is_ok();
        }
        took
    }
}

/// The notice for an admitted cause, worded by the merchant's templates; `None` when the
/// product it is about is no longer in the catalog (nothing is offered that is not sold) or
/// the template needs a fact the cause lacks.
pub(crate) fn notice(
    catalog: &Catalog,
    wording: &crate::notices::Wording,
    shopper: ShopperId,
    customer: Option<&CustomerId>,
    cause: &Cause,
    now: OffsetDateTime,
) -> Option<Notice> {
    let product = cause.product.as_deref().and_then(|id| catalog.get(id));
    if product.is_none() && cause.kind != crate::notices::NoticeKind::ShippingDelay {
        return None;
    }
    let text = wording.render(cause, product.map(|p| p.title.as_str()))?;
    let id = hex::encode(&Sha256::digest(format!("{shopper}:{}", cause.key))[..16]);
    Some(Notice {
        id,
        kind: cause.kind,
        text,
        order_id: cause.order_id.clone(),
        product: product.map(NoticeProduct::of),
        customer_id: customer.map(|c| c.as_str().to_string()),
        at: now,
    })
}

/// Delivers what an event's write admitted: to the shopper's live sockets, else (for a shop's
/// customer) to the outbox and the webhook. Call once the write is durable.
pub(crate) async fn deliver(state: &AppState, noticed: Noticed) {
    let Some(shopper) = noticed.shopper else { return };
    if noticed.causes.is_empty() {
        return;
    }
    let assistant = state.assistant();
    let now = OffsetDateTime::now_utc();
    let wording = assistant.prompts().notices();
    for cause in &noticed.causes {
        let catalog = assistant.index().catalog();
        let Some(notice) = notice(catalog, wording, shopper, noticed.customer.as_ref(), cause, now) else { continue };
        if state.notices.send_live(shopper, &ServerFrame::Notice(Box::new(notice.clone()))) {
            continue;
        }
        if noticed.customer.is_none() {
            // An anonymous shopper not connected: the shop's backend could not reach them.
            tracing::debug!(kind = notice.kind.as_str(), "notice for a shopper who is not connected; not kept");
            continue;
        }
        let store = Arc::clone(&state.profiles.store);
        let pushed = tokio::task::spawn_blocking(move || store.notices().map(|o| o.push(shopper, &notice))).await;
        match pushed {
            Ok(Some(Ok(_))) => state.notices.wake.notify_one(),
            Ok(None) => tracing::debug!("the store keeps no outbox; a notice for a shopper not connected is dropped"),
            Ok(Some(Err(error))) => tracing::error!(%error, "cannot keep a notice in the outbox"),
            Err(error) => tracing::error!(%error, "cannot keep a notice in the outbox"),
        }
    }
}

/// The products whose availability or stock differ between two catalogs (before, after).
pub(crate) fn differences(old: &Catalog, new: &Catalog) -> Vec<(Option<Product>, Product)> {
    new.products()
        .iter()
        .filter_map(|p| {
            let before = old.get(&p.id);
            let same = before.is_some_and(|b| b.available() == p.available() && b.stock == p.stock);
            (!same).then(|| (before.cloned(), p.clone()))
        })
        .collect()
}

fn backend(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    match state.config.backend_key.as_deref() {
        Some(key) if key_matches(bearer(headers), key) => Ok(()),
        Some(_) => Err(ApiError::unauthorized("the backend key is required (Authorization: Bearer <key>)")),
        None => Err(ApiError::not_found("notices for the backend are off (no backend key is configured)")),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// The last position already taken (0 or absent: from the start).
    after: Option<u64>,
    /// At most this many (default 100, at most 500).
    limit: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Waiting {
    position: u64,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    notice: Notice,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Notices {
    notices: Vec<Waiting>,
    /// The position to pass as `after` for the next page, and to acknowledge.
    cursor: u64,
}

/// Notices waiting for the shop's backend, oldest first, after a cursor.
#[utoipa::path(get, path = "/v1/notices", security(("backend" = [])), params(Page),
    responses((status = 200, body = Notices), (status = 401, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Json<Notices>, ApiError> {
    backend(&state, &headers)?;
    let (after, limit) =
        (page.after.unwrap_or(0), page.limit.unwrap_or(100).clamp(1, crate::notices::outbox::MAX_PAGE));
    let store = Arc::clone(&state.profiles.store);
    let catalog = Arc::clone(state.assistant().index().catalog());
    let (found, cursor) =
        tokio::task::spawn_blocking(move || holding_after(store.as_ref(), &catalog, after, limit)).await??;
    let notices = found.into_iter().map(|(position, notice)| Waiting { position, notice }).collect();
    Ok(Json(Notices { notices, cursor }))
}

/// Up to `limit` waiting notices after `after` that still hold, withdrawing those that no
/// longer do on the way, and the cursor: the last position read (so a page of withdrawn
/// notices still moves the reader on). Reads at most [`WITHDRAW_ROUNDS`] pages. Blocks.
fn holding_after(
    store: &dyn crate::profile::Store,
    catalog: &Catalog,
    after: u64,
    limit: usize,
) -> Result<(Vec<(u64, Notice)>, u64), crate::profile::StoreError> {
    let Some(outbox) = store.notices() else { return Ok((Vec::new(), after)) };
    let (mut kept, mut cursor) = (Vec::new(), after);
    for _ in 0..WITHDRAW_ROUNDS {
        let want = limit - kept.len();
        let page = outbox.after(cursor, want)?;
        let Some(&(last, _)) = page.last() else { break };
        let full = page.len() == want;
        cursor = last;
        kept.extend(crate::notices::withdraw::keep_holding(store, outbox, catalog, page)?);
        if !full || kept.len() == limit {
            break;
        }
    }
    Ok((kept, cursor))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    /// Every notice up to this position was taken.
    up_to: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Acked {
    removed: usize,
}

/// Acknowledges the notices taken, up to a position: they leave the outbox.
#[utoipa::path(post, path = "/v1/notices/ack", security(("backend" = [])), request_body = Ack,
    responses((status = 200, body = Acked), (status = 401, body = super::error::ErrorBody)))]
pub async fn ack(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(ack): Json<Ack>,
) -> Result<Json<Acked>, ApiError> {
    backend(&state, &headers)?;
    let store = Arc::clone(&state.profiles.store);
    let removed = tokio::task::spawn_blocking(move || store.notices().map(|o| o.ack(ack.up_to)).transpose()).await??;
    Ok(Json(Acked { removed: removed.unwrap_or(0) }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockChange {
    id: String,
    stock: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockUpdated {
    updated: usize,
    /// Ids not in the catalog (nothing changed for them).
    unknown: Vec<String>,
}

/// Sets products' stock (`[{"id","stock"}]`; 0 is out of stock): the catalog is swapped
/// atomically and kept in the data directory, and shoppers watching a product that came back
/// or runs low are noticed (with their consent).
#[utoipa::path(post, path = "/v1/admin/stock", security(("admin" = [])), request_body = Vec<StockChange>,
    responses((status = 200, body = StockUpdated), (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody)))]
pub async fn stock(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(changes): Json<Vec<StockChange>>,
) -> Result<Json<StockUpdated>, ApiError> {
    super::admin::authorize(&state, &headers)?;
    if changes.len() > MAX_STOCK_CHANGES {
        return Err(ApiError::bad_request(format!("at most {MAX_STOCK_CHANGES} stock changes per request")));
    }
    let old = state.assistant();
    let old_catalog = Arc::clone(old.index().catalog());
    let keep = super::admin::uploaded_catalog(&state.config.data_dir);
    let base = Arc::clone(&old_catalog);
    let (index, unknown) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let stock: HashMap<&str, u64> = changes.iter().map(|c| (c.id.as_str(), c.stock)).collect();
        let unknown: Vec<String> = changes.iter().filter(|c| base.get(&c.id).is_none()).map(|c| c.id.clone()).collect();
        let mut lines = String::new();
        for product in base.products() {
            let mut product = product.clone();
            if let Some(&n) = stock.get(product.id.as_str()) {
                product.stock = Some(n);
                product.in_stock = n > 0;
            }
            lines.push_str(&serde_json::to_string(&product).map_err(|e| ApiError::internal(&e))?);
            lines.push('\n');
        }
        let (catalog, _) = Catalog::parse_jsonl(&lines, "catalog").map_err(|e| ApiError::internal(&e))?;
        let index = CatalogIndex::build(Arc::new(catalog)).map_err(|e| ApiError::internal(&e))?;
        crate::files::write_private_atomically(&keep, lines.as_bytes()).map_err(|e| ApiError::internal(&e))?;
        Ok((index, unknown))
    })
    .await??;
    let new_catalog = Arc::clone(index.catalog());
    state.swap_assistant(state.assistant().with_catalog(Arc::new(index)));
    let differences = differences(&old_catalog, &new_catalog);
    let updated = differences.len();
    stock_changed(&state, differences).await;
    Ok(Json(StockUpdated { updated, unknown }))
}
