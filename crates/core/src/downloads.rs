//! Files OpsDesk saves (reports, recordings, attachments, exports, QR codes): one way to save
//! them, remember them so they can be opened again by ID, list them in Settings and delete them
//! once they are past the retention period.
//!
//! Every saved file is named by [`crate::files::safe_file_name`], written inside the folder it
//! was meant for, readable by the user only, and given the extension of what it really is
//! (never the one a server or a user suggested). Anything that is not a document, image,
//! video or spreadsheet is saved inert (`.bin`) and can only be shown in its folder.

use opsdesk_http::RuleCode;
use std::path::{Path, PathBuf};

use crate::activity::Outcome;
use crate::app::App;
use crate::error::{AppError, ErrorCode};
use crate::files;
use crate::store::downloads as sql;
pub use crate::store::downloads::{downloads_for, DownloadedFile, SavedFile};

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
        if self.is_updating() {
            return Err(AppError::new(
                ErrorCode::Busy,
                "an update is being installed",
            ));
        }
        let area = if subject_id.starts_with("CHK") || subject_id.starts_with("checks") {
            "checks"
        } else if subject_id.starts_with("whatsapp") {
            "whatsapp"
        } else if subject_id.starts_with("activity") {
            "activity"
        } else if subject_id.starts_with("people") {
            "people"
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
        let now = self.now_ms();
        let path = dest.display().to_string();
        let id = self.with_conn(|c| {
            sql::insert(c, subject_id, kind, &path, bytes, now, content.openable())
        })?;
        let (file_name, _) = sql::split_path(&path);
        // A saved list or a person's data is not about one vendor record: Activity names the
        // file (a date and a plain title), not an internal subject like `checks-list`.
        let summary = if kind.ends_with("_export") && !subject_id.starts_with("CHK") {
            file_name.as_str()
        } else {
            subject_id
        };
        self.record(area, &action, Outcome::Ok, summary);
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
        let row = self.with_conn(|c| sql::path_of(c, id))?;
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
                RuleCode::UnsafeFile,
                "this file is not a document OpsDesk can open safely",
            ));
        }
        Ok(path)
    }

    /// Every file OpsDesk saved that is still where it was saved, newest first.
    pub fn saved_files(&self) -> Result<Vec<SavedFile>, AppError> {
        let cutoff = self.retention_cutoff_ms();
        let rows = self.with_conn(|c| sql::list(c))?;
        Ok(rows
            .into_iter()
            .filter(|(f, _)| Path::new(&f.folder).join(&f.file_name).exists())
            .map(|(file, at)| SavedFile {
                file,
                saved_at_ms: at,
                past_retention: at < cutoff,
            })
            .collect())
    }

    /// Deletes the saved files older than the retention period (and forgets them). Returns how
    /// many files were deleted.
    #[tracing::instrument(skip(self))]
    pub fn delete_saved_files_past_retention(&self) -> Result<usize, AppError> {
        let cutoff = self.retention_cutoff_ms();
        let old = self.with_conn(|c| sql::older_than(c, cutoff))?;
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
            self.with_conn(|c| sql::forget(c, id))?;
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
        let (n, f) = sql::split_path(&p.display().to_string());
        assert_eq!(n, "c.pdf");
        assert_eq!(f, Path::new("a").join("b").display().to_string());
    }
}
