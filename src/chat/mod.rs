//! The conversation, transport-free: one turn from a client frame in to server frames out.

pub mod assistant;
pub mod conversation;
mod load;
pub mod protocol;
pub mod query;
pub mod reply;

pub use load::{LoadError, Loaded, load, load_prompts};
