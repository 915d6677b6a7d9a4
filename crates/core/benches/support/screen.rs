//! How the list benchmarks (checks list, identity inbox) measure a screen's searches: each run
//! 200 times as the screen runs it (the command's body plus the JSON its answer is sent as), its
//! first page and its fifth (scrolled to, by cursor), p50/p95/p99 in ms.

use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

/// The sizes to fill, from the environment variable `var` (default 10k, 100k, 1M).
pub fn sizes(var: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("sizes separated by commas"))
        .collect()
}

/// A page as the benchmark needs to see it: whether it had rows, and where the next one starts.
pub trait Paged: serde::Serialize {
    fn is_empty(&self) -> bool;
    fn next(&self) -> Option<String>;
}

/// Measures every case; prints a table and the worst p95 at `size`.
pub fn measure<Q: Clone, P: Paged>(
    size: usize,
    cases: &[(&'static str, Q)],
    search: impl Fn(&Q) -> P,
    set_after: impl Fn(&mut Q, String),
) {
    println!(
        "{:<18} {:>8} {:>8} {:>8} {:>12}",
        "search", "p50 ms", "p95 ms", "p99 ms", "page 5 p95"
    );
    let mut worst: f64 = 0.0;
    for (name, q) in cases {
        let mut first = Vec::new();
        let mut fifth = Vec::new();
        for _ in 0..200 {
            let mut q = q.clone();
            for page in 0..5 {
                let t = Instant::now();
                let p = search(&q);
                let json = serde_json::to_string(&p).unwrap();
                let took = t.elapsed();
                std::hint::black_box(json);
                if page == 0 {
                    assert!(!p.is_empty(), "{name} found nothing");
                    first.push(took);
                } else if page == 4 {
                    fifth.push(took);
                }
                match p.next() {
                    Some(n) => set_after(&mut q, n),
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
