//! Background-check use cases: the guided form, creation with Truora's dedup made visible,
//! a searchable offline cache, following unfinished checks with backoff, details, the report PDF.

use opsdesk_http::DownloadProgress;
use opsdesk_truora::checks::rules::{self, CheckDraft, Subject};
use opsdesk_truora::checks::Detail;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

use crate::activity::Outcome;
use crate::app::App;
use crate::downloads::DownloadedFile;
use crate::error::{AppError, ErrorCode};
use crate::store::checks as sql;
pub use crate::store::checks::{
    fts_query, next_poll, search, CheckPage, CheckQuery, CheckRow, LIST_PAGE, PAGE_MAX,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CheckSubject {
    Person,
    ForeignPerson,
    PersonAlternative,
    Company,
    Vehicle,
    ForeignVehicle,
}

impl From<CheckSubject> for Subject {
    fn from(s: CheckSubject) -> Subject {
        match s {
            CheckSubject::Person => Subject::Person,
            CheckSubject::ForeignPerson => Subject::ForeignPerson,
            CheckSubject::PersonAlternative => Subject::PersonAlternative,
            CheckSubject::Company => Subject::Company,
            CheckSubject::Vehicle => Subject::Vehicle,
            CheckSubject::ForeignVehicle => Subject::ForeignVehicle,
        }
    }
}

impl CheckSubject {
    pub(crate) fn wire_type(self) -> &'static str {
        match self {
            CheckSubject::Company => "company",
            CheckSubject::Vehicle | CheckSubject::ForeignVehicle => "vehicle",
            _ => "person",
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FormField {
    pub name: String,
    pub required: bool,
    /// One of the fields marked so is needed (a foreigner's ID, permit or passport).
    pub either: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct NewCheckForm {
    pub subject: CheckSubject,
    /// A custom type of the account instead of the built-in type.
    pub custom_type: Option<String>,
    pub country: String,
    pub inputs: BTreeMap<String, String>,
    pub consent: bool,
    pub reference: String,
    /// Create even if Truora has an identical recent check.
    pub force: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DatabaseView {
    pub data_set: String,
    pub name: String,
    pub status: String,
    pub invalid_inputs: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckView {
    pub row: CheckRow,
    pub id_score: f64,
    pub name_score: f64,
    pub databases: Vec<DatabaseView>,
    /// The team's own reference ("Your reference"), when the check has one.
    pub reference: Option<String>,
    #[ts(type = "number")]
    pub fetched_at_ms: i64,
    pub downloads: Vec<DownloadedFile>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CreateOutcome {
    pub check: CheckView,
    /// Truora returned an identical recent check instead of creating one.
    pub existing: bool,
}

/// How far "bring in checks from Truora" has got.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ImportProgress {
    pub pages: u32,
    pub checks: u32,
    /// The operator stopped it; what came before is kept.
    pub cancelled: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DetailView {
    pub data_set: String,
    pub database: String,
    pub status: String,
    /// found | not_found | pending
    pub result: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DetailsPage {
    pub details: Vec<DetailView>,
    pub next: Option<String>,
}

pub(crate) fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

impl App {
    pub fn checks_form_fields(&self, subject: CheckSubject, country: &str) -> Vec<FormField> {
        rules::fields_for(subject.into(), country)
            .unwrap_or_default()
            .into_iter()
            .map(|f| FormField {
                name: f.name.to_string(),
                required: f.required,
                either: f.either,
            })
            .collect()
    }

    fn view(&self, id: &str) -> Result<CheckView, AppError> {
        self.with_conn(|c| {
            let Some((row, c_, fetched)) = sql::load(c, id)? else {
                return Ok(None);
            };
            let downloads = crate::store::downloads::downloads_for(c, id)?;
            Ok(Some(CheckView {
                row,
                id_score: c_.id_score,
                name_score: c_.homonym_score,
                databases: c_
                    .statuses
                    .iter()
                    .map(|d| DatabaseView {
                        data_set: d.data_set.clone().unwrap_or_default(),
                        name: d.database_name.clone().unwrap_or_default(),
                        status: d.status.clone().unwrap_or_default(),
                        invalid_inputs: d.invalid_inputs.clone(),
                    })
                    .collect(),
                reference: c_
                    .input("custom_input")
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string),
                fetched_at_ms: fetched,
                downloads,
            }))
        })?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "check not in the cache"))
    }

    /// Validates every rule, then creates the check. Field problems come back all at once.
    #[tracing::instrument(skip(self, form), fields(country = %form.country, subject = ?form.subject, force = form.force))]
    pub async fn checks_create(&self, form: &NewCheckForm) -> Result<CreateOutcome, Vec<AppError>> {
        let draft = CheckDraft {
            subject: Some(form.subject.into()),
            custom_type: form.custom_type.clone().filter(|t| !t.trim().is_empty()),
            country: form.country.clone(),
            user_authorized: form.consent,
            inputs: form.inputs.clone(),
            custom_input: form.reference.clone(),
        };
        let clean = rules::validate(&draft, &today()).map_err(|errs| {
            errs.into_iter()
                .map(|e| AppError::validation(&e.field, e.rule, format!("{} {}", e.field, e.rule)))
                .collect::<Vec<_>>()
        })?;
        let kind = draft
            .custom_type
            .clone()
            .unwrap_or_else(|| form.subject.wire_type().to_string());
        let client = self.truora().await.map_err(|e| vec![e])?;
        let created = match client
            .create_check(&kind, &form.country, &clean, form.force)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                self.record("checks", "checks.created", Outcome::Failed, &form.country);
                return Err(vec![e.into()]);
            }
        };
        let practice = self.is_practice();
        self.with_conn(|c| sql::save(c, &created.check, self.now_ms(), practice))
            .map_err(|e| vec![e])?;
        let id = created.check.check_id.clone();
        if !created.existing {
            self.record("checks", "checks.created", Outcome::Ok, &id);
        }
        Ok(CreateOutcome {
            check: self.view(&id).map_err(|e| vec![e])?,
            existing: created.existing,
        })
    }

    pub fn checks_search(&self, q: &CheckQuery) -> Result<CheckPage, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| sql::search(c, q, practice))
    }

    /// The checks list as the screen shows it (the same query: search text and filters, every
    /// page) as a spreadsheet or CSV: headers in the app's language, dates and scores (out of
    /// ten, as on screen) as real cells. Pages through the list's own keyset, so 100,000
    /// checks are read in order without a sort or an offset.
    pub fn checks_export_bytes(
        &self,
        q: &CheckQuery,
        format: crate::export::Format,
        words: &crate::export::Words,
    ) -> Result<Vec<u8>, AppError> {
        use crate::export::{Cell, Writer};
        let practice = self.is_practice();
        let mut w = Writer::new(
            format,
            words,
            "checks.export.sheet",
            &[
                "checks.export.created",
                "checks.export.name",
                "checks.export.document",
                "checks.export.country",
                "checks.export.kind",
                "checks.export.status",
                "checks.export.score",
                "checks.export.check_id",
            ],
        )?;
        let mut q = q.clone();
        q.limit = sql::PAGE_MAX;
        q.after = None;
        loop {
            let page = self.with_conn(|c| sql::search(c, &q, practice))?;
            for r in &page.rows {
                w.row(&[
                    Cell::Date(r.created_ms),
                    Cell::Text(r.subject.clone()),
                    Cell::Text(r.document.clone()),
                    Cell::Text(words.w(&format!("country.{}", r.country)).to_string()),
                    Cell::Text(words.w(&format!("subject.{}", r.kind)).to_string()),
                    Cell::Text(words.w(&format!("status.{}", r.status)).to_string()),
                    if r.score < 0.0 {
                        Cell::Empty
                    } else {
                        Cell::Number((r.score * 100.0).round() / 10.0)
                    },
                    Cell::Text(r.check_id.clone()),
                ])?;
            }
            match page.next {
                Some(next) => q.after = Some(next),
                None => break,
            }
        }
        w.finish()
    }

    pub fn checks_get(&self, id: &str) -> Result<CheckView, AppError> {
        self.view(id)
    }

    pub async fn checks_refresh(&self, id: &str) -> Result<CheckView, AppError> {
        let client = self.truora().await?;
        let check = client.get_check(id).await?;
        let practice = self.is_practice();
        self.with_conn(|c| sql::save(c, &check, self.now_ms(), practice))?;
        self.view(id)
    }

    /// Asks Truora about every unfinished check whose time has come (at most `max` per call).
    /// Returns how many changed status. Errors push the next poll back instead of failing.
    pub async fn checks_poll_due(&self, max: u32) -> Result<usize, AppError> {
        let now = self.now_ms();
        let practice = self.is_practice();
        let due = self.with_conn(|c| sql::due(c, now, practice, max))?;
        if due.is_empty() {
            return Ok(0);
        }
        let client = self.truora().await?;
        let mut changed = 0;
        for (id, before) in due {
            match client.get_check(&id).await {
                Ok(check) => {
                    if check.status.as_deref() != Some(before.as_str()) {
                        changed += 1;
                    }
                    self.with_conn(|c| sql::save(c, &check, self.now_ms(), practice))?;
                }
                Err(e) if e.kind == opsdesk_http::ErrorKind::NotFound => {
                    // Deleted elsewhere: stop following it.
                    self.with_conn(|c| sql::stop_following(c, &id))?;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "poll failed; backing off");
                    self.with_conn(|c| sql::back_off(c, &id, now))?;
                }
            }
        }
        Ok(changed)
    }

    /// Imports the account's checks (up to `pages` pages) into the cache.
    pub async fn checks_import(&self, pages: u32) -> Result<usize, AppError> {
        let out = self.checks_import_pages(Some(pages), None, |_| {}).await?;
        Ok(out.checks as usize)
    }

    /// Brings in every check of the account, page by page until Truora's list ends, or until
    /// `cancel`. Each page is saved as it arrives, so a cancelled or failed run keeps what it
    /// brought; `progress` hears after every page.
    pub async fn checks_import_pages(
        &self,
        max_pages: Option<u32>,
        cancel: Option<&tokio_util::sync::CancellationToken>,
        mut progress: impl FnMut(&ImportProgress),
    ) -> Result<ImportProgress, AppError> {
        let client = self.truora().await?;
        let practice = self.is_practice();
        let mut cursor: Option<String> = None;
        let mut p = ImportProgress::default();
        loop {
            if max_pages.is_some_and(|m| p.pages >= m.max(1)) {
                break;
            }
            let page = match cancel {
                Some(c) => tokio::select! {
                    biased;
                    _ = c.cancelled() => {
                        p.cancelled = true;
                        break;
                    }
                    r = client.list_checks(cursor.as_deref()) => r,
                },
                None => client.list_checks(cursor.as_deref()).await,
            };
            let (checks, next) = match page {
                Ok(v) => v,
                Err(e) => {
                    // What came before stays; Activity says how far it got.
                    self.record(
                        "checks",
                        "checks.imported",
                        Outcome::Failed,
                        &p.checks.to_string(),
                    );
                    return Err(e.into());
                }
            };
            let now = self.now_ms();
            self.with_conn(|c| sql::save_all(c, &checks, now, practice))?;
            p.pages += 1;
            p.checks += checks.len() as u32;
            progress(&p);
            match next {
                Some(k) => cursor = Some(k),
                None => break,
            }
        }
        self.record(
            "checks",
            "checks.imported",
            Outcome::Ok,
            &p.checks.to_string(),
        );
        Ok(p)
    }

    pub async fn checks_details(
        &self,
        id: &str,
        lang: &str,
        cursor: Option<String>,
    ) -> Result<DetailsPage, AppError> {
        let client = self.truora().await?;
        let (details, next) = client.check_details(id, lang, cursor.as_deref()).await?;
        Ok(DetailsPage {
            details: details
                .into_iter()
                .map(|d: Detail| DetailView {
                    data_set: d.data_set.unwrap_or_default(),
                    database: d.database_name.unwrap_or_default(),
                    status: d.status.unwrap_or_default(),
                    result: d.result.unwrap_or_else(|| "pending".into()),
                    description: d.description.unwrap_or_default(),
                })
                .collect(),
            next,
        })
    }

    pub async fn checks_delete(&self, id: &str) -> Result<(), AppError> {
        let client = self.truora().await?;
        match client.delete_check(id).await {
            Ok(()) => {}
            Err(e) if e.kind == opsdesk_http::ErrorKind::NotFound => {}
            Err(e) => {
                self.record("checks", "checks.deleted", Outcome::Failed, id);
                return Err(e.into());
            }
        }
        self.with_conn(|c| sql::delete(c, id))?;
        self.record("checks", "checks.deleted", Outcome::Ok, id);
        Ok(())
    }

    pub async fn checks_download_pdf(
        &self,
        id: &str,
        lang: &str,
        folder: Option<std::path::PathBuf>,
        job_id: &str,
        mut progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DownloadedFile, AppError> {
        let client = self.truora().await?;
        let lang = lang.to_string();
        self.save_download(
            id,
            "report",
            &format!("{id}-{lang}"),
            folder,
            job_id,
            |dest, cancel| {
                let client = client.clone();
                let id = id.to_string();
                async move {
                    client
                        .download_check_pdf(&id, &lang, &dest, &cancel, &mut progress)
                        .await
                }
            },
        )
        .await
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AttachmentView {
    pub index: u32,
    pub name: String,
    pub data_set: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckExtras {
    pub attachments: Vec<AttachmentView>,
    pub databases_consulted: Option<u32>,
    pub records_found: Option<u32>,
}

impl App {
    /// Attachments and the summary, fetched live (both are small).
    pub async fn checks_extras(&self, id: &str) -> Result<CheckExtras, AppError> {
        let client = self.truora().await?;
        let atts = client.check_attachments(id).await?;
        let sum = client.summarize_check(id).await.unwrap_or_default();
        Ok(CheckExtras {
            attachments: atts
                .into_iter()
                .enumerate()
                .map(|(i, a)| AttachmentView {
                    index: i as u32,
                    name: a.name.unwrap_or_else(|| format!("attachment-{}", i + 1)),
                    data_set: a.data_set,
                })
                .collect(),
            databases_consulted: sum.databases_consulted,
            records_found: sum.records_found,
        })
    }

    pub async fn checks_download_attachment(
        &self,
        id: &str,
        index: u32,
        job_id: &str,
        mut progress: impl FnMut(DownloadProgress) + Send,
    ) -> Result<DownloadedFile, AppError> {
        let client = self.truora().await?;
        let atts = client.check_attachments(id).await?;
        let att = atts
            .get(index as usize)
            .cloned()
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "attachment not found"))?;
        let url = att
            .url
            .clone()
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "attachment has no address"))?;
        let name = att.name.unwrap_or_else(|| "attachment".into());
        // The name the server sends only contributes the stem: the saved type comes from the
        // content (an attachment named factura.exe is saved inert, never as a program).
        let stem = match name.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() && !e.is_empty() && e.len() <= 5 => format!("{id}-{s}"),
            _ => format!("{id}-{name}"),
        };
        self.save_download(
            id,
            "attachment",
            &stem,
            None,
            job_id,
            |dest, cancel| async move {
                client
                    .download_attachment(&url, &dest, &cancel, &mut progress)
                    .await
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_while_running_and_is_slow_while_delayed() {
        assert_eq!(next_poll("not_started", 0, 0), Some(3_000));
        assert_eq!(next_poll("in_progress", 3, 0), Some(24_000));
        assert_eq!(next_poll("in_progress", 30, 0), Some(60_000));
        assert_eq!(next_poll("delayed", 0, 0), Some(600_000));
        assert_eq!(next_poll("completed", 0, 0), None);
        assert_eq!(next_poll("error", 9, 0), None);
    }

    #[test]
    fn search_text_becomes_a_safe_prefix_query() {
        assert_eq!(
            fts_query("maría 1020").as_deref(),
            Some("\"maría\"* AND \"1020\"*")
        );
        assert_eq!(
            fts_query("\"OR\" NEAR(x"),
            Some("\"OR\"* AND \"NEAR\"* AND \"x\"*".into())
        );
        assert_eq!(fts_query("  -- "), None);
    }
}
