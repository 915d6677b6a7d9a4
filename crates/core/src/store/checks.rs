//! Cached background checks: the list row, Truora's body, when to look again, full-text search.

use opsdesk_truora::checks::Check;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A row of the checks list.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckRow {
    pub check_id: String,
    pub kind: String,
    pub country: String,
    /// not_started | in_progress | delayed | completed | error
    pub status: String,
    /// 0 (high risk) … 1 (low risk); -1 until computed.
    pub score: f64,
    pub subject: String,
    pub document: String,
    #[ts(type = "number")]
    pub created_ms: i64,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct CheckQuery {
    pub text: String,
    pub status: Option<String>,
    pub country: Option<String>,
    pub kind: Option<String>,
    #[ts(type = "number | null")]
    pub from_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub to_ms: Option<i64>,
    /// Rows per page (at most 500).
    pub limit: u32,
    /// Where the previous page ended (its `next`); none for the first page.
    pub after: Option<String>,
}

/// A page of the checks list, newest first.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckPage {
    pub rows: Vec<CheckRow>,
    /// Ask with this as `after` for the next page; none when this page is the last.
    /// Opaque, and a string because the key does not fit a JavaScript number.
    pub next: Option<String>,
}

/// Rows per page at most.
pub const PAGE_MAX: u32 = 500;
/// Rows per page as the checks screen asks them (about six screenfuls): the next page is
/// fetched as the list nears its end.
pub const LIST_PAGE: u32 = 100;

/// The list's order key (`ord`, the table's rowid) is the creation time in ms shifted left by
/// this much, plus a sequence for checks created in the same millisecond. See migration 0010.
pub const ORD_SHIFT: u32 = 20;
/// Creation times are clamped to 0 … this (year 2223) so `ord` fits in 63 bits.
const ORD_MAX_MS: i64 = 8_000_000_000_000;

/// The smallest `ord` of checks created at `ms`.
pub fn ord_base(ms: i64) -> i64 {
    ms.clamp(0, ORD_MAX_MS) << ORD_SHIFT
}

fn subject_of(c: &Check) -> String {
    let name = [c.input("first_name"), c.input("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        return name;
    }
    c.input("company_name")
        .or(c.input("license_plate"))
        .unwrap_or_default()
        .to_string()
}

fn document_of(c: &Check) -> String {
    [
        "national_id",
        "foreign_id",
        "tax_id",
        "license_plate",
        "pep",
        "ptp",
        "passport",
        "diplomatic_id",
    ]
    .iter()
    .find_map(|k| c.input(k))
    .unwrap_or_default()
    .to_string()
}

fn created_ms_of(c: &Check, now: i64) -> i64 {
    c.creation_date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.timestamp_millis())
        .unwrap_or(now)
}

/// When to look again: quickly while running, rarely while delayed (it can last days),
/// never once final. `attempt` counts polls without a status change.
pub fn next_poll(status: &str, attempt: u32, now: i64) -> Option<i64> {
    let delay = match status {
        "completed" | "error" => return None,
        "delayed" => 10 * 60_000,
        _ => (3_000i64 << attempt.min(5)).min(60_000),
    };
    Some(now + delay)
}

/// Saves one check: its row, its place in the list and its body, together or not at all (a
/// row without its body would read as "not in the cache"; two checks of the same millisecond
/// saved at once from two connections would take the same place).
pub fn save(conn: &mut Connection, c: &Check, now: i64, practice: bool) -> rusqlite::Result<()> {
    save_labelled(conn, c, None, now, practice)
}

/// The same, with the name OpsDesk knows for a check Truora gave no name (the name column of
/// the spreadsheet it came from): shown and searched as the check's subject. A name from Truora
/// always wins, and a later refresh without one keeps the label.
pub fn save_labelled(
    conn: &mut Connection,
    c: &Check,
    label: Option<&str>,
    now: i64,
    practice: bool,
) -> rusqlite::Result<()> {
    let tx = crate::store::write_tx(conn)?;
    save_in(&tx, c, label, now, practice)?;
    tx.commit()
}

