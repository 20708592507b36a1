//! Experiments: does the assistant pay? A random holdout (and the merchant's own experiments)
//! assigned deterministically, exposures recorded when the widget loads, outcomes joined from
//! purchase events, and lifts with their significance.
//!
//! - `config`: the `[experiments]` section: the built-in holdout and the merchant's experiments.
//! - `assign`: which arm a unit gets (a hash of the key and the unit).
//! - [`arms`]: the arms of a person known by one or more units, recording first exposures.
//! - [`record_purchase`]: a purchase event credited to the exposed units it names.
//! - `stats`: delta-method relative lift, Welch's t, ratio metrics, the sample-ratio check.
//! - `report`: the JSON report of one experiment.
//! - `funnel`: the assistant's own funnel and the demand it could not serve (in memory).
//! - `simulate`: synthetic shoppers with a known effect, to check the method end to end.

pub mod assign;
pub mod config;
pub mod funnel;
pub mod report;
pub mod simulate;
pub mod stats;

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use time::OffsetDateTime;

pub use config::{ExperimentsConfig, HOLDOUT};
pub use funnel::Funnel;
pub use report::Report;

use crate::profile::{Durable, Event, Exposure, Exposures, Purchase, StoreError, Unit};

/// The arms a person is in, by experiment key, and what they change, taken together.
#[derive(Debug, Clone, PartialEq)]
pub struct Arms {
    pub names: BTreeMap<String, String>,
    /// `false` in a holdout arm: no assistant at all.
    pub assistant: bool,
    /// `false`: each visit starts as a new shopper.
    pub memory: bool,
    /// The ranker gets no behaviour signals.
    pub popular: bool,
}

impl Default for Arms {
    fn default() -> Arms {
        Arms { names: BTreeMap::new(), assistant: true, memory: true, popular: false }
    }
}

impl Arms {
    fn add(&mut self, key: &str, arm: &config::Arm) {
        self.names.insert(key.to_string(), arm.name.clone());
        self.assistant &= arm.assistant;
        self.memory &= arm.memory;
        self.popular |= arm.ranking == config::Ranking::Popular;
    }

    /// Whether the person is held out: the widget stays closed and the chat says nothing.
    pub fn held_out(&self) -> bool {
        !self.assistant
    }
}

/// The arms of the person known by `units` (the current unit first, then earlier units of the
/// same person, such as the shopper a customer was before logging in), in every running
/// experiment, recording the first exposure of the current unit at `now`. A unit exposed before
/// keeps its arm; a new unit takes the arm of the first earlier unit that has one (and names it,
/// so reports count the person once); otherwise the hash assigns it. Without `exposures` (a
/// store that keeps none) the hash assigns and nothing is recorded.
pub fn arms(
    config: &ExperimentsConfig,
    exposures: Option<&dyn Exposures>,
    units: &[Unit],
    now: OffsetDateTime,
) -> Result<Arms, StoreError> {
    let mut arms = Arms::default();
    let Some(current) = units.first() else { return Ok(arms) };
    for experiment in config.running() {
        let chosen = match exposures {
            None => assign::assign(&experiment, current.as_str()).map(str::to_string),
            Some(store) => Some(expose(store, &experiment, units, now)?),
        };
        if let Some(arm) = chosen.as_deref().and_then(|name| experiment.arm(name)) {
            arms.add(&experiment.key, arm);
        }
    }
    Ok(arms)
}

/// The arm that stands for `units[0]` in `experiment`, recorded (see [`arms`]).
fn expose(
    store: &dyn Exposures,
    experiment: &config::Experiment,
    units: &[Unit],
    now: OffsetDateTime,
) -> Result<String, StoreError> {
    let current = &units[0];
    if let Some(known) = store.exposure(&experiment.key, current)? {
        return Ok(known.arm);
    }
    let mut wanted = None;
    for earlier in &units[1..] {
        if let Some(known) = store.exposure(&experiment.key, earlier)?
            && experiment.arm(&known.arm).is_some()
        {
            let root = known.of.clone().unwrap_or(known.unit);
            wanted = Some((known.arm, Some(root)));
            break;
        }
    }
    let (arm, of) = match wanted {
        Some(found) => found,
        None => (assign::assign(experiment, current.as_str()).unwrap_or_default().to_string(), None),
    };
    let exposure = Exposure { experiment: experiment.key.clone(), unit: current.clone(), arm, at: now, of };
    Ok(store.expose(&exposure)?.arm)
}

