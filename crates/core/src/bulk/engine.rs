//! The engine: jobs and rows in SQLite, sent at the vendor's pace with bounded concurrency.
//!
//! A row moves `pending → in_flight → done | failed | uncertain | skipped` (or `pending` again
//! for a safe retry), and each move is written together with its outcome. Whatever kills the
//! process, a restart finds every row where it was; rows caught `in_flight` become `uncertain`
//! and wait for the operator ([`App::bulk_recover`]).

use futures_util::future::BoxFuture;
use opsdesk_http::RateLimit;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use ts_rs::TS;

use crate::app::{now_ms, App};
use crate::error::{AppError, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "BulkJobState")]
pub enum JobState {
    /// Imported and checked, not started.
    Ready,
    Running,
    Paused,
    Cancelled,
    Finished,
    /// It was running when the app stopped; it goes on with one click.
    Interrupted,
}

impl JobState {
    fn db(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Finished => "finished",
            Self::Interrupted => "interrupted",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "paused" => Self::Paused,
            "cancelled" => Self::Cancelled,
            "finished" => Self::Finished,
            "interrupted" => Self::Interrupted,
            _ => Self::Ready,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "BulkRowState")]
pub enum RowState {
    Pending,
    InFlight,
    Done,
    Failed,
    /// Sent, but no answer came back (or the app stopped mid-send): it may have arrived.
    Uncertain,
    /// Broke a rule at import; never sent.
    Invalid,
    /// Not sent on purpose (e.g. the person already got this message today).
    Skipped,
}

impl RowState {
    pub(crate) fn db(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Uncertain => "uncertain",
            Self::Invalid => "invalid",
            Self::Skipped => "skipped",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "in_flight" => Self::InFlight,
            "done" => Self::Done,
            "failed" => Self::Failed,
            "uncertain" => Self::Uncertain,
            "invalid" => Self::Invalid,
            "skipped" => Self::Skipped,
            _ => Self::Pending,
        }
    }
}

/// Reasons are keys the UI translates: `rule:<field>:<rule>`, `error:<code>` or `bulk:<what>`.
/// How one row ended, as the sender reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    /// Accepted; the vendor's reference (session ID, batch ID).
    Done(String),
    Failed(String),
    Uncertain(String),
    /// Nothing happened and it is safe to try again (e.g. a rate limit).
    Retry(String),
    Skipped(String),
}

/// How rows of one kind leave the app.
pub trait Sender: Send + Sync + 'static {
    /// Rows per request (Truecaller batches take up to 500; a WhatsApp send takes one).
    fn batch_size(&self) -> usize {
        1
    }
    /// Requests in flight at once.
    fn concurrency(&self) -> usize {
        4
    }
    /// The vendor's pace, in requests.
    fn limit(&self) -> Option<RateLimit> {
        None
    }
    fn send(
        &self,
        rows: Vec<(i64, serde_json::Value)>,
    ) -> BoxFuture<'static, Vec<(i64, RowOutcome)>>;
}

