//! concierge: a conversational shopping agent backend.
//!
//! Module map, in the order one shopper message meets them (CONTRIBUTING.md walks the path):
//!
//! - [`server`]: the transport: the WebSocket pump, the HTTP API, auth, limits, metrics, widget.
//! - [`replay`]: the other driver: scripted conversations played against the chat.
//! - `mcp`: the door for shoppers' own AI agents: MCP tools (UCP catalog, recommend, converse,
//!   the shopper's profile) at `/mcp`, and the UCP profile at `/.well-known/ucp`.
//! - [`service`]: order-aware answers from recorded facts, the bought-it greeting, consent to
//!   notices in the chat.
//! - [`chat`]: one exchange, transport-free: a client frame in, server frames out (the wire
//!   protocol, the conversation with its profile, the assistant, the query, the reply).
//! - [`llm`]: the optional language model: checked understanding and phrasing, with fallbacks.
//! - [`understand`]: a shopper's message -> slots, dialogue acts and keywords (rules + lexicon).
//! - [`dialogue`]: the pure state machine: what to ask, when to recommend, refinements.
//! - [`profile`]: one shopper's declared slots, behaviour, orders and consent, kept on sled or PostgreSQL.
//! - [`catalog`]: products, loading and importing merchants' files, the index and the ranker.
//! - [`prompts`]: merchant-editable prompt files (templates, wording), validated on load.
//! - [`slots`]: the typed things the assistant wants to know (purpose, recipient, budget, ...).
//! - [`notices`]: proactive notices (shipping delays, back in stock, low stock, reorder): the
//!   rules and their gate, the outbox, the signed webhook.
//! - [`offers`]: the merchant's transparent offers: a rule the shopper can see, a benefit stated
//!   beside the catalog price, never in it.
//! - [`orders`]: order history (the order log behind the store seam, CSV and Shopify import)
//!   and what it teaches placements: bought together, buy it again, trending.
//! - [`money`]: exact amounts and ISO 4217 currencies.
//! - `problem`: `file:line: message` problems found in merchants' files.
//! - [`eval`]: request sets judged by rules: ranking precision, budget compliance, untrue why
//!   lines and understanding accuracy (`concierge eval`).
//! - [`experiments`]: the holdout and merchants' experiments: assignment, exposures joined to
//!   purchases, lifts with significance, the funnel, and a simulator to check the method.
//! - [`config`]: the TOML file and environment variables, with their defaults.
//! - [`shop`]: the `[shop]` section: the shop's name, currency display, colour and logo.
//! - [`files`]: private (0600/0700) files and atomic whole-file writes.
//! - [`cli`]: the `concierge` command line, one file per command (only `main.rs` uses it).
#![forbid(unsafe_code)]

pub mod catalog;
pub mod chat;
pub mod cli;
pub mod config;
pub mod dialogue;
pub mod eval;
pub mod experiments;
pub mod files;
pub mod llm;
mod mcp;
pub mod money;
pub mod notices;
pub mod offers;
pub mod orders;
pub(crate) mod problem;
pub mod profile;
pub mod prompts;
pub mod replay;
pub mod server;
pub mod service;
pub mod shop;
pub mod slots;
pub mod understand;
