//! Background checks for a whole spreadsheet: every row checked with the check rules of its
//! country and type, then created through the jobs engine at our own pace.
//!
//! Never twice: a row is written down as in flight before its request leaves (the engine's
//! claim), and checks are created without `force_creation`, so Truora answers a repeat of the
//! same inputs with the check it already has. After a crash or a lost answer a row is settled
//! by looking its check up in Truora's list ([`App::checks_bulk_settle`]), never by creating it
//! again blindly: found, it is done; not there after a full look, it goes back to the queue.

use opsdesk_http::RuleCode;
use opsdesk_truora::checks::rules::{self, CheckDraft};
use opsdesk_truora::checks::Check;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use ts_rs::TS;

use super::engine::{BulkReason, NewRow, RowOutcome, RowReason, Sender};
use super::import::Sheet;
use super::whatsapp::WaPreview;
use crate::app::App;
use crate::checks::CheckSubject;
use crate::error::{AppError, ErrorCode};

pub const KIND: &str = "checks";

/// Truora publishes no limit for creating checks (catalogue §1.1) and answers 429 when it is
/// pushed: this pace is our own choice, and the one place to change it. A 429 puts the row
/// back in the queue.
pub const CREATES_PER_SECOND: u32 = 5;

/// How far back the look-up for an uncertain row reads Truora's list (newest first), at most:
/// enough for the checks a job makes at full pace in the margin below and more.
const SETTLE_PAGES: usize = 500;
/// Checks created this long before a row was claimed cannot be its check: the look-up stops
/// there. Ten minutes cover clocks that differ; more would mean reading thousands of checks.
const SETTLE_MARGIN_MS: i64 = 600_000;

/// Which column holds what, chosen by the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CkMapping {
    pub subject: CheckSubject,
    /// A custom check type of the account instead of the built-in one.
    #[serde(default)]
    pub custom_type: String,
    /// A column with each row's country (`CO`, `Colombia`); empty: `country` for all.
    #[serde(default)]
    pub country_column: String,
    pub country: String,
    /// Input name (as the check form names it) → column.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// A column with the team's own reference for each check.
    #[serde(default)]
    pub reference_column: String,
    /// A column with the person's or company's name, to recognise each row on screen. It is
    /// not sent (a Colombian cédula check takes no name); mapped names inputs come first.
    #[serde(default)]
    pub name_column: String,
    /// A column saying whether the person authorised the check (yes/sí/sim/x).
    #[serde(default)]
    pub consent_column: String,
    /// The operator confirms every person in the file authorised the check.
    pub all_consented: bool,
    /// Create the checks through Truora's batch API (up to 1,000 per batch, Truora's pace)
    /// instead of one request per row.
    #[serde(default)]
    pub use_batches: bool,
}

/// Every input a file can map for a subject: those of any country, the one-of documents
/// marked as such. Required only when every country requires it.
pub fn mappable_fields(
    subject: CheckSubject,
    country: Option<&str>,
) -> Vec<crate::checks::FormField> {
    let countries: Vec<&str> = match country {
        Some(c) => vec![c],
        None => rules::COUNTRIES.to_vec(),
    };
    let mut out: Vec<crate::checks::FormField> = Vec::new();
    let specs: Vec<_> = countries
        .iter()
        .filter_map(|c| rules::fields_for(subject.into(), c))
        .collect();
    for spec in &specs {
        for f in spec {
            if out.iter().any(|o| o.name == f.name) {
                continue;
            }
            let everywhere = specs
                .iter()
                .all(|s| s.iter().any(|g| g.name == f.name && g.required));
            out.push(crate::checks::FormField {
                name: f.name.to_string(),
                required: everywhere,
                either: f.either,
            });
        }
    }
    for g in rules::GENERAL_INPUTS {
        out.push(crate::checks::FormField {
            name: g.to_string(),
            required: false,
            either: false,
        });
    }
    out
}

fn truthy(s: &str) -> bool {
    matches!(
        s.trim().to_lowercase().as_str(),
        "yes" | "y" | "si" | "sí" | "s" | "sim" | "true" | "verdadero" | "1" | "x" | "ok"
    )
}

/// A country as people write it in a spreadsheet: the code, or its name in es, pt or en.
pub fn country_of(cell: &str) -> String {
    let c = cell.trim();
    let lower = c.to_lowercase();
    let by_name = match lower.as_str() {
        "colombia" => "CO",
        "méxico" | "mexico" => "MX",
        "brasil" | "brazil" => "BR",
        "chile" => "CL",
        "perú" | "peru" => "PE",
        "costa rica" => "CR",
        "ecuador" => "EC",
        "argentina" => "AR",
        "internacional" | "international" | "todos" | "todas" | "all" => "ALL",
        _ => "",
    };
    if by_name.is_empty() {
        c.to_uppercase()
    } else {
        by_name.to_string()
    }
}

