//! Log lines about bad input, rate-limited: a client sending a bad signature a thousand times a
//! second must not write a thousand log lines a second. Each kind of line is written at most
//! once per period; the next one written says how many were suppressed in between.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One kind of log line, written at most once per `period`.
#[derive(Debug)]
pub(crate) struct Quiet {
    period: Duration,
    state: Mutex<(Option<Instant>, u64)>,
}

impl Quiet {
    pub(crate) const fn new(period: Duration) -> Quiet {
        Quiet { period, state: Mutex::new((None, 0)) }
    }

    /// `Some(suppressed)` when a line may be written now (with how many were suppressed since
    /// the last one); `None` when this one is suppressed (and counted).
    pub(crate) fn allow(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (last, suppressed) = &mut *state;
        if last.is_some_and(|last| now.saturating_duration_since(last) < self.period) {
            *suppressed += 1;
            return None;
        }
        *last = Some(now);
        Some(std::mem::take(suppressed))
    }
}

/// Logs a warning about bad input at most once per `$quiet`'s period, with the number of
/// lines suppressed since the last one.
macro_rules! warn_quietly {
    ($quiet:expr, $($arg:tt)+) => {
        if let Some(suppressed) = $quiet.allow(std::time::Instant::now()) {
            tracing::warn!(suppressed, $($arg)+);
        }
    };
}
pub(crate) use warn_quietly;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_period_and_the_next_counts_what_was_suppressed() {
        let quiet = Quiet::new(Duration::from_secs(10));
        let start = Instant::now();
        assert_eq!(quiet.allow(start), Some(0));
        for n in 1..=1000 {
            assert_eq!(quiet.allow(start + Duration::from_millis(n)), None);
        }
        assert_eq!(quiet.allow(start + Duration::from_secs(11)), Some(1000));
        assert_eq!(quiet.allow(start + Duration::from_secs(12)), None);
    }
}
