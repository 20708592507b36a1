//! Replaying scripted conversations: the testers' and merchants' safety net.
//!
//! A script (YAML, INTERFACE.md "Scripted conversations") says what a shopper does, turn by
//! turn, and what each reply must show: the question asked, the slots understood, the
//! products, their prices and their reasons. `concierge replay` plays scripts against the
//! chat (in-process, or a live server with `--url`), reports each broken expectation at its
//! file and line with the transcript so far, and keeps golden transcripts of every reply so
//! a merchant sees every effect of an edit.
//!
//! - [`script`]: the format, parsed with the line of every key ([`yaml`] does the reading).
//! - [`expect`]: the assertions a turn may make; [`check`] evaluates them.
//! - [`driver`]: the seam to the chat; [`socket`] (`--url`) and [`in_process`] implement it.
//! - [`play`]: one script through one driver; [`runner`]: many scripts at once.
//! - [`golden`]: bless and diff; [`report`]: the human report and JUnit XML.

pub(crate) mod check;
pub(crate) mod driver;
pub(crate) mod expect;
pub(crate) mod golden;
pub mod in_process;
pub(crate) mod play;
pub mod report;
pub mod runner;
pub(crate) mod script;
pub mod socket;
mod yaml;

pub use driver::{Driver, DriverError, DriverFactory};
pub use runner::{Options, Outcome, Summary, Verdict, run};
pub use script::{Fixture, Script, Step, Turn};
