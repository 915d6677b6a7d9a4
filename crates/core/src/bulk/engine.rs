//! The engine: jobs and rows in SQLite, sent at the vendor's pace with bounded concurrency.
//!
//! A row moves `pending → in_flight → done | failed | uncertain | skipped` (or `pending` again
//! for a safe retry), and each move is written together with its outcome. Whatever kills the
//! process, a restart finds every row where it was; rows caught `in_flight` become `uncertain`
//! and wait for the operator ([`Engine::recover`]).
//!
//! The engine knows the cache, the clock and a [`Sender`]; it does not know the App (the use
//! cases in `bulk::jobs`, `bulk::whatsapp` and `bulk::truecaller` hold it).

use futures_util::future::BoxFuture;
use opsdesk_http::RateLimit;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use ts_rs::TS;

use crate::clock::Clock;
use crate::db::Db;
use crate::error::{AppError, ErrorCode};
use crate::store::bulk as sql;
pub use crate::store::bulk::{
    BulkReason, JobCounts, JobState, RowOutcome, RowReason, RowState, RowView,
};

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
    pub payload: Result<serde_json::Value, Vec<RowReason>>,
    pub summary: String,
    pub source: Vec<String>,
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

/// The jobs engine: pause and cancel switches of running jobs, their live rate, and the
/// spreadsheet being prepared (kept in memory only: it holds personal data and is not needed
/// once the job exists).
pub struct Engine {
    db: Db,
    clock: Arc<dyn Clock>,
    map: Mutex<HashMap<i64, Arc<Control>>>,
    pub(crate) sheet: Mutex<Option<(String, super::import::Sheet)>>,
    /// WhatsApp sends per second; 0 means the default. Tests and benchmarks raise it.
    pub(crate) wa_rate: AtomicU32,
    /// Truecaller batches per minute; 0 means the documented 60. The benchmark raises it along
    /// with the sandbox's time scale.
    pub(crate) tc_batches_per_minute: AtomicU32,
    /// Checks created per second; 0 means the default. Tests raise it.
    pub(crate) ck_rate: AtomicU32,
    /// How often a Truora batch is asked about, in ms; 0 means the default. Tests lower it.
    pub(crate) ck_batch_poll_ms: AtomicU32,
    /// Jobs that stopped because of a local failure, and which (kept in memory: when the disk
    /// is full, not even that can be written down).
    stopped: Mutex<HashMap<i64, ErrorCode>>,
    /// Jobs held busy outside a run (see [`Engine::hold`]).
    held: Mutex<std::collections::HashSet<i64>>,
}

/// A job held busy; released on drop.
pub struct Hold<'a> {
    engine: &'a Engine,
    id: i64,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.engine.held.lock().unwrap().remove(&self.id);
    }
}

#[derive(Default)]
pub struct Control {
    pause: AtomicBool,
    cancel: AtomicBool,
    rate: Mutex<Option<(f64, u64)>>,
}

impl Engine {
    pub(crate) fn new(db: Db, clock: Arc<dyn Clock>) -> Engine {
        Engine {
            db,
            clock,
            map: Default::default(),
            sheet: Default::default(),
            wa_rate: Default::default(),
            tc_batches_per_minute: Default::default(),
            ck_rate: Default::default(),
            ck_batch_poll_ms: Default::default(),
            stopped: Default::default(),
            held: Default::default(),
        }
    }

    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Stores a checked job and its rows (valid ones pending, invalid ones with their reason).
    pub fn create(
        &self,
        kind: &str,
        title: &str,
        params: &serde_json::Value,
        practice: bool,
        rows: Vec<NewRow>,
    ) -> Result<i64, AppError> {
        let now = self.now();
        let rows = rows
            .into_iter()
            .map(|r| {
                let source = serde_json::to_string(&r.source).unwrap_or_default();
                (r.row_no, r.payload, r.summary, source)
            })
            .collect();
        self.db
            .with_conn(|c| sql::create(c, kind, title, params, practice, rows, now))
    }

    /// Stores a job whose rows `fill` hands over one at a time as it checks them, in one
    /// transaction. Nothing is stored, and `None` returned, when no row can be sent.
    pub fn create_streaming(
        &self,
        kind: &str,
        title: &str,
        params: &serde_json::Value,
        practice: bool,
        fill: impl FnOnce(&mut dyn FnMut(NewRow) -> Result<(), AppError>) -> Result<(), AppError>,
    ) -> Result<Option<i64>, AppError> {
        let now = self.now();
        use crate::db::ConnError;
        self.db.with_conn_or(|c| {
            sql::create_with(c, kind, title, params, practice, now, true, |insert| {
                // A failed insert is carried out of `fill` as it is (a full disk, damage) and
                // told apart from a check's own error on the way out.
                let mut sql_failure = None;
                let checked = fill(&mut |r: NewRow| {
                    let source = serde_json::to_string(&r.source).unwrap_or_default();
                    insert((r.row_no, r.payload, r.summary, source)).map_err(|e| {
                        sql_failure = Some(e);
                        AppError::internal("could not write a row")
                    })
                });
                match (sql_failure, checked) {
                    (Some(e), _) => Err(ConnError::Sql(e)),
                    (None, Err(a)) => Err(ConnError::App(a)),
                    (None, Ok(())) => Ok(()),
                }
            })
        })
    }