/// [`save`], inside a writing transaction the caller holds.
fn save_in(
    conn: &Connection,
    c: &Check,
    label: Option<&str>,
    now: i64,
    practice: bool,
) -> rusqlite::Result<()> {
    let prev: Option<(String, u32)> = conn
        .query_row(
            "SELECT status, poll_attempt FROM checks WHERE check_id = ?1",
            [&c.check_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let status = c.status.clone().unwrap_or_else(|| "not_started".into());
    let attempt = match &prev {
        Some((s, a)) if *s == status => a + 1,
        _ => 0,
    };
    // A check keeps its place in the list (and its creation time) once cached, as before.
    let created = created_ms_of(c, now);
    let ord = match prev {
        Some(_) => 0, // not used: the update below leaves `ord` alone
        None => next_ord(conn, created)?,
    };
    conn.execute(
        "INSERT INTO checks (ord, check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, next_poll_ms, poll_attempt, practice, reference)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT(check_id) DO UPDATE SET kind = excluded.kind, country = excluded.country, status = excluded.status,
           score = excluded.score,
           subject = CASE WHEN excluded.subject = '' THEN checks.subject ELSE excluded.subject END,
           document = excluded.document, reference = excluded.reference,
           fetched_at_ms = excluded.fetched_at_ms,
           finished_unseen_ms = CASE
             WHEN excluded.status IN ('completed', 'error') AND checks.status NOT IN ('completed', 'error')
             THEN excluded.fetched_at_ms ELSE checks.finished_unseen_ms END,
           next_poll_ms = excluded.next_poll_ms, poll_attempt = excluded.poll_attempt, practice = excluded.practice",
        params![
            ord,
            c.check_id,
            c.kind.clone().unwrap_or_else(|| "person".into()),
            c.country.clone().unwrap_or_default(),
            status,
            c.score,
            Some(subject_of(c))
                .filter(|s| !s.is_empty())
                .or_else(|| label.map(|l| l.trim().to_string()))
                .unwrap_or_default(),
            document_of(c),
            created,
            now,
            next_poll(&status, attempt, now),
            attempt,
            practice,
            c.input("custom_input").unwrap_or_default().trim(),
        ],
    )?;
    conn.execute(
        "INSERT INTO check_bodies (check_id, body) VALUES (?1, ?2)
         ON CONFLICT(check_id) DO UPDATE SET body = excluded.body",
        params![
            c.check_id,
            serde_json::to_string(c).expect("check serialises")
        ],
    )?;
    Ok(())
}

/// The next free place in the list for a check created at `created_ms`: after the checks
/// created in the same millisecond (a range read on the primary key).
pub(crate) fn next_ord(conn: &Connection, created_ms: i64) -> rusqlite::Result<i64> {
    next_ord_in(conn, OrdTable::Checks, created_ms)
}

/// The lists keyed by `ord`.
#[derive(Clone, Copy)]
pub(crate) enum OrdTable {
    Checks,
    IdentityInbox,
}

/// [`next_ord`] for any list keyed by `ord`.
pub(crate) fn next_ord_in(
    conn: &Connection,
    table: OrdTable,
    created_ms: i64,
) -> rusqlite::Result<i64> {
    let base = ord_base(created_ms);
    let sql = match table {
        OrdTable::Checks => "SELECT max(ord) FROM checks WHERE ord >= ?1 AND ord < ?2",
        OrdTable::IdentityInbox => {
            "SELECT max(ord) FROM identity_inbox WHERE ord >= ?1 AND ord < ?2"
        }
    };
    let last: Option<i64> =
        conn.query_row(sql, params![base, base + (1 << ORD_SHIFT)], |r| r.get(0))?;
    // A million checks in one millisecond would spill into the next one: still unique, and
    // at most a millisecond out of order.
    Ok(last.map_or(base, |l| l + 1))
}

pub(crate) fn row_of(r: &rusqlite::Row) -> rusqlite::Result<CheckRow> {
    Ok(CheckRow {
        check_id: r.get("check_id")?,
        kind: r.get("kind")?,
        country: r.get("country")?,
        status: r.get("status")?,
        score: r.get("score")?,
        subject: r.get("subject")?,
        document: r.get("document")?,
        created_ms: r.get("created_ms")?,
    })
}

/// Turns what the user typed into an FTS5 query: every word must match the start of a word
/// in the name, document or ID. Quotes keep user text from being read as FTS syntax.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// One page of the list, newest first: at most `limit` rows after the cursor.
///
/// Every plan walks an index in list order and stops after the page: no count, no sort, no
/// match set collected first, so a page costs the same at 1,000 checks and at 1,000,000. With
/// text, the full-text index (keyed by `ord`) is walked backwards from the cursor and each match
/// joined to its row; without, the index of the filter chosen (`practice`, `status`, `country`
/// or `kind`, each ending in `ord`). The plan tests below keep it that way.
pub fn search(conn: &Connection, q: &CheckQuery, practice: bool) -> rusqlite::Result<CheckPage> {
    let (sql, args) = search_sql(q, practice);
    let (rows, next) = keyset_page(
        conn,
        &sql,
        args,
        &Span {
            after: q.after.as_deref(),
            from_ms: q.from_ms,
            to_ms: q.to_ms,
            limit: q.limit,
        },
        row_of,
    )?;
    Ok(CheckPage { rows, next })
}

/// Where a page of a list keyed by `ord` lies: after the cursor, within the dates, how many.
pub(crate) struct Span<'a> {
    pub after: Option<&'a str>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: u32,
}

/// One page of a list keyed by `ord` (the checks list, the identity inbox), newest first.
/// `sql` selects `ord` among its columns and ends with the three placeholders every list
/// statement ends with: the upper key (exclusive), the lower key (inclusive), the page size.
/// The next page's cursor is the last row's key, when the page is full.
pub(crate) fn keyset_page<T>(
    conn: &Connection,
    sql: &str,
    mut args: Vec<rusqlite::types::Value>,
    span: &Span,
    row: impl Fn(&rusqlite::Row) -> rusqlite::Result<T>,
) -> rusqlite::Result<(Vec<T>, Option<String>)> {
    let limit = span.limit.clamp(1, PAGE_MAX);
    let mut upper = span
        .after
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(i64::MAX);
    if let Some(t) = span.to_ms {
        upper = upper.min(ord_base(t));
    }
    let lower = span.from_ms.map_or(i64::MIN, ord_base);
    args.push(upper.into());
    args.push(lower.into());
    args.push((limit as i64).into());
    let mut stmt = conn.prepare_cached(sql)?;
    let mut last = None;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((r.get::<_, i64>("ord")?, row(r)?))
        })?
        .map(|r| {
            r.map(|(ord, row)| {
                last = Some(ord);
                row
            })
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next = (rows.len() == limit as usize)
        .then_some(last)
        .flatten()
        .map(|o| o.to_string());
    Ok((rows, next))
}

/// The index a list without text walks. Without statistics SQLite prefers the mode index and
/// its key range, then filters: fine for a common value, a walk through the whole cache for a
/// rare one (a page of "company" checks among a million people). The index of the filter
/// finds exactly its rows, and is no slower than the mode index for a common value, so a
/// filter's index is always taken: the one whose value is likely the rarest first ("person"
/// and "completed" are most of a cache), else country, status, type.
fn filter_index(q: &CheckQuery) -> &'static str {
    fn set(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|v| !v.is_empty())
    }
    match (set(&q.status), set(&q.country), set(&q.kind)) {
        (_, _, Some(k)) if k != "person" => "checks_by_kind",
        (Some(s), _, _) if s != "completed" => "checks_by_status",
        (_, Some(_), _) => "checks_by_country",
        (Some(_), _, _) => "checks_by_status",
        (_, _, Some(_)) => "checks_by_kind",
        _ => "checks_by_mode",
    }
}

