//! List-send use cases every kind shares: a job from the loaded spreadsheet, running it with
//! the sender of its kind, recording it in Activity, and the export of what did not go out.
//! The engine itself (`bulk::engine`) does not know the App.

use opsdesk_http::RuleCode;
use serde::Serialize;
use std::sync::Arc;

use super::engine::{
    ExportLabels, JobState, JobView, NewRow, RowOutcome, RowReason, RowState, RowView, Sender,
};
use crate::app::App;
use crate::error::AppError;

/// The column a mapping names for `field`: `None` when the user chose none, an error at the
/// field when the file has no such column.
pub(crate) fn mapped_column(
    sheet: &super::import::Sheet,
    name: &str,
    field: &str,
) -> Result<Option<usize>, AppError> {
    if name.trim().is_empty() {
        return Ok(None);
    }
    sheet.column(name).map(Some).ok_or_else(|| {
        AppError::validation(field, RuleCode::BulkNoSuchColumn, "column not in the file")
    })
}

/// One row's request, as a paced sender makes it (a WhatsApp send, a check creation).
pub(crate) type OneRow = for<'a> fn(
    &'a App,
    &'a opsdesk_truora::TruoraClient,
    &'a serde_json::Value,
) -> futures_util::future::BoxFuture<'a, RowOutcome>;

/// A sender that makes one Truora request per row, at a pace of `per_second`, `concurrency`
/// at a time: WhatsApp list sends and checks created one by one share it.
pub(crate) struct PerRowSender {
    pub app: Arc<App>,
    pub client: opsdesk_truora::TruoraClient,
    pub per_second: u32,
    pub concurrency: usize,
    pub one: OneRow,
}

impl Sender for PerRowSender {
    fn limit(&self) -> Option<opsdesk_http::RateLimit> {
        Some(opsdesk_http::RateLimit::per_second(self.per_second))
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn send(
        &self,
        rows: Vec<(i64, serde_json::Value)>,
    ) -> futures_util::future::BoxFuture<'static, Vec<(i64, RowOutcome)>> {
        let (app, client, one) = (self.app.clone(), self.client.clone(), self.one);
        Box::pin(async move {
            let mut out = Vec::with_capacity(rows.len());
            for (no, p) in rows {
                out.push((no, one(&app, &client, &p).await));
            }
            out
        })
    }
}

impl App {
    /// Makes a job of `kind` from the spreadsheet loaded for it, rows checked by `check`, then
    /// forgets the file (it holds personal data). `area` names it in Activity.
    pub(crate) fn bulk_create_from_sheet<M: Serialize>(
        &self,
        kind: &str,
        area: &str,
        mapping: &M,
        title: &str,
        check: impl FnOnce(
            &str,
            &super::import::Sheet,
            &mut dyn FnMut(NewRow) -> Result<(), AppError>,
        ) -> Result<(), AppError>,
    ) -> Result<i64, AppError> {
        let mut guard = self.bulk.sheet.lock().unwrap();
        let (name, sheet) = guard
            .as_ref()
            .ok_or_else(|| AppError::validation("file", RuleCode::Required, "choose a file"))?;
        let params =
            serde_json::json!({ "mapping": mapping, "headers": sheet.headers, "file_name": name });
        let title = if title.trim().is_empty() {
            name.clone()
        } else {
            title.trim().to_string()
        };
        // Each row goes into the job as it is checked: a list of 200,000 rows is never held
        // twice (as cells and as checked rows) in memory.
        let id = self
            .bulk
            .create_streaming(kind, &title, &params, self.is_practice(), |f| {
                check(name, sheet, f)
            })?
            .ok_or_else(|| {
                AppError::validation("file", RuleCode::BulkNothingValid, "no valid rows")
            })?;
        *guard = None;
        self.record(
            area,
            &format!("{area}.bulk_created"),
            crate::activity::Outcome::Ok,
            &title,
        );
        Ok(id)
    }

    /// Runs a job with the sender of its kind (WhatsApp, Truecaller or checks).
    pub async fn bulk_run_job(
        self: &Arc<Self>,
        id: i64,
        progress: impl FnMut(&JobView),
    ) -> Result<JobView, AppError> {
        match self.bulk_job(id)?.kind.as_str() {
            super::truecaller::KIND => self.truecaller_bulk_run(id, progress).await,
            super::whatsapp::KIND => self.whatsapp_bulk_run(id, progress).await,
            super::checks::KIND => self.checks_bulk_run(id, progress).await,
            other => Err(AppError::internal(format!("unknown job kind {other}"))),
        }
    }

