//! A damaged or truncated cache, a full disk in the middle of a list, a keyring that comes back:
//! the app keeps running, says what happened, and loses nothing it can still read. Runs against
//! the real OS keyring (scripts/headless-session.sh provides one).

mod support;

use futures_util::future::BoxFuture;
use opsdesk_core::bulk::engine::{JobState, NewRow, RowOutcome, RowState, Sender};
use opsdesk_core::vault::SecretName;
use opsdesk_core::{ErrorCode, StoreHealth};
use std::collections::HashMap;
use std::io::{Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};
use support::Profile;

fn rows(n: u32) -> Vec<NewRow> {
    (2..n + 2)
        .map(|no| NewRow {
            row_no: no,
            payload: Ok(serde_json::json!({ "n": no })),
            summary: format!("row {no}"),
            source: vec![format!("+57300{no:07}"), format!("Persona {no}")],
        })
        .collect()
}

/// A list job first (its pages come first in the file), then enough cached checks behind it
/// that damage "in the middle" lands in them.
fn fill(p: &Profile) -> i64 {
    let app = p.open();
    let job = app
        .bulk_create("test", "Cobranza", &serde_json::json!({}), rows(300))
        .unwrap();
    let store = app.store().unwrap();
    let mut c = store.conn().unwrap();
    let tx = c.transaction().unwrap();
    let body = "x".repeat(1800);
    for i in 0..3000 {
        tx.execute(
            "INSERT INTO checks (ord, check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, practice)
             VALUES (?4 * 1048576, ?1, 'person', 'CO', 'completed', 1.0, ?2, ?3, ?4, ?4, 0)",
            rusqlite::params![format!("CHK{i:032}"), format!("Nombre {i}"), format!("{}", 10_000_000 + i), 1_700_000_000_000i64 + i],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO check_bodies (check_id, body) VALUES (?1, ?2)",
            rusqlite::params![format!("CHK{i:032}"), body],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    drop(c);
    drop(store);
    drop(app); // closes the pool: the WAL is folded into the file
    job
}

fn damage_middle(p: &Profile) {
    let path = p.db_path();
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(
        len > 1_000_000,
        "the cache is big enough to damage ({len} bytes)"
    );
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(len / 2)).unwrap();
    f.write_all(&vec![0x5Au8; 64 * 1024]).unwrap();
}

fn assert_job_intact(app: &opsdesk_core::App, job: i64) {
    let v = app.bulk_job(job).unwrap();
    assert_eq!(v.counts.pending, 300, "{v:?}");
    let rows = app.bulk_rows(job, &[], 0, 1000).unwrap();
    assert_eq!(rows.len(), 300);
}

#[test]
fn a_cache_damaged_in_the_middle_is_recognised_and_recovered_keeping_the_jobs() {
    let p = Profile::new();
    let job = fill(&p);
    damage_middle(&p);

    let app = p.open();
    // Found by the check at start (run here in the foreground instead of beside the window).
    assert_eq!(app.check_store_now(), StoreHealth::Damaged);
    let e = app.bulk_jobs("test").unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::StoreUnreadable,
        "screens get the recovery page"
    );
    assert_eq!(app.status().store, StoreHealth::Damaged);

    let report = app.recover_local_cache().unwrap();
    let copies: Vec<_> = std::fs::read_dir(&report.copy_folder)
        .unwrap()
        .flatten()
        .collect();
    assert!(!copies.is_empty(), "a copy of the damaged file is kept");
    let rows = report
        .tables
        .iter()
        .find(|t| t.table == "bulk_rows")
        .unwrap();
    assert!(rows.complete && rows.rows == 300, "{report:?}");
    let checks = report.tables.iter().find(|t| t.table == "checks").unwrap();
    assert!(
        checks.rows > 0,
        "what can still be read is carried: {report:?}"
    );

    assert_eq!(app.store_health(), StoreHealth::Ok);
    assert_eq!(app.check_store_now(), StoreHealth::Ok);
    assert_job_intact(&app, job);
}

#[test]
fn a_truncated_cache_is_not_simply_deleted() {
    let p = Profile::new();
    let job = fill(&p);
    let path = p.db_path();
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();

    let app = p.open();
    let health = app.check_store_now();
    assert_ne!(health, StoreHealth::Ok);
    let report = app.recover_local_cache().unwrap();
    assert!(
        report
            .tables
            .iter()
            .any(|t| t.table == "bulk_jobs" && t.rows == 1),
        "{health:?} {report:?}"
    );
    assert_eq!(app.store_health(), StoreHealth::Ok);
    assert_job_intact(&app, job);
}

