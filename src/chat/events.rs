//! Recording a behavioural event (`product_viewed`, `purchase`, ...): the one function the
//! chat socket, `POST /v1/events` and replay fixtures all use, so an event means the same
//! wherever it arrives.

use time::OffsetDateTime;

use super::conversation::Profiles;
use crate::profile::{
    CustomerId, Durable, Event, EventInput, EventKind, InputError, OrderSource, Profile, Recorded, ShopperId,
    StoreError, Stored, Unit, update_customer,
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
///
/// A purchase is also credited to the experiments its shopper and customer were exposed to
/// (see `experiments::record_purchase`), first, so the profile's ticket covers that write too;
/// a held-out shopper who never chatted has no profile, and their purchase counts all the same.
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
    // Only the backend key names a customer (with a token, `customer_id` is refused below).
    let source = if customer.is_some() { OrderSource::Shop } else { OrderSource::Shopper };
    let event = Event::parse(input, now)?.recorded_by(source);
    let credited = match (event.kind, profiles.store.experiments()) {
        (EventKind::Purchase, Some(exposures)) => {
            let units = units(profiles, shopper, customer.as_ref())?;
            crate::experiments::record_purchase(exposures, &units, &event)?
        }
        _ => None,
    };
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
        (Some(id), None) => match (profiles.store.change(id, &mut change)?, credited) {
            (Some(changed), _) => changed,
            (None, Some(credited)) => {
                return Ok((Recorded::Stored, credited, Noticed { shopper: None, customer: None, causes: Vec::new() }));
            }
            (None, None) => return Err(EventError::Gone),
        },
        (None, Some(customer)) => update_customer(profiles.store.as_ref(), &customer, now, &mut change)?,
        (None, None) => return Err(EventError::NoCustomer),
    };
    // Who watches which product, for stock changes (a hint: each is judged on the profile).
    if outcome == Recorded::Stored
        && let Some(watchers) = profiles.store.watchers()
    {
        crate::notices::watchers::note(watchers, profile.id(), &event)?;
    }
    let noticed = Noticed { shopper: Some(profile.id()), customer: profile.customer().map(|c| c.id.clone()), causes };
    Ok((outcome, durable, noticed))
}

/// The experiment units a purchase names: the token's shopper and the customer linked to it, or
/// the backend's customer and the shopper linked to it.
fn units(
    profiles: &Profiles,
    shopper: Option<ShopperId>,
    customer: Option<&CustomerId>,
) -> Result<Vec<Unit>, StoreError> {
    let mut units = Vec::new();
    if let Some(id) = shopper {
        units.push(Unit::shopper(id));
        if let Stored::Customer(linked) = profiles.store.whose(id)? {
            units.push(Unit::customer(&linked));
        }
    }
    if let Some(customer) = customer {
        units.push(Unit::customer(customer));
        if let Some(linked) = profiles.store.find_customer(customer)? {
            units.push(Unit::shopper(linked));
        }
    }
    Ok(units)
}
