//! The assistant: one shopper message through understand -> dialogue -> catalog -> reply.
//!
//! The chat server, `concierge recommend`, `concierge replay` and the HTTP recommendations all
//! go through this type, so what a tester pins is what a shopper sees. It holds one catalog
//! version and one prompt set; swapping either means building a new `Assistant` and replacing the
//! `Arc` that shares it, so a conversation sees the old or the new, never a mix.
//!
//! Storing what a decision declares is the caller's job, between [`Assistant::decide`] and
//! [`Assistant::respond`], so the answer is durable before the reply acknowledges it.

use std::sync::{Arc, RwLock};

use crate::catalog::{CatalogIndex, Filters, IndexError};
use crate::chat::complements::{self, Anchors};
use crate::chat::query::{self, PageContext, Recent, Request};
use crate::chat::reply::{self, Fact, ProductCard, Render, Reply};
use crate::dialogue::{self, Action, Asking, Decision, RecommendKind, Session, Shop, Shown};
use crate::money::ExchangeRates;
use crate::orders::Insights;
use crate::prompts::Prompts;
use crate::understand::{Understander, Understanding};

/// Most alternatives a reply shows beside its products.
pub(crate) const MAX_ALTERNATIVES: usize = 3;
/// Most products due again a greeting offers.
pub const MAX_DUE: usize = 2;

pub struct Assistant {
    index: Arc<CatalogIndex>,
    prompts: Arc<Prompts>,
    understander: Arc<Understander>,
    rates: ExchangeRates,
    /// The language model shoppers' messages go to, named in the privacy reply.
    model: Option<String>,
    /// What the shop's orders teach (bought together, buy it again), kept current by whoever
    /// records purchases; shared by every assistant built from this one.
    orders: Arc<RwLock<Insights>>,
}

/// What a reply is built from besides the session: the page and the shopper's recent
/// behaviour (both possibly empty) and their stored facts.
#[derive(Default)]
pub struct Surroundings<'a> {
    pub context: Option<&'a PageContext>,
    pub recent: Recent,
    pub facts: Vec<Fact>,
    /// Products the shopper is due to buy again ([`Assistant::due_cards`]): a greeting offers
    /// them first.
    pub due: Vec<ProductCard>,
}

impl Assistant {
    /// An assistant over a catalog and a prompt set; its understanding uses the prompts' lexicon.
    pub fn new(index: Arc<CatalogIndex>, prompts: Arc<Prompts>, rates: ExchangeRates) -> Assistant {
        let understander = Arc::new(Understander::new(prompts.lexicon().clone()));
        Assistant { index, prompts, understander, rates, model: None, orders: Arc::default() }
    }

    /// The same assistant, learning from `orders` (the server's insights, shared and kept current).
    pub fn with_orders(mut self, orders: Arc<RwLock<Insights>>) -> Assistant {
        self.orders = orders;
        self
    }

    /// What the shop's orders teach, as this assistant reads it (recording a purchase updates it).
    pub fn orders(&self) -> &Arc<RwLock<Insights>> {
        &self.orders
    }

    /// The same assistant, telling shoppers who ask about privacy that `model` reads their messages.
    pub fn with_model(mut self, model: Option<String>) -> Assistant {
        self.model = model;
        self
    }

    /// The same assistant over another catalog (an admin catalog replace).
    pub fn with_catalog(&self, index: Arc<CatalogIndex>) -> Assistant {
        let (prompts, understander) = (Arc::clone(&self.prompts), Arc::clone(&self.understander));
        let (rates, model, orders) = (self.rates.clone(), self.model.clone(), Arc::clone(&self.orders));
        Assistant { index, prompts, understander, rates, model, orders }
    }

    /// The same assistant with other prompt files (a reload).
    pub fn with_prompts(&self, prompts: Arc<Prompts>) -> Assistant {
        Assistant::new(Arc::clone(&self.index), prompts, self.rates.clone())
            .with_model(self.model.clone())
            .with_orders(Arc::clone(&self.orders))
    }

    /// The merchant's lexicon, as understanding uses it.
    pub fn understander(&self) -> &Understander {
        &self.understander
    }

    pub fn index(&self) -> &Arc<CatalogIndex> {
        &self.index
    }

