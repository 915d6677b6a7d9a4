//! Costs that must not grow with the data (issue #18), in the everyday suite: the checks
//! screen's and the identity inbox's searches, the start screen, the job list, a page of rows and the engine's
//! pace are measured on a small cache and again on a bigger one, in the same run on the same machine, and must not
//! get more than twice as slow. The full figures at 10,000 to 1,000,000 records are the
//! benchmarks' (`checks_search`, `jobs`); this catches a change that makes a cost grow with the
//! size (a sort, a count or a scan where an index walk was) without depending on how fast the
//! machine is. The old search (match set collected and sorted), the old recount after every
//! batch and the old row filter all fail it.

use opsdesk_core::store::fixtures;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut v: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[runs / 2]
}

/// Twice the baseline, plus a millisecond so scheduling noise on sub-millisecond figures is
/// not read as a regression.
fn assert_flat(what: &str, small: Duration, big: Duration) {
    println!("{what}: {small:?} small, {big:?} big");
    let allowed = small * 2 + Duration::from_millis(1);
    assert!(
        big <= allowed,
        "{what}: {big:?} on the big cache against {small:?} on the small one (allowed {allowed:?})"
    );
}

/// Big enough that every search of the screen fills its first page (two names together match
/// about one check in 150), so both sizes do the same work per page.
const SMALL: usize = 20_000;

/// The two tests measure one at a time: running side by side on two cores, each would time
/// the other's work.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
const BIG: usize = 100_000;

#[test]
fn the_checks_screen_costs_the_same_on_a_bigger_cache() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let p = support::Profile::new();
    let app = p.open();
    let fill = |n: usize| {
        let store = app.store().unwrap();
        let mut c = store.conn().unwrap();
        fixtures::fill_checks(&mut c, n, true, false).unwrap();
    };
    let measure = || {
        let cases = {
            let store = app.store().unwrap();
            let c = store.conn().unwrap();
            fixtures::screen_searches(&c).unwrap()
        };
        cases
            .into_iter()
            .map(|(name, q)| {
                let t = median(15, || {
                    let page = app.checks_search(&q).unwrap();
                    assert!(!page.rows.is_empty(), "{name} finds something");
                    std::hint::black_box(serde_json::to_string(&page).unwrap());
                });
                (name, t)
            })
            .collect::<Vec<_>>()
    };
    fill(SMALL);
    let small = measure();
    fill(BIG - SMALL);
    let big = measure();
    for ((name, s), (_, b)) in small.into_iter().zip(big) {
        assert_flat(name, s, b);
    }
}

/// The start screen, as the page asks for it, with every cached check finished and not yet
/// opened (what a list job of that size leaves): its lists come from an index walk and its
/// counts stop at a cap, so 100,000 unseen checks cost what 20,000 do.
#[test]
fn the_start_screen_costs_the_same_with_more_unseen_checks() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let p = support::Profile::new();
    let app = p.open();
    let fill = |n: usize| {
        let store = app.store().unwrap();
        let mut c = store.conn().unwrap();
        fixtures::fill_checks(&mut c, n, true, false).unwrap();
        c.execute("UPDATE checks SET finished_unseen_ms = 1", [])
            .unwrap();
    };
    let measure = || {
        median(15, || {
            let a = app.attention("2026-12-03").unwrap();
            assert_eq!(a.checks_total, opsdesk_core::attention::COUNT_CAP);
            std::hint::black_box(serde_json::to_string(&a).unwrap());
        })
    };
    fill(SMALL);
    let small = measure();
    fill(BIG - SMALL);
    let big = measure();
    assert_flat("start screen", small, big);
}

/// The identity inbox (issue #15), the same way: every search the screen makes, with its page
/// size and "new since" mark.
#[test]
fn the_identity_inbox_costs_the_same_on_a_bigger_cache() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let p = support::Profile::new();
    let app = p.open();
    let fill = |n: usize| {
        let store = app.store().unwrap();
        let mut c = store.conn().unwrap();
        fixtures::fill_processes(&mut c, n, true).unwrap();
    };
    let measure = || {
        let cases = {
            let store = app.store().unwrap();
            let c = store.conn().unwrap();
            fixtures::inbox_searches(&c).unwrap()
        };
        cases
            .into_iter()
            .map(|(name, q)| {
                let t = median(15, || {
                    let page = app.identity_search(&q).unwrap();
                    assert!(!page.rows.is_empty(), "{name} finds something");
                    std::hint::black_box(serde_json::to_string(&page).unwrap());
                });
                (name, t)
            })
            .collect::<Vec<_>>()
    };
    fill(SMALL);
    let small = measure();
    fill(BIG - SMALL);
    let big = measure();
    for ((name, s), (_, b)) in small.into_iter().zip(big) {
        assert_flat(name, s, b);
    }
}

const JOB_BIG: u32 = 60_000;

#[test]
fn the_jobs_engine_and_screen_cost_the_same_on_a_bigger_job() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(jobs_engine_and_screen());
}

async fn jobs_engine_and_screen() {
    let p = support::Profile::new();
    let app = p.open();
    // The time to send the first 1,500 rows of a job, and what the screen asks meanwhile.
    let measure = |n: u32| {
        let app = app.clone();
        async move {
            let id = app
                .bulk_create("test", "t", &serde_json::json!({}), support::list_rows(n))
                .unwrap();
            let pauser = app.clone();
            let t = Instant::now();
            app.bulk_run(id, Arc::new(support::Instantly), move |v| {
                if v.counts.done >= 1_500 {
                    pauser.bulk_pause(id);
                }
            })
            .await
            .unwrap();
            let run = t.elapsed();
            let list = median(15, || {
                std::hint::black_box(app.bulk_jobs("test").unwrap());
            });
            let page = median(15, || {
                let r = app.bulk_rows(id, support::PROBLEM_STATES, 0, 200).unwrap();
                assert!(!r.is_empty());
            });
            (run, list, page)
        }
    };
    // Both jobs have more than a page (200) of rows to look at, so both pages are full.
    let (run_s, list_s, page_s) = measure(12_000).await;
    let (run_b, list_b, page_b) = measure(JOB_BIG).await;
    assert_flat("sending 1,500 rows", run_s, run_b);
    assert_flat("the job list", list_s, list_b);
    assert_flat("a page of rows to look at", page_s, page_b);
}
