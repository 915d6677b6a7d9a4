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
    pub limit: u32,
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

pub fn save(conn: &Connection, c: &Check, now: i64, practice: bool) -> rusqlite::Result<()> {
    let prev: Option<(String, u32)> = conn
        .query_row(
            "SELECT status, poll_attempt FROM checks WHERE check_id = ?1",
            [&c.check_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let status = c.status.clone().unwrap_or_else(|| "not_started".into());
    let attempt = match prev {
        Some((s, a)) if s == status => a + 1,
        _ => 0,
    };
    conn.execute(
        "INSERT INTO checks (check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, next_poll_ms, poll_attempt, practice, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT(check_id) DO UPDATE SET kind = excluded.kind, country = excluded.country, status = excluded.status,
           score = excluded.score, subject = excluded.subject, document = excluded.document, fetched_at_ms = excluded.fetched_at_ms,
           next_poll_ms = excluded.next_poll_ms, poll_attempt = excluded.poll_attempt, practice = excluded.practice, body = excluded.body",
        params![
            c.check_id,
            c.kind.clone().unwrap_or_else(|| "person".into()),
            c.country.clone().unwrap_or_default(),
            status,
            c.score,
            subject_of(c),
            document_of(c),
            created_ms_of(c, now),
            now,
            next_poll(&status, attempt, now),
            attempt,
            practice,
            serde_json::to_string(c).expect("check serialises"),
        ],
    )?;
    Ok(())
}

fn row_of(r: &rusqlite::Row) -> rusqlite::Result<CheckRow> {
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

pub fn search(
    conn: &Connection,
    q: &CheckQuery,
    practice: bool,
) -> rusqlite::Result<Vec<CheckRow>> {
    let mut sql = String::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(f) = fts_query(&q.text) {
        // Two plans, chosen by how many rows match. Many
        // matches (a common first name): walk checks newest first and keep those in the match
        // set, stopping after `limit`. Few matches (a document, an ID): read just those rows.
        // Either way the full-text match runs once, never once per row.
        let matches: i64 = conn.query_row(
            "SELECT count(*) FROM checks_fts WHERE checks_fts MATCH ?1",
            [&f],
            |r| r.get(0),
        )?;
        if matches > 100 {
            sql.push_str("SELECT c.* FROM checks c WHERE c.rowid IN (SELECT rowid FROM checks_fts WHERE checks_fts MATCH ?)");
        } else {
            sql.push_str(
                "SELECT c.* FROM (SELECT rowid AS r FROM checks_fts WHERE checks_fts MATCH ?) m CROSS JOIN checks c ON c.rowid = m.r WHERE 1",
            );
        }
        args.push(f.into());
    } else {
        sql.push_str("SELECT c.* FROM checks c WHERE 1");
    }
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
    if let Some(f) = q.from_ms {
        sql.push_str(" AND c.created_ms >= ?");
        args.push(f.into());
    }
    if let Some(t) = q.to_ms {
        sql.push_str(" AND c.created_ms < ?");
        args.push(t.into());
    }
    sql.push_str(" ORDER BY c.created_ms DESC LIMIT ?");
    args.push((q.limit.clamp(1, 5000) as i64).into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), row_of)?;
    rows.collect()
}

/// A cached check: its row, Truora's body and when it was fetched.
pub fn load(conn: &Connection, id: &str) -> rusqlite::Result<Option<(CheckRow, Check, i64)>> {
    let found = conn
        .query_row("SELECT * FROM checks WHERE check_id = ?1", [id], |r| {
            Ok((
                row_of(r)?,
                r.get::<_, String>("body")?,
                r.get::<_, i64>("fetched_at_ms")?,
            ))
        })
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
        save(&tx, ch, now, practice)?;
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