    pub fn prompts(&self) -> &Arc<Prompts> {
        &self.prompts
    }

    /// What `text` says, read in the light of what the session just asked.
    pub fn understand(&self, session: &Session, text: &str) -> Understanding {
        self.understander.understand_with(text, session.asking.and_then(Asking::slot))
    }

    /// A new shopper's session after `text` as their first message, as the chat would hold it
    /// before ranking: `concierge recommend` and the MCP `recommend` tool start here. A budget
    /// in a currency without an exchange rate is taken in the catalog's currency (its reason
    /// says so) instead of waiting for the shopper to confirm it.
    pub fn opening_request(&self, text: &str) -> Session {
        let mut session = Session::default();
        let said = self.understand(&session, text);
        self.decide(&mut session, &said);
        if let Some(pending) = session.pending_budget.take() {
            session.slots.budget = Some(pending);
        }
        session
    }

    /// Whether the page the shopper is on says what they may want: a product of this catalog,
    /// or a referrer whose words the catalog knows.
    pub fn has_context(&self, context: &PageContext) -> bool {
        context.product_id.as_ref().is_some_and(|id| self.index.catalog().get(id).is_some())
            || context.referrer.as_deref().is_some_and(|r| !query::referrer_topics(&self.index, r).is_empty())
    }

    /// The opening decision right after `hello` (see [`dialogue::open`]); `has_context` as
    /// [`Assistant::has_context`] says.
    pub fn open(&self, session: &mut Session, has_context: bool) -> Decision {
        dialogue::open(session, &self.shop(), has_context)
    }

    /// The dialogue's decision for one understood message; updates the session.
    pub fn decide(&self, session: &mut Session, said: &Understanding) -> Decision {
        dialogue::step(session, said, &self.shop())
    }

    /// Ranks what the decision needs, records what is shown in the session, and renders the
    /// reply.
    pub fn respond(
        &self,
        session: &mut Session,
        decision: &Decision,
        around: Surroundings<'_>,
    ) -> Result<Reply, IndexError> {
        let currency = self.index.catalog().currency();
        let (mut products, mut alternatives) = (Vec::new(), Vec::new());
        if let Action::Recommend { why } = decision.action {
            let k = self.prompts.policy().products;
            products = self.recommend(session, why, &around, k)?;
            // Nothing cheaper than the cheapest shown is no reason to offer a pricier one.
            // Alternatives are for a request just missed; complements have no "just outside".
            if products.len() < k && !session.cheaper_than_shown(why) && why != RecommendKind::GoesWith {
                alternatives = self.alternatives(session, why, &around, &products, MAX_ALTERNATIVES)?;
            }
            if !products.is_empty() {
                session.shown = products.iter().map(shown).collect();
                for card in &products {
                    if !session.seen.contains(&card.id) {
                        session.seen.push(card.id.clone());
                    }
                }
            }
        }
        let greets = decision.preface.iter().any(|p| matches!(p, crate::dialogue::Preface::Greeting { .. }));
        let like_title = match decision.action {
            Action::Recommend { why: RecommendKind::GoesWith } => {
                let context = around.context.unwrap_or_else(empty_context);
                Anchors::of(session, RecommendKind::GoesWith, context, &around.recent).title(&self.index)
            }
            _ => session.like.as_ref().and_then(|id| self.index.catalog().get(id)).map(|p| p.title.clone()),
        };
        let render = Render {
            prompts: &self.prompts,
            currency,
            session,
            products,
            alternatives,
            facts: around.facts,
            like_title,
            due: if greets { around.due } else { Vec::new() },
        };
        let mut reply = reply::render(decision, render);
        if let (Action::Privacy, Some(model)) = (&decision.action, &self.model) {
            let disclosure = self.prompts.model().disclosure(model);
            reply.text = format!("{} {disclosure}", reply.text).trim().to_string();
        }
        Ok(reply)
    }

