//! A `hello` within the running experiments: the shopper's arms decide whether a visit opens
//! at all (a held-out shopper gets none), whether it remembers (`memory = false` starts a new
//! shopper) and what the ranker sees (`ranking = "popular"` hides behaviour).

use std::sync::Arc;

use time::OffsetDateTime;

use crate::chat::assistant::Assistant;
use crate::chat::conversation::{Conversation, ConversationError, Opened, Profiles};
use crate::chat::query::PageContext;
use crate::experiments::{Arms, ExperimentsConfig};
use crate::profile::{CustomerId, ShopperId, Unit};

/// What a `hello` opens: a visit with the shopper's arms, or nothing for a held-out shopper.
pub(super) enum Opening {
    Open(Box<Opened>, Arms),
    /// Held out, with the shopper id their welcome's token names (nothing is stored under it).
    HeldOut(Arms, ShopperId),
}

/// The experiment unit of a conversation: its customer, else its shopper.
pub(super) fn unit_of(conversation: &Conversation) -> Unit {
    match &conversation.customer {
        Some(customer) => Unit::customer(customer),
        None => Unit::shopper(conversation.shopper),
    }
}

/// Opens a visit within the running experiments. The arms are learnt first from who the
/// shopper already is (the verified customer, then the token's shopper): a held-out one opens
/// nothing; `memory = false` starts a new shopper; ranking by popularity hides behaviour. Then
/// the visit's own unit is exposed, taking over the arm of the earlier units when it is new.
pub(super) fn open(
    assistant: &Assistant,
    mut profiles: Profiles,
    experiments: Option<&ExperimentsConfig>,
    shopper: Option<ShopperId>,
    customer: Option<CustomerId>,
    context: PageContext,
    now: OffsetDateTime,
) -> Result<Opening, ConversationError> {
    let Some(config) = experiments else {
        let opened = Conversation::start(assistant, &profiles, shopper, customer, context, now)?;
        return Ok(Opening::Open(Box::new(opened), Arms::default()));
    };
    let store = Arc::clone(&profiles.store);
    let exposures = store.experiments();
    // A shopper with neither token nor customer is assigned under a fresh id first, so one
    // held out is never stored; a visit that opens takes that id's arm over.
    let named = shopper.unwrap_or_else(ShopperId::random);
    let mut earlier: Vec<Unit> = customer.iter().map(Unit::customer).collect();
    if shopper.is_some() || customer.is_none() {
        earlier.push(Unit::shopper(named));
    }
    let known = crate::experiments::arms(config, exposures, &earlier, now)?;
    if known.held_out() {
        return Ok(Opening::HeldOut(known, named));
    }
    if known.popular {
        profiles.window = time::Duration::ZERO;
    }
    let (shopper, customer) = if known.memory { (shopper, customer) } else { (None, None) };
    let opened = Conversation::start(assistant, &profiles, shopper, customer, context, now)?;
    let mut units = vec![unit_of(&opened.conversation)];
    for unit in earlier {
        if !units.contains(&unit) {
            units.push(unit);
        }
    }
    let arms = crate::experiments::arms(config, exposures, &units, now)?;
    Ok(Opening::Open(Box::new(opened), arms))
}
