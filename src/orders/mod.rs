//! Orders: what the shop's customers bought, and what it teaches every placement.
//!
//! - `history`: [`OrderLine`] and the [`OrderLog`] behind the store seam (sled trees or a
//!   PostgreSQL table), not bounded by a profile's size cap.
//! - `import`: order CSVs (any columns by `--map`, Shopify's orders export) into lines, with
//!   cancellations applied and skipped lines counted by reason.
//! - `together`: co-purchase statistics (bought together), with a minimum support.
//! - `again`: buy it again: per product, the share of customers who rebuy and how often.
//! - `trending`: decayed popularity.
//! - `insights`: the three above over one product vocabulary, built from the log and kept
//!   current as purchases arrive.
//! - `live`: purchases as they arrive (any door: REST, the chat socket, replay) into the log
//!   and the insights, through one function.
//! - `placement`: where on the shop's pages recommendations go.
//! - `evaluate`: the offline evaluation behind `concierge eval placements`.

pub mod again;
pub mod evaluate;
pub mod history;
pub mod import;
pub mod insights;
pub mod live;
pub mod load;
pub mod placement;
pub mod together;
pub mod trending;

pub use history::{OrderLine, OrderLog};
pub use insights::Insights;
pub use placement::Placement;
