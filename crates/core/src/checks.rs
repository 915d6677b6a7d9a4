//! Background-check use cases: the guided form, creation with Truora's dedup made visible,
//! a searchable offline cache, following unfinished checks with backoff, details, the report PDF.

use opsdesk_http::DownloadProgress;
use opsdesk_truora::checks::rules::{self, CheckDraft, Subject};
use opsdesk_truora::checks::{Check, Detail};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

use crate::activity::Outcome;
use crate::app::{now_ms, App};
use crate::downloads::DownloadedFile;
use crate::error::{AppError, ErrorCode};

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
    fn wire_type(self) -> &'static str {
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

fn created_ms_of(c: &Check) -> i64 {
    c.creation_date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.timestamp_millis())
        .unwrap_or_else(now_ms)
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
            created_ms_of(c),
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

pub fn load(conn: &Connection, id: &str) -> rusqlite::Result<Option<CheckView>> {
    let found = conn
        .query_row("SELECT * FROM checks WHERE check_id = ?1", [id], |r| {
            Ok((
                row_of(r)?,
                r.get::<_, String>("body")?,
                r.get::<_, i64>("fetched_at_ms")?,
            ))
        })
        .optional()?;
    let Some((row, body, fetched)) = found else {
        return Ok(None);
    };
    let Ok(c) = serde_json::from_str::<Check>(&body) else {
        return Ok(None);
    };
    let downloads = crate::downloads::downloads_for(conn, id)?;
    Ok(Some(CheckView {
        row,
        id_score: c.id_score,
        name_score: c.homonym_score,
        databases: c
            .statuses
            .iter()
            .map(|d| DatabaseView {
                data_set: d.data_set.clone().unwrap_or_default(),
                name: d.database_name.clone().unwrap_or_default(),
                status: d.status.clone().unwrap_or_default(),
                invalid_inputs: d.invalid_inputs.clone(),
            })
            .collect(),
        fetched_at_ms: fetched,
        downloads,
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

fn today() -> String {
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
            })
            .collect()
    }

    fn view(&self, id: &str) -> Result<CheckView, AppError> {
        self.with_conn(|c| load(c, id))?
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
        self.with_conn(|c| save(c, &created.check, now_ms(), practice))
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

    pub fn checks_search(&self, q: &CheckQuery) -> Result<Vec<CheckRow>, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| search(c, q, practice))
    }

    pub fn checks_get(&self, id: &str) -> Result<CheckView, AppError> {
        self.view(id)
    }

    pub async fn checks_refresh(&self, id: &str) -> Result<CheckView, AppError> {
        let client = self.truora().await?;
        let check = client.get_check(id).await?;
        let practice = self.is_practice();
        self.with_conn(|c| save(c, &check, now_ms(), practice))?;
        self.view(id)
    }

    /// Asks Truora about every unfinished check whose time has come (at most `max` per call).
    /// Returns how many changed status. Errors push the next poll back instead of failing.
    pub async fn checks_poll_due(&self, max: u32) -> Result<usize, AppError> {
        let now = now_ms();
        let practice = self.is_practice();
        let due: Vec<(String, String)> = self.with_conn(|c| {
            let mut s = c.prepare_cached(
                "SELECT check_id, status FROM checks WHERE next_poll_ms IS NOT NULL AND next_poll_ms <= ?1 AND practice = ?2 ORDER BY next_poll_ms LIMIT ?3",
            )?;
            let rows = s.query_map(params![now, practice, max], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })?;
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
                    self.with_conn(|c| save(c, &check, now_ms(), practice))?;
                }
                Err(e) if e.kind == opsdesk_http::ErrorKind::NotFound => {
                    // Deleted elsewhere: stop following it.
                    self.with_conn(|c| {
                        c.execute(
                            "UPDATE checks SET next_poll_ms = NULL WHERE check_id = ?1",
                            [&id],
                        )
                    })?;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "poll failed; backing off");
                    self.with_conn(|c| {
                        c.execute(
                            "UPDATE checks SET poll_attempt = poll_attempt + 1, next_poll_ms = ?2 + MIN(600000, 5000 << MIN(poll_attempt, 7)) WHERE check_id = ?1",
                            params![id, now],
                        )
                    })?;
                }
            }
        }
        Ok(changed)
    }

    /// Imports the account's checks (up to `pages` pages) into the cache.
    pub async fn checks_import(&self, pages: u32) -> Result<usize, AppError> {
        let client = self.truora().await?;
        let practice = self.is_practice();
        let mut cursor: Option<String> = None;
        let mut n = 0;
        for _ in 0..pages.max(1) {
            let (checks, next) = client.list_checks(cursor.as_deref()).await?;
            let now = now_ms();
            self.with_conn(|c| {
                let tx = c.transaction()?;
                for ch in &checks {
                    save(&tx, ch, now, practice)?;
                }
                tx.commit()
            })?;
            n += checks.len();
            match next {
                Some(k) => cursor = Some(k),
                None => break,
            }
        }
        self.record("checks", "checks.imported", Outcome::Ok, &n.to_string());
        Ok(n)
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
        self.with_conn(|c| c.execute("DELETE FROM checks WHERE check_id = ?1", [id]))?;
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
