use governor::{clock::DefaultClock, state::InMemoryState, state::NotKeyed, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// A client-side limiter so we stay under a vendor's documented rate instead of collecting 429s.
/// Cheap to clone; clones share the budget.
#[derive(Clone)]
pub struct RateLimit {
    inner: Arc<RateLimiter<NotKeyed, InMemoryState, DefaultClock>>,
}

impl RateLimit {
    /// `count` requests per `period`, spread evenly. No initial burst: a vendor that counts per
    /// sliding window (e.g. Truecaller's 60 batch requests per minute) must never see more than
    /// `count` in any window, and a full burst followed by the steady rate would exceed that.
    pub fn new(count: u32, period: Duration) -> Self {
        let count = NonZeroU32::new(count.max(1)).unwrap();
        let quota = Quota::with_period(period / count.get())
            .expect("period is not zero")
            .allow_burst(NonZeroU32::new(1).unwrap());
        RateLimit {
            inner: Arc::new(RateLimiter::direct(quota)),
        }
    }

    pub fn per_second(count: u32) -> Self {
        Self::new(count, Duration::from_secs(1))
    }

    pub fn per_minute(count: u32) -> Self {
        Self::new(count, Duration::from_secs(60))
    }

    pub async fn wait(&self) {
        self.inner.until_ready().await;
    }
}

impl std::fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn spreads_requests_over_the_period() {
        let rl = RateLimit::new(20, Duration::from_millis(200));
        let start = Instant::now();
        for _ in 0..11 {
            rl.wait().await;
        }
        // 11 permits at one per 10 ms need at least 100 ms: the limiter did not let a burst through.
        assert!(
            start.elapsed() >= Duration::from_millis(95),
            "{:?}",
            start.elapsed()
        );
    }
}
