use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Virtual time: real time since start multiplied by `scale`, so a check that "takes two minutes"
/// completes in two seconds at scale 60. Changing the scale keeps virtual time continuous.
#[derive(Debug)]
pub struct Clock {
    inner: Mutex<(Instant, i64)>,
    scale_bits: AtomicU64,
}

impl Clock {
    pub fn new(scale: f64) -> Self {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        Clock {
            inner: Mutex::new((Instant::now(), now_ms)),
            scale_bits: AtomicU64::new(scale.to_bits()),
        }
    }

    pub fn scale(&self) -> f64 {
        f64::from_bits(self.scale_bits.load(Ordering::Relaxed))
    }

    pub fn set_scale(&self, scale: f64) {
        let mut g = self.inner.lock().unwrap();
        let now = self.now_ms_locked(&g);
        *g = (Instant::now(), now);
        self.scale_bits
            .store(scale.max(0.0).to_bits(), Ordering::Relaxed);
    }

    /// Jumps virtual time forward, for tests that need "15 minutes later" without waiting.
    pub fn advance(&self, ms: i64) {
        self.inner.lock().unwrap().1 += ms.max(0);
    }

    /// Milliseconds since the Unix epoch, in virtual time.
    pub fn now_ms(&self) -> i64 {
        let g = self.inner.lock().unwrap();
        self.now_ms_locked(&g)
    }

    fn now_ms_locked(&self, g: &(Instant, i64)) -> i64 {
        g.1 + (g.0.elapsed().as_secs_f64() * 1000.0 * self.scale()) as i64
    }

    /// Converts a virtual duration into the real seconds a client must wait (for Retry-After).
    pub fn real_secs(&self, virtual_ms: i64) -> f64 {
        let s = self.scale();
        if s <= 0.0 {
            return virtual_ms as f64 / 1000.0;
        }
        (virtual_ms as f64 / 1000.0) / s
    }

    pub fn iso(&self, ms: i64) -> String {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_time_runs_faster_and_stays_continuous() {
        let c = Clock::new(1000.0);
        let a = c.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = c.now_ms();
        assert!(
            b - a >= 20_000,
            "20 ms real at ×1000 is at least 20 s virtual, got {}",
            b - a
        );
        c.set_scale(1.0);
        let d = c.now_ms();
        assert!(d >= b);
        assert!((c.real_secs(60_000) - 60.0).abs() < 1e-9);
    }
}
