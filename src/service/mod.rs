//! Service that knows the order: answers about a shopper's own orders built only from what the
//! shop recorded (purchases and shipping updates), a handover when a person is needed, the
//! product-page greeting of a shopper who bought that product, and consent to notices given or
//! withdrawn in the chat.
//!
//! - `question`: what an order question asks, as general word rules (not phrases to match).
//! - `orders`: the answer to it, from the shopper's own profile, and the greeting.
//! - `wording`: the merchant's words (`prompts/service.toml`).

pub(crate) mod orders;
pub(crate) mod question;
pub mod wording;

pub use wording::Wording;
