use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Outcome {
    Ok,
    Failed,
    /// Some of it went through (a list where 18 of 31 rows did).
    Partial,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Partial => "partial",
        }
    }
}

/// One line of the Activity screen. `action` is a stable key the UI translates
/// (e.g. `settings.saved`, `connection.tested`); `summary` holds vendor IDs and counts only.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ActivityEntry {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub at_ms: i64,
    pub area: String,
    pub action: String,
    pub outcome: Outcome,
    pub summary: String,
    pub practice: bool,
}

pub fn record(
    conn: &Connection,
    at_ms: i64,
    area: &str,
    action: &str,
    outcome: Outcome,
    summary: &str,
    practice: bool,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO activity (at_ms, area, action, outcome, summary, practice) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![at_ms, area, action, outcome.as_str(), summary, practice],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn list(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<ActivityEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at_ms, area, action, outcome, summary, practice FROM activity ORDER BY at_ms DESC, id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], entry_row)?;
    rows.collect()
}

/// Entries older than `before` (time, id), newest first: every entry, page by page, through
/// the time index (an export of a year of activity never holds it all at once).
pub fn page_before(
    conn: &Connection,
    before: Option<(i64, i64)>,
    limit: u32,
) -> rusqlite::Result<Vec<ActivityEntry>> {
    let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
    let mut stmt = conn.prepare_cached(
        "SELECT id, at_ms, area, action, outcome, summary, practice FROM activity
         WHERE at_ms < ?1 OR (at_ms = ?1 AND id < ?2) ORDER BY at_ms DESC, id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(rusqlite::params![at, id, limit], entry_row)?;
    rows.collect()
}

/// An entry from `SELECT id, at_ms, area, action, outcome, summary, practice`.
pub(crate) fn entry_row(r: &rusqlite::Row) -> rusqlite::Result<ActivityEntry> {
    Ok(ActivityEntry {
        id: r.get(0)?,
        at_ms: r.get(1)?,
        area: r.get(2)?,
        action: r.get(3)?,
        outcome: match r.get::<_, String>(4)?.as_str() {
            "ok" => Outcome::Ok,
            "partial" => Outcome::Partial,
            _ => Outcome::Failed,
        },
        summary: r.get(5)?,
        practice: r.get(6)?,
    })
}

/// Retention: entries older than the cutoff go. Returns how many were deleted.
pub fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM activity WHERE at_ms < ?1", [cutoff_ms])
}
