//! `GET /v1/recommendations?placement=...`: product cards for each place on the shop's pages,
//! from what orders teach (bought together, buy it again, trending) and what the shopper did.
//!
//! - `product&product_id=X`: bought with X, then similar products (the chat's ranking);
//! - `cart&cart=ID,ID`: complements of the cart's items, then what is trending;
//! - `post_purchase[&order_id=]`: what goes with the order (the shopper's own; the latest by
//!   default), then products due again;
//! - `home`: products due again, recently viewed, what continues declared interests (or, for a
//!   new shopper, the page context), trending, and a share of serendipity, labelled.
//!
//! Every card is a catalog product in stock, at its catalog price, within the shopper's
//! declared budget and age (whatever put it there), shown once, with the signal that put it
//! there. When the shopper's declared budget leaves the chat's ranking short, the
//! closest products just outside it come apart, as `alternatives` (the chat reply's shape).

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::edge::bearer;
use super::error::{ApiError, ErrorBody};
use super::rest::personal;
use super::state::AppState;
use crate::catalog::{Catalog, Filters, Product, Ranked, Signal};
use crate::chat::assistant::{Assistant, MAX_ALTERNATIVES, Surroundings};
use crate::chat::query::PageContext;
use crate::chat::reply::ProductCard;
use crate::dialogue::{RecommendKind, Session};
use crate::orders::insights::product_type;
use crate::orders::together::Scoring;
use crate::orders::{Insights, OrderLine, Placement};
use crate::profile::{Order, Profile, ShopperId};

/// Most products in one cart parameter.
const MAX_CART: usize = 50;
/// Longest `cart`, `product_id` or `order_id` parameter, in bytes.
const MAX_PARAM_BYTES: usize = 10_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RecommendationParams {
    /// `home`, `product`, `cart` or `post_purchase`.
    placement: Option<String>,
    /// The product on the page (placement `product`).
    product_id: Option<String>,
    /// The cart's product ids, comma-separated (placement `cart`, at most 50).
    cart: Option<String>,
    /// The order just placed (placement `post_purchase`; the shopper's latest by default).
    order_id: Option<String>,
    /// How many products (default 5, at most 50).
    k: Option<usize>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Recommendations {
    #[schema(value_type = Vec<Object>)]
    products: Vec<ProductCard>,
    /// When the shopper's budget leaves too few products: the closest just outside it, apart
    /// and labelled as in the chat's reply (each card's first why line says how it differs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    alternatives: Vec<ProductCard>,
    /// The merchant's offers whose rules hold for this shopper (none without a token).
    #[schema(value_type = Vec<Object>)]
    offers: Vec<crate::offers::Offer>,
}

/// Recommendations for a placement, personal when a shopper token is given; none for a shopper
/// held out from the assistant by an experiment.
#[utoipa::path(get, path = "/v1/recommendations", params(RecommendationParams),
    responses((status = 200, body = Recommendations), (status = 400, body = ErrorBody)))]
