//! Events and orders: what a shopper did (behavioural) and bought (transactional), from the
//! chat socket or from the shop's backend, validated at the edge and recorded idempotently.
//!
//! `EventInput` is the wire shape of `POST /v1/events` and of the socket's `event` frame, loose
//! on purpose so each event gets its own clear error; `Event::parse` turns it into a checked
//! `Event` (or refuses it), and `Profile::record` stores it.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::error::InputError;
use super::id::CustomerId;
use super::record::{Limits, Profile};
use crate::money::{Amount, Currency};

/// How far in the future an event's time may be (clock skew between the shop and us).
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);
const MAX_ID: usize = 200;
const MAX_TEXT: usize = 500;
const MAX_ITEMS: usize = 200;

/// The kinds of events. The list is open to additions; unknown kinds are refused by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    ProductViewed,
    Search,
    AddToCart,
    Purchase,
    QuickReply,
    ShippingUpdate,
    /// A product card in the widget clicked (the assistant's funnel).
    ProductClicked,
    /// The shopper saved a product for later (it may be noticed when it is back in stock).
    WishlistAdd,
    WishlistRemove,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::ProductViewed,
        EventKind::Search,
        EventKind::AddToCart,
        EventKind::Purchase,
        EventKind::QuickReply,
        EventKind::ShippingUpdate,
        EventKind::ProductClicked,
        EventKind::WishlistAdd,
        EventKind::WishlistRemove,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ProductViewed => "product_viewed",
            EventKind::Search => "search",
            EventKind::AddToCart => "add_to_cart",
            EventKind::Purchase => "purchase",
            EventKind::QuickReply => "quick_reply",
            EventKind::ShippingUpdate => "shipping_update",
            EventKind::ProductClicked => "product_clicked",
            EventKind::WishlistAdd => "wishlist_add",
            EventKind::WishlistRemove => "wishlist_remove",
        }
    }

    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Behavioural events (what the shopper did) need personalization consent to be stored;
    /// transactional ones (purchases, shipping) are the shop's records and are always kept.
    pub fn is_behavioural(self) -> bool {
        !matches!(self, EventKind::Purchase | EventKind::ShippingUpdate)
    }

    pub(crate) fn known_list() -> String {
        EventKind::ALL.map(EventKind::as_str).join(", ")
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event as it arrives. `customer_id` is how the shop's backend names the shopper; it is
/// used to find the profile and is not stored with the event.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventInput {
    #[serde(default)]
    pub id: Option<String>,
    pub kind: String,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub product_id: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    /// The chosen quick reply's text (`quick_reply`).
    #[serde(default)]
    pub choice: Option<String>,
    /// The shipping status (`shipping_update`), e.g. "shipped".
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub order: Option<OrderInput>,
    /// RFC 3339; the server's time when absent.
    #[serde(default)]
    pub at: Option<String>,
}

/// An order as it arrives inside a `purchase` or `shipping_update` event.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrderInput {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub items: Vec<OrderItemInput>,
    #[serde(default)]
    pub total: Option<Amount>,
    #[serde(default)]
    pub currency: Option<Currency>,
    /// The delivery date the carrier estimates (`shipping_update`): `YYYY-MM-DD` (or an
    /// RFC 3339 time, of which the date is kept).
    #[serde(default)]
    pub estimated_delivery: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrderItemInput {
    #[serde(default)]
    pub product_id: Option<String>,
    #[serde(default)]
    pub quantity: Option<u32>,
    #[serde(default)]
    pub price: Option<Amount>,
    #[serde(default)]
    pub currency: Option<Currency>,
}

/// A checked event. Purchases carry their `order`; a shipping update carries the order's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Who recorded an order: the shop's backend (its key, naming the customer; an import), or
/// the shopper (their own token: the widget's socket, `POST /v1/events`, an agent). Both are
/// facts about the shopper; only the shop's are facts the shop vouches for, so offers count
/// only those. An order stored before the flag existed reads as `shopper`: an offer is never
/// granted on a record whose origin is unknown (a shop re-sends its orders to restore them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderSource {
    Shop,
    #[default]
    Shopper,
}

/// A purchase: its items, total and time. `id` is the shop's order id when it sent one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub items: Vec<OrderItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// The estimated delivery date, as the latest shipping update recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "day::option")]
    pub estimated_delivery: Option<time::Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who recorded it (see [`OrderSource`]).
    #[serde(default)]
    pub source: OrderSource,
}

time::serde::format_description!(day, Date, "[year]-[month]-[day]");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_id: String,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
}

/// What `Profile::record` did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Stored,
    /// Its idempotency id (or its order id) was recorded before; nothing changed.
    Duplicate,
    /// Behavioural, and personalization is off: not stored.
    NotConsented,
}

