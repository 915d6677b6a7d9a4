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

/// A finished identity process as Truora's result gives it (about 1 KB).
fn process_body(
    id: &str,
    flow: &str,
    country: &str,
    status: &str,
    name: &str,
    doc: &str,
) -> String {
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    format!(
        r#"{{"process_id":"{id}","account_id":"acct_{doc}","flow_id":"{flow}","country":"{country}","created_via":"web","status":"{status}","validations":[{{"validation_id":"VLD{doc}1","type":"document-validation","validation_status":"{status}","details":{{"document_details":{{"name":"{first}","last_name":"{last}","document_number":"{doc}"}}}}}},{{"validation_id":"VLD{doc}2","type":"face-recognition","validation_status":"{status}"}}],"creation_date":"2026-01-01T00:00:00Z","update_date":"2026-01-01T00:09:00Z"}}"#
    )
}

/// The flows of the synthetic identity processes.
pub const FLOWS: &[&str] = &[
    "IPF0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "IPF1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f",
    "IPF2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a",
    "IPF3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b",
    "IPF4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
    "IPF5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d",
];

/// Adds `n` identity processes to the inbox (in transactions of 50,000), shaped as
/// `identity::save` writes them: a row, its search entry and a realistic body; one process a
/// minute, outcomes in a real account's proportions, six flows, five countries.
pub fn fill_processes(conn: &mut Connection, n: usize, practice: bool) -> rusqlite::Result<()> {
    let start: i64 = conn.query_row("SELECT count(*) FROM identity_inbox", [], |r| r.get(0))?;
    let mut seed = 0x1de_u64 ^ (start as u64 + 1);
    let fetched = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut done = 0;
    while done < n {
        let tx = conn.transaction()?;
        {
            let mut row = tx.prepare(
                "INSERT INTO identity_inbox (ord, process_id, outcome, flow_id, country, name, document, created_ms, fetched_at_ms, first_seen_ms, practice)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
            )?;
            let mut body =
                tx.prepare("INSERT INTO identity_bodies (process_id, body) VALUES (?1, ?2)")?;
            for _ in 0..(n - done).min(50_000) {
                let i = start + done as i64;
                let r = rng(&mut seed);
                let pick = |list: &[&'static str], shift: u32| {
                    list[((r >> shift) % list.len() as u64) as usize]
                };
                let name = format!("{} {} {}", pick(FIRST, 0), pick(LAST, 8), pick(LAST, 16));
                let document = format!("{}", 10_000_000 + (r >> 24) % 1_000_000_000);
                let id = format!("IDP{:016x}{:016x}", rng(&mut seed), rng(&mut seed));
                let country = pick(COUNTRIES, 40);
                let flow = pick(FLOWS, 44);
                let outcome = match (r >> 52) % 20 {
                    0 => "overridden",
                    1 | 2 => "pending",
                    3 | 4 => "expired",
                    5..=8 => "failure",
                    _ => "success",
                };
                let status = match outcome {
                    "success" | "overridden" => "success",
                    "pending" => "pending",
                    _ => "failure",
                };
                let created = FIRST_CREATED_MS + i * 60_000;
                row.execute(params![
                    super::checks::ord_base(created),
                    id,
                    outcome,
                    flow,
                    country,
                    name,
                    document,
                    created,
                    fetched,
                    practice
                ])?;
                body.execute(params![
                    id,
                    process_body(&id, flow, country, status, &name, &document)
                ])?;
                done += 1;
            }
        }
        tx.commit()?;
    }
    Ok(())
}

/// The searches the identity inbox makes, with its arguments: the newest processes, what
/// reviewers type (a name, a document, a process ID) and each filter, alone and together.
pub fn inbox_searches(
    conn: &Connection,
) -> rusqlite::Result<Vec<(&'static str, super::identity::ProcessQuery)>> {
    use super::identity::{ProcessQuery, LIST_PAGE};
    let n: i64 = conn.query_row("SELECT count(*) FROM identity_inbox", [], |r| r.get(0))?;
    let (id, doc): (String, String) = conn.query_row(
        "SELECT process_id, document FROM identity_inbox WHERE ord >= ?1 ORDER BY ord LIMIT 1",
        [super::checks::ord_base(FIRST_CREATED_MS + n / 3 * 60_000)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let q = |text: &str| ProcessQuery {
        text: text.into(),
        limit: LIST_PAGE,
        // The screen always says when the inbox was last visited.
        new_since: Some(FIRST_CREATED_MS),
        ..Default::default()
    };
    let some = |s: &str| Some(s.to_string());
    Ok(vec![
        ("newest", q("")),
        ("first name", q("maria")),
        ("two names", q("ana souza")),
        ("document prefix", q(&doc[..5])),
        ("process ID", q(&id)),
        (
            "failures",
            ProcessQuery {
                outcome: some("failure"),
                ..q("")
            },
        ),
        (
            "overridden",
            ProcessQuery {
                outcome: some("overridden"),
                ..q("")
            },
        ),
        (
            "one flow",
            ProcessQuery {
                flow_id: some(FLOWS[3]),
                ..q("")
            },
        ),
        (
            "failures of a flow",
            ProcessQuery {
                outcome: some("failure"),
                flow_id: some(FLOWS[3]),
                country: some("CO"),
                ..q("")
            },
        ),
        (
            "name + outcome",
            ProcessQuery {
                outcome: some("expired"),
                ..q("maria")
            },
        ),
        (
            "last month",
            ProcessQuery {
                from_ms: Some(FIRST_CREATED_MS + (n - 43_200) * 60_000),
                ..q("")
            },
        ),
    ])
}
