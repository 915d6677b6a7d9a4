//! The checks list as the screen asks it (issue: p95 under 10 ms at 100,000 cached checks and
//! under 30 ms at 1,000,000, for every search kind). Runs `App::checks_search` — the command's
//! body — with the screen's page size and the JSON serialisation the command's answer goes
//! through, on the real encrypted cache filled with realistic checks (bodies included), at each
//! size of `CHECKS` (default `10000,100000,1000000`):
//! `scripts/headless-session.sh cargo bench -p opsdesk-core --bench checks_search`.
//! Each search is measured for its first page and for the fifth (scrolled, by cursor).

use opsdesk_core::store::fixtures;
use std::time::Instant;

#[path = "support/screen.rs"]
mod screen;
#[path = "../tests/support/mod.rs"]
mod support;

impl screen::Paged for opsdesk_core::store::checks::CheckPage {
    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    fn next(&self) -> Option<String> {
        self.next.clone()
    }
}

fn main() {
    let profile = support::Profile::new();
    let app = profile.open();
    let mut filled = 0;
    for size in screen::sizes("CHECKS") {
        let t = Instant::now();
        {
            let store = app.store().unwrap();
            let mut c = store.conn().unwrap();
            // Practice mode (no keys in this profile): the list shows practice checks.
            fixtures::fill_checks(&mut c, size - filled, true, true).unwrap();
        }
        filled = size;
        let db = std::fs::metadata(profile.db_path()).map_or(0, |m| m.len());
        println!(
            "\n{size} checks (filled in {:.0} s, cache {:.0} MB)",
            t.elapsed().as_secs_f64(),
            db as f64 / 1e6
        );
        let cases = {
            let store = app.store().unwrap();
            let c = store.conn().unwrap();
            fixtures::screen_searches(&c).unwrap()
        };
        screen::measure(
            size,
            &cases,
            |q| app.checks_search(q).unwrap(),
            |q, n| q.after = Some(n),
        );
    }
}