impl EventInput {
    /// The shop's customer id the event names, checked; `None` when it names none.
    pub fn customer(&self) -> Result<Option<CustomerId>, InputError> {
        self.customer_id.as_deref().map(CustomerId::parse).transpose()
    }
}

impl Event {
    /// The purchase event that records `order` (at the order's own time): how orders known
    /// from elsewhere (a customer's merged profile, an imported history) enter a profile.
    pub fn purchase_of(order: Order) -> Event {
        let at = order.at;
        Event {
            id: None,
            kind: EventKind::Purchase,
            product_id: None,
            query: None,
            choice: None,
            status: None,
            order: Some(order),
            at,
        }
    }

    /// The event with its order (if any) marked as recorded by `source`. [`Event::parse`]
    /// marks every order `shopper`; the path that checked the shop's backend key says `shop`.
    pub fn recorded_by(mut self, source: OrderSource) -> Event {
        if let Some(order) = &mut self.order {
            order.source = source;
        }
        self
    }

    /// Checks an incoming event against the rules of its kind: product events need a
    /// `product_id`, `search` a `query`, `quick_reply` a `choice`, `purchase` an order with
    /// items or a `product_id`, `shipping_update` an order id; `at` (default `now`) may be at
    /// most [`MAX_CLOCK_SKEW`] after `now`; texts are bounded and free of control characters.
    pub fn parse(input: EventInput, now: OffsetDateTime) -> Result<Event, InputError> {
        let kind = EventKind::parse(input.kind.trim())
            .ok_or_else(|| InputError::UnknownKind { kind: input.kind.chars().take(60).collect() })?;
        let at = match input.at.as_deref() {
            None => now,
            Some(text) => OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
                .map_err(|_| InputError::Time(text.chars().take(60).collect()))?,
        };
        if at > now + MAX_CLOCK_SKEW {
            return Err(InputError::future(at, now));
        }
        let id = input.id.as_deref().map(|s| check_text("id", s)).transpose()?;
        let product_id = input.product_id.as_deref().map(|s| check_text("product_id", s)).transpose()?;
        let query = input.query.as_deref().map(|s| check_long("query", s)).transpose()?;
        let choice = input.choice.as_deref().map(|s| check_long("choice", s)).transpose()?;
        let status = input.status.as_deref().map(|s| check_text("status", s)).transpose()?;
        let order = input.order.map(|o| order(o, at)).transpose()?;
        let missing = |what| InputError::Missing { kind, what };
        match kind {
            EventKind::ProductViewed
            | EventKind::AddToCart
            | EventKind::ProductClicked
            | EventKind::WishlistAdd
            | EventKind::WishlistRemove
                if product_id.is_none() =>
            {
                Err(missing("a product_id"))
            }
            EventKind::Search if query.is_none() => Err(missing("a query")),
            EventKind::QuickReply if choice.is_none() => Err(missing("a choice")),
            EventKind::ShippingUpdate if order.as_ref().is_none_or(|o| o.id.is_none()) => Err(missing("an order id")),
            _ => Ok(()),
        }?;
        let order = match (kind, order) {
            (EventKind::Purchase, Some(o)) if !o.items.is_empty() => Some(o),
            (EventKind::Purchase, o) => Some(
                single_item_order(o, product_id.as_deref(), at)
                    .ok_or(missing("an order with items or a product_id"))?,
            ),
            (_, o) => o,
        };
        let order = order.map(|mut o| {
            o.id = o.id.or_else(|| id.clone());
            o
        });
        Ok(Event { id, kind, product_id, query, choice, status, order, at })
    }
}

/// A purchase named only by its product: one item of it (keeping the order's id, if any).
fn single_item_order(order: Option<Order>, product_id: Option<&str>, at: OffsetDateTime) -> Option<Order> {
    let product_id = product_id?.to_string();
    let item = OrderItem { product_id, quantity: 1, price: None, currency: None };
    let (id, total, currency, estimated_delivery) =
        order.map(|o| (o.id, o.total, o.currency, o.estimated_delivery)).unwrap_or_default();
    Some(Order { id, items: vec![item], total, currency, estimated_delivery, at, source: OrderSource::Shopper })
}

