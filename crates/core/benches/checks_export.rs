//! Exporting the checks list as the screen's "Save the list" does (issue: 100,000 cached checks in
//! under 3 s). Runs `App::checks_export_bytes` — the command's body — with the screen's query
//! (no filter, and a status filter), to Excel and to CSV, on the real encrypted cache filled
//! with realistic checks, at each size of `CHECKS` (default `10000,100000`):
//! `scripts/headless-session.sh cargo bench -p opsdesk-core --bench checks_export`.

use opsdesk_core::export::{Format, Words};
use opsdesk_core::store::checks::CheckQuery;
use opsdesk_core::store::fixtures;
use std::time::Instant;

#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    let profile = support::Profile::new();
    let app = profile.open();
    let words = Words {
        lang: "es".into(),
        ..Default::default()
    };
    let mut filled = 0;
    let sizes: Vec<usize> = std::env::var("CHECKS")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("sizes separated by commas"))
        .collect();
    for size in sizes {
        {
            let store = app.store().unwrap();
            let mut c = store.conn().unwrap();
            // Practice mode (no keys in this profile): the list shows practice checks.
            fixtures::fill_checks(&mut c, size - filled, true, true).unwrap();
        }
        filled = size;
        println!("\n{size} checks");
        let cases = [
            ("everything", CheckQuery::default()),
            (
                "finished only",
                CheckQuery {
                    status: Some("completed".into()),
                    ..Default::default()
                },
            ),
        ];
        for (name, q) in &cases {
            for format in [Format::Xlsx, Format::Csv] {
                // Three runs; the worst is what is reported against the goal.
                let mut worst = 0.0f64;
                let mut bytes = 0;
                for _ in 0..3 {
                    let t = Instant::now();
                    bytes = app.checks_export_bytes(q, format, &words).unwrap().len();
                    worst = worst.max(t.elapsed().as_secs_f64());
                }
                println!(
                    "  {name:<14} {:<5} worst {:>5.2} s  ({:.1} MB)  goal < 3 s at 100,000",
                    format!("{format:?}"),
                    worst,
                    bytes as f64 / 1e6
                );
            }
        }
    }
}