/// A date cell as people write it: `1990-05-04`, `04/05/1990`, `4-5-1990`, `04.05.1990`, or
/// a date-and-time. Day first, as in every country OpsDesk checks in; anything else is left
/// as written for the rules to refuse at the row.
pub fn date_of(cell: &str) -> String {
    let c = cell.trim();
    let head = c.get(..10).unwrap_or(c);
    if rules::is_date(head) {
        return head.to_string();
    }
    let parts: Vec<&str> = c.split(['/', '-', '.']).map(str::trim).collect();
    if let [d, m, y] = parts.as_slice() {
        if d.len() <= 2 && m.len() <= 2 && y.len() == 4 {
            if let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u32>(), m.parse::<u32>(), y.parse::<u32>()) {
                return format!("{y:04}-{m:02}-{d:02}");
            }
        }
    }
    c.to_string()
}

const DATE_INPUTS: &[&str] = &["date_of_birth", "issue_date", "payment_date"];

/// What makes two rows the same subject: the first document the row has, else every input
/// but the team's own reference and the general ones.
fn identity_of(clean: &BTreeMap<String, String>) -> String {
    const DOCUMENTS: &[&str] = &[
        "national_id",
        "foreign_id",
        "passport",
        "pep",
        "ptp",
        "diplomatic_id",
        "tax_id",
        "license_plate",
    ];
    if let Some((k, v)) = DOCUMENTS
        .iter()
        .find_map(|k| clean.get(*k).map(|v| (*k, v)))
    {
        return format!("{k}={v}");
    }
    clean
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "custom_input" | "report_id" | "watch"))
        .map(|(k, v)| format!("{k}={}", v.to_lowercase()))
        .collect::<Vec<_>>()
        .join("|")
}

/// The person's or company's name among a row's values, or nothing.
fn name_of(inputs: &BTreeMap<String, String>) -> String {
    let name = [inputs.get("first_name"), inputs.get("last_name")]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        return name;
    }
    inputs
        .get("company_name")
        .map(|c| c.trim().to_string())
        .unwrap_or_default()
}

/// What the operator sees for a row: the name when there is one, else the document masked.
fn summary_of(inputs: &BTreeMap<String, String>) -> String {
    let name = name_of(inputs);
    if !name.is_empty() {
        return name;
    }
    [
        "national_id",
        "foreign_id",
        "passport",
        "tax_id",
        "license_plate",
        "pep",
        "ptp",
    ]
    .iter()
    .find_map(|k| inputs.get(*k))
    .map(|d| opsdesk_http::redact::mask_id(d))
    .unwrap_or_default()
}

