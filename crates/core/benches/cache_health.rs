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
        opsdesk_core::store::fixtures::fill_checks(&mut conn, N, false, true).unwrap();
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
