//! Playing one script through a driver: fixture, greeting, then each turn, checking each
//! turn's expectations as it goes and keeping the transcript and the golden record.
//!
//! A script stops at its first failing turn: later turns build on a conversation that has
//! already gone somewhere else, so their failures would mostly be echoes of the first.

use serde_json::Value;

use super::check::{self, Failure, Seen};
use super::driver::{Driver, DriverError};
use super::golden::Record;
use super::script::{Script, Step, Turn};
use crate::chat::protocol::ServerFrame;
use crate::chat::reply::{ProductCard, Reply};

/// One line of a transcript: what the shopper did or what the chat sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Shopper(String),
    Event(Value),
    Visit,
    Bot(Box<Reply>),
    Handover(String),
    Error { code: String, message: String },
}

/// Where a script stopped, when it did not pass.
#[derive(Debug, Clone)]
pub enum Stop {
    /// The driver could not talk to the chat.
    Driver {
        turn: usize,
        /// The line of the turn in the script (0 before the first turn).
        line: usize,
        what: String,
        error: String,
    },
    /// Assertions broke.
    Broken {
        turn: usize,
        /// The line of the turn in the script.
        line: usize,
        what: String,
        failures: Vec<Failure>,
        /// The reply under test, if one came.
        reply: Option<Box<Reply>>,
    },
}

/// What playing a script produced.
#[derive(Debug, Clone, Default)]
pub struct Played {
    pub transcript: Vec<Line>,
    /// Every step's replies, for the golden file.
    pub record: Vec<Record>,
    pub stop: Option<Stop>,
}

/// What the current visit has shown, for `none_shown_before` and `cheaper_than_before`.
#[derive(Default)]
struct Visit {
    shown: Vec<String>,
    previous: Vec<ProductCard>,
    latest: Option<Reply>,
    latest_frames: Vec<ServerFrame>,
}

/// Plays `script` through `driver` to its end or its first failure.
pub(crate) async fn play<D: Driver>(script: &Script, driver: &mut D) -> Played {
    let mut played = Played::default();
    let mut visit = Visit::default();
    if !script.orders.is_empty()
        && let Err(error) = driver.apply_orders(&script.orders).await
    {
        played.stop = Some(driver_stop(0, 0, "the shop's orders", &error));
        return played;
    }
    if let Some(fixture) = &script.shopper
        && let Err(error) = driver.apply_fixture(fixture).await
    {
        played.stop = Some(driver_stop(0, 0, "the shopper fixture", &error));
        return played;
    }
    match driver.open(&script.context).await {
        Ok(frames) => absorb(&mut played, &mut visit, "greeting", frames),
        Err(error) => {
            played.stop = Some(driver_stop(0, 0, "hello", &error));
            return played;
        }
    }
    for (i, turn) in script.turns.iter().enumerate() {
        let number = i + 1;
        let frames = match step(driver, turn, &mut played, &mut visit).await {
            Ok(frames) => frames,
            Err(error) => {
                played.stop = Some(driver_stop(number, turn.line, &turn.describe(), &error));
                return played;
            }
        };
        let failures = match &turn.expect {
            Some(expect) => {
                let (reply, instead) = under_test(turn, &frames, &visit);
                let handover = handed_over(turn, &frames, &visit);
                let seen = Seen {
                    reply: reply.as_ref(),
                    handover,
                    instead,
                    shown_before: &visit.shown,
                    previous: &visit.previous,
                };
                let failures = check::check(expect, &seen);
                if !failures.is_empty() {
                    played.stop = Some(Stop::Broken {
                        turn: number,
                        line: turn.line,
                        what: turn.describe(),
                        failures,
                        reply: reply.map(Box::new),
                    });
                }
                played.stop.is_some()
            }
            None => false,
        };
        if turn.step != Step::Look {
            absorb(&mut played, &mut visit, &turn.describe(), frames);
        }
        if failures {
            return played;
        }
    }
    played
}

/// Performs the turn's step; records what the shopper did.
async fn step<D: Driver>(
    driver: &mut D,
    turn: &Turn,
    played: &mut Played,
    visit: &mut Visit,
) -> Result<Vec<ServerFrame>, DriverError> {
    match &turn.step {
        Step::Say(text) => {
            played.transcript.push(Line::Shopper(text.clone()));
            driver.say(text).await
        }
        Step::Event(event) => {
            played.transcript.push(Line::Event(event.clone()));
            driver.event(event).await
        }
        Step::Visit { context } => {
            played.transcript.push(Line::Visit);
            *visit = Visit::default();
            driver.visit(context).await
        }
        Step::Look => Ok(Vec::new()),
    }
}

/// The reply a turn's expectations look at, or a description of what came instead.
fn under_test(turn: &Turn, frames: &[ServerFrame], visit: &Visit) -> (Option<Reply>, String) {
    if turn.step == Step::Look {
        return (visit.latest.clone(), instead(&visit.latest_frames));
    }
    let reply =
        frames.iter().rev().find_map(|f| if let ServerFrame::Reply(r) = f { Some((**r).clone()) } else { None });
    if reply.is_some() {
        return (reply, String::new());
    }
    // A handover without a reply frame still says something: its message.
    let handover = frames.iter().find_map(|f| match f {
        ServerFrame::Handover { message, .. } => Some(message.clone()),
        _ => None,
    });
    if let Some(message) = handover {
        let slots = visit.latest.as_ref().map(|r| r.slots.clone()).unwrap_or_default();
        let stand_in = Reply::text_only(message, slots);
        return (Some(stand_in), String::new());
    }
    (None, instead(frames))
}

/// What came instead of a reply: the first error frame, or nothing.
fn instead(frames: &[ServerFrame]) -> String {
    let error = frames.iter().find_map(|f| match f {
        ServerFrame::Error { code, message } => Some(format!("the server sent error {code}: {message}")),
        _ => None,
    });
    error.unwrap_or_else(|| "the server sent nothing".into())
}

fn handed_over(turn: &Turn, frames: &[ServerFrame], visit: &Visit) -> bool {
    let frames = if turn.step == Step::Look { &visit.latest_frames } else { frames };
    frames.iter().any(|f| matches!(f, ServerFrame::Handover { .. }))
}

/// Adds a step's frames to the transcript, the golden record and the visit's history.
fn absorb(played: &mut Played, visit: &mut Visit, step: &str, frames: Vec<ServerFrame>) {
    played.record.push(Record::new(step, &frames));
    for frame in &frames {
        match frame {
            ServerFrame::Reply(reply) => {
                played.transcript.push(Line::Bot(reply.clone()));
                visit.shown.extend(reply.products.iter().map(|p| p.id.clone()));
                if !reply.products.is_empty() {
                    visit.previous = reply.products.clone();
                }
                visit.latest = Some((**reply).clone());
            }
            ServerFrame::Handover { message, .. } => played.transcript.push(Line::Handover(message.clone())),
            ServerFrame::Error { code, message } => {
                played.transcript.push(Line::Error { code: code.clone(), message: message.clone() })
            }
            ServerFrame::Welcome { .. } | ServerFrame::ReplyDelta { .. } | ServerFrame::Notice(_) => {}
        }
    }
    visit.latest_frames = frames;
}

fn driver_stop(turn: usize, line: usize, what: &str, error: &DriverError) -> Stop {
    Stop::Driver { turn, line, what: what.to_string(), error: error.to_string() }
}