/// Checks each row of the sheet with the check rules of its country and hands it to `f` as
/// soon as it is checked. A valid row becomes the exact request: type, country and inputs.
pub fn each_row(
    sheet: &Sheet,
    m: &CkMapping,
    today: &str,
    f: &mut dyn FnMut(NewRow) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let col = |name: &str, field: &str| super::jobs::mapped_column(sheet, name, field);
    let country_col = col(&m.country_column, "country_column")?;
    if country_col.is_none() && !rules::COUNTRIES.contains(&m.country.as_str()) {
        return Err(AppError::validation(
            "country",
            RuleCode::Required,
            "choose the country",
        ));
    }
    let consent = col(&m.consent_column, "consent_column")?;
    if consent.is_none() && !m.all_consented {
        return Err(AppError::validation(
            "consent_column",
            RuleCode::BulkOptInNeeded,
            "say how people authorised the check",
        ));
    }
    let reference = col(&m.reference_column, "reference_column")?;
    let name = col(&m.name_column, "name_column")?;
    let mut columns = Vec::new();
    for (input, name) in &m.columns {
        if let Some(c) = col(name, &format!("columns.{input}"))? {
            columns.push((input.as_str(), c));
        }
    }
    if columns.is_empty() {
        return Err(AppError::validation(
            "columns",
            RuleCode::Required,
            "choose at least one column",
        ));
    }
    let custom_type = Some(m.custom_type.trim().to_string()).filter(|t| !t.is_empty());
    let kind = custom_type
        .clone()
        .unwrap_or_else(|| m.subject.wire_type().to_string());
    let mut seen = HashSet::new();
    for (row_no, cells) in sheet.rows.iter() {
        let country = country_col
            .map(|c| country_of(sheet.cell(&cells, c)))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| m.country.clone());
        // Only the inputs Truora takes for this row's country travel: a file for several
        // countries maps the union of their columns.
        let offered: Vec<&str> = rules::fields_for(m.subject.into(), &country)
            .unwrap_or_default()
            .iter()
            .map(|f| f.name)
            .chain(rules::GENERAL_INPUTS.iter().copied())
            .collect();
        let inputs: BTreeMap<String, String> = columns
            .iter()
            .filter(|(input, _)| offered.contains(input))
            .map(|(input, c)| {
                let v = sheet.cell(&cells, *c);
                let v = if DATE_INPUTS.contains(input) {
                    date_of(v)
                } else {
                    v.to_string()
                };
                (input.to_string(), v)
            })
            .collect();
        let draft = CheckDraft {
            subject: Some(m.subject.into()),
            custom_type: custom_type.clone(),
            country: country.clone(),
            user_authorized: m.all_consented
                || consent.is_some_and(|c| truthy(sheet.cell(&cells, c))),
            inputs,
            custom_input: reference
                .map(|c| sheet.cell(&cells, c).to_string())
                .unwrap_or_default(),
        };
        // The row's label: the names in the file even where Truora does not take them (a
        // Colombian cédula check has no name input), so the operator recognises the row, and
        // the check is listed and found by that name.
        let mut shown = draft.inputs.clone();
        for (input, c) in &columns {
            if matches!(*input, "first_name" | "last_name" | "company_name") {
                shown.insert(input.to_string(), sheet.cell(&cells, *c).to_string());
            }
        }
        if let Some(c) = name.filter(|_| !shown.contains_key("first_name")) {
            shown.insert("first_name".into(), sheet.cell(&cells, c).to_string());
        }
        let label = name_of(&shown);
        // A country OpsDesk does not check in (Venezuela, a typo) is said as such at the
        // country, not as a missing value.
        let unknown_country = !rules::COUNTRIES.contains(&country.as_str());
        let checked = if unknown_country {
            Err(vec![rules::RuleError {
                field: "country".into(),
                rule: RuleCode::NotAvailableInCountry,
            }])
        } else {
            rules::validate(&draft, today)
        };
        let payload = match checked {
            Ok(clean) => {
                // The same person twice is the same document twice, whatever else differs
                // (each row's own reference, a birth date written differently).
                let key = format!("{kind}|{country}|{}", identity_of(&clean));
                if !seen.insert(key) {
                    Err(vec![RowReason::bulk(BulkReason::DuplicateInFile)])
                } else {
                    Ok(serde_json::json!({
                        "type": kind,
                        "country": country,
                        "inputs": clean,
                        "label": label,
                    }))
                }
            }
            Err(errs) => Err(errs
                .iter()
                .map(|e| RowReason::rule(e.field.clone(), e.rule))
                .collect()),
        };
        let summary = summary_of(&shown);
        f(NewRow {
            row_no,
            payload,
            summary,
            source: cells.to_vec(),
        })?;
    }
    Ok(())
}

/// The request a row's payload holds.
struct Request {
    kind: String,
    country: String,
    inputs: BTreeMap<String, String>,
    /// The name the file gave the row (not sent; the check is listed by it).
    label: Option<String>,
}

fn request_of(p: &serde_json::Value) -> Option<Request> {
    Some(Request {
        kind: p["type"].as_str()?.to_string(),
        country: p["country"].as_str()?.to_string(),
        inputs: serde_json::from_value(p["inputs"].clone()).ok()?,
        label: p["label"]
            .as_str()
            .filter(|l| !l.is_empty())
            .map(str::to_string),
    })
}

/// Whether `c` is the check this request creates: the same type, country and every input.
fn is_check_of(c: &Check, r: &Request) -> bool {
    c.kind.as_deref() == Some(r.kind.as_str())
        && c.country.as_deref() == Some(r.country.as_str())
        && r.inputs.iter().all(|(k, v)| c.input(k) == Some(v.as_str()))
}

/// [`create_one`] as the per-row sender calls it.
fn create_one_boxed<'a>(
    app: &'a App,
    client: &'a opsdesk_truora::TruoraClient,
    p: &'a serde_json::Value,
) -> futures_util::future::BoxFuture<'a, RowOutcome> {
    Box::pin(create_one(app, client, p))
}