/// The statement for a query and its arguments, without the three that every statement ends
/// with: the upper key (exclusive), the lower key (inclusive) and the page size.
pub(crate) fn search_sql(q: &CheckQuery, practice: bool) -> (String, Vec<rusqlite::types::Value>) {
    const COLS: &str = "c.ord, c.check_id, c.kind, c.country, c.status, c.score, c.subject, c.document, c.created_ms";
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let fts = fts_query(&q.text);
    let (mut sql, key) = if let Some(f) = fts {
        args.push(f.into());
        // CROSS JOIN keeps the full-text index as the outer loop, so its own order (by `ord`)
        // is the list's and the walk stops after the page.
        (
            format!(
                "SELECT {COLS} FROM checks_fts CROSS JOIN checks c ON c.ord = checks_fts.rowid WHERE checks_fts MATCH ?"
            ),
            "checks_fts.rowid",
        )
    } else {
        (
            format!(
                "SELECT {COLS} FROM checks c INDEXED BY {} WHERE 1",
                filter_index(q)
            ),
            "c.ord",
        )
    };
    sql.push_str(" AND c.practice = ?");
    args.push((practice as i64).into());
    for (col, v) in [
        ("status", &q.status),
        ("country", &q.country),
        ("kind", &q.kind),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            sql.push_str(&format!(" AND c.{col} = ?"));
            args.push(v.clone().into());
        }
    }
    sql.push_str(&format!(
        " AND {key} < ? AND {key} >= ? ORDER BY {key} DESC LIMIT ?"
    ));
    (sql, args)
}

