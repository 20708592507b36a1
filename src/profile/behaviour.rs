//! What the profile lends the ranker and shows the shopper: the recent-behaviour view inside
//! the trust window, and the `GET /v1/profile` view.
//!
//! The trust boundary lives here: behaviour older than the window (default 30 days) is not in
//! [`Behaviour`], so it can neither rank nor explain anything; and with personalization off
//! the view is empty. Times are inside so the ranker can prefer the recent, not so a reply can
//! say when: reasons built from behaviour say "because you viewed running shoes", never "three
//! weeks ago we noticed".

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::event::{EventKind, MAX_CLOCK_SKEW, Order};
use super::record::{Consent, Declared, Profile};
use crate::slots::SlotName;

/// How long behaviour counts, by default: 30 days.
pub const DEFAULT_BEHAVIOUR_WINDOW: Duration = Duration::days(30);

/// One product the shopper touched in some way, once per product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Touch {
    pub product_id: String,
    /// The most recent time, inside the window.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// How many times inside the window (quantities, for purchases).
    pub times: u32,
}

/// One distinct search (compared case-insensitively), newest wording kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Searched {
    pub query: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub times: u32,
}

/// Recent behaviour for ranking: only events with `since <= at <= now + 5 min`, and nothing
/// at all without personalization consent. Every list is newest first.
///
/// - `viewed`, `carted`: a viewed product's category is a signal ("viewed").
/// - `purchased`: bought inside the window (orders count, whatever their origin), for
///   "bought_with" signals and for exclusion.
/// - `owned`: every product in the stored orders, whatever their age, for exclusion only
///   (excluding what the shopper already has is never a shown reason), so a bike bought 40 days
///   ago is not offered again; the ranker keeps a product the catalog marks `replenishable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behaviour {
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    pub viewed: Vec<Touch>,
    pub carted: Vec<Touch>,
    pub searches: Vec<Searched>,
    pub purchased: Vec<Touch>,
    pub owned: Vec<String>,
}

impl Behaviour {
    fn empty(since: OffsetDateTime) -> Behaviour {
        Behaviour {
            since,
            viewed: Vec::new(),
            carted: Vec::new(),
            searches: Vec::new(),
            purchased: Vec::new(),
            owned: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.viewed.is_empty()
            && self.carted.is_empty()
            && self.searches.is_empty()
            && self.purchased.is_empty()
            && self.owned.is_empty()
    }
}

impl Profile {
    /// The behaviour inside `[now - window, now + 5 min]`, or nothing when personalization is
    /// off. See [`Behaviour`] for what each list holds.
    pub fn behaviour(&self, now: OffsetDateTime, window: Duration) -> Behaviour {
        let since = now - window;
        let mut out = Behaviour::empty(since);
        if !self.consent.personalization {
            return out;
        }
        let inside = |at: OffsetDateTime| at >= since && at <= now + MAX_CLOCK_SKEW;
        let (mut viewed, mut carted, mut purchased) = (Touches::default(), Touches::default(), Touches::default());
        let mut owned: HashSet<&str> = HashSet::new();
        // Newest first, so the first sighting of a product is its latest time.
        for event in self.events.iter().rev().filter(|e| inside(e.at)) {
            match (event.kind, &event.product_id, &event.query) {
                (EventKind::ProductViewed, Some(id), _) => viewed.bump(id, event.at, 1),
                (EventKind::AddToCart, Some(id), _) => carted.bump(id, event.at, 1),
                (EventKind::Search, _, Some(query)) => search(&mut out.searches, query, event.at),
                _ => {}
            }
        }
        for order in self.orders.iter().rev() {
            for item in &order.items {
                if inside(order.at) {
                    purchased.bump(&item.product_id, order.at, item.quantity);
                }
                if owned.insert(&item.product_id) {
                    out.owned.push(item.product_id.clone());
                }
            }
        }
        (out.viewed, out.carted, out.purchased) = (viewed.list, carted.list, purchased.list);
        out
    }

    /// The `GET /v1/profile` view: declared slots with provenance, a summary of the behaviour
    /// inside the window (no times: what, not when), orders and consent.
    pub fn view(&self, now: OffsetDateTime, window: Duration) -> ProfileView {
        let behaviour = self.behaviour(now, window);
        let ids = |touches: &[Touch]| touches.iter().map(|t| t.product_id.clone()).collect();
        ProfileView {
            shopper: self.id.to_string(),
            consent: self.consent,
            customer_linked: self.customer.is_some(),
            declared: self.declared.clone(),
            recent: RecentBehaviour {
                window_days: window.whole_days(),
                viewed: ids(&behaviour.viewed),
                carted: ids(&behaviour.carted),
                searches: behaviour.searches.iter().map(|s| s.query.clone()).collect(),
            },
            orders: self.orders.iter().rev().cloned().collect(),
            visits: self.visits.number,
        }
    }
}

/// What `GET /v1/profile` shows: what we know and where each fact came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileView {
    pub shopper: String,
    pub consent: Consent,
    pub customer_linked: bool,
    pub declared: BTreeMap<SlotName, Declared>,
    pub recent: RecentBehaviour,
    /// Newest first.
    pub orders: Vec<Order>,
    pub visits: u32,
}

/// Recent behaviour as the shopper sees it: product ids and searches, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecentBehaviour {
    pub window_days: i64,
    pub viewed: Vec<String>,
    pub carted: Vec<String>,
    pub searches: Vec<String>,
}

/// Product touches gathered newest first, one entry per product, in linear time.
#[derive(Default)]
struct Touches<'a> {
    list: Vec<Touch>,
    index: HashMap<&'a str, usize>,
}

impl<'a> Touches<'a> {
    fn bump(&mut self, product_id: &'a str, at: OffsetDateTime, times: u32) {
        match self.index.get(product_id) {
            Some(&i) => self.list[i].times = self.list[i].times.saturating_add(times),
            None => {
                self.index.insert(product_id, self.list.len());
                self.list.push(Touch { product_id: product_id.to_string(), at, times });
            }
        }
    }
}

fn search(list: &mut Vec<Searched>, query: &str, at: OffsetDateTime) {
    match list.iter_mut().find(|s| s.query.to_lowercase() == query.to_lowercase()) {
        Some(seen) => seen.times = seen.times.saturating_add(1),
        None => list.push(Searched { query: query.to_string(), at, times: 1 }),
    }
}