async fn create_one(
    app: &App,
    client: &opsdesk_truora::TruoraClient,
    p: &serde_json::Value,
) -> RowOutcome {
    use opsdesk_http::ErrorKind as K;
    let Some(r) = request_of(p) else {
        return RowOutcome::Failed(RowReason::error(ErrorCode::Internal));
    };
    // Never forced: a repeat of the same inputs is answered with the check Truora has.
    match client
        .create_check(&r.kind, &r.country, &r.inputs, false)
        .await
    {
        Ok(created) => {
            let id = created.check.check_id.clone();
            // Into the cache, so the list shows it and the follow-up polls it like any other.
            match app.checks_keep_labelled(&created.check, r.label.as_deref()) {
                Ok(()) => RowOutcome::Done(id),
                // Created at Truora but not written here (a full disk): the look-up finds it.
                Err(_) => RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer)),
            }
        }
        Err(e) if e.kind == K::RateLimited => {
            RowOutcome::Retry(RowReason::error(ErrorCode::RateLimited))
        }
        // No answer, or a server failure: the check may exist. Settled by looking it up.
        Err(e)
            if matches!(
                e.kind,
                K::Timeout | K::NoNetwork | K::UnexpectedResponse | K::Server
            ) =>
        {
            RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer))
        }
        Err(e) => match e.vendor.as_ref().and_then(|v| v.message.clone()) {
            // Truora's own words on why it refused these inputs.
            Some(text) if e.kind == K::InvalidInput => {
                RowOutcome::Failed(RowReason::Vendor { text })
            }
            _ => RowOutcome::Failed(RowReason::error(crate::error::AppError::from(e).code)),
        },
    }
}

/// How often a running batch is asked about: it may take up to two hours (catalogue §2.8).
const BATCH_POLL_MS: u32 = 15_000;

/// Sends rows as Truora batches: each claim of up to 1,000 rows becomes one batch per type and
/// country. The batch ID is written on the rows as soon as Truora gives it, before the file is
/// uploaded, so after a crash the rows are settled from the batch, never sent again.
struct BatchSender {
    app: Arc<App>,
    client: opsdesk_truora::TruoraClient,
    job: i64,
}

impl Sender for BatchSender {
    fn batch_size(&self) -> usize {
        opsdesk_truora::checks::batch::MAX_ROWS
    }

    fn concurrency(&self) -> usize {
        1
    }

    fn send(
        &self,
        rows: Vec<(i64, serde_json::Value)>,
    ) -> futures_util::future::BoxFuture<'static, Vec<(i64, RowOutcome)>> {
        let app = self.app.clone();
        let client = self.client.clone();
        let job = self.job;
        Box::pin(async move {
            // One batch per type and country, rows in file order within each.
            let mut groups: Vec<(BatchKey, Vec<(i64, Request)>)> = Vec::new();
            let mut out = Vec::new();
            for (no, p) in rows {
                let Some(r) = request_of(&p) else {
                    out.push((
                        no,
                        RowOutcome::Failed(RowReason::error(ErrorCode::Internal)),
                    ));
                    continue;
                };
                let key = (r.kind.clone(), r.country.clone());
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, g)) => g.push((no, r)),
                    None => groups.push((key, vec![(no, r)])),
                }
            }
            for ((kind, country), group) in groups {
                out.extend(send_batch(&app, &client, job, &kind, &country, group).await);
            }
            out
        })
    }
}

/// A batch's type and country: one batch per pair.
type BatchKey = (String, String);
/// A job row, its place in its batch's file (1-based) and the name its check is listed by.
type PlacedRow = (i64, usize, Option<String>);

/// How long a batch is followed before its rows are left in doubt for a later Continue.
const FOLLOW_MAX: std::time::Duration = std::time::Duration::from_secs(4 * 3600);
/// A batch report larger than this is not read (a thousand rows take a few dozen KB).
const REPORT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The columns of a batch file: every input any of its rows has, in a stable order.
fn batch_columns(rows: &[(i64, Request)]) -> Vec<String> {
    let mut cols: Vec<String> = rows
        .iter()
        .flat_map(|(_, r)| r.inputs.keys().cloned())
        .collect();
    cols.sort();
    cols.dedup();
    cols
}

fn batch_file(columns: &[String], rows: &[(i64, Request)]) -> Result<Vec<u8>, AppError> {
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("batch file: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, name) in columns.iter().enumerate() {
        ws.write_string(0, c as u16, name).map_err(xerr)?;
    }
    for (i, (_, r)) in rows.iter().enumerate() {
        for (c, name) in columns.iter().enumerate() {
            if let Some(v) = r.inputs.get(name) {
                // Text cells: a cédula keeps its leading zeros and is never a number.
                ws.write_string(i as u32 + 1, c as u16, v).map_err(xerr)?;
            }
        }
    }
    wb.save_to_buffer().map_err(xerr)
}

