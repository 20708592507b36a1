//! Experiment exposures and the purchases joined to them, kept in the store beside profiles
//! (sled trees, or PostgreSQL tables) but apart from them: a held-out shopper who never chats
//! has no profile, yet their exposure and their orders must count.
//!
//! A *unit* is whom an experiment assigns: the shop's customer (`c:<id>`) when the shop names a
//! logged-in one, otherwise the shopper (`s:<32 hex>`). The first exposure of a unit to an
//! experiment stands: later ones change nothing. A unit that takes over from an earlier one (a
//! new shopper id after a first visit, a customer after a login) is exposed with the earlier
//! one's arm and names it in `of`: it is the same person, so reports count the first unit only
//! and credit it with both units' purchases.

use time::OffsetDateTime;

use super::error::StoreError;
use super::group_commit::Durable;
use super::id::{CustomerId, ShopperId};

/// Whom an experiment assigns (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit(String);

impl Unit {
    pub fn shopper(id: ShopperId) -> Unit {
        Unit(format!("s:{id}"))
    }

    pub fn customer(id: &CustomerId) -> Unit {
        Unit(format!("c:{}", id.as_str()))
    }

    /// A unit as stored (`s:...` or `c:...`).
    pub fn from_stored(text: String) -> Unit {
        Unit(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One unit's first exposure to one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    pub experiment: String,
    pub unit: Unit,
    pub arm: String,
    pub at: OffsetDateTime,
    /// The earlier unit of the same person this one took over from (see the module doc).
    pub of: Option<Unit>,
}

/// A purchase of an exposed unit: the order's key (its id, else the event's), its revenue in
/// the shop's currency (0 when the order named no total), and when it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    pub unit: Unit,
    pub key: String,
    pub revenue: f64,
    pub at: OffsetDateTime,
}

/// Exposures and their purchases (see the module doc). Every method blocks like its store.
/// Writes are durable once the returned ticket resolves (sled: the store's group commit;
/// PostgreSQL: committed on return); an exposure is bookkeeping nobody waits for.
pub trait Exposures: Send + Sync {
    /// The unit's exposure to `experiment`, if any.
    fn exposure(&self, experiment: &str, unit: &Unit) -> Result<Option<Exposure>, StoreError>;

    /// Records `exposure` unless the unit was exposed to that experiment before; returns the
    /// exposure that stands (the earlier one, if any).
    fn expose(&self, exposure: &Exposure) -> Result<Exposure, StoreError>;

    /// Whether the unit was exposed to any experiment (only such units' purchases are kept).
    fn is_exposed(&self, unit: &Unit) -> Result<bool, StoreError>;

    /// Records a purchase once per unit and key: `Ok(None)` for a repeat.
    fn add_purchase(&self, purchase: &Purchase) -> Result<Option<Durable>, StoreError>;

    /// Every exposure to `experiment`, in no particular order.
    fn exposures(&self, experiment: &str) -> Result<Vec<Exposure>, StoreError>;

    /// Hands every exposure to every experiment to `each`, in no particular order (a copy of
    /// the store).
    fn every(&self, each: &mut dyn FnMut(Exposure)) -> Result<(), StoreError>;

    /// The unit's purchases, in no particular order.
    fn purchases(&self, unit: &Unit) -> Result<Vec<Purchase>, StoreError>;

    /// Removes the unit's exposures and purchases (an erasure).
    fn forget(&self, unit: &Unit) -> Result<(), StoreError>;

    /// Retention: removes every exposure of an anonymous shopper (an `s:` unit) made before
    /// `before`, and the purchases of units left with no exposure; returns how many exposures
    /// went. A customer's (`c:`) are kept, as their profiles are: the shop's own retention
    /// applies to its customers. Without this a stranger's page loads, each a new anonymous
    /// unit, would grow the store without limit; with it the store holds at most one retention
    /// period of them. Arms are a hash of the unit, so an expired unit that comes back gets the
    /// same arm, exposed anew.
    fn expire(&self, before: OffsetDateTime) -> Result<usize, StoreError>;
}

/// The prefix of every anonymous shopper's unit (see [`Unit::shopper`]).
pub const ANONYMOUS_PREFIX: &str = "s:";
