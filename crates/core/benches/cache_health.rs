//! What the cache check at start costs (issue: `PRAGMA quick_check` at start, measured on a
//! 100,000-check cache and kept bounded). Run with
//! `cargo bench -p opsdesk-core --bench cache_health`. Uses the real encrypted store with
//! realistic check bodies (about 1.8 KB each, as the live API returns them).

use opsdesk_core::store::{new_key, Store};
use std::time::Instant;

const N: usize = 100_000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let key = new_key();
    let store = Store::open(&path, &key).unwrap();
    {
        let mut conn = store.conn().unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO checks (check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, practice, body)
                     VALUES (?1, 'person', 'CO', 'completed', 0.8, ?2, ?3, ?4, ?4, 0, ?5)",
                )
                .unwrap();
            for i in 0..N {
                // A body shaped like a finished check: several databases with findings.
                let body = format!(
                    r#"{{"check":{{"check_id":"CHK{i:032x}","country":"CO","type":"person","status":"completed","score":0.8,"name_score":1,"id_score":1,"scores":[{}]}}}}"#,
                    (0..5)
                        .map(|d| format!(r#"{{"data_set":"criminal_record","severity":"low","result":"found","score":0.{d},"by_id":{{"result":"ignored","score":1}},"by_name":{{"result":"found","score":0.9}},"source":"Procuraduría General {d}"}}"#))
                        .collect::<Vec<_>>()
                        .join(",")
                );
                stmt.execute(rusqlite::params![
                    format!("CHK{i:032x}"),
                    format!("Nombre Apellido {i}"),
                    format!("{}", 1_000_000_000 + i),
                    1_700_000_000_000i64 + i as i64,
                    body
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    drop(store);
    let size = std::fs::metadata(&path).unwrap().len();
    // Measured on a freshly opened store, as at start (the page cache is cold for SQLCipher).
    let mut times = Vec::new();
    for _ in 0..3 {
        let store = Store::open(&path, &key).unwrap();
        let t = Instant::now();
        assert!(store.quick_check());
        times.push(t.elapsed().as_millis());
    }
    println!(
        "quick_check over {N} checks ({:.0} MB): {:?} ms (runs beside the window, not before it)",
        size as f64 / 1e6,
        times
    );
}
