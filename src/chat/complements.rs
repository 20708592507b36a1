//! What goes with what the shopper has in view: the shop's bought-together statistics
//! (`orders::Insights`) in the chat.
//!
//! The products a recommendation is anchored on are the shopper's own: the product on the
//! page, the cart (on the cart page), the products just shown (for "what goes with this?"),
//! or what they recently viewed. A complement is never one of them, never their substitute
//! (a product whose title names the same type: see `catalog::kind::title_types`), and always
//! within the request's hard filters (budget, age, stock, excluded words and products). Its
//! reason names the anchor it is bought with, which is true of the statistics it came from.

use crate::catalog::{CatalogIndex, Query, Ranked, Signal};
use crate::chat::query::{PageContext, Recent};
use crate::dialogue::{RecommendKind, Session};
use crate::orders::Insights;
use crate::orders::together::Scoring;

/// Most products an anchor list holds (a cart can be long; the statistics sum over anchors).
const MAX_ANCHORS: usize = 20;
/// Recently viewed products used as anchors for an ordinary recommendation.
const VIEWED_ANCHORS: usize = 3;

/// The products a recommendation is anchored on, and where they are (`basket` for the cart,
/// none for a product page or products in view), as the `bought_with` reason says.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Anchors {
    pub ids: Vec<String>,
    pub place: Option<&'static str>,
}

impl Anchors {
    /// The anchors of a recommendation of `kind`: for "what goes with this?", the product the
    /// shopper pointed at, else the page's product, else the cart on the cart page, else the
    /// products last shown; for the opening on a product or cart page, that page's products;
    /// otherwise what the page shows and what the shopper recently viewed.
    pub(crate) fn of(session: &Session, kind: RecommendKind, context: &PageContext, recent: &Recent) -> Anchors {
        let page = context.product_id.iter().cloned().collect::<Vec<_>>();
        let on_cart_page = context.page.as_deref() == Some("cart");
        let cart = || Anchors { ids: recent.carted.clone(), place: Some("basket") };
        let anchors = match kind {
            RecommendKind::GoesWith => match &session.goes_with {
                Some(id) => Anchors { ids: vec![id.clone()], place: None },
                None if !page.is_empty() => Anchors { ids: page, place: None },
                None if on_cart_page && !recent.carted.is_empty() => cart(),
                None => Anchors { ids: session.shown.iter().map(|s| s.id.clone()).collect(), place: None },
            },
            RecommendKind::Context if !page.is_empty() => Anchors { ids: page, place: None },
            RecommendKind::Context if on_cart_page => cart(),
            _ => {
                let mut ids = page;
                if on_cart_page {
                    ids.extend(recent.carted.iter().cloned());
                }
                ids.extend(recent.viewed.iter().take(VIEWED_ANCHORS).cloned());
                Anchors { ids, place: None }
            }
        };
        let mut ids: Vec<String> = Vec::new();
        for id in anchors.ids {
            if !ids.contains(&id) && ids.len() < MAX_ANCHORS {
                ids.push(id);
            }
        }
        Anchors { ids, ..anchors }
    }

    /// The title the reply names the anchor by: the single anchor's, or none for several.
    pub(crate) fn title(&self, index: &CatalogIndex) -> Option<String> {
        match self.ids.as_slice() {
            [one] => index.catalog().get(one).map(|p| p.title.clone()),
            _ => None,
        }
    }
}

/// Up to `n` catalog products bought together with the anchors, best first (damped lift, see
/// `orders::together`), each admitted by `query` (its hard filters and excluded words) and not
/// a substitute of an anchor, each carrying the `bought_with` signal naming the anchor that
/// contributed most. Empty when the statistics know nothing of the anchors.
pub(crate) fn complements<'c>(
    index: &'c CatalogIndex,
    insights: &Insights,
    anchors: &Anchors,
    query: &Query,
    n: usize,
) -> Vec<Ranked<'c>> {
    if anchors.ids.is_empty() || n == 0 {
        return Vec::new();
    }
    let catalog = index.catalog();
    let filters = index.filters(query);
    let keep = |id: &str| {
        catalog.get(id).is_some_and(|p| filters.admit(p))
            && !anchors.ids.iter().any(|a| a == id || index.substitutes(a, id))
            && !index.names_any(id, &query.exclude_words)
    };
    let have: Vec<&str> = anchors.ids.iter().map(String::as_str).collect();
    let found = insights.goes_with(&have, n, Scoring::Lift, true, &keep);
    found
        .into_iter()
        .filter_map(|g| {
            let product = catalog.get(&g.product_id)?;
            let title = catalog.get(&g.with).map_or_else(|| g.with.clone(), |p| p.title.clone());
            let place = anchors.place.map(String::from);
            Some(Ranked { product, signals: vec![Signal::BoughtWith { product_id: g.with, title, place }] })
        })
        .collect()
}

/// An ordinary recommendation with the statistics as a signal: the ranked products that are
/// bought together with an anchor move ahead of the others (keeping their order among
/// themselves) and gain the `bought_with` reason first. Which products are shown does not
/// change, only their order and reasons.
pub(crate) fn promote<'c>(ranked: &mut Vec<Ranked<'c>>, complements: &[Ranked<'c>]) {
    let mut ahead = Vec::new();
    let mut rest = Vec::new();
    for mut item in ranked.drain(..) {
        match complements.iter().find(|c| c.product.id == item.product.id) {
            Some(c) => {
                let mut signals = c.signals.clone();
                signals.append(&mut item.signals);
                item.signals = signals;
                ahead.push(item);
            }
            None => rest.push(item),
        }
    }
    ranked.extend(ahead);
    ranked.extend(rest);
}
