//! The order log: every order line the shop reported, kept behind the store seam
//! (`Store::orders`) in its own sled trees or PostgreSQL table, so a customer's history is not
//! bounded by a profile's size cap (one real customer has 7,983 lines). The profile keeps the
//! recent orders a shopper sees; the statistics read all of this.

use serde::{Deserialize, Serialize};

use crate::profile::{CustomerId, Order, OrderSource, Profile, Store, StoreError};

/// Longest order id, product id or customer id kept (longer ones are refused at import).
pub const MAX_ID_BYTES: usize = 200;
/// Longest product title kept; longer titles are cut at a character boundary.
pub const MAX_TITLE_BYTES: usize = 300;

/// One product on one order: the unit of the log. An order holds each product once (repeated
/// lines of one product are summed at import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub order_id: String,
    /// The shop's customer id; `None` for a guest order (still counted for bought-together).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub quantity: u32,
    /// Unit price in the shop's currency, as the order says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// When the order was placed, Unix seconds.
    pub at: i64,
    /// Who recorded it: the shop (its backend key, an import) or the shopper's own token. A
    /// line stored before the flag existed reads as `shopper`, as a profile's orders do.
    #[serde(default)]
    pub source: OrderSource,
}

impl OrderLine {
    /// The line as stored: compact JSON (the format is versioned by its field names).
    pub(crate) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<OrderLine, StoreError> {
        serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
            shopper: "of the order log".into(),
            reason: format!("an order line cannot be read: {e}"),
        })
    }
}

/// Where order lines live (see the module doc). Methods block like the store they belong to.
pub trait OrderLog: Send + Sync {
    /// Stores `lines`; a line with the order id and product id of a stored one replaces it
    /// (so importing a file twice changes nothing). Durable when it returns. Returns how many.
    fn append(&self, lines: &[OrderLine]) -> Result<usize, StoreError>;

    /// Hands every stored line to `each`, grouped by order (one order's lines in a row).
    fn scan(&self, each: &mut dyn FnMut(OrderLine)) -> Result<(), StoreError>;

    /// Every line of one customer's orders, oldest first.
    fn of_customer(&self, customer: &CustomerId) -> Result<Vec<OrderLine>, StoreError>;

    /// The lines of one order of one customer (empty when that order is not theirs).
    fn order_of(&self, customer: &CustomerId, order_id: &str) -> Result<Vec<OrderLine>, StoreError> {
        Ok(self.of_customer(customer)?.into_iter().filter(|l| l.order_id == order_id).collect())
    }

    /// Removes every line of one customer (erasure); returns how many.
    fn forget_customer(&self, customer: &str) -> Result<usize, StoreError>;
}

/// A shopper's whole order history: their customer's lines in the order log, or the profile's
/// own orders when no customer is linked or the log has none. May block (call it where the
/// store may).
pub fn of_profile(store: &dyn Store, profile: &Profile) -> Result<Vec<OrderLine>, StoreError> {
    let logged = match (profile.customer(), store.orders()) {
        (Some(link), Some(log)) => log.of_customer(&link.id)?,
        _ => Vec::new(),
    };
    Ok(if logged.is_empty() { lines_of(profile.orders()) } else { logged })
}

fn lines_of(orders: &[Order]) -> Vec<OrderLine> {
    let mut lines = Vec::new();
    for (n, order) in orders.iter().enumerate() {
        for item in &order.items {
            lines.push(OrderLine {
                order_id: order.id.clone().unwrap_or_else(|| format!("profile-{n}")),
                customer: None,
                product_id: item.product_id.clone(),
                title: None,
                quantity: item.quantity,
                price: item.price.map(|p| p.to_f64()),
                at: order.at.unix_timestamp(),
                source: order.source,
            });
        }
    }
    lines
}
