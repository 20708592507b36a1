//! Moving a shop between stores (`concierge store copy`): every shopper with their
//! provenance, consent, events and orders, as one profile each, so nothing is split apart;
//! then the shop's order log (what the placements' statistics learn from) and the experiments'
//! exposures and purchases (what the lift report counts). Copying again changes nothing: a
//! shopper already identical in the destination is counted as unchanged, one that differs is
//! replaced by the source's copy; an order line replaces the line of the same order and
//! product; the first exposure of a unit stands, and a purchase is kept once.
//!
//! Each copied shopper's watches (wishlist, cart) are noted in the destination's
//! product-to-watchers index. Not copied: notices waiting in the outbox (they are re-derived from facts that are copied,
//! and a copy is made while the shop is stopped, when a waiting notice is stale anyway).

use super::error::StoreError;
use super::store::Store;

/// Shoppers read per page of the source, and order lines written per batch.
const PAGE: usize = 500;

/// What a copy did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Shoppers written to the destination (new there, or different).
    pub copied: usize,
    /// Shoppers already identical in the destination.
    pub unchanged: usize,
    /// Of the shoppers copied or unchanged: events, orders and customer links they hold.
    pub events: usize,
    pub orders: usize,
    pub customers: usize,
    /// Order lines of the shop's order log, and experiment exposures and purchases, copied.
    pub order_lines: usize,
    pub exposures: usize,
    pub purchases: usize,
    /// Shoppers not copied, each with its reason (unreadable in the source, or its customer
    /// id held by another shopper in the destination).
    pub skipped: Vec<String>,
}

/// Copies every shopper of `from` into `to`, then the order log and the exposures (when both
/// stores keep them), then makes the destination durable.
pub fn copy_store(from: &dyn Store, to: &dyn Store) -> Result<CopyReport, StoreError> {
    let mut report = CopyReport::default();
    let mut after = None;
    loop {
        let page = from.shoppers_after(after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(*last);
        for shopper in page {
            let profile = match from.load(shopper) {
                Ok(Some(profile)) => profile,
                Ok(None) => continue, // erased while we copied
                Err(error @ StoreError::Corrupt { .. }) => {
                    report.skipped.push(error.to_string());
                    continue;
                }
                Err(error) => return Err(error),
            };
            if to.load(shopper).ok().flatten().as_ref() == Some(&profile) {
                report.unchanged += 1;
            } else {
                // Not waited for one by one: the flush at the end covers every write.
                match to.write(&profile).map(drop) {
                    Ok(()) => {
                        report.copied += 1;
                        index_watchers(to, &profile)?;
                    }
                    Err(error @ StoreError::CustomerTaken { .. }) => {
                        report.skipped.push(format!("shopper {shopper}: {error}"));
                        continue;
                    }
                    Err(error) => return Err(error),
                }
            }
            report.events += profile.events().len();
            report.orders += profile.orders().len();
            report.customers += usize::from(profile.customer().is_some());
        }
    }
    copy_order_log(from, to, &mut report)?;
    copy_exposures(from, to, &mut report)?;
    to.flush()?;
    Ok(report)
}

/// Notes what the copied shopper watches in the destination's product-to-watchers index: a
/// destination whose index was already built (a server started on it before the copy) would
/// otherwise never learn of them, and their stock notices would not reach them. Extra entries
/// are harmless: the index is a hint, each shopper it names is judged on their profile.
fn index_watchers(to: &dyn Store, profile: &super::Profile) -> Result<(), StoreError> {
    let Some(watchers) = to.watchers() else { return Ok(()) };
    for product in crate::notices::watchers::watched(profile) {
        watchers.watch(&product, profile.id())?;
    }
    Ok(())
}

/// The order log, a page of lines at a time (the log of a real shop is larger than memory
/// should hold at once).
fn copy_order_log(from: &dyn Store, to: &dyn Store, report: &mut CopyReport) -> Result<(), StoreError> {
    let (Some(source), Some(destination)) = (from.orders(), to.orders()) else { return Ok(()) };
    let mut batch = Vec::with_capacity(PAGE);
    let mut failed = None;
    source.scan(&mut |line| {
        if failed.is_some() {
            return;
        }
        batch.push(line);
        if batch.len() == PAGE {
            match destination.append(&batch) {
                Ok(_) => report.order_lines += batch.len(),
                Err(error) => failed = Some(error),
            }
            batch.clear();
        }
    })?;
    if let Some(error) = failed {
        return Err(error);
    }
    destination.append(&batch)?;
    report.order_lines += batch.len();
    Ok(())
}

/// Every exposure (the first one of a unit stands in the destination too), then the purchases
/// of each exposed unit.
fn copy_exposures(from: &dyn Store, to: &dyn Store, report: &mut CopyReport) -> Result<(), StoreError> {
    let (Some(source), Some(destination)) = (from.experiments(), to.experiments()) else { return Ok(()) };
    let mut units = std::collections::BTreeSet::new();
    let mut exposures = Vec::new();
    source.every(&mut |exposure| exposures.push(exposure))?;
    for exposure in exposures {
        destination.expose(&exposure)?;
        report.exposures += 1;
        units.insert(exposure.unit);
    }
    for unit in units {
        for purchase in source.purchases(&unit)? {
            destination.add_purchase(&purchase)?;
            report.purchases += 1;
        }
    }
    Ok(())
}