async fn send_batch(
    app: &App,
    client: &opsdesk_truora::TruoraClient,
    job: i64,
    kind: &str,
    country: &str,
    rows: Vec<(i64, Request)>,
) -> Vec<(i64, RowOutcome)> {
    use opsdesk_http::ErrorKind as K;
    let nos: Vec<i64> = rows.iter().map(|(n, _)| *n).collect();
    let all = |o: RowOutcome| nos.iter().map(|n| (*n, o.clone())).collect::<Vec<_>>();
    let columns = batch_columns(&rows);
    let created = match client.create_batch(kind, country, &columns).await {
        Ok(c) => c,
        Err(e) if e.kind == K::RateLimited => {
            return all(RowOutcome::Retry(RowReason::error(ErrorCode::RateLimited)))
        }
        // No answer: a batch may exist, but nothing was uploaded or started, so no check was
        // made; sending these rows again is safe.
        Err(e)
            if matches!(
                e.kind,
                K::Timeout | K::NoNetwork | K::UnexpectedResponse | K::Server
            ) =>
        {
            return all(RowOutcome::Retry(RowReason::bulk(BulkReason::NoAnswer)))
        }
        Err(e) => return all(vendor_failure(e)),
    };
    // The file follows the column order Truora says it wants (catalogue §2.8 `columns`); an
    // input of ours missing from it would be lost, so such rows are not sent.
    let order = if created.columns.is_empty() {
        columns.clone()
    } else {
        created.columns.clone()
    };
    if columns.iter().any(|c| !order.contains(c)) {
        let _ = client.stop_batch(&created.batch_id).await;
        return all(RowOutcome::Failed(RowReason::error(
            ErrorCode::VendorRejected,
        )));
    }
    let file = match batch_file(&order, &rows) {
        Ok(f) => f,
        Err(e) => return all(RowOutcome::Failed(RowReason::error(e.code))),
    };
    // Written down before the file leaves: from here on, each row belongs to this batch, at its
    // place in the file (the report names rows by that place).
    let placed: Vec<(i64, String)> = nos
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, format!("batch:{}:{}", created.batch_id, i + 1)))
        .collect();
    if app.bulk.note_outcomes(job, &placed).is_err() {
        return all(RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer)));
    }
    if let Err(e) = client
        .upload_batch_file(&created.file_upload_link, file)
        .await
    {
        tracing::warn!(error = %e, "batch file upload failed");
        // Stopped so a file that did arrive is never started; then safe to send again.
        let _ = client.stop_batch(&created.batch_id).await;
        return all(RowOutcome::Retry(RowReason::bulk(BulkReason::NoAnswer)));
    }
    if let Err(e) = client.start_batch(&created.batch_id).await {
        // Maybe started: the look-up on Continue asks the batch.
        tracing::warn!(error = %e, "batch start failed");
        return all(RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer)));
    }
    let placed: Vec<PlacedRow> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (n, r))| (n, i + 1, r.label))
        .collect();
    follow_batch(app, client, &created.batch_id, &placed).await
}

fn vendor_failure(e: opsdesk_http::ApiError) -> RowOutcome {
    match e.vendor.as_ref().and_then(|v| v.message.clone()) {
        Some(text) if e.kind == opsdesk_http::ErrorKind::InvalidInput => {
            RowOutcome::Failed(RowReason::Vendor { text })
        }
        _ => RowOutcome::Failed(RowReason::error(AppError::from(e).code)),
    }
}

