//! The conversation, transport-free: one turn from a client frame in to server frames out.

pub mod assistant;
pub mod conversation;
pub mod protocol;
pub mod query;
pub mod reply;
