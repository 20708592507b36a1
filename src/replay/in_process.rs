//! The default driver: the chat's own entry point ([`Chat::handle`], as the socket calls it)
//! inside this process, over a real sled store: a fresh temporary store per script, a fixed
//! clock and plain tokens, so runs are deterministic and need no server.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

use super::driver::{Driver, DriverError, DriverFactory};
use super::script::{Fixture, Script};
use crate::chat::assistant::Assistant;
use crate::chat::conversation::Profiles;
use crate::chat::protocol::{ClientFrame, Customer, ServerFrame};
use crate::chat::{Chat, EventError, Identity, Run, Services, record_event_noticing};
use crate::money::ExchangeRates;
use crate::profile::{CustomerId, Durability, Limits, Profile, ShopperId, SledStore, Source, StoreOptions};
use crate::slots::SlotName;

/// Scripts start at this time; each step moves the clock on by a minute.
const EPOCH: OffsetDateTime = datetime!(2026-01-05 10:00 UTC);

/// One script's chat: its own store in a temporary directory, one shopper.
pub struct InProcess {
    assistant: Arc<Assistant>,
    profiles: Profiles,
    _dir: tempfile::TempDir,
    /// The shopper's token: the latest `welcome`'s, or the fixture's shopper.
    shopper: Option<String>,
    /// The shop customer every hello names once the fixture's `shop_events` made the shopper
    /// one (a customer's profile is continued only with their verified id).
    customer: Option<Customer>,
    chat: Chat,
    now: OffsetDateTime,
}

/// Tokens in replay are the shopper ids themselves: nothing to protect in a throwaway store.
struct Plain {
    now: OffsetDateTime,
}

impl Identity for Plain {
    fn verify(&self, token: &str) -> Option<ShopperId> {
        token.parse().ok()
    }

    fn sign(&self, shopper: ShopperId) -> String {
        shopper.to_string()
    }

    /// Only the driver names a customer (a script cannot): the fixture's, taken as verified.
    fn customer(&self, customer: Customer) -> Option<CustomerId> {
        CustomerId::parse(&customer.id).ok()
    }

    fn resume_id(&self) -> String {
        format!("replay-{}", self.now.unix_timestamp())
    }
}

/// A factory of in-process drivers sharing one assistant (catalog, prompts, understanding),
/// built once from `catalog` and `prompts` (`None`: `prompts/` or the built-in set).
pub fn driver_factory(catalog: PathBuf, prompts: Option<PathBuf>) -> Result<impl DriverFactory, DriverError> {
    let loaded = crate::chat::load(&catalog, prompts.as_deref(), ExchangeRates::default(), None)
        .map_err(|e| DriverError::Unavailable(format!("{:#}", anyhow::Error::from(e))))?;
    for problem in &loaded.skipped {
        eprintln!("warning: {problem}");
    }
    let assistant = Arc::new(loaded.assistant);
    Ok(move |_: &Script| {
        let assistant = Arc::clone(&assistant);
        async move { InProcess::new(assistant).map(Box::new) }
    })
}

impl InProcess {
    fn new(assistant: Arc<Assistant>) -> Result<InProcess, DriverError> {
        let unavailable = |e: &dyn std::fmt::Display| DriverError::Unavailable(format!("temporary store: {e}"));
        let dir = tempfile::tempdir().map_err(|e| unavailable(&e))?;
        // Nothing to protect from a crash in a replay: skip the flushes.
        let options = StoreOptions { durability: Durability::None, ..StoreOptions::default() };
        let store = SledStore::open(dir.path(), options).map_err(|e| unavailable(&e))?;
        let profiles = Profiles {
            store: Arc::new(store),
            window: crate::profile::DEFAULT_BEHAVIOUR_WINDOW,
            limits: Limits::default(),
        };
        // The script's own order statistics: what one script's orders teach stays in it.
        let assistant = Arc::new(assistant.with_catalog(Arc::clone(assistant.index())).with_orders(Arc::default()));
        Ok(InProcess {
            assistant,
            profiles,
            _dir: dir,
            shopper: None,
            customer: None,
            chat: Chat::default(),
            now: EPOCH,
        })
    }

    fn tick(&mut self) -> OffsetDateTime {
        self.now += time::Duration::minutes(1);
        self.now
    }

    /// Sends one frame through the chat's own entry point, as the socket does, and returns
    /// what it answered.
    async fn exchange(&mut self, frame: ClientFrame) -> Vec<ServerFrame> {
        let now = self.tick();
        let identity = Plain { now };
        let services = Services {
            assistant: Arc::clone(&self.assistant),
            profiles: &self.profiles,
            llm: None,
            identity: &identity,
            run: Run::Inline,
            now,
            log_text: false,
            experiments: None,
        };
        let mut frames = Vec::new();
        self.chat.handle(frame, &services, &mut frames).await;
        for frame in &frames {
            if let ServerFrame::Welcome { shopper, .. } = frame {
                self.shopper = Some(shopper.clone());
            }
        }
        frames
    }

