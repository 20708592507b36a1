//! Recording a behavioural event (`product_viewed`, `purchase`, ...): the one function the
//! chat socket, `POST /v1/events` and replay fixtures all use, so an event means the same
//! wherever it arrives.

use time::OffsetDateTime;

use super::conversation::Profiles;
use crate::profile::{
    Durable, Event, EventInput, InputError, Profile, Recorded, ShopperId, StoreError, update_customer,
};

/// Why an event was not recorded. Every variant but `Store` is the sender's mistake.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("not an event: {0}")]
    NotAnEvent(serde_json::Error),
    #[error("`customer_id` is for the shop's backend key, not a shopper token")]
    CustomerWithToken,
    #[error("with the backend key, each event needs a `customer_id`")]
    NoCustomer,
    #[error(transparent)]
    Input(#[from] InputError),
    /// The token's shopper is not stored (erased or expired): an event never recreates it.
    #[error("nothing is stored about this shopper")]
    Gone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records one event for `shopper` (only while it is stored: an event never recreates an
/// erased shopper), or (`None`: sent with the shop's backend key) for the customer it names
/// (refused while that customer id is tombstoned). A repeat or an event refused for want of consent is no error: the
/// outcome says so. Wait for the [`Durable`] before acknowledging the event.
pub fn record_event(
    profiles: &Profiles,
    shopper: Option<ShopperId>,
    raw: serde_json::Value,
    now: OffsetDateTime,
) -> Result<(Recorded, Durable), EventError> {
    record_event_noticing(profiles, shopper, raw, now, None).map(|(recorded, durable, _)| (recorded, durable))
}

/// What an event's write let through the notice gate: the causes, and whose profile it was.
#[derive(Debug, Default)]
pub struct Noticed {
    pub shopper: Option<ShopperId>,
    pub customer: Option<crate::profile::CustomerId>,
    pub causes: Vec<crate::notices::Cause>,
}

/// [`record_event`], also judging (with `notices`) whether the event deserves a notice (a
/// shipping delay): the causes admitted are noted in the profile in the event's own write, and
/// returned for the caller to deliver once the write is durable.
pub fn record_event_noticing(
    profiles: &Profiles,
    shopper: Option<ShopperId>,
    raw: serde_json::Value,
    now: OffsetDateTime,
    notices: Option<&crate::notices::Settings>,
) -> Result<(Recorded, Durable, Noticed), EventError> {
    let input: EventInput = serde_json::from_value(raw).map_err(EventError::NotAnEvent)?;
    let customer = input.customer()?;
    let event = Event::parse(input, now)?;
    let limits = profiles.limits;
    let mut outcome = Recorded::Duplicate;
    let mut causes = Vec::new();
    let mut change = |p: &mut Profile| {
        let cause = notices.and_then(|_| crate::notices::trigger::shipping_delay(p, &event));
        outcome = p.record(event.clone(), &limits);
        causes = match (notices, outcome) {
            (Some(settings), Recorded::Stored) => {
                crate::notices::trigger::admit(p, cause.into_iter().collect(), now, settings)
            }
            _ => Vec::new(),
        };
    };
    let (profile, durable) = match (shopper, customer) {
        (Some(_), Some(_)) => return Err(EventError::CustomerWithToken),
        (Some(id), None) => profiles.store.change(id, &mut change)?.ok_or(EventError::Gone)?,
        (None, Some(customer)) => update_customer(profiles.store.as_ref(), &customer, now, &mut change)?,
        (None, None) => return Err(EventError::NoCustomer),
    };
    let noticed = Noticed { shopper: Some(profile.id()), customer: profile.customer().map(|c| c.id.clone()), causes };
    Ok((outcome, durable, noticed))
}
