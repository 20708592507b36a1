//! What deserves a notice, as pure rules over a profile, and the gate every notice passes:
//! the shopper's consent, once per cause (its key), and a frequency cap per shopper. The gate
//! notes what it lets through in the profile itself, inside the same write that recorded the
//! cause, so a repeat of the cause (a retried event, a second stock update) finds it noted.

use time::{Duration, OffsetDateTime};

use super::NoticeKind;
use crate::catalog::Product;
use crate::profile::{Event, EventKind, Profile};

/// How often and when notices go out (`[notices]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// At most this many notices per shopper within `window`.
    pub max_per_window: usize,
    pub window: Duration,
    /// A watched product at or below this many in stock is noticed as running low.
    pub low_stock: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { max_per_window: 3, window: Duration::days(7), low_stock: 3 }
    }
}

/// A replenishable product due for reordering (from the buy-it-again intervals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub product: String,
    pub last_bought: OffsetDateTime,
}

/// A reason for a notice, before the gate: its kind, its dedupe key, and the facts its text
/// may use (each a recorded fact, never a guess).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub kind: NoticeKind,
    /// The same cause always has the same key (an order's delay to one date, one watch of a
    /// product, one purchase due again).
    pub key: String,
    pub order_id: Option<String>,
    pub product: Option<String>,
    pub estimate: Option<time::Date>,
    pub status: Option<String>,
    pub stock: Option<u64>,
    pub last_bought: Option<OffsetDateTime>,
}

impl Cause {
    fn new(kind: NoticeKind, key: String) -> Cause {
        Cause { kind, key, order_id: None, product: None, estimate: None, status: None, stock: None, last_bought: None }
    }
}

/// A shipping status in Shopify's fulfillment vocabulary (`in_transit`, `delayed`, ...):
/// lower case, words joined by `_`.
pub fn status_word(status: &str) -> String {
    status.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The delay a `shipping_update` announces, judged against the profile as it was before the
/// update: its status is `delayed`, or its estimated delivery is later than the last one
/// recorded for that order. Nothing when the order was recorded as delivered after this
/// update's time (it no longer holds).
pub fn shipping_delay(before: &Profile, event: &Event) -> Option<Cause> {
    if event.kind != EventKind::ShippingUpdate {
        return None;
    }
    let order = event.order.as_ref()?;
    let order_id = order.id.clone()?;
    let status = event.status.as_deref().map(status_word);
    let earlier = updates_of(before, &order_id).filter(|e| e.at <= event.at);
    let previous = earlier.filter_map(|e| e.order.as_ref()?.estimated_delivery).next_back().or_else(|| {
        before.orders().iter().filter(|o| o.id.as_deref() == Some(&order_id)).find_map(|o| o.estimated_delivery)
    });
    let delivered_since = updates_of(before, &order_id)
        .any(|e| e.at > event.at && e.status.as_deref().map(status_word).as_deref() == Some("delivered"));
    let later = matches!((previous, order.estimated_delivery), (Some(was), Some(now)) if now > was);
    if delivered_since || !(later || status.as_deref() == Some("delayed")) {
        return None;
    }
    let what = order.estimated_delivery.map_or_else(|| "delayed".to_string(), |d| d.to_string());
    let mut cause = Cause::new(NoticeKind::ShippingDelay, format!("shipping_delay:{order_id}:{what}"));
    cause.order_id = Some(order_id);
    cause.product = before
        .orders()
        .iter()
        .find(|o| o.id == cause.order_id)
        .and_then(|o| o.items.first())
        .map(|i| i.product_id.clone());
    cause.estimate = order.estimated_delivery;
    cause.status = status;
    Some(cause)
}

/// The recorded shipping updates of one order, oldest first.
fn updates_of<'a>(profile: &'a Profile, order_id: &'a str) -> impl DoubleEndedIterator<Item = &'a Event> + 'a {
    profile.events().iter().filter(move |e| {
        e.kind == EventKind::ShippingUpdate && e.order.as_ref().and_then(|o| o.id.as_deref()) == Some(order_id)
    })
}

/// Since when the shopper watches `product` (wishlisted, or put in the cart), if they still
/// do: not removed from the wishlist since, and not bought since.
pub fn watched_since(profile: &Profile, product: &str) -> Option<OffsetDateTime> {
    let mut since = None;
    for event in profile.events().iter().filter(|e| e.product_id.as_deref() == Some(product)) {
        match event.kind {
            EventKind::WishlistAdd | EventKind::AddToCart => since = since.or(Some(event.at)),
            EventKind::WishlistRemove => since = None,
            _ => {}
        }
    }
    let since = since?;
    let bought = profile.orders().iter().any(|o| o.at >= since && o.items.iter().any(|i| i.product_id == product));
    (!bought).then_some(since)
}

/// The notice a stock change of a product the shopper watches deserves: `back_in_stock` when it
/// goes from unavailable to available, `low_stock` when it falls to the threshold or below
/// while available. Nothing for a product the shopper does not watch (or bought since).
pub fn stock_change(
    profile: &Profile,
    before: Option<&Product>,
    after: &Product,
    settings: &Settings,
) -> Option<Cause> {
    let since = watched_since(profile, &after.id)?;
    let was_available = before.is_some_and(Product::available);
    let low = |p: &Product| p.stock.is_some_and(|s| s <= settings.low_stock);
    let (kind, stock) = if !was_available && after.available() {
        (NoticeKind::BackInStock, after.stock)
    } else if after.available() && low(after) && before.is_some_and(|b| !low(b)) {
        (NoticeKind::LowStock, after.stock)
    } else {
        return None;
    };
    let at = since.unix_timestamp();
    let mut cause = Cause::new(kind, format!("{}:{}:{at}", kind.as_str(), after.id));
    cause.product = Some(after.id.clone());
    cause.stock = stock;
    Some(cause)
}

/// Reorder reminders for the products due, unless bought again since (it no longer holds).
pub fn reorder(profile: &Profile, due: &[Due]) -> Vec<Cause> {
    due.iter()
        .filter(|d| {
            // Whole seconds: the order history keeps Unix seconds, an event's time may carry
            // a fraction, and the purchase that made it due is not a purchase since.
            let last = d.last_bought.unix_timestamp();
            !profile
                .orders()
                .iter()
                .any(|o| o.at.unix_timestamp() > last && o.items.iter().any(|i| i.product_id == d.product))
        })
        .map(|d| {
            let key = format!("reorder:{}:{}", d.product, d.last_bought.unix_timestamp());
            let mut cause = Cause::new(NoticeKind::Reorder, key);
            cause.product = Some(d.product.clone());
            cause.last_bought = Some(d.last_bought);
            cause
        })
        .collect()
}

/// The causes that may be noticed now, noted in `profile` as sent: none without the shopper's
/// consent to notices; a cause whose key was noticed before is dropped; and no more than the
/// cap within the window (the first causes go first).
pub fn admit(profile: &mut Profile, causes: Vec<Cause>, now: OffsetDateTime, settings: &Settings) -> Vec<Cause> {
    if !profile.consent().notices {
        return Vec::new();
    }
    let mut admitted = Vec::new();
    for cause in causes {
        let sent = profile.notices_sent();
        if sent.iter().any(|s| s.key == cause.key) {
            continue;
        }
        let recent = sent.iter().filter(|s| s.at > now - settings.window).count();
        if recent >= settings.max_per_window {
            break;
        }
        profile.note_notice(&cause.key, now);
        admitted.push(cause);
    }
    admitted
}

#[cfg(test)]
mod tests;