#[test]
fn a_damaged_page_met_at_run_time_switches_to_recovery() {
    let p = Profile::new();
    fill(&p);
    damage_middle(&p);
    let app = p.open();
    // Without waiting for the check at start: reading every check meets the damage.
    let e = app
        .with_store_for_tests(|c| {
            c.query_row("SELECT sum(length(body)) FROM check_bodies", [], |r| {
                r.get::<_, i64>(0)
            })
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StoreUnreadable);
    assert_eq!(app.store_health(), StoreHealth::Damaged);
}

#[test]
fn the_full_check_runs_after_an_unclean_exit_or_once_a_week() {
    let p = Profile::new();
    {
        let app = p.open();
        assert!(app.full_check_due(), "never checked yet");
        assert_eq!(app.full_check(), StoreHealth::Ok);
        app.mark_clean_exit();
    }
    {
        let app = p.open();
        assert!(!app.full_check_due(), "checked today and closed normally");
        // No clean exit this time: killed, or the power went.
    }
    let app = p.open();
    assert!(app.full_check_due(), "the last run did not end normally");
}

#[test]
fn try_again_re_evaluates_without_a_restart() {
    let p = Profile::new();
    let app = p.open();
    assert_eq!(app.store_health(), StoreHealth::Ok);
    let vault = p.vault();
    let key = vault.get(SecretName::DatabaseKey).unwrap().unwrap();
    vault.delete(SecretName::DatabaseKey).unwrap();
    assert_eq!(app.retry_store(), StoreHealth::KeyMissing);
    // The key comes back (the keyring was restored or unlocked): "Try again" is enough.
    vault.set(SecretName::DatabaseKey, key.expose()).unwrap();
    assert_eq!(app.retry_store(), StoreHealth::Ok);
    assert!(app.bulk_jobs("test").is_ok());
}

/// Sends everything at once and counts who got what.
#[derive(Default)]
struct Counting {
    sent: Mutex<HashMap<i64, u32>>,
}

struct Sx(Arc<Counting>);

impl Sender for Sx {
    fn batch_size(&self) -> usize {
        20
    }
    fn send(
        &self,
        rows: Vec<(i64, serde_json::Value)>,
    ) -> BoxFuture<'static, Vec<(i64, RowOutcome)>> {
        let me = self.0.clone();
        Box::pin(async move {
            let mut sent = me.sent.lock().unwrap();
            rows.into_iter()
                .map(|(no, _)| {
                    *sent.entry(no).or_default() += 1;
                    // A long answer per row makes the table grow, as real outcomes do.
                    (no, RowOutcome::Done(format!("{no:0>200}")))
                })
                .collect()
        })
    }
}

#[tokio::test]
async fn a_full_disk_stops_the_job_at_once_and_it_continues_without_repeats() {
    let p = Profile::new();
    let app = p.open();
    let id = app
        .bulk_create("test", "t", &serde_json::json!({}), rows(2000))
        .unwrap();
    let counting = Arc::new(Counting::default());
    let filled = Mutex::new(false);
    let err = app
        .bulk_run(id, Arc::new(Sx(counting.clone())), |v| {
            let mut f = filled.lock().unwrap();
            if !*f && v.counts.done > 100 {
                *f = true;
                app.simulate_full_disk(0).unwrap();
            }
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::DiskFull);
    let v = app.bulk_job(id).unwrap();
    assert_eq!(
        v.state,
        JobState::Interrupted,
        "not 'Running' until a restart"
    );
    assert_eq!(v.stopped_by, Some(ErrorCode::DiskFull));

    // Space is freed; the operator continues.
    app.simulate_full_disk(1_000_000).unwrap();
    let v = app
        .bulk_run(id, Arc::new(Sx(counting.clone())), |_| {})
        .await
        .unwrap();
    assert_eq!(v.state, JobState::Finished);
    let sent = counting.sent.lock().unwrap();
    assert!(
        sent.values().all(|&n| n == 1),
        "nobody got the same row twice"
    );
    let uncertain = app.bulk_rows(id, &[RowState::Uncertain], 0, 5000).unwrap();
    let done = app.bulk_rows(id, &[RowState::Done], 0, 5000).unwrap();
    // Rows that were out when the disk filled may or may not have arrived: they wait for the
    // operator instead of being sent again. Every other row went exactly once.
    assert_eq!(done.len() + uncertain.len(), 2000);
    assert_eq!(sent.len(), 2000);
}