pub async fn recommendations(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<RecommendationParams>,
) -> Result<Json<Recommendations>, ApiError> {
    let placement: Placement =
        params.placement.as_deref().unwrap_or("home").parse().map_err(|e| ApiError::bad_request(format!("{e}")))?;
    for value in [&params.product_id, &params.cart, &params.order_id].into_iter().flatten() {
        if value.len() > MAX_PARAM_BYTES {
            return Err(ApiError::bad_request(format!("a parameter is over {MAX_PARAM_BYTES} bytes")));
        }
    }
    let product_id = params.product_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    if placement == Placement::Product && product_id.is_none() {
        return Err(ApiError::bad_request(
            "placement=product needs the `product_id` parameter: the product on the page",
        ));
    }
    let cart: Vec<String> = params
        .cart
        .iter()
        .flat_map(|c| c.split(','))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(String::from)
        .collect();
    if placement == Placement::Cart && cart.is_empty() {
        return Err(ApiError::bad_request(
            "placement=cart needs the `cart` parameter: the cart's product ids, comma-separated",
        ));
    }
    if cart.len() > MAX_CART {
        return Err(ApiError::bad_request(format!("a cart of at most {MAX_CART} products")));
    }
    let k = params.k.unwrap_or(5).clamp(1, 50);
    let shopper = bearer(&headers).and_then(|t| state.tokens.verify(t));
    // A shopper held out from the assistant sees the shop without it, placements included.
    if let Some(id) = shopper
        && super::experiments::held_out(&state, id).await?
    {
        return Ok(Json(Recommendations { products: Vec::new(), alternatives: Vec::new(), offers: Vec::new() }));
    }
    let (profile, history) = load(&state, shopper).await?;
    let now = OffsetDateTime::now_utc();
    let assistant = state.assistant();
    let mut shelf = Shelf::new(&assistant, k);
    let consented = profile.as_ref().filter(|p| p.consent().personalization);
    {
        // The shopper's declared budget, age and exclusions bound every card of the shelf,
        // whatever put it there (bought together, trending, serendipity), as in the chat.
        let (slots, recent) = personal(profile.as_ref(), now, state.profiles.window);
        let around = Surroundings { recent, ..Surroundings::default() };
        shelf.filters = assistant.filters(&Session::new(&slots, profile.is_some()), RecommendKind::Fresh, &around);
    }
    shelf.owned = owned(consented);
    let insights = state.orders.read().unwrap_or_else(|e| e.into_inner());
    match placement {
        Placement::Product => {
            let id = product_id.unwrap_or_default();
            shelf.skip.insert(id.to_string());
            shelf.goes_with(&insights, &[id], None);
            let context =
                PageContext { page: Some("product".into()), product_id: Some(id.into()), ..Default::default() };
            shelf.ranked(&state, profile.as_ref(), &context, RecommendKind::Context, now)?;
        }
        Placement::Cart => {
            let have: Vec<&str> = cart.iter().map(String::as_str).collect();
            shelf.skip.extend(cart.iter().cloned());
            shelf.goes_with(&insights, &have, Some("basket"));
            shelf.trending(&insights, now);
        }
        Placement::PostPurchase => {
            let profile = profile.as_ref().ok_or_else(|| {
                ApiError::bad_request(
                    "placement=post_purchase needs the shopper's token: it shows what goes with their order",
                )
            })?;
            let order = pick_order(profile, params.order_id.as_deref())?;
            let have: Vec<&str> = order.items.iter().map(|i| i.product_id.as_str()).collect();
            shelf.skip.extend(have.iter().map(|id| id.to_string()));
            shelf.goes_with(&insights, &have, Some("order"));
            shelf.due(&insights, &history, now);
        }
        Placement::Home => {
            if let Some(p) = consented {
                shelf.due(&insights, &history, now);
                shelf.recently_viewed(p, now, state.profiles.window);
            }
            let context = PageContext { page: Some("home".into()), ..Default::default() };
            let serendipity = (k * usize::from(state.config.profile.serendipity_percent)).div_ceil(100).min(k);
            shelf.k = k - serendipity;
            shelf.ranked(&state, profile.as_ref(), &context, RecommendKind::Fresh, now)?;
            shelf.trending(&insights, now);
            shelf.k = k;
            shelf.serendipity(shopper, now);
        }
    }
    let currency = assistant.index().catalog().currency();
    let offers = if shelf.cards.is_empty() {
        Vec::new()
    } else {
        let (slots, _) = super::rest::personal(profile.as_ref(), now, state.profiles.window);
        let facts = crate::offers::Facts::of(profile.as_ref(), &slots, currency, now);
        assistant.prompts().offers().applicable(&facts, currency)
    };
    Ok(Json(Recommendations { products: shelf.cards, alternatives: shelf.alternatives, offers }))
}

/// The shopper's profile and their customer's whole order history (the log's lines, or the
/// profile's own orders when no customer is linked).
async fn load(state: &AppState, shopper: Option<ShopperId>) -> Result<(Option<Profile>, Vec<OrderLine>), ApiError> {
    let Some(id) = shopper else { return Ok((None, Vec::new())) };
    let store = state.profiles.store.clone();
    let loaded = tokio::task::spawn_blocking(move || -> Result<_, crate::profile::StoreError> {
        let Some(profile) = store.load(id)? else { return Ok((None, Vec::new())) };
        let history = history(store.as_ref(), &profile)?;
        Ok((Some(profile), history))
    })
    .await??;
    Ok(loaded)
}