    pub fn job(&self, id: i64) -> Result<JobView, AppError> {
        let (running, live) = {
            let map = self.map.lock().unwrap();
            let c = map.get(&id);
            (c.is_some(), c.and_then(|c| *c.rate.lock().unwrap()))
        };
        let stopped_by = self.stopped.lock().unwrap().get(&id).copied();
        self.db
            .with_conn(|c| {
                let Some((kind, title, state, created, started, finished)) = sql::load_job(c, id)?
                else {
                    return Ok(None);
                };
                let counts = sql::counts(c, id)?;
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
                            ((counts.pending + counts.in_flight) as f64 / per_min * 60.0).ceil()
                                as u64,
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

    /// Jobs of a mode, newest first.
    pub fn jobs(&self, kind: &str, practice: bool) -> Result<Vec<JobView>, AppError> {
        let ids = self.db.with_conn(|c| sql::job_ids(c, kind, practice))?;
        ids.into_iter().map(|id| self.job(id)).collect()
    }

    /// Rows of a job after row `after_row` (0: from the first), optionally only in some states.
    pub fn rows(
        &self,
        id: i64,
        states: &[RowState],
        after_row: u32,
        limit: u32,
    ) -> Result<Vec<RowView>, AppError> {
        self.db
            .with_conn(|c| sql::rows(c, id, states, after_row, limit))
    }

    /// After a restart: jobs that were running are interrupted, and rows caught in flight are
    /// uncertain (they may have reached the vendor). Returns the interrupted jobs.
    pub fn recover(&self) -> Result<Vec<i64>, AppError> {
        self.db.with_conn(sql::recover)
    }

    /// The operator's decision on uncertain rows: send them again, or leave them as not sent.
    pub fn resolve_uncertain(&self, id: i64, resend: bool) -> Result<JobView, AppError> {
        self.db
            .with_conn(|c| sql::resolve_uncertain(c, id, resend))?;
        self.db.with_conn(|c| sql::reopen_if_pending(c, id))?;
        self.job(id)
    }

    /// A finished job whose rows went back to the queue (settled as never sent) can run again.
    pub(crate) fn reopen_if_pending(&self, id: i64) -> Result<(), AppError> {
        self.db.with_conn(|c| sql::reopen_if_pending(c, id))?;
        Ok(())
    }

    /// Per-row version of [`Engine::note_outcome`].
    pub(crate) fn note_outcomes(&self, id: i64, rows: &[(i64, String)]) -> Result<(), AppError> {
        self.db.with_conn(|c| sql::note_outcomes(c, id, rows))
    }

    /// Marks a job busy while something other than the engine works on it (settling rows in
    /// doubt before a run, which can take long): a second "Continue" meanwhile is refused, and
    /// the job reads as running. Released when the guard drops.
    pub(crate) fn hold(&self, id: i64) -> Result<Hold<'_>, AppError> {
        if self.map.lock().unwrap().contains_key(&id) || !self.held.lock().unwrap().insert(id) {
            return Err(AppError::new(
                ErrorCode::Busy,
                "this job is already running",
            ));
        }
        Ok(Hold { engine: self, id })
    }

    /// Writes what a sender learned mid-request (a batch ID) on rows still in flight, so a
    /// crash before their results are in can be settled from it.
    pub fn note_outcome(&self, id: i64, rows: &[i64], outcome: &str) -> Result<(), AppError> {
        self.db
            .with_conn(|c| sql::note_outcome(c, id, rows, outcome))
    }

    /// Uncertain rows that carry an outcome (e.g. a batch ID): row number, outcome, payload.
    pub(crate) fn uncertain_outcomes(
        &self,
        id: i64,
    ) -> Result<Vec<(i64, String, String)>, AppError> {
        self.db.with_conn(|c| sql::uncertain_outcomes(c, id))
    }

    /// Settles uncertain rows from what the vendor says now.
    pub(crate) fn settle_uncertain(
        &self,
        id: i64,
        results: &[(i64, RowOutcome)],
    ) -> Result<(), AppError> {
        let now = self.now();
        self.db
            .with_conn(|c| sql::settle_uncertain(c, id, results, now))
    }

    pub fn pause(&self, id: i64) -> bool {
        self.map
            .lock()
            .unwrap()
            .get(&id)
            .map(|c| c.pause.store(true, Ordering::SeqCst))
            .is_some()
    }

    /// Stops a job for good: rows not yet sent stay unsent (and are exported as such).
    pub fn cancel(&self, id: i64) -> Result<(), AppError> {
        let running = self
            .map
            .lock()
            .unwrap()
            .get(&id)
            .map(|c| c.cancel.store(true, Ordering::SeqCst))
            .is_some();
        if !running {
            let now = self.now();
            self.db
                .with_conn(|c| sql::set_state(c, id, JobState::Cancelled, now))?;
        }
        Ok(())
    }

    /// Whether any list is sending now.
    pub fn any_running(&self) -> bool {
        !self.map.lock().unwrap().is_empty()
    }

    pub fn is_running(&self, id: i64) -> bool {
        self.map.lock().unwrap().contains_key(&id) || self.held.lock().unwrap().contains(&id)
    }

    /// Runs a job until every row is settled, or it is paused or cancelled. `progress` is called
    /// after every recorded batch. Safe to call again after a pause, a cancel or a crash.
    pub async fn run(
        &self,
        id: i64,
        sender: Arc<dyn Sender>,
        mut progress: impl FnMut(&JobView),
    ) -> Result<JobView, AppError> {
        let control = {
            let mut map = self.map.lock().unwrap();
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
        self.stopped.lock().unwrap().remove(&id);
        // Rows left in flight by an earlier run that stopped on a local failure: nobody is
        // sending them now, so they may or may not have arrived. The operator decides.
        let result = match self.db.with_conn(|c| sql::mark_in_flight_uncertain(c, id)) {
            Ok(_) => self.run_inner(id, sender, &control, &mut progress).await,
            Err(e) => Err(e),
        };
        self.map.lock().unwrap().remove(&id);
        if let Err(e) = &result {
            tracing::error!(job = id, error = %e, "job stopped by a local failure");
            self.stopped.lock().unwrap().insert(id, e.code);
            // Best effort: with a full disk these writes fail too; the job still reads as
            // interrupted (see `bulk_job`) and the next run settles the rows caught in flight.
            // A job the operator cancelled stays cancelled: "Continue" must not send its rows.
            let end = if control.cancel.load(Ordering::SeqCst) {
                JobState::Cancelled
            } else {
                JobState::Interrupted
            };
            let now = self.now();
            let _ = self.db.with_conn(|c| {
                sql::mark_in_flight_uncertain(c, id)?;
                sql::set_state(c, id, end, now)
            });
            if let Ok(v) = self.job(id) {
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
        let state = self.job(id)?.state;
        if matches!(state, JobState::Cancelled | JobState::Finished) {
            return self.job(id);
        }
        let now = self.now();
        self.db
            .with_conn(|c| sql::set_state(c, id, JobState::Running, now))?;
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
        let mut after = |engine: &Engine, n: u64, settled: &mut u64| {
            *settled += n;
            let per_min = *settled as f64 / started.elapsed().as_secs_f64().max(0.001) * 60.0;
            *control.rate.lock().unwrap() = Some((per_min, *settled));
            if let Ok(v) = engine.job(id) {
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
                // Without a vendor pace, rows for every free slot are claimed in one
                // transaction (a commit per request was most of the engine's cost). With a
                // pace, one request's rows at a time: rows claimed ahead would wait in flight
                // and, after a crash, ask the operator about messages never sent.
                let slots = if limit.is_some() {
                    1
                } else {
                    concurrency - tasks.len()
                };
                let now = self.now();
                let rows = match self.db.with_conn(|c| sql::claim(c, id, batch * slots, now)) {
                    Ok(r) => r,
                    Err(e) => {
                        local_error = Some(e);
                        continue;
                    }
                };
                if rows.is_empty() {
                    exhausted = true;
                } else {
                    let mut rows = rows.into_iter().peekable();
                    while rows.peek().is_some() {
                        tasks.spawn(sender.send(rows.by_ref().take(batch).collect()));
                    }
                }
                continue;
            }
            let Some(first) = tasks.join_next().await else {
                break;
            };
            // Requests that ended meanwhile are recorded together, in one transaction.
            let mut done = vec![first];
            while let Some(more) = tasks.try_join_next() {
                done.push(more);
            }
            match self.settle_all(id, done) {
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
        let now = self.now();
        self.db.with_conn(|c| sql::set_state(c, id, end, now))?;
        let v = self.job(id)?;
        progress(&v);
        Ok(v)
    }

    fn settle(
        &self,
        id: i64,
        done: Result<Vec<(i64, RowOutcome)>, tokio::task::JoinError>,
    ) -> Result<u64, AppError> {
        self.settle_all(id, vec![done])
    }

    fn settle_all(
        &self,
        id: i64,
        done: Vec<Result<Vec<(i64, RowOutcome)>, tokio::task::JoinError>>,
    ) -> Result<u64, AppError> {
        // What the tasks that ended well learned is recorded even when another one failed.
        let mut results = Vec::new();
        let mut failed = None;
        for d in done {
            match d {
                Ok(r) => results.extend(r),
                Err(e) => failed = Some(AppError::internal(format!("a send task failed: {e}"))),
            }
        }
        if let Some(e) = failed {
            let now = self.now();
            self.db.with_conn(|c| sql::record(c, id, &results, now))?;
            return Err(e);
        }
        let now = self.now();
        self.db.with_conn(|c| sql::record(c, id, &results, now))?;
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
    /// Put after the job's name in the file's name ("not sent"), in the operator's language.
    #[serde(default)]
    pub file_suffix: String,
    /// Row state → word.
    pub states: HashMap<RowState, String>,
    /// Each reason the export may meet, and its sentence.
    pub reasons: Vec<(RowReason, String)>,
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