    /// Writes a finished job in Activity: done when every row that could go did, partly done
    /// when some did ("18 of 31"), failed when none did.
    pub(crate) fn bulk_record_finished(&self, area: &str, v: &JobView) {
        if v.state != JobState::Finished {
            return;
        }
        let outcome = if v.counts.failed + v.counts.uncertain == 0 {
            crate::activity::Outcome::Ok
        } else if v.counts.done > 0 {
            crate::activity::Outcome::Partial
        } else {
            crate::activity::Outcome::Failed
        };
        // Out of the rows that could go: those with problems in the file never could.
        let summary = format!(
            "{} ({} / {})",
            v.title,
            v.counts.done,
            v.counts.total - v.counts.invalid
        );
        self.record(area, &format!("{area}.bulk_finished"), outcome, &summary);
    }

    /// Stores a checked job and its rows in the mode in effect.
    pub fn bulk_create(
        &self,
        kind: &str,
        title: &str,
        params: &serde_json::Value,
        rows: Vec<NewRow>,
    ) -> Result<i64, AppError> {
        self.bulk
            .create(kind, title, params, self.is_practice(), rows)
    }

    pub fn bulk_job(&self, id: i64) -> Result<JobView, AppError> {
        self.bulk.job(id)
    }

    /// Jobs of the mode in effect, newest first.
    pub fn bulk_jobs(&self, kind: &str) -> Result<Vec<JobView>, AppError> {
        self.bulk.jobs(kind, self.is_practice())
    }

    /// Rows of a job after row `after_row` (0: from the first), optionally only in some states.
    pub fn bulk_rows(
        &self,
        id: i64,
        states: &[RowState],
        after_row: u32,
        limit: u32,
    ) -> Result<Vec<RowView>, AppError> {
        self.bulk.rows(id, states, after_row, limit)
    }

    /// After a restart: see [`super::engine::Engine::recover`].
    pub fn bulk_recover(&self) -> Result<Vec<i64>, AppError> {
        self.bulk.recover()
    }

    /// The operator's decision on uncertain rows: send them again, or leave them as not sent.
    pub fn bulk_resolve_uncertain(&self, id: i64, resend: bool) -> Result<JobView, AppError> {
        self.bulk.resolve_uncertain(id, resend)
    }

    pub fn bulk_note_outcome(&self, id: i64, rows: &[i64], outcome: &str) -> Result<(), AppError> {
        self.bulk.note_outcome(id, rows, outcome)
    }

    pub(crate) fn bulk_uncertain_outcomes(
        &self,
        id: i64,
    ) -> Result<Vec<(i64, String, String)>, AppError> {
        self.bulk.uncertain_outcomes(id)
    }

    pub(crate) fn bulk_settle_uncertain(
        &self,
        id: i64,
        results: &[(i64, RowOutcome)],
    ) -> Result<(), AppError> {
        self.bulk.settle_uncertain(id, results)
    }

    pub fn bulk_pause(&self, id: i64) -> bool {
        self.bulk.pause(id)
    }

    /// Stops a job for good: rows not yet sent stay unsent (and are exported as such).
    pub fn bulk_cancel(&self, id: i64) -> Result<(), AppError> {
        self.bulk.cancel(id)
    }

    pub fn bulk_is_running(&self, id: i64) -> bool {
        self.bulk.is_running(id)
    }

    /// Runs a job until every row is settled, or it is paused or cancelled. `progress` is called
    /// after every recorded batch. Safe to call again after a pause, a cancel or a crash.
    pub async fn bulk_run(
        &self,
        id: i64,
        sender: Arc<dyn Sender>,
        progress: impl FnMut(&JobView),
    ) -> Result<JobView, AppError> {
        if self.is_updating() {
            return Err(AppError::new(
                crate::error::ErrorCode::Busy,
                "an update is being installed",
            ));
        }
        self.bulk.run(id, sender, progress).await
    }
}

