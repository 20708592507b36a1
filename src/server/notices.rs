//! Notices on the server: who is connected (a notice goes to a connected shopper's sockets as a
//! `notice` frame, otherwise to the outbox for the shop's backend), the routes
//! `GET /v1/notices` and `POST /v1/notices/ack` (backend key) and `POST /v1/admin/stock`
//! (admin key), and the scan that finds the shoppers a stock change concerns.

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
use crate::notices::trigger::Due;
use crate::notices::{Cause, Notice, NoticeProduct, Settings};
use crate::profile::{CustomerId, Profile, ShopperId, Store, StoreError};

/// Most stock changes in one request.
const MAX_STOCK_CHANGES: usize = 10_000;
/// Shoppers read per page of the stock scan.
const SCAN_PAGE: usize = 500;

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

/// Finds the shoppers watching a product whose stock changed (`changes`: before and after),
/// passes their causes through the gate (in each shopper's own write) and delivers them.
/// Reads every stored profile: O(shoppers) per change batch.
pub(crate) async fn stock_changed(state: &AppState, changes: Vec<(Option<Product>, Product)>) {
    if changes.is_empty() {
        return;
    }
    let settings = state.notices.settings;
    let judge = move |profile: &Profile, _: &()| causes(profile, &changes, &settings);
    notice_each_shopper(state, "stock change", |_, _| Ok(Some(())), judge).await;
}

/// Every `every`, reminds consenting customers of products they are due to buy again (see
/// [`reorder_sweep`]); the first sweep runs at once.
pub(crate) fn spawn_reorders(state: AppState, every: std::time::Duration) -> Option<tokio::task::JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            reorder_sweep(&state).await;
        }
    }))
}

/// Reminds consenting shoppers of the products they are due to buy again (their order history
/// against the buy-it-again intervals, `orders::again::due`), a product once per purchase.
/// Reads every stored profile: O(shoppers) per sweep.
pub(crate) async fn reorder_sweep(state: &AppState) {
    let (shared, now) = (state.clone(), OffsetDateTime::now_utc());
    let prepare = move |store: &dyn Store, profile: &Profile| -> Result<Option<Vec<Due>>, StoreError> {
        let history = super::placements::history(store, profile)?;
        let due = shared.orders.read().unwrap_or_else(|e| e.into_inner()).due(&history, now.unix_timestamp());
        let due: Vec<Due> = due
            .into_iter()
            .filter_map(|d| {
                let last_bought = OffsetDateTime::from_unix_timestamp(d.last).ok()?;
                Some(Due { product: d.product_id, last_bought })
            })
            .collect();
        Ok((!due.is_empty()).then_some(due))
    };
    let judge = |profile: &Profile, due: &Vec<Due>| crate::notices::trigger::reorder(profile, due);
    notice_each_shopper(state, "reorder reminders", prepare, judge).await;
}

/// Walks every stored shopper who agreed to notices: `prepare` reads what a judgement needs
/// (may read the store; `None`: nothing to judge), `judge` names the causes from a profile,
/// once on the stored one and again inside the shopper's own write, where the gate admits
/// them; what it admitted is delivered once durable. `what` names the walk in logs.
async fn notice_each_shopper<T, Prepare, Judge>(state: &AppState, what: &'static str, prepare: Prepare, judge: Judge)
where
    T: Send + 'static,
    Prepare: Fn(&dyn Store, &Profile) -> Result<Option<T>, StoreError> + Send + 'static,
    Judge: Fn(&Profile, &T) -> Vec<Cause> + Send + 'static,
{
    let (store, settings, now) = (Arc::clone(&state.profiles.store), state.notices.settings, OffsetDateTime::now_utc());
    let scanned = tokio::task::spawn_blocking(move || -> Result<Vec<Noticed>, StoreError> {
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let page = store.shoppers_after(after, SCAN_PAGE)?;
            let Some(last) = page.last().copied() else { break };
            after = Some(last);
            for shopper in page {
                let Some(profile) = store.load(shopper).ok().flatten() else { continue };
                if !profile.consent().notices {
                    continue;
                }
                let Some(prepared) = prepare(store.as_ref(), &profile)? else { continue };
                if judge(&profile, &prepared).is_empty() {
                    continue;
                }
                let mut admitted = Vec::new();
                let changed = store.change(shopper, &mut |p: &mut Profile| {
                    let causes = judge(p, &prepared);
                    admitted = crate::notices::trigger::admit(p, causes, now, &settings);
                })?;
                if let Some((profile, durable)) = changed
                    && !admitted.is_empty()
                {
                    durable.wait()?;
                    let customer = profile.customer().map(|c| c.id.clone());
                    found.push(Noticed { shopper: Some(shopper), customer, causes: admitted });
                }
            }
        }
        Ok(found)
    })
    .await;
    match scanned {
        Ok(Ok(found)) => {
            for noticed in found {
                deliver(state, noticed).await;
            }
        }
        Ok(Err(error)) => tracing::error!(%error, "{what}: cannot read the shoppers to notice"),
        Err(error) => tracing::error!(%error, "{what}: the scan failed"),
    }
}

fn causes(profile: &Profile, changes: &[(Option<Product>, Product)], settings: &Settings) -> Vec<Cause> {
    changes
        .iter()
        .filter_map(|(before, after)| crate::notices::trigger::stock_change(profile, before.as_ref(), after, settings))
        .collect()
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
    let found =
        tokio::task::spawn_blocking(move || store.notices().map(|o| o.after(after, limit)).transpose()).await??;
    let notices: Vec<Waiting> =
        found.unwrap_or_default().into_iter().map(|(position, notice)| Waiting { position, notice }).collect();
    let cursor = notices.last().map_or(after, |w| w.position);
    Ok(Json(Notices { notices, cursor }))
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
