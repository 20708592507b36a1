//! The chat server. On this branch only the frame types exist, so replay compiles; the
//! lead's real server replaces this module at merge.

pub mod frames;