/// A row's reasons in the words the UI sent (the vendor's own text, or the code, otherwise).
pub(crate) fn reason_words(labels: &ExportLabels, reasons: &[RowReason]) -> String {
    reasons
        .iter()
        .map(|k| {
            labels
                .reasons
                .iter()
                .find(|(r, _)| r == k)
                .map(|(_, words)| words.clone())
                .unwrap_or_else(|| match k {
                    RowReason::Vendor { text } => text.clone(),
                    other => other.key(),
                })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl App {
    /// Every row of a job, in file order: the file's own columns, then what happened to the
    /// row, why, the vendor's reference (the check or message ID) and when, as Excel or CSV
    /// (`bulk.col_*` words from the UI). Paged by row number, so a job of a million rows is
    /// never held in memory.
    pub fn bulk_rows_export_bytes(
        &self,
        id: i64,
        format: crate::export::Format,
        words: &crate::export::Words,
        labels: &ExportLabels,
    ) -> Result<Vec<u8>, AppError> {
        use crate::export::{Cell, Writer};
        let file_headers = self.with_conn(|c| crate::store::bulk::headers(c, id))?;
        let mut headers = file_headers.clone();
        for k in [
            "bulk.col_result",
            "bulk.col_reason",
            "bulk.col_reference",
            "bulk.col_updated",
        ] {
            headers.push(words.w(k).to_string());
        }
        let mut w = Writer::with_headers(format, words, "bulk.export_sheet", &headers)?;
        let mut after = 0;
        loop {
            let page = self.with_conn(|c| crate::store::bulk::full_page(c, id, after, 2000))?;
            let Some(last) = page.last() else { break };
            after = last.0;
            for (_, state, source, reasons, outcome, at) in &page {
                let mut cells: Vec<Cell> = (0..file_headers.len())
                    .map(|i| Cell::Text(source.get(i).cloned().unwrap_or_default()))
                    .collect();
                cells.push(Cell::Text(
                    labels
                        .states
                        .get(state)
                        .cloned()
                        .unwrap_or_else(|| state.db().to_string()),
                ));
                cells.push(Cell::Text(reason_words(labels, reasons)));
                // A done row's outcome is the vendor's reference; others carry none worth showing.
                cells.push(match (state, outcome) {
                    (RowState::Done, Some(o)) => Cell::Text(o.clone()),
                    _ => Cell::Empty,
                });
                cells.push(at.map(Cell::Date).unwrap_or(Cell::Empty));
                w.row(&cells)?;
            }
        }
        w.finish()
    }
}

impl App {
    /// Saves a job's every-row export, named after the job ("cobros - all rows <date>").
    pub async fn save_bulk_rows_export(
        &self,
        id: i64,
        bytes: Vec<u8>,
        words: &crate::export::Words,
        folder: Option<std::path::PathBuf>,
    ) -> Result<crate::downloads::DownloadedFile, AppError> {
        let job = self.bulk_job(id)?;
        let title = job.title.trim_end_matches(".csv").trim_end_matches(".xlsx");
        let mut words = words.clone();
        let name = format!("{title} - {}", words.w("bulk.export_all_rows"));
        words.words.insert("bulk.export_file".into(), name);
        self.save_list_export(
            &format!("{}-bulk-{id}", job.kind),
            bytes,
            &words,
            "bulk.export_file",
            folder,
        )
        .await
    }

    /// Every row that did not go out (failed, uncertain, invalid, skipped, and unsent rows of a
    /// cancelled job) as a spreadsheet in the file's own columns plus result and reason, saved in
    /// `folder` (or the download folder).
    pub async fn bulk_export(
        &self,
        id: i64,
        labels: &ExportLabels,
        folder: Option<std::path::PathBuf>,
    ) -> Result<crate::downloads::DownloadedFile, AppError> {
        let job = self.bulk_job(id)?;
        let (headers, rows) = self.with_conn(|c| crate::store::bulk::unsent_rows(c, id))?;
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let xerr = |e: rust_xlsxwriter::XlsxError| {
            AppError::internal(format!("cannot write the spreadsheet: {e}"))
        };
        for (i, h) in headers
            .iter()
            .chain([&labels.result, &labels.reason])
            .enumerate()
        {
            ws.write_string_with_format(0, i as u16, super::engine::xlsx_text(h), &bold)
                .map_err(xerr)?;
        }
        for (n, (_, state, source, reason)) in rows.iter().enumerate() {
            let r = (n + 1) as u32;
            for (i, cell) in source.iter().enumerate().take(headers.len()) {
                // Written as text cells: phone numbers keep their digits and "+", and a text cell
                // is never evaluated as a formula, so no apostrophe is needed (one would make
                // the export differ from the file it came from, and not re-import).
                ws.write_string(r, i as u16, super::engine::xlsx_text(cell))
                    .map_err(xerr)?;
            }
            let word = labels
                .states
                .get(state)
                .cloned()
                .unwrap_or_else(|| state.db().to_string());
            ws.write_string(r, headers.len() as u16, super::engine::xlsx_text(&word))
                .map_err(xerr)?;
            let why = reason_words(labels, reason);
            ws.write_string(r, headers.len() as u16 + 1, super::engine::xlsx_text(&why))
                .map_err(xerr)?;
        }
        ws.autofit();
        let bytes = wb.save_to_buffer().map_err(xerr)?;
        let suffix = if labels.file_suffix.trim().is_empty() {
            "not sent"
        } else {
            labels.file_suffix.trim()
        };
        let stem = format!(
            "{} - {suffix}",
            job.title.trim_end_matches(".csv").trim_end_matches(".xlsx")
        );
        let subject = format!("{}-bulk-{id}", job.kind);
        self.save_download(
            &subject,
            "bulk_export",
            &stem,
            folder,
            &subject,
            |dest, _| async move {
                crate::files::write_private(&dest, &bytes).map_err(|e| {
                    opsdesk_http::ApiError::unexpected(format!("cannot write the file: {e}"))
                })?;
                Ok(bytes.len() as u64)
            },
        )
        .await
    }
}
