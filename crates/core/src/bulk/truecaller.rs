//! Bulk Truecaller call personalisation: every row checked with the record rules, sent in
//! batches of up to 500 at the documented 60 batches per minute per token, each batch followed
//! with batch status so every record ends with its own result.
//!
//! Durability: the batch ID is written on the rows as soon as Truecaller answers, before the
//! results are followed. After a crash, rows that carry a batch ID are settled from batch status
//! instead of being re-sent ([`App::truecaller_bulk_settle`]); only rows whose batch never got an
//! ID stay uncertain for the operator.

use opsdesk_http::RuleCode;
use opsdesk_truecaller::rules::{validate_record, ApiVersion, RecordDraft, WireRecord, BATCH_MAX};
use opsdesk_truecaller::{RecordStatus, TruecallerClient, TruecallerError};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use ts_rs::TS;

use super::engine::{BulkReason, NewRow, RowOutcome, RowReason, Sender};
use super::import::Sheet;
use crate::app::App;
use crate::error::{AppError, ErrorCode};

pub const KIND: &str = "truecaller";

/// How long a batch is followed before its undecided records are left as accepted.
const FOLLOW_FOR: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TcMapping {
    pub receiver_column: String,
    /// The business number calling (same for every row) …
    #[serde(default)]
    pub caller_number: String,
    /// … or a column with it.
    #[serde(default)]
    pub caller_column: String,
    #[serde(default)]
    pub label_id: String,
    #[serde(default)]
    pub label_name_column: String,
    /// A column with the person's name, to recognise each row on screen (optional).
    #[serde(default)]
    pub name_column: String,
    /// The call reason for everyone, or a column with one per row.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub reason_column: String,
    /// Put in front of numbers written without one (`98765 43210` → `+91 98765 43210`).
    #[serde(default)]
    pub default_country_code: String,
    #[ts(type = "number")]
    pub starts_at_ms: i64,
    #[ts(type = "number")]
    pub ends_at_ms: i64,
}

/// Every row of the sheet checked, in a list (tests; the app streams them with [`each_row`]).
pub fn rows_of(sheet: &Sheet, m: &TcMapping, now: i64) -> Result<Vec<NewRow>, AppError> {
    let mut out = Vec::with_capacity(sheet.rows.len());
    each_row(sheet, m, now, &mut |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// Checks each row of the sheet and hands it to `f` as soon as it is checked.
pub fn each_row(
    sheet: &Sheet,
    m: &TcMapping,
    now: i64,
    f: &mut dyn FnMut(NewRow) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let col = |name: &str, field: &str| super::jobs::mapped_column(sheet, name, field);
    let receiver = col(&m.receiver_column, "receiver_column")?.ok_or_else(|| {
        AppError::validation("receiver_column", RuleCode::Required, "choose the column")
    })?;
    let caller_col = col(&m.caller_column, "caller_column")?;
    if caller_col.is_none() && m.caller_number.trim().is_empty() {
        return Err(AppError::validation(
            "caller_number",
            RuleCode::Required,
            "who is calling",
        ));
    }
    let name_col = col(&m.label_name_column, "label_name_column")?;
    // The number column as a "name" would put the whole number in every row's label.
    let who = col(&m.name_column, "name_column")?.filter(|c| *c != receiver);
    let reason_col = col(&m.reason_column, "reason_column")?;
    let cc: String = m
        .default_country_code
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    let with_cc = |raw: &str| opsdesk_http::phone::with_default_country(raw, &cc);
    let mut seen = HashSet::new();
    for (row_no, cells) in sheet.rows.iter() {
        let draft = RecordDraft {
            caller: caller_col
                .map(|c| with_cc(sheet.cell(&cells, c)))
                .unwrap_or_else(|| with_cc(&m.caller_number)),
            receiver: with_cc(sheet.cell(&cells, receiver)),
            label_id: m.label_id.clone(),
            label_name: name_col
                .map(|c| sheet.cell(&cells, c).to_string())
                .unwrap_or_default(),
            reason: reason_col
                .map(|c| sheet.cell(&cells, c).to_string())
                .unwrap_or_else(|| m.reason.clone()),
            starts_at_ms: m.starts_at_ms,
            ends_at_ms: m.ends_at_ms,
        };
        let payload = match validate_record(&draft, ApiVersion::V3, now, false) {
            Ok(w) if !seen.insert(w.receiver_number.clone()) => {
                Err(vec![RowReason::bulk(BulkReason::DuplicateInFile)])
            }
            Ok(w) => Ok(serde_json::to_value(&w).unwrap_or_default()),
            Err(errs) => Err(errs
                .iter()
                .map(|e| RowReason::rule(e.field, e.rule))
                .collect()),
        };
        f(NewRow {
            row_no,
            summary: super::row_label(
                who.map(|c| sheet.cell(&cells, c)).unwrap_or_default(),
                sheet.cell(&cells, receiver),
            ),
            payload,
            source: cells.to_vec(),
        })?;
    }
    Ok(())
}

/// A record's result, by receiver number (batch status lists records, not our row numbers).
fn outcome_of(s: &RecordStatus, batch: &str) -> Option<RowOutcome> {
    let info = s.status_info.as_ref()?;
    match info.status.as_deref()? {
        "success" => Some(RowOutcome::Done(format!("batch:{batch}"))),
        "failure" | "error" => {
            let text = info.message.clone().unwrap_or_default();
            Some(RowOutcome::Failed(
                match opsdesk_truecaller::delivery::DeliveryFailure::from_message(&text) {
                    Some(why) => RowReason::Delivery { why },
                    None => RowReason::Vendor { text },
                },
            ))
        }
        _ => None,
    }
}

fn error_outcome(e: TruecallerError) -> RowOutcome {
    use opsdesk_http::ErrorKind as K;
    match &e {
        TruecallerError::Api(a) if a.kind == K::RateLimited => {
            RowOutcome::Retry(RowReason::error(ErrorCode::RateLimited))
        }
        // The request left and no answer came back: the batch may exist upstream.
        TruecallerError::Api(a)
            if matches!(a.kind, K::Timeout | K::NoNetwork | K::UnexpectedResponse) =>
        {
            RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer))
        }
        _ => RowOutcome::Failed(RowReason::error(AppError::from(e).code)),
    }
}

