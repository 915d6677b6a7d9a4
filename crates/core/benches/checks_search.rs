//! Local search over 100,000 cached checks (issue: p95 under 10 ms). Run with
//! `cargo bench -p opsdesk-core --bench checks_search`. Uses the real encrypted store, the real
//! FTS index and the same query code as the app; prints percentiles per kind of search.

use opsdesk_core::checks::{search, CheckQuery};
use opsdesk_core::store::{new_key, Store};
use std::time::{Duration, Instant};

const N: usize = 100_000;
const FIRST: &[&str] = &[
    "María",
    "José",
    "Ana",
    "Juan",
    "Luz",
    "Carlos",
    "Camila",
    "João",
    "Valentina",
    "Diego",
    "Guadalupe",
    "Pedro",
    "Lucía",
    "Andrés",
    "Beatriz",
    "Fernanda",
];
const LAST: &[&str] = &[
    "Rojas",
    "Gómez",
    "Hernández",
    "Souza",
    "Oliveira",
    "Martínez",
    "Quispe",
    "Muñoz",
    "Pérez",
    "Restrepo",
    "Cárdenas",
    "Santos",
    "Lima",
    "Alves",
    "Ramírez",
    "Torres",
    "Castro",
    "Vargas",
];
const COUNTRIES: &[&str] = &["CO", "MX", "BR", "CL", "PE"];
const STATUSES: &[&str] = &[
    "completed",
    "completed",
    "completed",
    "in_progress",
    "delayed",
    "error",
    "not_started",
];

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn fill(store: &Store) {
    let mut conn = store.conn().unwrap();
    let tx = conn.transaction().unwrap();
    let mut seed = 0x5eed_u64;
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO checks (check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, practice, body)
                 VALUES (?1, 'person', ?2, ?3, ?4, ?5, ?6, ?7, ?7, 0, '{}')",
            )
            .unwrap();
        for i in 0..N {
            let r = rng(&mut seed);
            let name = format!(
                "{} {} {}",
                FIRST[(r % FIRST.len() as u64) as usize],
                LAST[((r >> 8) % LAST.len() as u64) as usize],
                LAST[((r >> 16) % LAST.len() as u64) as usize]
            );
            let doc = format!("{}", 10_000_000 + (r >> 24) % 1_000_000_000);
            stmt.execute(rusqlite::params![
                // Real check IDs are CHK + 32 random hex digits.
                format!("CHK{:016x}{:016x}", rng(&mut seed), rng(&mut seed)),
                COUNTRIES[((r >> 40) % COUNTRIES.len() as u64) as usize],
                STATUSES[((r >> 44) % STATUSES.len() as u64) as usize],
                ((r >> 50) % 101) as f64 / 100.0,
                name,
                doc,
                1_700_000_000_000i64 + i as i64 * 60_000,
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.db"), &new_key()).unwrap();
    let t = Instant::now();
    fill(&store);
    println!("filled {N} checks in {:.1} s", t.elapsed().as_secs_f64());
    let conn = store.conn().unwrap();
    // A prefix of a real ID in the table, as someone pasting part of it would type.
    let some_id: String = conn
        .query_row("SELECT check_id FROM checks LIMIT 1 OFFSET 4321", [], |r| {
            r.get(0)
        })
        .unwrap();
    let some_doc: String = conn
        .query_row("SELECT document FROM checks LIMIT 1 OFFSET 777", [], |r| {
            r.get(0)
        })
        .unwrap();
    // What people type: part of a name, a document prefix, an ID prefix, a status filter,
    // a name plus a country, and the empty list (most recent first).
    let cases: Vec<(&str, CheckQuery)> = vec![
        (
            "empty (latest 200)",
            CheckQuery {
                limit: 200,
                ..Default::default()
            },
        ),
        (
            "first name",
            CheckQuery {
                text: "maria".into(),
                limit: 200,
                ..Default::default()
            },
        ),
        (
            "two names",
            CheckQuery {
                text: "ana souza".into(),
                limit: 200,
                ..Default::default()
            },
        ),
        (
            "name prefix",
            CheckQuery {
                text: "gua".into(),
                limit: 200,
                ..Default::default()
            },
        ),
        (
            "document prefix",
            CheckQuery {
                text: some_doc[..5].into(),
                limit: 200,
                ..Default::default()
            },
        ),
        (
            "check ID prefix",
            CheckQuery {
                text: some_id[..12].into(),
                limit: 200,
                ..Default::default()
            },
        ),
        (
            "status filter",
            CheckQuery {
                status: Some("delayed".into()),
                limit: 200,
                ..Default::default()
            },
        ),
        (
            "name + country",
            CheckQuery {
                text: "rojas".into(),
                country: Some("CO".into()),
                limit: 200,
                ..Default::default()
            },
        ),
    ];
    println!(
        "{:<20} {:>9} {:>9} {:>9} {:>7}",
        "search", "p50 ms", "p95 ms", "p99 ms", "rows"
    );
    let mut worst_p95 = Duration::ZERO;
    for (name, q) in &cases {
        let mut times = Vec::with_capacity(300);
        let mut rows = 0;
        for _ in 0..300 {
            let t = Instant::now();
            rows = search(&conn, q, false).unwrap().len();
            times.push(t.elapsed());
        }
        assert!(rows > 0, "{name} found nothing");
        times.sort();
        let p95 = percentile(&times, 0.95);
        worst_p95 = worst_p95.max(p95);
        println!(
            "{:<20} {:>9.2} {:>9.2} {:>9.2} {:>7}",
            name,
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            p95.as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            rows
        );
    }
    println!(
        "worst p95: {:.2} ms (target: under 10 ms)",
        worst_p95.as_secs_f64() * 1e3
    );
}