/// Whether `unit` was exposed to a running experiment in an arm without the assistant: a look-up
/// only (nothing is assigned or recorded), for the shop's placements. A unit never exposed is
/// not held out.
pub fn is_held_out(
    config: &ExperimentsConfig,
    exposures: Option<&dyn Exposures>,
    unit: &Unit,
) -> Result<bool, StoreError> {
    let Some(store) = exposures else { return Ok(false) };
    for experiment in config.running() {
        if !experiment.arms.iter().any(|a| !a.assistant) {
            continue;
        }
        if let Some(known) = store.exposure(&experiment.key, unit)?
            && experiment.arm(&known.arm).is_some_and(|a| !a.assistant)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Credits a purchase event to each of `units` that was exposed to an experiment (once per unit
/// and order); returns the ticket of the last write, `None` when no unit was exposed or the
/// order was credited before. The order's key is its id, else the event's id, else its time
/// and total (a shop that sends neither cannot resend it safely anyway).
pub fn record_purchase(store: &dyn Exposures, units: &[Unit], event: &Event) -> Result<Option<Durable>, StoreError> {
    let Some(order) = &event.order else { return Ok(None) };
    let total = order.total.map(|t| t.decimal().to_f64().unwrap_or(0.0)).unwrap_or(0.0);
    let key = order
        .id
        .clone()
        .or_else(|| event.id.clone())
        .unwrap_or_else(|| format!("at:{}:{total}", order.at.unix_timestamp()));
    let mut last = None;
    for unit in units {
        if store.is_exposed(unit)? {
            let purchase = Purchase { unit: unit.clone(), key: key.clone(), revenue: total, at: order.at };
            if let Some(durable) = store.add_purchase(&purchase)? {
                last = Some(durable);
            }
        }
    }
    Ok(last)
}

/// Forgets the experiments' records of `shopper` and of the customer it is linked to (their
/// exposures and purchases), as part of erasing the shopper. Call it before the profile goes:
/// the link is read from it.
pub fn forget(store: &dyn crate::profile::Store, shopper: crate::profile::ShopperId) -> Result<(), StoreError> {
    let Some(exposures) = store.experiments() else { return Ok(()) };
    if let crate::profile::Stored::Customer(customer) = store.whose(shopper)? {
        exposures.forget(&Unit::customer(&customer))?;
    }
    exposures.forget(&Unit::shopper(shopper))
}

/// The report of experiment `key` from what `store` recorded; `None` for a key that is neither
/// running nor the built-in holdout.
pub fn report(config: &ExperimentsConfig, store: &dyn Exposures, key: &str) -> Result<Option<Report>, StoreError> {
    let Some(experiment) = config.find(key) else { return Ok(None) };
    let exposures = store.exposures(key)?;
    let mut failed = None;
    let mut purchases = |unit: &Unit| match store.purchases(unit) {
        Ok(found) => found,
        Err(error) => {
            failed.get_or_insert(error);
            Vec::new()
        }
    };
    let built = report::build(&experiment, &exposures, &mut purchases, config.repeat_window());
    match failed {
        Some(error) => Err(error),
        None => Ok(Some(built)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{SledStore, StoreOptions};
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);

    fn config(percent: f64) -> ExperimentsConfig {
        let mut config = ExperimentsConfig::default();
        config.set_holdout_percent(percent).unwrap();
        config
    }

    #[test]
    fn a_first_exposure_stands_and_a_login_keeps_the_arm() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
        let config = config(50.0);
        let shopper = Unit::from_stored("s:0001".into());
        let first = arms(&config, Some(&store), std::slice::from_ref(&shopper), T0).unwrap();
        // Whatever the hash says for the customer, a login keeps the shopper's arm.
        let customer = Unit::from_stored("c:42".into());
        let later = arms(&config, Some(&store), &[customer.clone(), shopper.clone()], T0).unwrap();
        assert_eq!(first.names, later.names);
        let taken = store.exposure(HOLDOUT, &customer).unwrap().unwrap();
        assert_eq!(taken.of, Some(shopper));
        assert_eq!(store.exposures(HOLDOUT).unwrap().len(), 2);
    }

    #[test]
    fn with_no_holdout_there_are_no_arms_and_nothing_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), StoreOptions::default()).unwrap();
        let unit = Unit::from_stored("s:1".into());
        let arms = arms(&ExperimentsConfig::default(), Some(&store), std::slice::from_ref(&unit), T0).unwrap();
        assert!(arms.names.is_empty() && !arms.held_out());
        assert!(!store.is_exposed(&unit).unwrap());
    }
}