/// Follows a batch until every record has a result (or [`FOLLOW_FOR`] passes).
async fn follow(
    client: &TruecallerClient,
    batch: &str,
    rows: &[(i64, String)],
) -> Vec<(i64, RowOutcome)> {
    let started = std::time::Instant::now();
    let mut wait = Duration::from_secs(2);
    let mut settled: HashMap<i64, RowOutcome> = HashMap::new();
    loop {
        tokio::time::sleep(wait).await;
        if let Ok(statuses) = client.batch_status(batch).await {
            let by_receiver: HashMap<&str, &RecordStatus> = statuses
                .iter()
                .filter_map(|s| s.receiver_number.as_deref().map(|r| (r, s)))
                .collect();
            for (no, receiver) in rows {
                if let Some(o) = by_receiver
                    .get(receiver.as_str())
                    .and_then(|s| outcome_of(s, batch))
                {
                    settled.insert(*no, o);
                }
            }
        }
        if settled.len() == rows.len() || started.elapsed() > FOLLOW_FOR {
            break;
        }
        wait = (wait * 2).min(Duration::from_secs(15));
    }
    rows.iter()
        .map(|(no, _)| {
            (
                *no,
                settled
                    .remove(no)
                    .unwrap_or_else(|| RowOutcome::Done(format!("batch:{batch}"))),
            )
        })
        .collect()
}

struct TcSender {
    app: Arc<App>,
    job: i64,
    client: TruecallerClient,
}

impl Sender for TcSender {
    fn batch_size(&self) -> usize {
        BATCH_MAX
    }
    /// Batches are followed for a few seconds each while the next ones go out: enough of them
    /// at once to keep the 60-per-minute pace (the client enforces it).
    fn concurrency(&self) -> usize {
        16
    }
    fn send(
        &self,
        rows: Vec<(i64, serde_json::Value)>,
    ) -> futures_util::future::BoxFuture<'static, Vec<(i64, RowOutcome)>> {
        let (app, job, client) = (self.app.clone(), self.job, self.client.clone());
        Box::pin(async move {
            let mut records = Vec::with_capacity(rows.len());
            let mut keys = Vec::with_capacity(rows.len());
            for (no, p) in &rows {
                match serde_json::from_value::<WireRecord>(p.clone()) {
                    Ok(r) => {
                        keys.push((*no, r.receiver_number.clone()));
                        records.push(r);
                    }
                    Err(_) => {
                        return rows
                            .iter()
                            .map(|(n, _)| {
                                (
                                    *n,
                                    RowOutcome::Failed(RowReason::error(ErrorCode::Internal)),
                                )
                            })
                            .collect()
                    }
                }
            }
            let batch = match client.push_batch(&records).await {
                Ok(id) => id,
                Err(e) => {
                    let o = error_outcome(e);
                    return keys.iter().map(|(n, _)| (*n, o.clone())).collect();
                }
            };
            // Written before following, so a crash from here on is settled, not re-sent.
            let nos: Vec<i64> = keys.iter().map(|(n, _)| *n).collect();
            if let Err(e) = app.bulk_note_outcome(job, &nos, &format!("batch:{batch}")) {
                tracing::warn!(error = %e, "could not note the batch ID");
            }
            follow(&client, &batch, &keys).await
        })
    }
}

/// A caller-ID label as the screens show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LabelView {
    pub id: String,
    pub name: String,
    pub logo_url: Option<String>,
    #[ts(type = "number | null")]
    pub category: Option<i64>,
    #[ts(type = "number | null")]
    pub sub_category: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: Option<String>,
    pub label_type: Option<String>,
}

impl App {
    /// Labels for the pickers: the cache, filled from Truecaller the first time.
    pub async fn truecaller_label_list(&self) -> Result<Vec<LabelView>, AppError> {
        let cached = self.truecaller_labels_cached()?;
        if !cached.is_empty() {
            return Ok(cached);
        }
        self.truecaller_labels_refresh().await
    }