/// A shopper's whole order history (see [`crate::orders::history::of_profile`]).
pub(crate) fn history(
    store: &dyn crate::profile::Store,
    profile: &Profile,
) -> Result<Vec<OrderLine>, crate::profile::StoreError> {
    crate::orders::history::of_profile(store, profile)
}

fn pick_order<'p>(profile: &'p Profile, order_id: Option<&str>) -> Result<&'p Order, ApiError> {
    let orders = profile.orders();
    match order_id.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => orders
            .iter()
            .find(|o| o.id.as_deref() == Some(id))
            .ok_or_else(|| ApiError::not_found("no order of this shopper has that id")),
        None => orders.last().ok_or_else(|| ApiError::not_found("this shopper has no order yet")),
    }
}

/// Products the shopper owns (bought within the behaviour window), not shown again unless
/// replenishable.
fn owned(profile: Option<&Profile>) -> HashSet<String> {
    profile
        .map(|p| p.orders().iter().flat_map(|o| o.items.iter().map(|i| i.product_id.clone())).collect())
        .unwrap_or_default()
}

/// The cards being filled, in order, with what may not appear.
struct Shelf<'a> {
    assistant: &'a Assistant,
    catalog: &'a Catalog,
    k: usize,
    cards: Vec<ProductCard>,
    /// The closest products just outside the shopper's budget, apart from `cards`.
    alternatives: Vec<ProductCard>,
    /// Never shown: the page's product, the cart, the order.
    skip: HashSet<String>,
    /// Bought before: shown only when replenishable.
    owned: HashSet<String>,
    /// The shopper's hard filters (budget, age, stock): no card outside them.
    filters: Filters,
}

