//! Files OpsDesk saved, as the cache remembers them (the files themselves are the user's).

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DownloadedFile {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub folder: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// False when the content is not a document, image, video or spreadsheet: the file was
    /// saved inert and the UI offers only "Show in folder", with a warning.
    pub openable: bool,
}

pub fn split_path(path: &str) -> (String, String) {
    let p = Path::new(path);
    (
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        p.parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
    )
}

pub fn downloads_for(conn: &Connection, subject: &str) -> rusqlite::Result<Vec<DownloadedFile>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, path, bytes, openable FROM downloads WHERE subject_id = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([subject], |r| {
        let (file_name, folder) = split_path(&r.get::<_, String>(2)?);
        Ok(DownloadedFile {
            id: r.get(0)?,
            kind: r.get(1)?,
            file_name,
            folder,
            bytes: r.get::<_, i64>(3)? as u64,
            openable: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// A saved file as Settings lists it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SavedFile {
    #[serde(flatten)]
    #[ts(flatten)]
    pub file: DownloadedFile,
    #[ts(type = "number")]
    pub saved_at_ms: i64,
    /// Older than the retention setting: Settings offers to delete it.
    pub past_retention: bool,
}

/// Retention: records of saved files whose file is gone (moved or deleted by the user) are
/// forgotten once past the cutoff. Files still on disk stay listed so the user can see and
/// delete them from Settings: OpsDesk never deletes a user's file behind their back.
pub fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    let mut n = 0;
    for (id, path) in older_than(conn, cutoff_ms)? {
        if !Path::new(&path).exists() {
            n += forget(conn, id)?;
        }
    }
    Ok(n)
}

/// Remembers a saved file and returns its ID. A name is reused once the user moved the old file
/// away: the old record must not make "delete files past retention" delete this new file.
pub fn insert(
    c: &Connection,
    subject_id: &str,
    kind: &str,
    path: &str,
    bytes: u64,
    now: i64,
    openable: bool,
) -> rusqlite::Result<i64> {
    c.execute("DELETE FROM downloads WHERE path = ?1", [path])?;
    c.execute(
        "INSERT INTO downloads (subject_id, kind, path, bytes, at_ms, openable) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![subject_id, kind, path, bytes as i64, now, openable],
    )?;
    Ok(c.last_insert_rowid())
}

/// Path and whether it may be opened, by ID.
pub fn path_of(c: &Connection, id: i64) -> rusqlite::Result<Option<(String, bool)>> {
    c.query_row(
        "SELECT path, openable FROM downloads WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Every saved file, newest first (at most 5,000), with when it was saved.
pub fn list(c: &Connection) -> rusqlite::Result<Vec<(DownloadedFile, i64)>> {
    let mut s = c.prepare(
        "SELECT id, kind, path, bytes, at_ms, openable FROM downloads ORDER BY at_ms DESC, id DESC LIMIT 5000",
    )?;
    let rows = s.query_map([], |r| {
        let path: String = r.get(2)?;
        let (file_name, folder) = split_path(&path);
        Ok((
            DownloadedFile {
                id: r.get(0)?,
                kind: r.get(1)?,
                file_name,
                folder,
                bytes: r.get::<_, i64>(3)? as u64,
                openable: r.get(5)?,
            },
            r.get(4)?,
        ))
    })?;
    rows.collect()
}

/// Saved files older than the cutoff: ID and path.
pub fn older_than(c: &Connection, cutoff_ms: i64) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut s = c.prepare("SELECT id, path FROM downloads WHERE at_ms < ?1")?;
    let rows = s.query_map([cutoff_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

pub fn forget(c: &Connection, id: i64) -> rusqlite::Result<usize> {
    c.execute("DELETE FROM downloads WHERE id = ?1", [id])
}