    pub fn truecaller_labels_cached(&self) -> Result<Vec<LabelView>, AppError> {
        let practice = self.is_practice();
        let bodies = self.with_conn(|c| crate::store::truecaller::labels(c, practice))?;
        Ok(bodies
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect())
    }

    /// Every label of the account (up to 10 pages of 100), replacing the cache.
    pub async fn truecaller_labels_refresh(&self) -> Result<Vec<LabelView>, AppError> {
        let client = self.truecaller().await?;
        let mut out = Vec::new();
        for page in 1..=10 {
            let labels = client.labels(page, 100).await?;
            let n = labels.len();
            out.extend(labels.into_iter().map(|l| LabelView {
                id: l.id,
                name: l.name,
                logo_url: l.logo_url.filter(|u| !u.is_empty()),
                category: l.category,
                sub_category: l.sub_category,
                created_by: l.created_by_email,
                created_at: l.created_at,
                label_type: l.label_type,
            }));
            if n < 100 {
                break;
            }
        }
        let practice = self.is_practice();
        let now = self.now_ms();
        let rows: Vec<(String, String, String)> = out
            .iter()
            .map(|l| {
                let body = serde_json::to_string(l).unwrap_or_default();
                (l.id.clone(), l.name.clone(), body)
            })
            .collect();
        self.with_conn(|c| crate::store::truecaller::replace_labels(c, practice, &rows, now))?;
        self.truecaller_labels_cached()
    }

    /// Overrides the batch pace (for the benchmark against a time-scaled sandbox).
    pub fn set_truecaller_batch_rate(&self, per_minute: u32) {
        self.bulk
            .tc_batches_per_minute
            .store(per_minute, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn truecaller_bulk_check(
        &self,
        m: &TcMapping,
    ) -> Result<super::whatsapp::WaPreview, AppError> {
        let guard = self.bulk.sheet.lock().unwrap();
        let (_, sheet) = guard
            .as_ref()
            .ok_or_else(|| AppError::validation("file", RuleCode::Required, "choose a file"))?;
        let now = self.now_ms();
        super::whatsapp::preview_with(|f| each_row(sheet, m, now, f))
    }

    pub fn truecaller_bulk_create(&self, m: &TcMapping, title: &str) -> Result<i64, AppError> {
        let now = self.now_ms();
        self.bulk_create_from_sheet(KIND, "truecaller", m, title, |_, sheet, f| {
            each_row(sheet, m, now, f)
        })
    }

    /// Rows left uncertain by a crash but carrying a batch ID are settled from batch status.
    pub async fn truecaller_bulk_settle(&self, id: i64) -> Result<usize, AppError> {
        let pending = self.bulk_uncertain_outcomes(id)?;
        if pending.is_empty() {
            return Ok(0);
        }
        let client = self.truecaller().await?;
        let mut by_batch: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for (no, outcome, payload) in pending {
            if let (Some(batch), Ok(r)) = (
                outcome.strip_prefix("batch:"),
                serde_json::from_str::<WireRecord>(&payload),
            ) {
                by_batch
                    .entry(batch.to_string())
                    .or_default()
                    .push((no, r.receiver_number));
            }
        }
        let mut settled = 0;
        for (batch, rows) in by_batch {
            let statuses = client.batch_status(&batch).await?;
            let by_receiver: HashMap<&str, &RecordStatus> = statuses
                .iter()
                .filter_map(|s| s.receiver_number.as_deref().map(|r| (r, s)))
                .collect();
            let results: Vec<(i64, RowOutcome)> = rows
                .iter()
                .map(|(no, receiver)| {
                    // Listed in the batch: Truecaller has it, whatever its result.
                    let o = match by_receiver.get(receiver.as_str()) {
                        Some(s) => outcome_of(s, &batch)
                            .unwrap_or_else(|| RowOutcome::Done(format!("batch:{batch}"))),
                        None => RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer)),
                    };
                    (*no, o)
                })
                .collect();
            settled += results
                .iter()
                .filter(|(_, o)| !matches!(o, RowOutcome::Uncertain(_)))
                .count();
            self.bulk_settle_uncertain(id, &results)?;
        }
        Ok(settled)
    }

    pub async fn truecaller_bulk_run(
        self: &Arc<Self>,
        id: i64,
        progress: impl FnMut(&super::engine::JobView),
    ) -> Result<super::engine::JobView, AppError> {
        let job = self.bulk_job(id)?;
        if job.kind != KIND {
            return Err(AppError::new(ErrorCode::Internal, "not a Truecaller job"));
        }
        self.truecaller_bulk_settle(id).await?;
        let mut client = self.truecaller().await?;
        let per_minute = self
            .bulk
            .tc_batches_per_minute
            .load(std::sync::atomic::Ordering::Relaxed);
        if per_minute > 0 {
            client.batch_limit = Some(opsdesk_http::RateLimit::per_minute(per_minute));
        }
        let sender = Arc::new(TcSender {
            app: self.clone(),
            job: id,
            client,
        });
        let v = self.bulk_run(id, sender, progress).await?;
        self.bulk_record_finished("truecaller", &v);
        Ok(v)
    }
}