impl<'a> Shelf<'a> {
    fn new(assistant: &'a Assistant, k: usize) -> Shelf<'a> {
        let catalog = assistant.index().catalog();
        Shelf {
            assistant,
            catalog,
            k,
            cards: Vec::new(),
            alternatives: Vec::new(),
            skip: HashSet::new(),
            owned: HashSet::new(),
            filters: Filters::default(),
        }
    }

    fn full(&self) -> bool {
        self.cards.len() >= self.k
    }

    /// Whether `id` may still be shown as a product: in the catalog, within the shopper's hard
    /// filters, and [`Shelf::free`].
    fn fits(&self, id: &str) -> bool {
        self.catalog.get(id).is_some_and(|p| self.filters.admit(p) && self.free(p))
    }

    /// Whether `product` may still go on the shelf at all (as a product, or as an alternative
    /// outside the budget): in stock, not skipped, not owned (unless replenishable), not on
    /// it yet in either list.
    fn free(&self, product: &Product) -> bool {
        let id = product.id.as_str();
        product.available()
            && !self.skip.contains(id)
            && (product.replenishable || !self.owned.contains(id))
            && !self.cards.iter().any(|c| c.id == id)
            && !self.alternatives.iter().any(|c| c.id == id)
    }

    fn push(&mut self, id: &str, signal: Signal) {
        if self.full() || !self.fits(id) {
            return;
        }
        let Some(product) = self.catalog.get(id) else { return };
        let ranked = Ranked { product, signals: vec![signal] };
        self.cards.push(ProductCard::new(&ranked, self.assistant.prompts(), self.catalog.currency()));
    }

    fn goes_with(&mut self, insights: &Insights, have: &[&str], place: Option<&str>) {
        let want = self.k.saturating_sub(self.cards.len());
        // Substitutes by the order titles' types (in the statistics) and by the catalog's own.
        let index = self.assistant.index();
        let keep = |id: &str| self.fits(id) && !have.iter().any(|a| index.substitutes(a, id));
        let found = insights.goes_with(have, want, Scoring::Lift, true, &keep);
        for g in found {
            let title = self.catalog.get(&g.with).map_or_else(|| g.with.clone(), |p| p.title.clone());
            let signal = Signal::BoughtWith { product_id: g.with, title, place: place.map(String::from) };
            self.push(&g.product_id, signal);
        }
    }

    fn trending(&mut self, insights: &Insights, now: OffsetDateTime) {
        let want = self.k.saturating_sub(self.cards.len());
        for id in insights.trending(now.unix_timestamp(), want, &|id| self.fits(id)) {
            self.push(&id, Signal::Trending);
        }
    }

    fn due(&mut self, insights: &Insights, history: &[OrderLine], now: OffsetDateTime) {
        let now = now.unix_timestamp();
        for due in insights.due(history, now) {
            let every = due.interval_days.round() as u32;
            let signal = Signal::Reorder { days: due.days_since(now), every };
            // Due products are owned by definition: only a replenishable one is offered.
            if self.catalog.get(&due.product_id).is_some_and(|p| p.available()) && !self.full() {
                self.owned.remove(&due.product_id);
                self.push(&due.product_id, signal);
            }
        }
    }

    fn recently_viewed(&mut self, profile: &Profile, now: OffsetDateTime, window: time::Duration) {
        for touch in profile.behaviour(now, window).viewed {
            let days = u32::try_from((now - touch.at).whole_days().max(0)).unwrap_or(0);
            self.push(&touch.product_id, Signal::RecentlyViewed { days });
        }
    }

    /// What the chat's ranking would show for this page (declared interests for a returning
    /// shopper, the page context for a new one).
    fn ranked(
        &mut self,
        state: &AppState,
        profile: Option<&Profile>,
        context: &PageContext,
        kind: RecommendKind,
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        if self.full() {
            return Ok(());
        }
        let (slots, recent) = personal(profile, now, state.profiles.window);
        let session = Session::new(&slots, profile.is_some());
        let around = Surroundings { context: Some(context), recent, ..Surroundings::default() };
        let want = self.k + self.cards.len() + self.skip.len();
        let cards = self.assistant.recommend(&session, kind, &around, want).map_err(|e| ApiError::internal(&e))?;
        for card in cards {
            if !self.full() && self.fits(&card.id) {
                self.cards.push(card);
            }
        }
        // A budget that leaves the shelf short: the closest products just outside it go apart,
        // labelled, as in the chat's reply (never among the products: the budget is a filter).
        if !self.full() && session.slots.budget.is_some_and(|b| !b.is_open()) {
            let found = self
                .assistant
                .alternatives(&session, kind, &around, &self.cards, MAX_ALTERNATIVES)
                .map_err(|e| ApiError::internal(&e))?;
            self.alternatives =
                found.into_iter().filter(|c| self.catalog.get(&c.id).is_some_and(|p| self.free(p))).collect();
        }
        Ok(())
    }

    /// Fills the rest with products of types nobody shown (or owned) has, drawn from the
    /// catalog by a sequence seeded by the shopper and the day: the same all day, different
    /// tomorrow. A bounded number of draws, not a pass over the catalog: a placement's cost
    /// must not grow with the shop.
    fn serendipity(&mut self, shopper: Option<ShopperId>, now: OffsetDateTime) {
        let products = self.catalog.products();
        if self.full() || products.is_empty() {
            return;
        }
        let usual: HashSet<String> = self
            .cards
            .iter()
            .map(|c| c.title.as_str())
            .chain(self.owned.iter().filter_map(|id| self.catalog.get(id)).map(|p| p.title.as_str()))
            .filter_map(product_type)
            .collect();
        let mut seed = std::collections::hash_map::DefaultHasher::new();
        (shopper.map(|s| s.to_string()), now.unix_timestamp() / 86_400).hash(&mut seed);
        let mut state = seed.finish();
        for _ in 0..products.len().min(SERENDIPITY_DRAWS) {
            if self.full() {
                break;
            }
            let product = &products[(splitmix64(&mut state) % products.len() as u64) as usize];
            if product_type(&product.title).is_some_and(|t| usual.contains(&t)) {
                continue;
            }
            self.push(&product.id, Signal::Serendipity);
        }
    }
}

/// Most products a home placement draws while looking for serendipity.
const SERENDIPITY_DRAWS: usize = 256;

/// The next number of the SplitMix64 sequence at `state` (Steele, Lea and Flood 2014): well
/// spread for any seed, and the same on every platform.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
