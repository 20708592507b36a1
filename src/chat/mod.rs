//! The conversation, transport-free: one exchange from a client frame in to server frames out.
//!
//! - [`protocol`]: the wire protocol's frames (INTERFACE.md, the public contract).
//! - [`exchange`]: [`Chat::handle`], the one entry point per client frame every driver calls.
//! - [`language`]: the optional language model's reading and rewording.
//! - [`conversation`]: one shopper's conversation with their profile (start, say);
//!   `identity`: whose conversation a greeting continues (the one identity rule).
//! - [`events`]: recording a behavioural event, wherever it arrives.
//! - [`assistant`]: one message through understand -> dialogue -> catalog -> reply.
//! - [`query`]: what the conversation knows -> a catalog query (filters and hints).
//! - [`reply`]: what the shopper is shown: product cards with their why lines.
//! - `load`: the assistant built from files, in one place.

pub mod assistant;
mod complements;
pub(crate) mod conversation;
mod events;
pub(crate) mod exchange;
mod identity;
mod language;
mod load;
pub mod protocol;
pub(crate) mod query;
pub mod reply;

pub use events::{EventError, Noticed, record_event, record_event_noticing};
pub use exchange::{Chat, Identity, Peer, Run, Services, Visit};
pub use load::{LoadError, Loaded, load, load_prompts, load_with};
