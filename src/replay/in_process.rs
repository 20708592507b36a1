//! The default driver: the chat's own pipeline inside this process ([`Conversation`] over a
//! real sled store), with a fresh temporary store per script and a fixed clock, so runs are
//! deterministic and need no server.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

use super::driver::{Driver, DriverError, DriverFactory};
use super::script::{Fixture, Script};
use crate::chat::assistant::Assistant;
use crate::chat::conversation::{Conversation, ConversationError, Profiles};
use crate::chat::protocol::ServerFrame;
use crate::chat::query::PageContext;
use crate::money::ExchangeRates;
use crate::profile::{Durability, Limits, Profile, ShopperId, SledStore, Source, StoreOptions};
use crate::slots::SlotName;

/// Scripts start at this time; each step moves the clock on by a minute.
const EPOCH: OffsetDateTime = datetime!(2026-01-05 10:00 UTC);

/// One script's chat: its own store in a temporary directory, one shopper.
pub struct InProcess {
    agent: Arc<Assistant>,
    profiles: Profiles,
    _dir: tempfile::TempDir,
    shopper: Option<ShopperId>,
    conversation: Option<Conversation>,
    now: OffsetDateTime,
}

/// A factory of in-process drivers sharing one agent (catalog, prompts, understanding),
/// built once from `catalog` and `prompts` (`None`: `prompts/` or the built-in set).
pub fn driver_factory(catalog: PathBuf, prompts: Option<PathBuf>) -> Result<impl DriverFactory, DriverError> {
    let loaded = crate::chat::load(&catalog, prompts.as_deref(), ExchangeRates::default(), None)
        .map_err(|e| DriverError::Unavailable(format!("{:#}", anyhow::Error::from(e))))?;
    for problem in &loaded.skipped {
        eprintln!("warning: {problem}");
    }
    let agent = Arc::new(loaded.assistant);
    Ok(move |_: &Script| {
        let agent = Arc::clone(&agent);
        async move { InProcess::new(agent).map(Box::new) }
    })
}

impl InProcess {
    fn new(agent: Arc<Assistant>) -> Result<InProcess, DriverError> {
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
        Ok(InProcess { agent, profiles, _dir: dir, shopper: None, conversation: None, now: EPOCH })
    }

    fn tick(&mut self) -> OffsetDateTime {
        self.now += time::Duration::minutes(1);
        self.now
    }

    fn start(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        let context: PageContext = serde_json::from_value(context.clone()).unwrap_or_default();
        let now = self.tick();
        let opened =
            Conversation::start(&self.agent, &self.profiles, self.shopper, None, context, now).map_err(fail)?;
        let shopper = opened.conversation.shopper;
        self.shopper = Some(shopper);
        let welcome = ServerFrame::Welcome {
            shopper: shopper.to_string(),
            session: format!("replay-{}", now.unix_timestamp()),
            returning: opened.returning,
        };
        self.conversation = Some(opened.conversation);
        Ok(vec![welcome, ServerFrame::Reply(Box::new(opened.turn.reply))])
    }
}

impl Driver for InProcess {
    async fn apply_fixture(&mut self, fixture: &Fixture) -> Result<(), DriverError> {
        let shopper = *self.shopper.get_or_insert_with(ShopperId::random);
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
        let mut conversation = Conversation {
            shopper,
            session: Default::default(),
            context: PageContext::default(),
            remembered: false,
            history: Vec::new(),
        };
        for event in fixture.order_events().into_iter().chain(fixture.events.iter().cloned()) {
            let durable = conversation
                .event(&self.profiles, event, now)
                .map_err(|e| DriverError::Protocol(format!("fixture: {e}")))?;
            durable.wait().map_err(|e| DriverError::Unavailable(e.to_string()))?;
        }
        match problems.is_empty() {
            true => Ok(()),
            false => Err(DriverError::Protocol(format!("fixture: {}", problems.join("; ")))),
        }
    }

    async fn open(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.start(context)
    }

    async fn say(&mut self, text: &str) -> Result<Vec<ServerFrame>, DriverError> {
        let now = self.tick();
        let (agent, profiles) = (Arc::clone(&self.agent), self.profiles.clone());
        let conversation = self.conversation.as_mut().ok_or_else(|| DriverError::Protocol("say before open".into()))?;
        let turn = conversation.say(&agent, &profiles, text, now).map_err(fail)?;
        if let Some(new) = turn.new_shopper {
            self.shopper = Some(new);
        }
        Ok(ServerFrame::for_turn(turn))
    }

    async fn event(&mut self, event: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        let now = self.tick();
        let profiles = self.profiles.clone();
        let conversation =
            self.conversation.as_mut().ok_or_else(|| DriverError::Protocol("event before open".into()))?;
        match conversation.event(&profiles, event.clone(), now) {
            Ok(_) => Ok(Vec::new()),
            Err(ConversationError::Input(e)) => {
                Ok(vec![ServerFrame::Error { code: "bad_message".into(), message: e.to_string() }])
            }
            Err(e) => Err(fail(e)),
        }
    }

    async fn visit(&mut self, context: &Value) -> Result<Vec<ServerFrame>, DriverError> {
        self.start(context)
    }
}

fn fail(error: ConversationError) -> DriverError {
    DriverError::Protocol(error.to_string())
}