fn order(input: OrderInput, at: OffsetDateTime) -> Result<Order, InputError> {
    if input.items.len() > MAX_ITEMS {
        return Err(InputError::Order(format!("more than {MAX_ITEMS} items")));
    }
    let id = input.id.as_deref().map(|s| check_text("order.id", s)).transpose()?;
    let mut items = Vec::with_capacity(input.items.len());
    let mut currency = input.currency;
    for (n, item) in input.items.into_iter().enumerate() {
        let product_id = item.product_id.as_deref().map(|s| check_text("product_id", s)).transpose()?;
        let product_id = product_id.ok_or_else(|| InputError::Order(format!("item {} has no product_id", n + 1)))?;
        let quantity = item.quantity.unwrap_or(1);
        if quantity == 0 {
            return Err(InputError::Order(format!("item {} has quantity 0", n + 1)));
        }
        match (currency, item.currency) {
            (Some(have), Some(own)) if have != own => {
                return Err(InputError::Order(format!("item {} is in {own}, the order in {have}", n + 1)));
            }
            (None, Some(own)) => currency = Some(own),
            _ => {}
        }
        items.push(OrderItem { product_id, quantity, price: item.price, currency: item.currency });
    }
    let total = input.total.or_else(|| sum(&items));
    let estimated_delivery = input.estimated_delivery.as_deref().map(day).transpose()?;
    Ok(Order { id, items, total, currency, estimated_delivery, at, source: OrderSource::Shopper })
}

/// A date: `YYYY-MM-DD`, or the date of an RFC 3339 time.
fn day(text: &str) -> Result<time::Date, InputError> {
    let text = text.trim();
    let refused = || {
        InputError::Order(format!(
            "estimated_delivery `{}` is not a date (YYYY-MM-DD)",
            text.chars().take(40).collect::<String>()
        ))
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .or_else(|_| OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map(|t| t.date()))
        .map_err(|_| refused())
}

/// The sum of price × quantity, when every item has a price.
fn sum(items: &[OrderItem]) -> Option<Amount> {
    if items.is_empty() {
        return None;
    }
    let mut total = rust_decimal::Decimal::ZERO;
    for item in items {
        total = total.checked_add(item.price?.decimal().checked_mul(item.quantity.into())?)?;
    }
    Amount::new(total)
}

/// A short identifier-like text: trimmed, non-empty, at most 200 characters, no controls.
pub(crate) fn check_text(field: &'static str, text: &str) -> Result<String, InputError> {
    check(field, text, MAX_ID)
}

fn check_long(field: &'static str, text: &str) -> Result<String, InputError> {
    check(field, text, MAX_TEXT)
}

fn check(field: &'static str, text: &str, max: usize) -> Result<String, InputError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(InputError::Empty { field });
    }
    if text.chars().count() > max {
        return Err(InputError::TooLong { field, max });
    }
    if text.chars().any(char::is_control) {
        return Err(InputError::Control { field });
    }
    Ok(text.to_string())
}

impl Profile {
    /// Records a checked event, at most once per idempotency id (the last
    /// [`Limits::max_seen_ids`] ids are remembered) and at most once per order id.
    ///
    /// Purchases go to the orders and are kept whatever the consent (they are the shop's
    /// transactional records); shipping updates likewise. The shop's record of an order the
    /// shopper posted before (the same order id) replaces the shopper's version: what the shop
    /// recorded is what counts; the reverse changes nothing. Behavioural events are stored only
    /// while personalization is on. When a bound is reached the oldest entries go first.
    /// Does not touch `last_seen`: backend events are not the shopper's own activity.
    pub fn record(&mut self, event: Event, limits: &Limits) -> Recorded {
        if let Some(id) = &event.id {
            if self.seen_event_ids.contains(id) {
                return Recorded::Duplicate;
            }
            self.seen_event_ids.push_back(id.clone());
            while self.seen_event_ids.len() > limits.max_seen_ids {
                self.seen_event_ids.pop_front();
            }
        }
        if event.kind == EventKind::Purchase
            && let Some(order) = event.order
        {
            if let Some(known) = self.orders.iter_mut().find(|o| order.id.is_some() && o.id == order.id) {
                if known.source == OrderSource::Shopper && order.source == OrderSource::Shop {
                    *known = order;
                    self.orders.sort_by_key(|o| o.at);
                    return Recorded::Stored;
                }
                return Recorded::Duplicate;
            }
            insert_by_time(&mut self.orders, order, |o| o.at, limits.max_orders);
            return Recorded::Stored;
        }
        if event.kind.is_behavioural() && !self.consent.personalization {
            return Recorded::NotConsented;
        }
        insert_by_time(&mut self.events, event, |e| e.at, limits.max_events);
        Recorded::Stored
    }
}

/// Inserts keeping `list` sorted by time (oldest first), then drops the oldest beyond `max`.
fn insert_by_time<T>(list: &mut Vec<T>, item: T, at: impl Fn(&T) -> OffsetDateTime, max: usize) {
    let when = at(&item);
    let position = list.partition_point(|x| at(x) <= when);
    list.insert(position, item);
    if list.len() > max {
        let excess = list.len() - max;
        list.drain(..excess);
    }
}
