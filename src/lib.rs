//! concierge: a conversational shopping agent backend.
//!
//! Module map (data flows top to bottom for one shopper message):
//!
//! - [`money`]: exact amounts and ISO 4217 currencies.
//! - [`slots`]: the typed things the agent wants to know (purpose, recipient, budget, ...).
//! - [`problem`]: `file:line: message` problems found in merchants' files.
//! - [`catalog`]: products, loading and importing merchants' files, the index and the ranker.
//! - [`understand`]: a shopper's message -> slots, dialogue acts and keywords (rules + lexicon).
//! - [`cli`]: the `concierge` command line, one file per command.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod cli;
pub mod money;
pub mod problem;
pub mod slots;
pub mod understand;
