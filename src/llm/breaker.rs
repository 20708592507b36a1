//! A circuit breaker: after a run of failures the model is not called for a while, so a dead
//! or hanging endpoint costs its timeout once, not on every turn.
//!
//! Closed (calls go through) → `failures` failures in a row → open for `cooldown` (calls are
//! refused at once) → half-open: one trial call goes through; its success closes the breaker,
//! its failure opens it again for another cooldown.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A trial call is in flight; others are refused until it reports.
    Trial,
}

/// Shared by every conversation; cheap (one short lock per call).
#[derive(Debug)]
pub struct Breaker {
    state: Mutex<State>,
    failures: u32,
    cooldown: Duration,
}

impl Breaker {
    /// Opens after `failures` consecutive failures (at least 1), for `cooldown`.
    pub fn new(failures: u32, cooldown: Duration) -> Breaker {
        Breaker { state: Mutex::new(State::Closed { failures: 0 }), failures: failures.max(1), cooldown }
    }

    /// Whether a call may go out now. A `true` must be followed by [`Breaker::success`] or
    /// [`Breaker::failure`].
    pub fn allow(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if now >= until => {
                *state = State::Trial;
                true
            }
            State::Open { .. } | State::Trial => false,
        }
    }

    pub fn success(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Closed { failures: 0 };
    }

    pub fn failure(&self, now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.failures => State::Closed { failures: failures + 1 },
            _ => State::Open { until: now + self.cooldown },
        };
    }

    /// Whether calls are being refused (for the metrics gauge).
    pub fn is_open(&self) -> bool {
        !matches!(*self.state.lock().unwrap_or_else(|e| e.into_inner()), State::Closed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL: Duration = Duration::from_secs(30);

    #[test]
    fn it_opens_after_the_configured_run_of_failures() {
        let (breaker, now) = (Breaker::new(3, COOL), Instant::now());
        for _ in 0..2 {
            assert!(breaker.allow(now));
            breaker.failure(now);
        }
        assert!(breaker.allow(now), "two failures are not yet a run of three");
        breaker.failure(now);
        assert!(!breaker.allow(now));
        assert!(breaker.is_open());
    }

    #[test]
    fn a_success_resets_the_count() {
        let (breaker, now) = (Breaker::new(2, COOL), Instant::now());
        breaker.failure(now);
        breaker.success();
        breaker.failure(now);
        assert!(breaker.allow(now));
    }

    #[test]
    fn after_the_cooldown_one_trial_goes_through_and_decides() {
        let (breaker, now) = (Breaker::new(1, COOL), Instant::now());
        breaker.failure(now);
        let later = now + COOL;
        assert!(breaker.allow(later), "the trial call");
        assert!(!breaker.allow(later), "only one trial at a time");
        breaker.failure(later);
        assert!(!breaker.allow(later + COOL / 2), "a failed trial opens it again");
        assert!(breaker.allow(later + COOL));
        breaker.success();
        assert!(breaker.allow(later + COOL) && !breaker.is_open());
    }
}
