//! concierge: a conversational shopping agent backend.
//!
//! Module map (data flows top to bottom for one shopper message):
//!
//! - [`money`]: exact amounts and ISO 4217 currencies.
//! - [`slots`]: the typed things the agent wants to know (purpose, recipient, budget, ...).
//! - [`problem`]: `file:line: message` problems found in merchants' files.
//! - [`catalog`]: products, loading and importing merchants' files, the index and the ranker.
//! - [`understand`]: a shopper's message -> typed slots and dialogue acts (rules, lexicons).
//! - [`dialogue`]: the pure state machine: what to ask, when to recommend, refinements.
//! - [`recommend`]: what the conversation knows -> a catalog query (filters and hints).
//! - [`llm`]: the optional language model: checked understanding and phrasing, with fallbacks.
//! - [`agent`]: one message through understand -> dialogue -> catalog -> reply.
//! - [`conversation`]: a shopper's hello/say/event through the agent and the profile store.
//! - [`prompts`]: merchant-editable prompt files (templates, wording), validated on load.
//! - [`reply`]: what the shopper is shown: product cards with their why lines.
//! - [`files`]: private (0600/0700) files and atomic whole-file writes.
//! - [`config`]: the TOML file and environment variables, with their defaults.
//! - [`replay`]: scripted conversations played against the chat, with reports and golden files.
//! - [`server`]: the chat server: WebSocket chat, HTTP API, auth, limits, metrics, widget.
//! - [`profile`]: one shopper's declared slots, behaviour, orders and consent, kept on sled.
//! - [`understand`]: a shopper's message -> slots, dialogue acts and keywords (rules + lexicon).
//! - [`cli`]: the `concierge` command line, one file per command.
#![forbid(unsafe_code)]

pub mod agent;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod conversation;
pub mod dialogue;
pub mod files;
pub mod llm;
pub mod money;
pub mod problem;
pub mod profile;
pub mod prompts;
pub mod recommend;
pub mod replay;
pub mod reply;
pub mod server;
pub mod slots;
pub mod understand;