    /// The top `k` products for what the session knows, as cards with their reasons.
    pub fn recommend(
        &self,
        session: &Session,
        kind: RecommendKind,
        around: &Surroundings<'_>,
        k: usize,
    ) -> Result<Vec<ProductCard>, IndexError> {
        let query = query::query(&self.index, &self.request(session, kind, around, k));
        let currency = self.index.catalog().currency();
        let context = around.context.unwrap_or_else(empty_context);
        let anchors = Anchors::of(session, kind, context, &around.recent);
        let insights = self.orders.read().unwrap_or_else(|e| e.into_inner());
        let ranked = match kind {
            // Asked what goes with it: complements only (none is an honest answer).
            RecommendKind::GoesWith => complements::complements(&self.index, &insights, &anchors, &query, k),
            // On a product or cart page with nothing asked yet: what goes with it leads.
            RecommendKind::Context => {
                let mut ranked = complements::complements(&self.index, &insights, &anchors, &query, k);
                for r in self.index.rank(&query)? {
                    if ranked.len() < k && !ranked.iter().any(|c| c.product.id == r.product.id) {
                        ranked.push(r);
                    }
                }
                ranked
            }
            _ => {
                let mut ranked = self.index.rank(&query)?;
                let goes = complements::complements(&self.index, &insights, &anchors, &query, COMPLEMENT_SIGNALS);
                complements::promote(&mut ranked, &goes);
                ranked
            }
        };
        Ok(ranked.iter().map(|r| ProductCard::new(r, &self.prompts, currency)).collect())
    }

    /// Cards for the products of `due` in the catalog and in stock (at most
    /// [`MAX_DUE`]), each with its `reorder` reason: how long ago the shopper bought it and how
    /// often it is bought again. `now`: Unix seconds.
    pub fn due_cards(&self, due: &[crate::orders::again::Due], now: i64) -> Vec<ProductCard> {
        let catalog = self.index.catalog();
        due.iter()
            .filter_map(|d| {
                let product = catalog.get(&d.product_id).filter(|p| p.available())?;
                let signal =
                    crate::catalog::Signal::Reorder { days: d.days_since(now), every: d.interval_days.round() as u32 };
                Some(ProductCard::new(
                    &crate::catalog::Ranked { product, signals: vec![signal] },
                    &self.prompts,
                    catalog.currency(),
                ))
            })
            .take(MAX_DUE)
            .collect()
    }

    /// The closest products just outside what the session asked for (see
    /// [`CatalogIndex::alternatives`]), none of `products`, as cards whose first why line says
    /// how each differs.
    pub fn alternatives(
        &self,
        session: &Session,
        kind: RecommendKind,
        around: &Surroundings<'_>,
        products: &[ProductCard],
        n: usize,
    ) -> Result<Vec<ProductCard>, IndexError> {
        let query = query::query(&self.index, &self.request(session, kind, around, n));
        let shown: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
        let currency = self.index.catalog().currency();
        let found = self.index.alternatives(&query, &shown, n)?;
        Ok(found.iter().map(|r| ProductCard::new(r, &self.prompts, currency)).collect())
    }

    /// The hard filters (budget, age, stock, excluded products) a recommendation for
    /// `session` applies: what every product card shown to this shopper must pass.
    pub fn filters(&self, session: &Session, kind: RecommendKind, around: &Surroundings<'_>) -> Filters {
        self.index.filters(&query::query(&self.index, &self.request(session, kind, around, 0)))
    }

    fn request<'a>(
        &'a self,
        session: &'a Session,
        kind: RecommendKind,
        around: &'a Surroundings<'a>,
        k: usize,
    ) -> Request<'a> {
        Request {
            session,
            kind,
            context: around.context.unwrap_or_else(empty_context),
            recent: &around.recent,
            hints: self.prompts.hints(),
            rates: &self.rates,
            k,
        }
    }

    fn shop(&self) -> Shop<'_> {
        Shop { policy: self.prompts.policy(), currency: self.index.catalog().currency(), rates: &self.rates }
    }
}

/// Complements looked up to mark an ordinary recommendation's products with `bought_with`.
const COMPLEMENT_SIGNALS: usize = 50;

fn empty_context<'a>() -> &'a PageContext {
    static EMPTY_CONTEXT: std::sync::OnceLock<PageContext> = std::sync::OnceLock::new();
    EMPTY_CONTEXT.get_or_init(PageContext::default)
}

fn shown(card: &ProductCard) -> Shown {
    Shown {
        id: card.id.clone(),
        title: card.title.clone(),
        price: card.price,
        signals: card.signals.clone(),
        why: card.why.clone(),
    }
}