    /// Records `events` as the shop's backend would: the shopper linked to its customer id
    /// (as an identity-verified hello links it), then each event with the backend's
    /// `customer_id`, on the same path as `POST /v1/events` with the backend key.
    fn record_as_the_shop(&self, shopper: ShopperId, events: &[Value], now: OffsetDateTime) -> Result<(), DriverError> {
        if events.is_empty() {
            return Ok(());
        }
        let id = Fixture::customer(&shopper.to_string());
        let customer = CustomerId::parse(&id).map_err(|e| DriverError::Protocol(format!("fixture: {e}")))?;
        let (_, durable) = self
            .profiles
            .store
            .update(shopper, now, &mut |p: &mut Profile| p.link_customer(&customer, now))
            .map_err(|e| DriverError::Unavailable(e.to_string()))?;
        durable.wait().map_err(|e| DriverError::Unavailable(e.to_string()))?;
        for event in events {
            let mut event = event.clone();
            if let Some(map) = event.as_object_mut() {
                map.insert("customer_id".into(), Value::String(id.clone()));
            }
            self.record(None, event, now, "fixture: shop_events")?;
        }
        Ok(())
    }

    /// Records one event as `POST /v1/events` does (with the shopper's token when `shopper` is
    /// given, else as the backend), waits for it to be durable, and lets the order statistics
    /// learn from it when it was stored. `what` names the script's part in an error.
    fn record(
        &self,
        shopper: Option<ShopperId>,
        event: Value,
        now: OffsetDateTime,
        what: &str,
    ) -> Result<(), DriverError> {
        let raw = event.clone();
        let (recorded, durable, noticed) = record_event_noticing(&self.profiles, shopper, event, now, None)
            .map_err(|e: EventError| DriverError::Protocol(format!("{what}: {e}")))?;
        durable.wait().map_err(|e| DriverError::Unavailable(e.to_string()))?;
        if recorded == crate::profile::Recorded::Stored {
            let (store, insights) = (self.profiles.store.as_ref(), self.assistant.orders());
            crate::orders::live::learn(store, insights, &raw, noticed.customer.as_ref(), now)
                .map_err(|e| DriverError::Unavailable(e.to_string()))?;
        }
        Ok(())
    }

    async fn start(&mut self, context: &Value) -> Vec<ServerFrame> {
        let context = serde_json::from_value(context.clone()).unwrap_or_default();
        let hello = ClientFrame::Hello {
            shopper: self.shopper.clone(),
            session: None,
            customer: self.customer.clone(),
            context,
        };
        self.exchange(hello).await
    }
}

impl Driver for InProcess {
    async fn apply_fixture(&mut self, fixture: &Fixture) -> Result<(), DriverError> {
        let shopper = ShopperId::random();
        self.shopper = Some(shopper.to_string());
        let now = self.tick();
        let mut problems = Vec::new();
        let (_, durable) = self
            .profiles
            .store
            .update(shopper, now, &mut |p: &mut Profile| {
                for (name, value) in &fixture.declared {
                    match SlotName::parse(name) {
                        Some(slot) => {
                            if let Err(e) = p.edit(slot, value, Source::Api, now) {
                                problems.push(e.to_string());
                            }
                        }
                        None => problems.push(format!("unknown slot `{name}`")),
                    }
                }
            })
            .map_err(|e| DriverError::Unavailable(e.to_string()))?;
        durable.wait().map_err(|e| DriverError::Unavailable(e.to_string()))?;
        for event in fixture.order_events().into_iter().chain(fixture.events.iter().cloned()) {
            self.record(Some(shopper), event, now, "fixture")?;
        }
        self.record_as_the_shop(shopper, &fixture.shop_events, now)?;
        if !fixture.shop_events.is_empty() {
            let id = Fixture::customer(&shopper.to_string());
            self.customer = Some(Customer { id, signature: String::new() });
        }
        match problems.is_empty() {
            true => Ok(()),
            false => Err(DriverError::Protocol(format!("fixture: {}", problems.join("; ")))),
        }
    }

    async fn apply_orders(&mut self, orders: &[Value]) -> Result<(), DriverError> {
        let now = self.tick();
        for event in orders {
            self.record(None, event.clone(), now, "shop orders")?;
        }
        Ok(())
    }

    async fn open(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        Ok(self.start(context).await)
    }

    async fn say(&mut self, text: &str) -> Result<Vec<ServerFrame>, DriverError> {
        if !self.chat.is_open() {
            return Err(DriverError::Protocol("say before open".into()));
        }
        Ok(self.exchange(ClientFrame::Say { text: text.to_string(), choice: None, id: None }).await)
    }

    async fn event(&mut self, event: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        if !self.chat.is_open() {
            return Err(DriverError::Protocol("event before open".into()));
        }
        Ok(self.exchange(ClientFrame::Event { event: event.clone() }).await)
    }

    async fn visit(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        Ok(self.start(context).await)
    }
}
