//! Synthetic cached checks, for the benchmarks and the tests that need the sizes users reach
//! (100,000 to 1,000,000 checks), far more than can be created through the sandbox. The rows are
//! shaped as `checks::save` writes them: realistic Spanish and Portuguese names, documents, random
//! IDs, a spread of statuses, countries and kinds, one check a minute, and (optionally) a body
//! shaped like a finished check (about 1.7 KB, as the live API returns them).

use rusqlite::{params, Connection};

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
pub const COUNTRIES: &[&str] = &["CO", "MX", "BR", "CL", "PE"];
const STATUSES: &[&str] = &[
    "completed",
    "completed",
    "completed",
    "in_progress",
    "delayed",
    "error",
    "not_started",
];

/// The first check's creation time; each next one is a minute later.
pub const FIRST_CREATED_MS: i64 = 1_700_000_000_000;

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn body(id: &str, country: &str, status: &str, score: f64) -> String {
    format!(
        r#"{{"check_id":"{id}","country":"{country}","type":"person","status":"{status}","score":{score},"name_score":1,"id_score":1,"scores":[{}]}}"#,
        (0..5)
            .map(|d| format!(r#"{{"data_set":"criminal_record","severity":"low","result":"found","score":0.{d},"by_id":{{"result":"ignored","score":1}},"by_name":{{"result":"found","score":0.9}},"source":"Procuraduría General de la Nación, registro {d}"}}"#))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Adds `n` checks (in transactions of 50,000) after those already there. With `bodies`, each
/// gets a realistic body; without, `{}` (for tests that do not read them).
pub fn fill_checks(
    conn: &mut Connection,
    n: usize,
    practice: bool,
    bodies: bool,
) -> rusqlite::Result<()> {
    let start: i64 = conn.query_row("SELECT count(*) FROM checks", [], |r| r.get(0))?;
    let mut seed = 0x5eed_u64 ^ (start as u64 + 1);
    // Fetched now (created over the past years): retention keeps them.
    let fetched = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut done = 0;
    while done < n {
        let tx = conn.transaction()?;
        {
            let mut row = tx.prepare(
                "INSERT INTO checks (ord, check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, practice)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11, ?10)",
            )?;
            let mut doc =
                tx.prepare("INSERT INTO check_bodies (check_id, body) VALUES (?1, ?2)")?;
            for _ in 0..(n - done).min(50_000) {
                let i = start + done as i64;
                let r = rng(&mut seed);
                let pick = |list: &[&'static str], shift: u32| {
                    list[((r >> shift) % list.len() as u64) as usize]
                };
                let name = format!("{} {} {}", pick(FIRST, 0), pick(LAST, 8), pick(LAST, 16));
                let document = format!("{}", 10_000_000 + (r >> 24) % 1_000_000_000);
                // Real check IDs are CHK + 32 random hex digits.
                let id = format!("CHK{:016x}{:016x}", rng(&mut seed), rng(&mut seed));
                let country = pick(COUNTRIES, 40);
                let status = pick(STATUSES, 44);
                let kind = match (r >> 52) % 20 {
                    0 => "vehicle",
                    1 => "company",
                    _ => "person",
                };
                let score = ((r >> 56) % 101) as f64 / 100.0;
                let created = FIRST_CREATED_MS + i * 60_000;
                row.execute(params![
                    super::checks::ord_base(created),
                    id,
                    kind,
                    country,
                    status,
                    score,
                    name,
                    document,
                    created,
                    practice,
                    fetched
                ])?;
                let b = if bodies {
                    body(&id, country, status, score)
                } else {
                    "{}".into()
                };
                doc.execute(params![id, b])?;
                done += 1;
            }
        }
        tx.commit()?;
    }
    Ok(())
}

/// The searches the checks screen makes, with its arguments (page size included), on a cache
/// filled by `fill_checks`: the empty list, what people type (names, a document, an ID) and
/// each filter. A document and an ID that exist are read from the cache.
pub fn screen_searches(
    conn: &Connection,
) -> rusqlite::Result<Vec<(&'static str, super::checks::CheckQuery)>> {
    use super::checks::{CheckQuery, LIST_PAGE};
    let n: i64 = conn.query_row("SELECT count(*) FROM checks", [], |r| r.get(0))?;
    let (id, doc): (String, String) = conn.query_row(
        "SELECT check_id, document FROM checks WHERE ord >= ?1 ORDER BY ord LIMIT 1",
        [super::checks::ord_base(FIRST_CREATED_MS + n / 3 * 60_000)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let q = |text: &str| CheckQuery {
        text: text.into(),
        limit: LIST_PAGE,
        ..Default::default()
    };
    let some = |s: &str| Some(s.to_string());
    Ok(vec![
        ("latest", q("")),
        ("first name", q("maria")),
        ("two names", q("ana souza")),
        ("name prefix", q("gua")),
        ("document prefix", q(&doc[..5])),
        ("whole document", q(&doc)),
        ("check ID prefix", q(&id[..12])),
        (
            "status",
            CheckQuery {
                status: some("delayed"),
                ..q("")
            },
        ),
        (
            "country",
            CheckQuery {
                country: some("PE"),
                ..q("")
            },
        ),
        (
            "type",
            CheckQuery {
                kind: some("company"),
                ..q("")
            },
        ),
        (
            "status + country",
            CheckQuery {
                status: some("error"),
                country: some("CL"),
                ..q("")
            },
        ),
        (
            "name + country",
            CheckQuery {
                country: some("CO"),
                ..q("rojas")
            },
        ),
        (
            "name + type",
            CheckQuery {
                kind: some("vehicle"),
                ..q("santos")
            },
        ),
        (
            "one month",
            CheckQuery {
                from_ms: Some(FIRST_CREATED_MS + n / 2 * 60_000),
                to_ms: Some(FIRST_CREATED_MS + n / 2 * 60_000 + 30 * 86_400_000),
                ..q("")
            },
        ),
    ])
}
