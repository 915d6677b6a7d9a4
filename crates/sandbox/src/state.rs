use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use crate::clock::Clock;
use crate::faults::{FaultRng, Faults};
use crate::SandboxConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Truora,
    Truecaller,
    Storage,
}

impl Vendor {
    pub fn from_path(path: &str) -> Vendor {
        if path.starts_with("/truecaller") {
            Vendor::Truecaller
        } else if path.starts_with("/files") {
            Vendor::Storage
        } else {
            Vendor::Truora
        }
    }
}

/// What the sandbox received, for tests that assert "nothing sent twice" and for the admin page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub requests: u64,
    pub by_route: BTreeMap<String, u64>,
    pub injected: u64,
    /// Requests to the storage origin that carried vendor credentials (must stay 0).
    pub storage_requests_with_credentials: u64,
    pub tokens_minted: u64,
}

impl Stats {
    pub fn record(&mut self, method: &str, path: &str) {
        self.requests += 1;
        *self
            .by_route
            .entry(format!("{method} {}", normalise(path)))
            .or_default() += 1;
    }
}

/// `/checks/v1/checks/CHK123/pdf` → `/checks/v1/checks/{id}/pdf`, so stats group by endpoint.
fn normalise(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            let id_like = seg.len() >= 8
                && (seg.chars().any(|c| c.is_ascii_digit()) || seg.contains('-'))
                && !seg.starts_with('v')
                && seg != "dynamic_call_records";
            if id_like {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[derive(Debug, Clone)]
pub struct StoredFile {
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

pub struct State {
    pub faults: Faults,
    pub rng: FaultRng,
    pub stats: Stats,
    pub truora: crate::truora::TruoraState,
    pub truecaller: crate::truecaller::TruecallerState,
    pub files: HashMap<String, StoredFile>,
}

pub struct Shared {
    pub state: Mutex<State>,
    pub clock: Clock,
    pub config: SandboxConfig,
    /// Origin of the storage listener (another port: another origin), for download redirects.
    pub storage_base: String,
}

impl Shared {
    pub fn new(config: SandboxConfig, storage_base: String) -> Self {
        let clock = Clock::new(config.time_scale);
        let now = clock.now_ms();
        let state = State {
            faults: Faults::default(),
            rng: FaultRng::new(config.fault_seed),
            stats: Stats::default(),
            truora: crate::truora::TruoraState::new(&config, now),
            truecaller: crate::truecaller::TruecallerState::new(&config),
            files: HashMap::new(),
        };
        Shared {
            state: Mutex::new(state),
            clock,
            config,
            storage_base,
        }
    }
}

/// Sliding-window counter used for the vendors' documented limits.
#[derive(Debug, Default)]
pub struct Window {
    pub events: VecDeque<i64>,
}

impl Window {
    /// Records an event at `now` if fewer than `max` happened in the last `span_ms`; otherwise
    /// returns how long (virtual ms) until one slot frees up.
    pub fn try_take(&mut self, now: i64, span_ms: i64, max: usize) -> Result<(), i64> {
        while self.events.front().is_some_and(|&t| t <= now - span_ms) {
            self.events.pop_front();
        }
        if self.events.len() >= max {
            return Err(self.events.front().unwrap() + span_ms - now);
        }
        self.events.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_enforces_max_per_span_and_reports_when_it_frees() {
        let mut w = Window::default();
        for i in 0..10 {
            assert!(w.try_take(i * 1000, 30 * 60_000, 10).is_ok());
        }
        assert_eq!(
            w.try_take(20_000, 30 * 60_000, 10),
            Err(30 * 60_000 - 20_000)
        );
        assert!(w.try_take(30 * 60_000 + 1, 30 * 60_000, 10).is_ok());
    }

    #[test]
    fn practice_data_uses_the_vendors_formats() {
        let shared = Shared::new(crate::SandboxConfig::default(), "http://127.0.0.1:1".into());
        crate::demo::seed(&shared);
        let st = shared.state.lock().unwrap();
        assert!(st
            .truecaller
            .numbers
            .iter()
            .all(|n| n.phone_number.starts_with("91") && n.phone_number.len() == 12));
        assert!(
            st.truora.checks.iter().any(|c| c.country == "BR")
                && st.truora.checks.iter().any(|c| c.country == "MX")
        );
        assert!(st
            .truora
            .processes
            .iter()
            .all(|p| p.process_id.starts_with("IDP")));
    }

    #[test]
    fn routes_are_grouped_by_endpoint() {
        assert_eq!(
            normalise("/checks/v1/checks/CHK1234abcd/pdf"),
            "/checks/v1/checks/{id}/pdf"
        );
        assert_eq!(normalise("/checks/v1/checks"), "/checks/v1/checks");
    }
}
