//! The identity inbox as the screen asks it (issue #15: p95 under 10 ms over 100,000 cached
//! processes). Runs `App::identity_search` — the command's body — with the screen's page size,
//! its "new since" mark and the JSON serialisation the answer goes through, on the real
//! encrypted cache filled with realistic processes (bodies included), at each size of
//! `PROCESSES` (default `10000,100000,1000000`):
//! `scripts/headless-session.sh cargo bench -p opsdesk-core --bench identity_inbox`.
//! Each search is measured for its first page and for the fifth (scrolled, by cursor).

use opsdesk_core::store::fixtures;
use std::time::Instant;

#[path = "support/screen.rs"]
mod screen;
#[path = "../tests/support/mod.rs"]
mod support;

impl screen::Paged for opsdesk_core::identity::ProcessPage {
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
    for size in screen::sizes("PROCESSES") {
        let t = Instant::now();
        {
            let store = app.store().unwrap();
            let mut c = store.conn().unwrap();
            // Practice mode (no keys in this profile): the list shows practice processes.
            fixtures::fill_processes(&mut c, size - filled, true).unwrap();
        }
        filled = size;
        let db = std::fs::metadata(profile.db_path()).map_or(0, |m| m.len());
        println!(
            "\n{size} processes (filled in {:.0} s, cache {:.0} MB)",
            t.elapsed().as_secs_f64(),
            db as f64 / 1e6
        );
        let cases = {
            let store = app.store().unwrap();
            let c = store.conn().unwrap();
            fixtures::inbox_searches(&c).unwrap()
        };
        screen::measure(
            size,
            &cases,
            |q| app.identity_search(q).unwrap(),
            |q, n| q.after = Some(n),
        );
    }
}
