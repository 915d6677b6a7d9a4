//! The jobs engine and the jobs screen at the sizes users reach (issue: with a sender that
//! answers at once, at least 2,000 rows/s on 10,000- and 1,000,000-row jobs alike; the job list
//! and a row page under 10 ms at 1,000,000 rows). Real encrypted cache; the sender does nothing
//! and succeeds, so what is measured is OpsDesk's own cost per row. While a job runs, a second
//! thread does what the open jobs screen does on each progress event (every 250 ms): the job
//! list and the page of rows that need attention, serialised as the commands answer them.
//! `cargo bench -p opsdesk-core --bench jobs` (`JOB_ROWS=10000,1000000` by default; the big
//! job runs for its first `RUN_ROWS`, 40,000 by default: a rate, not a full run).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../tests/support/mod.rs"]
mod support;

fn p95(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * 0.95).round() as usize].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<u32> = std::env::var("JOB_ROWS")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("JOB_ROWS: sizes separated by commas")
        })
        .collect();
    let run_rows: u64 = std::env::var("RUN_ROWS").map_or(40_000, |s| s.parse().unwrap());
    let profile = support::Profile::new();
    let app = profile.open();
    // Screen figures while the job runs (sharing two cores with it), then with it paused.
    println!(
        "{:>10} {:>9} {:>10} {:>14} {:>14} {:>14} {:>14}",
        "job rows", "create s", "rows/s", "list (run)", "page (run)", "list (idle)", "page (idle)"
    );
    for n in sizes {
        let t = Instant::now();
        let id = app
            .bulk_create(
                "test",
                "Cobranza diciembre",
                &serde_json::json!({}),
                support::list_rows(n),
            )
            .unwrap();
        let create = t.elapsed().as_secs_f64();

        // The screen, beside the engine: what a progress event makes it ask.
        let done = Arc::new(AtomicBool::new(false));
        let screen = {
            let (app, done) = (app.clone(), done.clone());
            std::thread::spawn(move || {
                let (mut list, mut page) = (Vec::new(), Vec::new());
                while !done.load(Ordering::SeqCst) {
                    let t = Instant::now();
                    let jobs = app.bulk_jobs("test").unwrap();
                    std::hint::black_box(serde_json::to_string(&jobs).unwrap());
                    list.push(t.elapsed());
                    let t = Instant::now();
                    let rows = app.bulk_rows(id, support::PROBLEM_STATES, 0, 200).unwrap();
                    std::hint::black_box(serde_json::to_string(&rows).unwrap());
                    page.push(t.elapsed());
                    std::thread::sleep(Duration::from_millis(250));
                }
                (list, page)
            })
        };
        let target = run_rows.min(n as u64);
        let pauser = app.clone();
        let start = Instant::now();
        let v = app
            .bulk_run(id, Arc::new(support::Instantly), move |v| {
                if (v.counts.done + v.counts.failed) as u64 >= target {
                    pauser.bulk_pause(id);
                }
            })
            .await
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        done.store(true, Ordering::SeqCst);
        let (list, page) = screen.join().unwrap();
        // The same screen calls on the paused job, the engine quiet.
        let (mut idle_list, mut idle_page) = (Vec::new(), Vec::new());
        for _ in 0..200 {
            let t = Instant::now();
            std::hint::black_box(serde_json::to_string(&app.bulk_jobs("test").unwrap()).unwrap());
            idle_list.push(t.elapsed());
            let t = Instant::now();
            let rows = app.bulk_rows(id, support::PROBLEM_STATES, 0, 200).unwrap();
            std::hint::black_box(serde_json::to_string(&rows).unwrap());
            idle_page.push(t.elapsed());
        }
        let sent = (v.counts.done + v.counts.failed) as f64;
        assert!(
            v.counts.failed == 0 && v.counts.uncertain == 0,
            "{:?}",
            v.counts
        );
        println!(
            "{:>10} {:>9.1} {:>10.0} {:>11.2} ms {:>11.2} ms {:>11.2} ms {:>11.2} ms",
            n,
            create,
            sent / secs,
            p95(list),
            p95(page),
            p95(idle_list),
            p95(idle_page)
        );
    }
}