/// A cached check: its row, Truora's body and when it was fetched.
pub fn load(conn: &Connection, id: &str) -> rusqlite::Result<Option<(CheckRow, Check, i64)>> {
    let found = conn
        .query_row(
            "SELECT c.*, b.body FROM checks c JOIN check_bodies b USING (check_id) WHERE c.check_id = ?1",
            [id],
            |r| {
            Ok((
                row_of(r)?,
                r.get::<_, String>("body")?,
                r.get::<_, i64>("fetched_at_ms")?,
            ))
            },
        )
        .optional()?;
    Ok(found.and_then(|(row, body, fetched)| {
        serde_json::from_str::<Check>(&body)
            .ok()
            .map(|c| (row, c, fetched))
    }))
}

pub fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    let n = conn.execute(
        "DELETE FROM checks WHERE fetched_at_ms < ?1 AND next_poll_ms IS NULL",
        [cutoff_ms],
    )?;
    if n > 0 {
        // The full-text index only marks deleted entries; merging its segments drops the
        // purged names and documents from the file for good.
        conn.execute(
            "INSERT INTO checks_fts (checks_fts) VALUES ('optimize')",
            [],
        )?;
    }
    Ok(n)
}

/// Saves a page of checks in one transaction.
pub fn save_all(
    conn: &mut Connection,
    checks: &[Check],
    now: i64,
    practice: bool,
) -> rusqlite::Result<()> {
    let tx = crate::store::write_tx(conn)?;
    for ch in checks {
        save_in(&tx, ch, None, now, practice)?;
    }
    tx.commit()
}

/// Read every 2 s while the app is open: it must read only what it returns (see the
/// `checks_due` index and the plan test below), whatever the size of the cache.
pub(crate) const DUE: &str = "SELECT check_id, status FROM checks WHERE next_poll_ms IS NOT NULL AND next_poll_ms <= ?1 AND practice = ?2 ORDER BY next_poll_ms LIMIT ?3";

/// Unfinished checks whose next look is due: ID and status, soonest first.
pub fn due(
    conn: &Connection,
    now: i64,
    practice: bool,
    max: u32,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut s = conn.prepare_cached(DUE)?;
    let rows = s.query_map(params![now, practice, max], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Deleted elsewhere: stop following it.
pub fn stop_following(conn: &Connection, id: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE checks SET next_poll_ms = NULL WHERE check_id = ?1",
        [id],
    )
}

/// A look failed: try again later, waiting longer each time (5 s doubling, at most 10 min).
pub fn back_off(conn: &Connection, id: &str, now: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE checks SET poll_attempt = poll_attempt + 1, next_poll_ms = ?2 + MIN(600000, 5000 << MIN(poll_attempt, 7)) WHERE check_id = ?1",
        params![id, now],
    )
}