/// Follows a started batch until Truora is done with it, then reads its report: each row gets
/// its check (kept in the cache and followed) or Truora's reason. `nos` are the job's rows in
/// the order they were written in the batch file.
async fn follow_batch(
    app: &App,
    client: &opsdesk_truora::TruoraClient,
    batch: &str,
    rows: &[PlacedRow],
) -> Vec<(i64, RowOutcome)> {
    let doubt = || {
        rows.iter()
            .map(|(n, _, _)| {
                (
                    *n,
                    RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer)),
                )
            })
            .collect::<Vec<_>>()
    };
    let poll = match app
        .bulk
        .ck_batch_poll_ms
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        0 => BATCH_POLL_MS,
        ms => ms,
    };
    let since = std::time::Instant::now();
    loop {
        if since.elapsed() > FOLLOW_MAX {
            tracing::warn!("a batch took too long; its rows wait for the next Continue");
            return doubt();
        }
        match client.get_batch(batch).await {
            Ok(s) if s.is_over() => break,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not follow a batch");
                return doubt();
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(poll as u64)).await;
    }
    let dest = app
        .data_dir()
        .join(format!("batch-{}.csv", uuid::Uuid::new_v4().simple()));
    let report = client
        .download_batch_report(batch, &dest, &tokio_util::sync::CancellationToken::new())
        .await
        .and_then(|n| {
            if n > REPORT_MAX_BYTES {
                return Err(opsdesk_http::ApiError::unexpected(
                    "the batch report is too large",
                ));
            }
            std::fs::read(&dest).map_err(|e| opsdesk_http::ApiError::unexpected(e.to_string()))
        });
    let _ = std::fs::remove_file(&dest);
    let lines = match report.and_then(|b| opsdesk_truora::checks::batch::parse_report(&b)) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "could not read a batch report");
            return doubt();
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for (no, place, label) in rows {
        let o = match lines.iter().find(|l| l.row == *place).map(|l| &l.result) {
            Some(Ok(check)) => match client.get_check(check).await {
                Ok(c) if app.checks_keep_labelled(&c, label.as_deref()).is_ok() => {
                    RowOutcome::Done(check.clone())
                }
                // The check exists; it joins the cache when the list is brought in.
                _ => RowOutcome::Done(check.clone()),
            },
            Some(Err(why)) if !why.is_empty() => {
                RowOutcome::Failed(RowReason::Vendor { text: why.clone() })
            }
            Some(Err(_)) => RowOutcome::Failed(RowReason::error(ErrorCode::Internal)),
            None => RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer)),
        };
        out.push((*no, o));
    }
    out
}

impl App {
    /// Saves a check Truora returned into the cache of the mode in effect, with the name the
    /// spreadsheet gave the row for checks Truora keeps no name for (a cédula check): the list
    /// shows it and finds the check by it.
    pub(crate) fn checks_keep_labelled(
        &self,
        check: &Check,
        label: Option<&str>,
    ) -> Result<(), AppError> {
        let practice = self.is_practice();
        let now = self.now_ms();
        let label = label.filter(|l| !l.trim().is_empty());
        self.with_conn(|c| crate::store::checks::save_labelled(c, check, label, now, practice))
    }

    /// The inputs a file may map for a subject (in `country`, or in any country when each
    /// row says its own).
    pub fn checks_bulk_fields(
        &self,
        subject: CheckSubject,
        country: Option<&str>,
    ) -> Vec<crate::checks::FormField> {
        mappable_fields(subject, country)
    }

    /// Checks every row against the mapping: counts and the first problems, nothing stored.
    pub fn checks_bulk_check(&self, m: &CkMapping) -> Result<WaPreview, AppError> {
        let today = crate::checks::today();
        let guard = self.bulk.sheet.lock().unwrap();
        let (_, sheet) = guard
            .as_ref()
            .ok_or_else(|| AppError::validation("file", RuleCode::Required, "choose a file"))?;
        super::whatsapp::preview_with(|f| each_row(sheet, m, &today, f))
    }

    /// Creates the job from the loaded file; the file is then forgotten.
    pub fn checks_bulk_create(&self, m: &CkMapping, title: &str) -> Result<i64, AppError> {
        let today = crate::checks::today();
        self.bulk_create_from_sheet(KIND, "checks", m, title, |_, sheet, f| {
            each_row(sheet, m, &today, f)
        })
    }

