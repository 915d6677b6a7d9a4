//! Cached Digital Identity processes: Truora's body, its effective status, when fetched.

use opsdesk_truora::identity::ProcessResult;
use rusqlite::{params, Connection, OptionalExtension};

pub fn save(
    conn: &Connection,
    r: &ProcessResult,
    fetched_at_ms: i64,
    practice: bool,
) -> rusqlite::Result<()> {
    let body = serde_json::to_string(r).expect("process serialises");
    conn.execute(
        "INSERT INTO identity_processes (process_id, effective_status, country, created_at, fetched_at_ms, practice, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(process_id) DO UPDATE SET effective_status = excluded.effective_status, country = excluded.country,
           created_at = excluded.created_at, fetched_at_ms = excluded.fetched_at_ms, practice = excluded.practice, body = excluded.body",
        params![r.process_id, r.effective_status(), r.country, r.creation_date, fetched_at_ms, practice, body],
    )?;
    Ok(())
}

/// A cached process and when it was fetched.
pub fn load(conn: &Connection, process_id: &str) -> rusqlite::Result<Option<(ProcessResult, i64)>> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT body, fetched_at_ms FROM identity_processes WHERE process_id = ?1",
            [process_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(body, fetched)| {
        serde_json::from_str::<ProcessResult>(&body)
            .ok()
            .map(|r| (r, fetched))
    }))
}

/// The newest 1,000 processes looked up in a mode, with when each was fetched.
pub fn list(conn: &Connection, practice: bool) -> rusqlite::Result<Vec<(ProcessResult, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT body, fetched_at_ms FROM identity_processes WHERE practice = ?1 ORDER BY fetched_at_ms DESC LIMIT 1000",
    )?;
    let rows = stmt.query_map([practice], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (body, fetched) = row?;
        if let Ok(r) = serde_json::from_str::<ProcessResult>(&body) {
            out.push((r, fetched));
        }
    }
    Ok(out)
}

/// Retention: cached processes fetched before the cutoff are deleted.
pub fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM identity_processes WHERE fetched_at_ms < ?1",
        [cutoff_ms],
    )
}