pub fn delete(conn: &Connection, id: &str) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM checks WHERE check_id = ?1", [id])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{fixtures, new_key, Store};

    fn check(id: &str, name: &str, created: &str) -> Check {
        serde_json::from_value(serde_json::json!({
            "check_id": id, "type": "person", "country": "CO", "status": "completed",
            "score": 0.9, "first_name": name, "national_id": "1020304050",
            "creation_date": created,
        }))
        .unwrap()
    }

    fn all_pages(c: &Connection, q: &CheckQuery) -> Vec<CheckRow> {
        let mut q = q.clone();
        let mut out = Vec::new();
        loop {
            let page = search(c, &q, false).unwrap();
            assert!(page.rows.len() <= q.limit as usize);
            out.extend(page.rows);
            match page.next {
                Some(n) => q.after = Some(n),
                None => return out,
            }
        }
    }

    /// Paging by key gives the same rows, in the same order, as reading the whole list at
    /// once and sorting it: nothing skipped or repeated at page edges, even among checks
    /// created in the same millisecond.
    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &new_key()).unwrap();
        let mut c = store.conn().unwrap();
        fixtures::fill_checks(&mut c, 1_234, false, false).unwrap();
        // Thirty checks created in the same millisecond, saved as the app saves them.
        for i in 0..30 {
            save(
                &mut c,
                &check(&format!("CHKSAME{i:02}"), "Maria", "2024-01-01T00:00:00Z"),
                1,
                false,
            )
            .unwrap();
        }
        let everything: Vec<(i64, String, String, String)> = {
            let mut s = c
                .prepare("SELECT created_ms, check_id, subject, country FROM checks ORDER BY created_ms DESC, ord DESC")
                .unwrap();
            let rows = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap();
            rows.map(Result::unwrap).collect()
        };
        let fold = |s: &str| s.to_lowercase().replace('í', "i");
        for (q, keep) in [
            (
                CheckQuery::default(),
                Box::new(|_: &(i64, String, String, String)| true) as Box<dyn Fn(&_) -> bool>,
            ),
            (
                CheckQuery {
                    text: "maria".into(),
                    ..Default::default()
                },
                Box::new(|r: &(i64, String, String, String)| {
                    fold(&r.2).split(' ').any(|w| w.starts_with("maria"))
                }),
            ),
            (
                CheckQuery {
                    text: "mar".into(),
                    country: Some("CO".into()),
                    ..Default::default()
                },
                Box::new(|r: &(i64, String, String, String)| {
                    r.3 == "CO" && fold(&r.2).split(' ').any(|w| w.starts_with("mar"))
                }),
            ),
            (
                CheckQuery {
                    from_ms: Some(fixtures::FIRST_CREATED_MS + 100 * 60_000),
                    to_ms: Some(fixtures::FIRST_CREATED_MS + 900 * 60_000),
                    ..Default::default()
                },
                Box::new(|r: &(i64, String, String, String)| {
                    r.0 >= fixtures::FIRST_CREATED_MS + 100 * 60_000
                        && r.0 < fixtures::FIRST_CREATED_MS + 900 * 60_000
                }),
            ),
        ] {
            for limit in [7, 100] {
                let got: Vec<String> = all_pages(&c, &CheckQuery { limit, ..q.clone() })
                    .into_iter()
                    .map(|r| r.check_id)
                    .collect();
                let want: Vec<String> = everything
                    .iter()
                    .filter(|r| keep(r))
                    .map(|r| r.1.clone())
                    .collect();
                assert!(!want.is_empty(), "{q:?}");
                assert_eq!(got, want, "{q:?} by {limit}");
            }
        }
    }

    /// A check saved again (followed to its result) keeps its place in the list and its body
    /// is replaced, not duplicated.
    #[test]
    fn a_check_saved_again_keeps_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &new_key()).unwrap();
        let mut c = store.conn().unwrap();
        save(
            &mut c,
            &check("CHKA", "Ana", "2024-01-01T00:00:00Z"),
            1,
            false,
        )
        .unwrap();
        save(
            &mut c,
            &check("CHKB", "Ana", "2024-01-02T00:00:00Z"),
            1,
            false,
        )
        .unwrap();
        let mut again = check("CHKA", "Ana", "2024-01-01T00:00:00Z");
        again.score = 0.1;
        save(&mut c, &again, 2, false).unwrap();
        let page = search(
            &c,
            &CheckQuery {
                limit: 10,
                ..Default::default()
            },
            false,
        )
        .unwrap();
        let ids: Vec<&str> = page.rows.iter().map(|r| r.check_id.as_str()).collect();
        assert_eq!(ids, ["CHKB", "CHKA"]);
        assert_eq!(page.next, None);
        let (_, body, _) = load(&c, "CHKA").unwrap().unwrap();
        assert_eq!(body.score, 0.1);
        let bodies: i64 = c
            .query_row("SELECT count(*) FROM check_bodies", [], |r| r.get(0))
            .unwrap();
        assert_eq!(bodies, 2);
        delete(&c, "CHKA").unwrap();
        let bodies: i64 = c
            .query_row("SELECT count(*) FROM check_bodies", [], |r| r.get(0))
            .unwrap();
        assert_eq!(bodies, 1, "a deleted check's body goes with it");
    }

    /// Every kind of search the list makes walks an index in list order and stops after the
    /// page: no temporary sort, no scan of the table, whatever the size of the cache.
    #[test]
    fn every_search_walks_an_index_in_list_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &new_key()).unwrap();
        let c = store.conn().unwrap();
        let some = |s: &str| Some(s.to_string());
        for q in [
            CheckQuery::default(),
            CheckQuery {
                text: "maria".into(),
                ..Default::default()
            },
            CheckQuery {
                text: "ana souza".into(),
                country: some("BR"),
                ..Default::default()
            },
            CheckQuery {
                status: some("completed"),
                ..Default::default()
            },
            CheckQuery {
                country: some("PE"),
                ..Default::default()
            },
            CheckQuery {
                kind: some("vehicle"),
                ..Default::default()
            },
            CheckQuery {
                status: some("error"),
                country: some("CO"),
                ..Default::default()
            },
            CheckQuery {
                from_ms: Some(1),
                to_ms: Some(2),
                ..Default::default()
            },
        ] {
            let (sql, mut args) = search_sql(&q, false);
            args.extend([i64::MAX.into(), i64::MIN.into(), 100i64.into()]);
            let mut s = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan = s
                .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
                .join(" | ");
            assert!(!plan.contains("TEMP B-TREE"), "{q:?} sorts: {plan}");
            assert!(
                plan.contains("USING INDEX") || plan.contains("VIRTUAL TABLE"),
                "{q:?} scans the table: {plan}"
            );
        }
    }
}
