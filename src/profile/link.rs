//! Linking shoppers to the shop's customers: events from the shop's backend name a customer,
//! not a shopper, and a customer who logs in on a new device arrives as a new, anonymous
//! shopper whose answers must not be lost.

use time::OffsetDateTime;

use super::error::StoreError;
use super::group_commit::Durable;
use super::id::{CustomerId, ShopperId};
use super::record::{Limits, Profile};
use super::store::Store;

/// Changes the profile of the shopper linked to `customer`, creating a linked shopper (with a
/// fresh id) when there is none, as for an order the shop's backend reports before the customer
/// ever chatted. Two concurrent first events for one customer end in one shopper: the loser of
/// the race sees `CustomerTaken` and retries on the winner's profile.
pub fn update_customer(
    store: &dyn Store,
    customer: &CustomerId,
    now: OffsetDateTime,
    change: &mut dyn FnMut(&mut Profile),
) -> Result<(Profile, Durable), StoreError> {
    let mut last = None;
    for _ in 0..3 {
        let shopper = store.find_customer(customer)?.unwrap_or_else(ShopperId::random);
        let result = store.update(shopper, now, &mut |profile| {
            profile.link_customer(customer, now);
            change(profile);
        });
        match result {
            Err(taken @ StoreError::CustomerTaken { .. }) => last = Some(taken),
            other => return other,
        }
    }
    Err(last.unwrap_or(StoreError::Flush("customer link kept changing".into())))
}

impl Profile {
    /// Folds `other` (typically the anonymous shopper a customer was before logging in) into
    /// this profile, losing no answer: a declared slot is taken from `other` when this profile
    /// lacks it or `other`'s is newer; its events, orders and idempotency ids are recorded here
    /// (repeats ignored, bounds kept). Identity, consent and visits stay this profile's, except
    /// that a withdrawn consent on either side stays withdrawn. The caller then erases `other`.
    pub fn absorb(&mut self, other: &Profile, limits: &Limits) {
        for (slot, declared) in &other.declared {
            if self.declared.get(slot).is_none_or(|mine| mine.at < declared.at) {
                self.declared.insert(*slot, declared.clone());
            }
        }
        if !other.consent.personalization && self.consent.personalization {
            self.set_personalization(false, other.consent.at.unwrap_or(other.last_seen));
        }
        for event in &other.events {
            self.record(event.clone(), limits);
        }
        for order in &other.orders {
            let known = order.id.is_some() && self.orders.iter().any(|o| o.id == order.id);
            if !known {
                let event = super::event::Event::purchase_of(order.clone());
                self.record(event, limits);
            }
        }
        for id in &other.seen_event_ids {
            if !self.seen_event_ids.contains(id) {
                self.seen_event_ids.push_back(id.clone());
            }
        }
        while self.seen_event_ids.len() > limits.max_seen_ids {
            self.seen_event_ids.pop_front();
        }
        self.touch(other.last_seen);
    }
}
