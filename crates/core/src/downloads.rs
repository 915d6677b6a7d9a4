//! Files OpsDesk saves (reports, recordings, attachments, exports, QR codes): one way to save
//! them, remember them so they can be opened again by ID, list them in Settings and delete them
//! once they are past the retention period.
//!
//! Every saved file is named by [`crate::files::safe_file_name`], written inside the folder it
//! was meant for, readable by the user only, and given the extension of what it really is
//! (never the one a server or a user suggested). Anything that is not a document, image,
//! video or spreadsheet is saved inert (`.bin`) and can only be shown in its folder.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

use crate::activity::Outcome;
use crate::app::App;
use crate::error::{AppError, ErrorCode};
use crate::files;

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

fn split_path(path: &str) -> (String, String) {
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

pub(crate) fn downloads_for(
    conn: &Connection,
    subject: &str,
) -> rusqlite::Result<Vec<DownloadedFile>> {
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
pub(crate) fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    let old: Vec<(i64, String)> = {
        let mut s = conn.prepare("SELECT id, path FROM downloads WHERE at_ms < ?1")?;
        let rows = s.query_map([cutoff_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut n = 0;
    for (id, path) in old {
        if !Path::new(&path).exists() {
            n += conn.execute("DELETE FROM downloads WHERE id = ?1", [id])?;
        }
    }
    Ok(n)
}

impl App {
    /// Downloads (or writes) into a fresh, non-overwriting file named after `stem` and its real
    /// content, records it (so it can be opened again by ID) and in Activity as
    /// `<area>.download_<kind>`. Shared by every screen that saves files.
    pub(crate) async fn save_download<F, Fut>(
        &self,
        subject_id: &str,
        kind: &str,
        stem: &str,
        folder: Option<PathBuf>,
        job_id: &str,
        run: F,
    ) -> Result<DownloadedFile, AppError>
    where
        F: FnOnce(PathBuf, tokio_util::sync::CancellationToken) -> Fut,
        Fut: std::future::Future<Output = Result<u64, opsdesk_http::ApiError>>,
    {
        let area = if subject_id.starts_with("CHK") {
            "checks"
        } else if subject_id.starts_with("whatsapp") {
            "whatsapp"
        } else if subject_id.starts_with("truecaller") {
            "truecaller"
        } else {
            "identity"
        };
        let action = format!("{area}.download_{kind}");
        let folder = folder.unwrap_or_else(|| self.download_dir());
        std::fs::create_dir_all(&folder).map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("cannot create the folder: {e}"),
            )
        })?;
        // Written under a neutral name first; named after its content once complete.
        let pending = files::free_path(&folder, stem, "download", kind);
        let cancel = self.jobs.start(job_id);
        let result = run(pending.clone(), cancel).await;
        self.jobs.finish(job_id);
        let bytes = match result {
            Ok(b) => b,
            Err(e) => {
                let _ = std::fs::remove_file(&pending);
                self.record(area, &action, Outcome::Failed, subject_id);
                return Err(e.into());
            }
        };
        let content = files::sniff_file(&pending);
        let dest = files::free_path(&folder, stem, content.extension(), kind);
        std::fs::rename(&pending, &dest)
            .map_err(|e| AppError::internal(format!("cannot name the file: {e}")))?;
        if let Err(e) = files::make_private(&dest) {
            tracing::warn!(error = %e, "could not restrict a saved file to its owner");
        }
        if !content.openable() {
            tracing::warn!(
                kind,
                "saved a file whose content is not an allowed type, inert"
            );
        }
        let now = crate::app::now_ms();
        let path = dest.display().to_string();
        let id = self.with_conn(|c| {
            // A name is reused once the user moved the old file away: the old record must not
            // make "delete files past retention" delete this new file.
            c.execute("DELETE FROM downloads WHERE path = ?1", [&path])?;
            c.execute(
                "INSERT INTO downloads (subject_id, kind, path, bytes, at_ms, openable) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![subject_id, kind, path, bytes as i64, now, content.openable()],
            )?;
            Ok(c.last_insert_rowid())
        })?;
        self.record(area, &action, Outcome::Ok, subject_id);
        let (file_name, _) = split_path(&path);
        Ok(DownloadedFile {
            id,
            kind: kind.into(),
            file_name,
            folder: folder.display().to_string(),
            bytes,
            openable: content.openable(),
        })
    }

    /// Where a saved file is, by its download ID (the UI never handles paths).
    pub fn download_path(&self, id: i64) -> Result<PathBuf, AppError> {
        Ok(self.download_record(id)?.0)
    }

    fn download_record(&self, id: i64) -> Result<(PathBuf, bool), AppError> {
        let row: Option<(String, bool)> = self.with_conn(|c| {
            c.query_row(
                "SELECT path, openable FROM downloads WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })?;
        let (path, openable) = row
            .map(|(p, o)| (PathBuf::from(p), o))
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "unknown download"))?;
        if !path.exists() {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "the file was moved or deleted",
            ));
        }
        Ok((path, openable))
    }

    /// The path to hand to the system: to open with its viewer, or (`reveal`) to show in its
    /// folder. A file saved inert is never opened, whatever the UI asks.
    pub fn download_to_open(&self, id: i64, reveal: bool) -> Result<PathBuf, AppError> {
        let (path, openable) = self.download_record(id)?;
        // Judged again at the moment of opening: files saved by earlier versions (their name's
        // extension came from the server) are recorded as openable, and the system decides what
        // to run by the extension, not by the content.
        let content = files::sniff_file(&path);
        let extension_matches = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case(content.extension()));
        let safe_to_open = openable && content.openable() && extension_matches;
        if !reveal && !safe_to_open {
            return Err(AppError::validation(
                "file",
                "unsafe_file",
                "this file is not a document OpsDesk can open safely",
            ));
        }
        Ok(path)
    }

    /// Every file OpsDesk saved that is still where it was saved, newest first.
    pub fn saved_files(&self) -> Result<Vec<SavedFile>, AppError> {
        let cutoff = self.retention_cutoff_ms();
        let rows: Vec<(i64, String, String, i64, i64, bool)> = self.with_conn(|c| {
            let mut s = c.prepare(
                "SELECT id, kind, path, bytes, at_ms, openable FROM downloads ORDER BY at_ms DESC, id DESC LIMIT 5000",
            )?;
            let rows = s.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?;
            rows.collect()
        })?;
        Ok(rows
            .into_iter()
            .filter(|r| Path::new(&r.2).exists())
            .map(|(id, kind, path, bytes, at, openable)| {
                let (file_name, folder) = split_path(&path);
                SavedFile {
                    file: DownloadedFile {
                        id,
                        kind,
                        file_name,
                        folder,
                        bytes: bytes as u64,
                        openable,
                    },
                    saved_at_ms: at,
                    past_retention: at < cutoff,
                }
            })
            .collect())
    }

    /// Deletes the saved files older than the retention period (and forgets them). Returns how
    /// many files were deleted.
    #[tracing::instrument(skip(self))]
    pub fn delete_saved_files_past_retention(&self) -> Result<usize, AppError> {
        let cutoff = self.retention_cutoff_ms();
        let old: Vec<(i64, String)> = self.with_conn(|c| {
            let mut s = c.prepare("SELECT id, path FROM downloads WHERE at_ms < ?1")?;
            let rows = s.query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })?;
        let mut deleted = 0;
        for (id, path) in old {
            match std::fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(error = %e, "could not delete a saved file");
                    continue;
                }
            }
            self.with_conn(|c| c.execute("DELETE FROM downloads WHERE id = ?1", [id]))?;
        }
        self.record(
            "settings",
            "files.deleted_past_retention",
            Outcome::Ok,
            &deleted.to_string(),
        );
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_name_and_folder() {
        let p = Path::new("a").join("b").join("c.pdf");
        let (n, f) = split_path(&p.display().to_string());
        assert_eq!(n, "c.pdf");
        assert_eq!(f, Path::new("a").join("b").display().to_string());
    }
}