    /// How often a running Truora batch is asked about (tests against the sandbox).
    pub fn set_checks_batch_poll_ms(&self, ms: u32) {
        self.bulk
            .ck_batch_poll_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Overrides the pace of check creation (tests and benchmarks against the sandbox).
    pub fn set_checks_bulk_rate(&self, per_second: u32) {
        self.bulk
            .ck_rate
            .store(per_second, std::sync::atomic::Ordering::Relaxed);
    }

    /// Rows that may or may not have created a check (the app stopped, or no answer came) are
    /// looked up in Truora's list, newest first, back to an hour before the earliest was sent.
    /// Found: done, with that check. Not there after the whole stretch was read: back in the
    /// queue (and sent unforced, so even then Truora would answer with a check it has). Rows
    /// the look-up could not decide stay uncertain. Returns how many were settled.
    pub async fn checks_bulk_settle(&self, id: i64) -> Result<usize, AppError> {
        let rows = self.with_conn(|c| crate::store::bulk::uncertain_rows(c, id))?;
        if rows.is_empty() {
            return Ok(0);
        }
        let by_batches = self.checks_job_uses_batches(id)?;
        let client = self.truora().await?;
        let mut results = Vec::new();
        // Rows sent in a Truora batch are settled from it: asked, followed, its report read,
        // each row by its place in the file ("batch:<id>:<place>").
        let mut batches: Vec<(String, Vec<PlacedRow>)> = Vec::new();
        let mut rest = Vec::new();
        for (no, payload, at, outcome) in rows {
            let placed = outcome
                .as_deref()
                .and_then(|o| o.strip_prefix("batch:"))
                .and_then(|o| o.rsplit_once(':'))
                .and_then(|(b, place)| Some((b.to_string(), place.parse::<usize>().ok()?)));
            match placed {
                Some((batch, place)) => {
                    let label = serde_json::from_str::<serde_json::Value>(&payload)
                        .ok()
                        .and_then(|p| request_of(&p))
                        .and_then(|r| r.label);
                    match batches.iter_mut().find(|(x, _)| *x == batch) {
                        Some((_, v)) => v.push((no, place, label)),
                        None => batches.push((batch, vec![(no, place, label)])),
                    }
                }
                // In a job sent as batches, checks are only ever made by a batch whose ID was
                // written on its rows first: a row without one never left.
                None if by_batches => results.push((
                    no,
                    RowOutcome::Retry(RowReason::bulk(BulkReason::AppStopped)),
                )),
                None => rest.push((no, payload, at)),
            }
        }
        for (batch, placed) in &batches {
            let status = match client.get_batch(batch).await {
                Ok(s) => s,
                Err(e) => {
                    // Asked again at the next Continue; the other rows go on meanwhile.
                    tracing::warn!(error = %e, "could not ask about a batch");
                    continue;
                }
            };
            let never_ran =
                !status.started() || (status.status == "stopped" && status.total.unwrap_or(0) == 0);
            if never_ran {
                // Stopped first, so a start that is still on its way is refused; then no
                // check was made from it and the rows can be sent again.
                if !status.started() {
                    if let Err(e) = client.stop_batch(batch).await {
                        tracing::warn!(error = %e, "could not stop a batch that never ran");
                        continue;
                    }
                }
                results.extend(placed.iter().map(|(n, _, _)| {
                    (
                        *n,
                        RowOutcome::Retry(RowReason::bulk(BulkReason::AppStopped)),
                    )
                }));
            } else {
                results.extend(follow_batch(self, &client, batch, placed).await);
            }
        }
        results.extend(self.checks_look_up(&client, rest).await);
        let settled = results
            .iter()
            .filter(|(_, o)| !matches!(o, RowOutcome::Uncertain(_)))
            .count();
        self.bulk_settle_uncertain(id, &results)?;
        // Rows found never sent are in the queue again, even in a job that had finished.
        self.bulk.reopen_if_pending(id)?;
        Ok(settled)
    }

    /// Whether a checks job was made to go as Truora batches.
    fn checks_job_uses_batches(&self, id: i64) -> Result<bool, AppError> {
        Ok(self
            .with_conn(|c| crate::store::bulk::params(c, id))?
            .pointer("/mapping/use_batches")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false))
    }

