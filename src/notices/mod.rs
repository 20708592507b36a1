//! Proactive notices: a shipping delay, a watched product back in stock or running low, a
//! consumable due again. Each is sent only with the shopper's consent (`consent.notices`, off
//! until given), once per cause, within a per-shopper frequency cap, and only while it still
//! holds.
//!
//! - `trigger`: the rules, pure: what a shipping update, a stock change or a due reorder
//!   notices, and the gate (consent, dedupe, cap) noted in the profile's own write.
//! - `outbox`: where notices wait for the shop's backend when the shopper is not connected
//!   (the [`Outbox`] behind the store seam), read by `GET /v1/notices` and the webhook.
//! - `webhook`: the signed, retried, at-least-once delivery to `notices.webhook_url`.
//! - `wording`: the merchant's words for each kind (`prompts/notices.toml`).
//! - `withdraw`: a waiting notice that no longer holds is withdrawn, not handed out.
//! - `watchers`: who watches each product (the index a stock change reads).

pub mod outbox;
pub mod trigger;
pub mod watchers;
pub mod webhook;
pub mod withdraw;
pub mod wording;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalog::Product;
use crate::money::{Amount, Currency};

pub use outbox::{Outbox, SledOutbox};
pub use trigger::{Cause, Due, Settings};
pub use watchers::{SledWatchers, Watchers};
pub use wording::Wording;

/// The kinds of notice (the `kind` of the `notice` frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    ShippingDelay,
    BackInStock,
    LowStock,
    Reorder,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ShippingDelay => "shipping_delay",
            NoticeKind::BackInStock => "back_in_stock",
            NoticeKind::LowStock => "low_stock",
            NoticeKind::Reorder => "reorder",
        }
    }
}

/// The product a notice is about, with its catalog price (never another).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeProduct {
    pub id: String,
    pub title: String,
    pub price: Amount,
    pub currency: Currency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl NoticeProduct {
    pub fn of(product: &Product) -> NoticeProduct {
        NoticeProduct {
            id: product.id.clone(),
            title: product.title.clone(),
            price: product.price,
            currency: product.currency,
            url: product.url.clone(),
            image: product.image.clone(),
        }
    }
}

/// One notice, as the `notice` frame, the outbox and the webhook carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The stable dedupe key: the same cause for the same shopper always has this id, so a
    /// receiver that sees it twice (at-least-once delivery) can drop the repeat.
    pub id: String,
    pub kind: NoticeKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<NoticeProduct>,
    /// The shop's customer id, when the shopper is linked to one (what the backend knows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A notice on its way to one shopper.
#[derive(Debug, Clone, PartialEq)]
pub struct Addressed {
    pub shopper: crate::profile::ShopperId,
    pub notice: Notice,
}
