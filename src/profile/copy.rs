//! Moving a shop between stores (`concierge store copy`): every shopper with their
//! provenance, consent, events and orders, as one profile each, so nothing is split apart.
//! Copying again changes nothing: a shopper already identical in the destination is counted
//! as unchanged, one that differs is replaced by the source's copy.

use super::error::StoreError;
use super::store::Store;

/// Shoppers read per page of the source.
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
    /// Shoppers not copied, each with its reason (unreadable in the source, or its customer
    /// id held by another shopper in the destination).
    pub skipped: Vec<String>,
}

/// Copies every shopper of `from` into `to`, then makes the destination durable.
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
                    Ok(()) => report.copied += 1,
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
    to.flush()?;
    Ok(report)
}