    /// Rows created one by one whose answer was lost: looked up in Truora's list, newest first,
    /// back to a while before the earliest was sent. Found: done, with that check. Not there
    /// after that whole stretch: back in the queue (sent unforced, so even then Truora would
    /// answer with a check it has). Undecided (the list could not be read that far): left in
    /// doubt for the next Continue.
    async fn checks_look_up(
        &self,
        client: &opsdesk_truora::TruoraClient,
        rows: Vec<(i64, String, i64)>,
    ) -> Vec<(i64, RowOutcome)> {
        let mut results = Vec::new();
        let since = rows.iter().map(|(_, _, at)| *at).min().unwrap_or(0) - SETTLE_MARGIN_MS;
        let mut open: Vec<(i64, Request)> = rows
            .iter()
            .filter_map(|(no, p, _)| {
                serde_json::from_str(p)
                    .ok()
                    .and_then(|p: serde_json::Value| request_of(&p))
                    .map(|r| (*no, r))
            })
            .collect();
        let mut cursor: Option<String> = None;
        let mut read_all = open.is_empty();
        for _ in 0..if open.is_empty() { 0 } else { SETTLE_PAGES } {
            let (page, next) = match client.list_checks(cursor.as_deref()).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the checks list to settle rows");
                    break;
                }
            };
            let mut older = false;
            for c in &page {
                if let Some(i) = open.iter().position(|(_, r)| is_check_of(c, r)) {
                    let (no, r) = open.swap_remove(i);
                    let _ = self.checks_keep_labelled(c, r.label.as_deref());
                    results.push((no, RowOutcome::Done(c.check_id.clone())));
                }
                let created = c
                    .creation_date
                    .as_deref()
                    .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                    .map(|d| d.timestamp_millis());
                older |= created.is_some_and(|ms| ms < since);
            }
            if open.is_empty() || older || next.is_none() {
                read_all = true;
                break;
            }
            cursor = next;
        }
        if read_all {
            // Not in the list: the request never arrived. Safe to send again.
            results.extend(open.iter().map(|(no, _)| {
                (
                    *no,
                    RowOutcome::Retry(RowReason::bulk(BulkReason::AppStopped)),
                )
            }));
        }
        results
    }

    /// Creates a checks job's pending rows (see [`App::bulk_run`]), after settling the rows a
    /// crash or a lost answer left uncertain.
    pub async fn checks_bulk_run(
        self: &Arc<Self>,
        id: i64,
        progress: impl FnMut(&super::engine::JobView),
    ) -> Result<super::engine::JobView, AppError> {
        let job = self.bulk_job(id)?;
        if job.kind != KIND {
            return Err(AppError::new(ErrorCode::Internal, "not a checks job"));
        }
        // Busy from here: a second Continue while rows are being settled (which can take as
        // long as a batch) is refused instead of settling and sending the same rows twice.
        let _hold = self.bulk.hold(id)?;
        self.checks_bulk_settle(id).await?;
        let batches = self.checks_job_uses_batches(id)?;
        let client = self.truora().await?;
        let sender: Arc<dyn Sender> = if batches {
            Arc::new(BatchSender {
                app: self.clone(),
                client,
                job: id,
            })
        } else {
            let rate = self.bulk.ck_rate.load(std::sync::atomic::Ordering::Relaxed);
            Arc::new(super::jobs::PerRowSender {
                app: self.clone(),
                client,
                per_second: if rate == 0 { CREATES_PER_SECOND } else { rate },
                concurrency: 2,
                one: create_one_boxed,
            })
        };
        let v = self.bulk_run(id, sender, progress).await?;
        self.bulk_record_finished("checks", &v);
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_person_twice_is_refused_whatever_their_reference() {
        let csv = "Cédula,Ref,Autoriza\n1020304050,REQ-1,sí\n1.020.304.050,REQ-2,sí\n";
        let sheet = super::super::import::read("f.csv", csv.as_bytes()).unwrap();
        let m = CkMapping {
            subject: CheckSubject::Person,
            custom_type: String::new(),
            country_column: String::new(),
            country: "CO".into(),
            columns: [("national_id".to_string(), "Cédula".to_string())].into(),
            reference_column: "Ref".into(),
            name_column: String::new(),
            consent_column: "Autoriza".into(),
            all_consented: false,
            use_batches: false,
        };
        let mut rows = Vec::new();
        each_row(&sheet, &m, "2026-12-02", &mut |r| {
            rows.push(r);
            Ok(())
        })
        .unwrap();
        assert!(rows[0].payload.is_ok());
        assert_eq!(
            rows[1].payload.as_ref().unwrap_err(),
            &vec![RowReason::bulk(BulkReason::DuplicateInFile)]
        );
    }

    #[test]
    fn dates_and_countries_as_people_write_them() {
        assert_eq!(date_of("04/05/1990"), "1990-05-04");
        assert_eq!(date_of("4-5-1990"), "1990-05-04");
        assert_eq!(date_of("1990-05-04 00:00:00"), "1990-05-04");
        assert_eq!(date_of("mayo 4"), "mayo 4");
        assert_eq!(country_of("Perú"), "PE");
        assert_eq!(country_of(" co "), "CO");
        assert_eq!(country_of("Brasil"), "BR");
    }

    #[test]
    fn a_file_for_several_countries_maps_the_union_of_their_inputs() {
        let all = mappable_fields(CheckSubject::Person, None);
        let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
        for n in [
            "national_id",
            "region",
            "date_of_birth",
            "first_name",
            "report_id",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        // Required only where every country requires it: Brazil's region is not.
        assert!(!all.iter().find(|f| f.name == "region").unwrap().required);
        let co = mappable_fields(CheckSubject::Person, Some("CO"));
        assert!(
            co.iter()
                .find(|f| f.name == "national_id")
                .unwrap()
                .required
        );
    }
}
