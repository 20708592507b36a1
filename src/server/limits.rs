//! Rate limits: a token bucket per connection, and per client address for the REST routes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Allows `burst` actions at once and `per_minute` on average.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    tokens: f64,
    per_second: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(per_minute: u32, burst: u32, now: Instant) -> TokenBucket {
        let capacity = f64::from(burst.max(1));
        TokenBucket { capacity, tokens: capacity, per_second: f64::from(per_minute) / 60.0, last: now }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Token buckets per client address, forgetting addresses idle for a while so the map
/// cannot grow without bound.
#[derive(Debug)]
pub struct PerClient {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, TokenBucket>>,
}

impl PerClient {
    pub fn new(per_minute: u32) -> PerClient {
        PerClient { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    pub fn allow(&self, client: IpAddr, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            buckets.retain(|_, b| now.saturating_duration_since(b.last) < Duration::from_secs(120));
        }
        let burst = (self.per_minute / 6).max(10);
        buckets.entry(client).or_insert_with(|| TokenBucket::new(self.per_minute, burst, now)).try_take(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_over_time() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(60, 3, start);
        assert!((0..3).all(|_| bucket.try_take(start)));
        assert!(!bucket.try_take(start));
        assert!(bucket.try_take(start + Duration::from_secs(1)));
        assert!(!bucket.try_take(start + Duration::from_secs(1)));
    }

    #[test]
    fn clients_are_limited_separately() {
        let now = Instant::now();
        let limits = PerClient::new(6);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let allowed = (0..20).filter(|_| limits.allow(a, now)).count();
        assert_eq!(allowed, 10);
        assert!(limits.allow(b, now));
    }
}