/// A row as imported: its number in the file, the payload to send (or why it cannot be sent),
/// what to show for it, and its original cells.
pub struct NewRow {
    pub row_no: u32,
    pub payload: Result<serde_json::Value, String>,
    pub summary: String,
    pub source: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct JobCounts {
    pub total: u32,
    pub pending: u32,
    pub in_flight: u32,
    pub done: u32,
    pub failed: u32,
    pub uncertain: u32,
    pub invalid: u32,
    pub skipped: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct JobView {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub state: JobState,
    pub counts: JobCounts,
    #[ts(type = "number")]
    pub created_at_ms: i64,
    #[ts(type = "number | null")]
    pub started_at_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub finished_at_ms: Option<i64>,
    /// Rows finished per minute while running (this run).
    pub rate_per_minute: Option<f64>,
    #[ts(type = "number | null")]
    pub eta_secs: Option<u64>,
    /// Why a job stopped on its own, for a local reason (the disk filled up): it continues with
    /// one click once that is fixed.
    pub stopped_by: Option<ErrorCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RowView {
    pub row_no: u32,
    pub state: RowState,
    pub summary: String,
    pub outcome: Option<String>,
    pub reason: Option<String>,
}

/// Pause and cancel switches of running jobs, their live rate, and the spreadsheet being
/// prepared (kept in memory only: it holds personal data and is not needed once the job exists).
#[derive(Default)]
pub struct Controls {
    map: Mutex<HashMap<i64, Arc<Control>>>,
    pub(crate) sheet: Mutex<Option<(String, super::import::Sheet)>>,
    /// WhatsApp sends per second; 0 means the default. Tests and benchmarks raise it.
    pub(crate) wa_rate: std::sync::atomic::AtomicU32,
    /// Truecaller batches per minute; 0 means the documented 60. The benchmark raises it along
    /// with the sandbox's time scale.
    pub(crate) tc_batches_per_minute: std::sync::atomic::AtomicU32,
    /// Jobs that stopped because of a local failure, and which (kept in memory: when the disk
    /// is full, not even that can be written down).
    stopped: Mutex<HashMap<i64, ErrorCode>>,
}

#[derive(Default)]
pub struct Control {
    pause: AtomicBool,
    cancel: AtomicBool,
    rate: Mutex<Option<(f64, u64)>>,
}

pub(crate) fn counts(conn: &Connection, job: i64) -> rusqlite::Result<JobCounts> {
    let mut c = JobCounts::default();
    let mut s = conn
        .prepare_cached("SELECT state, COUNT(*) FROM bulk_rows WHERE job_id = ?1 GROUP BY state")?;
    let rows = s.query_map([job], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
    for row in rows {
        let (state, n) = row?;
        c.total += n;
        match RowState::parse(&state) {
            RowState::Pending => c.pending = n,
            RowState::InFlight => c.in_flight = n,
            RowState::Done => c.done = n,
            RowState::Failed => c.failed = n,
            RowState::Uncertain => c.uncertain = n,
            RowState::Invalid => c.invalid = n,
            RowState::Skipped => c.skipped = n,
        }
    }
    Ok(c)
}

/// Claims the next rows to send, marking them in flight in the same statement.
fn claim(conn: &Connection, job: i64, n: usize) -> rusqlite::Result<Vec<(i64, serde_json::Value)>> {
    let mut s = conn.prepare_cached(
        "UPDATE bulk_rows SET state = 'in_flight', attempts = attempts + 1, updated_at_ms = ?3
         WHERE job_id = ?1 AND row_no IN (
            SELECT row_no FROM bulk_rows WHERE job_id = ?1 AND state = 'pending' ORDER BY row_no LIMIT ?2)
         RETURNING row_no, payload",
    )?;
    let rows = s.query_map(params![job, n as i64, now_ms()], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (no, payload) = row?;
        out.push((
            no,
            serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        ));
    }
    out.sort_by_key(|(n, _)| *n);
    Ok(out)
}

/// Retries of one row before it is given up as failed.
const MAX_ATTEMPTS: i64 = 5;

fn record(conn: &mut Connection, job: i64, results: &[(i64, RowOutcome)]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut s = tx.prepare_cached(
            "UPDATE bulk_rows SET state = CASE WHEN ?3 = 'pending' AND attempts >= ?6 THEN 'failed' ELSE ?3 END,
                 outcome = ?4, reason = ?5, updated_at_ms = ?7
             WHERE job_id = ?1 AND row_no = ?2 AND state = 'in_flight'",
        )?;
        let now = now_ms();
        for (no, o) in results {
            let (state, outcome, reason) = match o {
                RowOutcome::Done(x) => ("done", Some(x.as_str()), None),
                RowOutcome::Failed(r) => ("failed", None, Some(r.as_str())),
                RowOutcome::Uncertain(r) => ("uncertain", None, Some(r.as_str())),
                RowOutcome::Retry(r) => ("pending", None, Some(r.as_str())),
                RowOutcome::Skipped(r) => ("skipped", None, Some(r.as_str())),
            };
            s.execute(params![job, no, state, outcome, reason, MAX_ATTEMPTS, now])?;
        }
    }
    tx.commit()
}

fn set_state(conn: &Connection, job: i64, state: JobState) -> rusqlite::Result<()> {
    let now = now_ms();
    conn.execute(
        "UPDATE bulk_jobs SET state = ?2,
            started_at_ms = CASE WHEN ?2 = 'running' THEN COALESCE(started_at_ms, ?3) ELSE started_at_ms END,
            finished_at_ms = CASE WHEN ?2 IN ('finished', 'cancelled') THEN ?3 ELSE NULL END
         WHERE id = ?1",
        params![job, state.db(), now],
    )?;
    Ok(())
}

fn mark_in_flight_uncertain(conn: &Connection, job: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE bulk_rows SET state = 'uncertain', reason = 'bulk:app_stopped' WHERE job_id = ?1 AND state = 'in_flight'",
        [job],
    )
}

/// Retention: jobs that are not sending and whose last activity is past the cutoff go, with
/// their rows (the source cells hold names and phone numbers).
pub(crate) fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    // Last activity, rows included: a job paused or interrupted yesterday (which clears
    // finished_at_ms) must not go with its unsent rows because it was started long ago.
    const OLD: &str = "SELECT id FROM bulk_jobs WHERE state <> 'running'
        AND MAX(created_at_ms, COALESCE(started_at_ms, 0), COALESCE(finished_at_ms, 0),
                COALESCE((SELECT MAX(updated_at_ms) FROM bulk_rows WHERE job_id = bulk_jobs.id), 0)) < ?1";
    let rows = conn.execute(
        &format!("DELETE FROM bulk_rows WHERE job_id IN ({OLD})"),
        [cutoff_ms],
    )?;
    let jobs = conn.execute(
        &format!("DELETE FROM bulk_jobs WHERE id IN ({OLD})"),
        [cutoff_ms],
    )?;
    Ok(rows + jobs)
}

/// kind, title, state, created, started, finished.
type JobRow = (String, String, String, i64, Option<i64>, Option<i64>);

fn load_job(conn: &Connection, id: i64) -> rusqlite::Result<Option<JobRow>> {
    conn.query_row(
        "SELECT kind, title, state, created_at_ms, started_at_ms, finished_at_ms FROM bulk_jobs WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )
    .optional()
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
        check: impl FnOnce(&super::import::Sheet) -> Result<Vec<NewRow>, AppError>,
    ) -> Result<i64, AppError> {
        let mut guard = self.bulk.sheet.lock().unwrap();
        let (name, sheet) = guard
            .as_ref()
            .ok_or_else(|| AppError::validation("file", "required", "choose a file"))?;
        let rows = check(sheet)?;
        if rows.iter().all(|r| r.payload.is_err()) {
            return Err(AppError::validation(
                "file",
                "bulk_nothing_valid",
                "no valid rows",
            ));
        }
        let params =
            serde_json::json!({ "mapping": mapping, "headers": sheet.headers, "file_name": name });
        let title = if title.trim().is_empty() {
            name.clone()
        } else {
            title.trim().to_string()
        };
        let id = self.bulk_create(kind, &title, &params, rows)?;
        *guard = None;
        self.record(
            area,
            &format!("{area}.bulk_created"),
            crate::activity::Outcome::Ok,
            &title,
        );
        Ok(id)
    }

    /// Runs a job with the sender of its kind (WhatsApp or Truecaller).
    pub async fn bulk_run_job(
        self: &Arc<Self>,
        id: i64,
        progress: impl FnMut(&JobView),
    ) -> Result<JobView, AppError> {
        match self.bulk_job(id)?.kind.as_str() {
            super::truecaller::KIND => self.truecaller_bulk_run(id, progress).await,
            super::whatsapp::KIND => self.whatsapp_bulk_run(id, progress).await,
            other => Err(AppError::internal(format!("unknown job kind {other}"))),
        }
    }

    /// Writes a finished job in Activity: failed if any row did not go out.
    pub(crate) fn bulk_record_finished(&self, area: &str, v: &JobView) {
        if v.state != JobState::Finished {
            return;
        }
        let outcome = if v.counts.failed + v.counts.uncertain == 0 {
            crate::activity::Outcome::Ok
        } else {
            crate::activity::Outcome::Failed
        };
        let summary = format!("{} ({} / {})", v.title, v.counts.done, v.counts.total);
        self.record(area, &format!("{area}.bulk_finished"), outcome, &summary);
    }

    /// Stores a checked job and its rows (valid ones pending, invalid ones with their reason).
    pub fn bulk_create(
        &self,
        kind: &str,
        title: &str,
        params: &serde_json::Value,
        rows: Vec<NewRow>,
    ) -> Result<i64, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO bulk_jobs (kind, title, state, params, practice, created_at_ms) VALUES (?1, ?2, 'ready', ?3, ?4, ?5)",
                params![kind, title, params.to_string(), practice, now_ms()],
            )?;
            let id = tx.last_insert_rowid();
            {
                let mut s = tx.prepare_cached(
                    "INSERT INTO bulk_rows (job_id, row_no, state, payload, source, summary, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for r in rows {
                    let source = serde_json::to_string(&r.source).unwrap_or_default();
                    match r.payload {
                        Ok(p) => s.execute(params![id, r.row_no, "pending", p.to_string(), source, r.summary, None::<String>])?,
                        Err(reason) => s.execute(params![id, r.row_no, "invalid", "null", source, r.summary, reason])?,
                    };
                }
            }
            tx.commit()?;
            Ok(id)
        })
    }

    pub fn bulk_job(&self, id: i64) -> Result<JobView, AppError> {
        let (running, live) = {
            let map = self.bulk.map.lock().unwrap();
            let c = map.get(&id);
            (c.is_some(), c.and_then(|c| *c.rate.lock().unwrap()))
        };
        let stopped_by = self.bulk.stopped.lock().unwrap().get(&id).copied();
        self.with_conn(|c| {
            let Some((kind, title, state, created, started, finished)) = load_job(c, id)? else {
                return Ok(None);
            };
            let counts = counts(c, id)?;
            let mut state = JobState::parse(&state);
            // Written as running but not running here: it stopped without being able to say so
            // (a full disk, a crash before recovery ran). Shown as it is: interrupted.
            if state == JobState::Running && !running {
                state = JobState::Interrupted;
            }
            let (rate, eta) = match (state, live) {
                (JobState::Running, Some((per_min, _))) if per_min > 0.0 => (
                    Some(per_min),
                    Some(
                        ((counts.pending + counts.in_flight) as f64 / per_min * 60.0).ceil() as u64,
                    ),
                ),
                _ => (None, None),
            };
            Ok(Some(JobView {
                id,
                kind,
                title,
                state,
                counts,
                created_at_ms: created,
                started_at_ms: started,
                finished_at_ms: finished,
                rate_per_minute: rate,
                eta_secs: eta,
                stopped_by,
            }))
        })?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such job"))
    }

    /// Jobs of the mode in effect, newest first.
    pub fn bulk_jobs(&self, kind: &str) -> Result<Vec<JobView>, AppError> {
        let practice = self.is_practice();
        let ids: Vec<i64> = self.with_conn(|c| {
            let mut s = c.prepare_cached("SELECT id FROM bulk_jobs WHERE kind = ?1 AND practice = ?2 ORDER BY id DESC LIMIT 50")?;
            let rows = s.query_map(params![kind, practice], |r| r.get(0))?;
            rows.collect()
        })?;
        ids.into_iter().map(|id| self.bulk_job(id)).collect()
    }

    /// Rows of a job, optionally only in some states, a page at a time.
    pub fn bulk_rows(
        &self,
        id: i64,
        states: &[RowState],
        offset: u32,
        limit: u32,
    ) -> Result<Vec<RowView>, AppError> {
        let filter: Vec<&str> = states.iter().map(|s| s.db()).collect();
        self.with_conn(|c| {
            let mut s = c.prepare_cached(
                "SELECT row_no, state, summary, outcome, reason FROM bulk_rows
                 WHERE job_id = ?1 AND (?2 = '' OR instr(?2, ',' || state || ',') > 0)
                 ORDER BY row_no LIMIT ?3 OFFSET ?4",
            )?;
            let f = if filter.is_empty() {
                String::new()
            } else {
                format!(",{},", filter.join(","))
            };
            let rows = s.query_map(params![id, f, limit, offset], |r| {
                Ok(RowView {
                    row_no: r.get(0)?,
                    state: RowState::parse(&r.get::<_, String>(1)?),
                    summary: r.get(2)?,
                    outcome: r.get(3)?,
                    reason: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }

    /// After a restart: jobs that were running are interrupted, and rows caught in flight are
    /// uncertain (they may have reached the vendor). Returns the interrupted jobs.
    pub fn bulk_recover(&self) -> Result<Vec<i64>, AppError> {
        self.with_conn(|c| {
            let tx = c.transaction()?;
            let ids: Vec<i64> = {
                let mut s = tx.prepare("SELECT id FROM bulk_jobs WHERE state = 'running'")?;
                let rows = s.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            tx.execute(
                "UPDATE bulk_rows SET state = 'uncertain', reason = 'bulk:app_stopped' WHERE state = 'in_flight'",
                [],
            )?;
            tx.execute("UPDATE bulk_jobs SET state = 'interrupted' WHERE state = 'running'", [])?;
            tx.commit()?;
            Ok(ids)
        })
    }

    /// The operator's decision on uncertain rows: send them again, or leave them as not sent.
    pub fn bulk_resolve_uncertain(&self, id: i64, resend: bool) -> Result<JobView, AppError> {
        self.with_conn(|c| {
            if resend {
                // The payload carries the decision, so the sender does not stop them as repeats.
                c.execute(
                    "UPDATE bulk_rows SET state = 'pending', reason = NULL, attempts = 0,
                        payload = json_set(payload, '$.send_again', json('true'))
                     WHERE job_id = ?1 AND state = 'uncertain'",
                    [id],
                )
            } else {
                c.execute(
                    "UPDATE bulk_rows SET state = 'failed', reason = 'bulk:left_unsent'
                     WHERE job_id = ?1 AND state = 'uncertain'",
                    [id],
                )
            }
        })?;
        self.with_conn(|c| {
            // A finished job with rows to send again can be started again.
            c.execute("UPDATE bulk_jobs SET state = 'paused' WHERE id = ?1 AND state = 'finished' AND EXISTS (SELECT 1 FROM bulk_rows WHERE job_id = ?1 AND state = 'pending')", [id])
        })?;
        self.bulk_job(id)
    }

    /// Writes what a sender learned mid-request (a batch ID) on rows still in flight, so a
    /// crash before their results are in can be settled from it.
    pub fn bulk_note_outcome(&self, id: i64, rows: &[i64], outcome: &str) -> Result<(), AppError> {
        self.with_conn(|c| {
            let tx = c.transaction()?;
            {
                let mut s = tx.prepare_cached("UPDATE bulk_rows SET outcome = ?3 WHERE job_id = ?1 AND row_no = ?2 AND state = 'in_flight'")?;
                for no in rows {
                    s.execute(params![id, no, outcome])?;
                }
            }
            tx.commit()
        })
    }

    /// Uncertain rows that carry an outcome (e.g. a batch ID): row number, outcome, payload.
    pub(crate) fn bulk_uncertain_outcomes(
        &self,
        id: i64,
    ) -> Result<Vec<(i64, String, String)>, AppError> {
        self.with_conn(|c| {
            let mut s = c.prepare_cached("SELECT row_no, outcome, payload FROM bulk_rows WHERE job_id = ?1 AND state = 'uncertain' AND outcome IS NOT NULL")?;
            let rows = s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        })
    }

    /// Settles uncertain rows from what the vendor says now.
    pub(crate) fn bulk_settle_uncertain(
        &self,
        id: i64,
        results: &[(i64, RowOutcome)],
    ) -> Result<(), AppError> {
        self.with_conn(|c| {
            let tx = c.transaction()?;
            tx.execute("UPDATE bulk_rows SET state = 'in_flight' WHERE job_id = ?1 AND state = 'uncertain' AND outcome IS NOT NULL", [id])?;
            tx.commit()?;
            record(c, id, results)?;
            // Anything not in `results` goes back to uncertain.
            c.execute("UPDATE bulk_rows SET state = 'uncertain' WHERE job_id = ?1 AND state = 'in_flight'", [id])?;
            Ok(())
        })
    }

    pub fn bulk_pause(&self, id: i64) -> bool {
        self.bulk
            .map
            .lock()
            .unwrap()
            .get(&id)
            .map(|c| c.pause.store(true, Ordering::SeqCst))
            .is_some()
    }

    /// Stops a job for good: rows not yet sent stay unsent (and are exported as such).
    pub fn bulk_cancel(&self, id: i64) -> Result<(), AppError> {
        let running = self
            .bulk
            .map
            .lock()
            .unwrap()
            .get(&id)
            .map(|c| c.cancel.store(true, Ordering::SeqCst))
            .is_some();
        if !running {
            self.with_conn(|c| set_state(c, id, JobState::Cancelled))?;
        }
        Ok(())
    }

    pub fn bulk_is_running(&self, id: i64) -> bool {
        self.bulk.map.lock().unwrap().contains_key(&id)
    }

    /// Runs a job until every row is settled, or it is paused or cancelled. `progress` is called
    /// after every recorded batch. Safe to call again after a pause, a cancel or a crash.
    pub async fn bulk_run(
        &self,
        id: i64,
        sender: Arc<dyn Sender>,
        mut progress: impl FnMut(&JobView),
    ) -> Result<JobView, AppError> {
        let control = {
            let mut map = self.bulk.map.lock().unwrap();
            if map.contains_key(&id) {
                return Err(AppError::new(
                    ErrorCode::Internal,
                    "this job is already running",
                ));
            }
            let c = Arc::new(Control::default());
            map.insert(id, c.clone());
            c
        };
        self.bulk.stopped.lock().unwrap().remove(&id);
        // Rows left in flight by an earlier run that stopped on a local failure: nobody is
        // sending them now, so they may or may not have arrived. The operator decides.
        let result = match self.with_conn(|c| mark_in_flight_uncertain(c, id)) {
            Ok(_) => self.run_inner(id, sender, &control, &mut progress).await,
            Err(e) => Err(e),
        };
        self.bulk.map.lock().unwrap().remove(&id);
        if let Err(e) = &result {
            tracing::error!(job = id, error = %e, "job stopped by a local failure");
            self.bulk.stopped.lock().unwrap().insert(id, e.code);
            // Best effort: with a full disk these writes fail too; the job still reads as
            // interrupted (see `bulk_job`) and the next run settles the rows caught in flight.
            // A job the operator cancelled stays cancelled: "Continue" must not send its rows.
            let end = if control.cancel.load(Ordering::SeqCst) {
                JobState::Cancelled
            } else {
                JobState::Interrupted
            };
            let _ = self.with_conn(|c| {
                mark_in_flight_uncertain(c, id)?;
                set_state(c, id, end)
            });
            if let Ok(v) = self.bulk_job(id) {
                progress(&v);
            }
        }
        result
    }

    async fn run_inner(
        &self,
        id: i64,
        sender: Arc<dyn Sender>,
        control: &Control,
        progress: &mut impl FnMut(&JobView),
    ) -> Result<JobView, AppError> {
        let state = self.bulk_job(id)?.state;
        if matches!(state, JobState::Cancelled | JobState::Finished) {
            return self.bulk_job(id);
        }
        self.with_conn(|c| set_state(c, id, JobState::Running))?;
        let limit = sender.limit();
        let batch = sender.batch_size().max(1);
        let concurrency = sender.concurrency().max(1);
        let mut tasks = tokio::task::JoinSet::new();
        let started = Instant::now();
        let mut settled: u64 = 0;
        let mut exhausted = false;
        // A local failure (the disk filled up, the cache failed): nothing new is claimed, but
        // requests already out are waited for and recorded if possible; rows that cannot be
        // recorded stay in flight and become "may have arrived", never sent again.
        let mut local_error: Option<AppError> = None;
        let mut after = |app: &App, n: u64, settled: &mut u64| {
            *settled += n;
            let per_min = *settled as f64 / started.elapsed().as_secs_f64().max(0.001) * 60.0;
            *control.rate.lock().unwrap() = Some((per_min, *settled));
            if let Ok(v) = app.bulk_job(id) {
                progress(&v);
            }
        };
        loop {
            let stop = control.pause.load(Ordering::SeqCst)
                || control.cancel.load(Ordering::SeqCst)
                || local_error.is_some();
            if !stop && !exhausted && tasks.len() < concurrency {
                if let Some(l) = &limit {
                    // Wait for the vendor's pace while the requests already out keep landing.
                    tokio::select! {
                        _ = l.wait() => {}
                        Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                            match self.settle(id, done) {
                                Ok(n) => after(self, n, &mut settled),
                                Err(e) => local_error = local_error.or(Some(e)),
                            }
                            continue;
                        }
                    }
                }
                let rows = match self.with_conn(|c| claim(c, id, batch)) {
                    Ok(r) => r,
                    Err(e) => {
                        local_error = Some(e);
                        continue;
                    }
                };
                if rows.is_empty() {
                    exhausted = true;
                } else {
                    tasks.spawn(sender.send(rows));
                }
                continue;
            }
            let Some(done) = tasks.join_next().await else {
                break;
            };
            match self.settle(id, done) {
                Ok(n) => after(self, n, &mut settled),
                Err(e) => local_error = local_error.or(Some(e)),
            }
            // Rows given back for a retry are pending again: look once more.
            exhausted = false;
        }
        if let Some(e) = local_error {
            return Err(e);
        }
        let end = if control.cancel.load(Ordering::SeqCst) {
            JobState::Cancelled
        } else if control.pause.load(Ordering::SeqCst) {
            JobState::Paused
        } else {
            JobState::Finished
        };
        self.with_conn(|c| set_state(c, id, end))?;
        let v = self.bulk_job(id)?;
        progress(&v);
        Ok(v)
    }

    fn settle(
        &self,
        id: i64,
        done: Result<Vec<(i64, RowOutcome)>, tokio::task::JoinError>,
    ) -> Result<u64, AppError> {
        let results = done.map_err(|e| AppError::internal(format!("a send task failed: {e}")))?;
        self.with_conn(|c| record(c, id, &results))?;
        Ok(results
            .iter()
            .filter(|(_, o)| !matches!(o, RowOutcome::Retry(_)))
            .count() as u64)
    }
}

/// What an export writes, in the operator's language (the UI passes its translations).
#[derive(Debug, Clone, Default, serde::Deserialize, TS)]
#[ts(export)]
pub struct ExportLabels {
    pub result: String,
    pub reason: String,
    /// Row state → word.
    pub states: HashMap<String, String>,
    /// Reason key → sentence.
    pub reasons: HashMap<String, String>,
}

/// Excel refuses cells longer than 32,767 characters (the whole export used to fail on one):
/// longer text is cut, with a marker so nobody mistakes it for the whole value.
pub(crate) fn xlsx_text(s: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_767;
    const MARK: &str = " […]";
    if s.chars().count() <= MAX {
        return std::borrow::Cow::Borrowed(s);
    }
    let keep = MAX - MARK.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(MARK);
    std::borrow::Cow::Owned(out)
}

impl App {
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
        // row number, state, original cells, reason
        type ExportRow = (u32, String, Vec<String>, Option<String>);
        let (headers, rows): (Vec<String>, Vec<ExportRow>) = self.with_conn(|c| {
            let params: String =
                c.query_row("SELECT params FROM bulk_jobs WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            let params: serde_json::Value = serde_json::from_str(&params).unwrap_or_default();
            let headers = serde_json::from_value(params["headers"].clone()).unwrap_or_default();
            let mut s = c.prepare(
                "SELECT row_no, state, source, reason FROM bulk_rows
                 WHERE job_id = ?1 AND state NOT IN ('done', 'in_flight') ORDER BY row_no",
            )?;
            let rows = s
                .query_map([id], |r| {
                    let source: String = r.get(2)?;
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        serde_json::from_str(&source).unwrap_or_default(),
                        r.get(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok((headers, rows))
        })?;
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
            ws.write_string_with_format(0, i as u16, xlsx_text(h), &bold)
                .map_err(xerr)?;
        }
        for (n, (_, state, source, reason)) in rows.iter().enumerate() {
            let r = (n + 1) as u32;
            for (i, cell) in source.iter().enumerate().take(headers.len()) {
                // Written as text cells: phone numbers keep their digits and "+", and a text cell
                // is never evaluated as a formula, so no apostrophe is needed (one would make
                // the export differ from the file it came from, and not re-import).
                ws.write_string(r, i as u16, xlsx_text(cell))
                    .map_err(xerr)?;
            }
            let word = labels
                .states
                .get(state)
                .cloned()
                .unwrap_or_else(|| state.clone());
            ws.write_string(r, headers.len() as u16, xlsx_text(&word))
                .map_err(xerr)?;
            let why = reason
                .as_deref()
                .unwrap_or("")
                .split(' ')
                .filter(|k| !k.is_empty())
                .map(|k| {
                    labels
                        .reasons
                        .get(k)
                        .cloned()
                        .unwrap_or_else(|| k.to_string())
                })
                .collect::<Vec<_>>()
                .join(" ");
            ws.write_string(r, headers.len() as u16 + 1, xlsx_text(&why))
                .map_err(xerr)?;
        }
        ws.autofit();
        let bytes = wb.save_to_buffer().map_err(xerr)?;
        let stem = format!(
            "{} - not sent",
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
