//! The identity inbox as the screen asks it (issue #15: p95 under 10 ms over 100,000 cached
//! processes). Runs `App::identity_search` — the command's body — with the screen's page size,
//! its "new since" mark and the JSON serialisation the answer goes through, on the real
//! encrypted cache filled with realistic processes (bodies included), at each size of
//! `PROCESSES` (default `10000,100000,1000000`):
//! `scripts/headless-session.sh cargo bench -p opsdesk-core --bench identity_inbox`.
//! Each search is measured for its first page and for the fifth (scrolled, by cursor).

use opsdesk_core::store::fixtures;
use std::time::{Duration, Instant};

#[path = "../tests/support/mod.rs"]
mod support;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

fn main() {
    let sizes: Vec<usize> = std::env::var("PROCESSES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("PROCESSES: sizes separated by commas")
        })
        .collect();
    let profile = support::Profile::new();
    let app = profile.open();
    let mut filled = 0;
    for size in sizes {
        let t = Instant::now();
        {
            let store = app.store().unwrap();
            let mut c = store.conn().unwrap();
            // Practice mode (no keys in this profile): the inbox shows practice processes.
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
        println!(
            "{:<18} {:>8} {:>8} {:>8} {:>12}",
            "search", "p50 ms", "p95 ms", "p99 ms", "page 5 p95"
        );
        let mut worst: f64 = 0.0;
        for (name, q) in &cases {
            let mut first = Vec::new();
            let mut fifth = Vec::new();
            for _ in 0..200 {
                let mut q = q.clone();
                for page in 0..5 {
                    let t = Instant::now();
                    let p = app.identity_search(&q).unwrap();
                    let json = serde_json::to_string(&p).unwrap();
                    let took = t.elapsed();
                    std::hint::black_box(json);
                    if page == 0 {
                        assert!(!p.rows.is_empty(), "{name} found nothing");
                        first.push(took);
                    } else if page == 4 {
                        fifth.push(took);
                    }
                    match p.next {
                        Some(n) => q.after = Some(n),
                        None => break,
                    }
                }
            }
            first.sort();
            fifth.sort();
            let p95 = percentile(&first, 0.95);
            let p95_5 = if fifth.is_empty() {
                f64::NAN
            } else {
                percentile(&fifth, 0.95)
            };
            worst = worst.max(p95).max(if p95_5.is_nan() { 0.0 } else { p95_5 });
            println!(
                "{:<18} {:>8.2} {:>8.2} {:>8.2} {:>12.2}",
                name,
                percentile(&first, 0.5),
                p95,
                percentile(&first, 0.99),
                p95_5
            );
        }
        println!("worst p95 at {size}: {worst:.2} ms");
    }
}
