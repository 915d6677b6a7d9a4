//! Jobs and rows of list sends, as SQLite holds them: every statement the jobs engine runs.
//! A row moves `pending → in_flight → done | failed | uncertain | skipped` (or `pending` again
//! for a safe retry), and each move is written together with its outcome.

use opsdesk_http::RuleCode;
pub use opsdesk_truecaller::delivery::DeliveryFailure;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ErrorCode;

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
    pub fn db(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Finished => "finished",
            Self::Interrupted => "interrupted",
        }
    }
    pub fn parse(s: &str) -> Self {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
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
    pub fn db(self) -> &'static str {
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
    pub fn parse(s: &str) -> Self {
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
pub struct RowView {
    pub row_no: u32,
    pub state: RowState,
    pub summary: String,
    pub outcome: Option<String>,
    /// Why it did not go out (or not yet): several for a row that broke several rules.
    pub reasons: Vec<RowReason>,
}

/// Why a row did not go out, or not yet: the UI puts each in words (and the export of what
/// did not go out writes those words).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum RowReason {
    /// A cell broke a rule: the input (`phone_number`, `values.name`, …) and the rule.
    Rule { field: String, rule: RuleCode },
    /// The request failed in this way.
    Error { code: ErrorCode },
    /// Something about the list itself.
    Bulk { what: BulkReason },
    /// Truecaller could not deliver this record, for one of its documented causes.
    Delivery { why: DeliveryFailure },
    /// The vendor's own words about this record, when they name no cause OpsDesk knows.
    Vendor { text: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BulkReason {
    /// The same person appears earlier in the file.
    DuplicateInFile,
    /// The request left and no answer came back: it may have arrived.
    NoAnswer,
    /// This template already went to this person in the last 24 hours.
    AlreadySent,
    /// It may already have gone to this person (an earlier send is uncertain).
    MaybeSent,
    /// The app stopped while the row was being sent.
    AppStopped,
    /// The operator chose not to send uncertain rows again.
    LeftUnsent,
    /// The person asked not to be contacted (the do-not-contact list).
    OptedOut,
    /// The person's data was erased at their request.
    Erased,
}

impl BulkReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DuplicateInFile => "duplicate_in_file",
            Self::NoAnswer => "no_answer",
            Self::AlreadySent => "already_sent",
            Self::MaybeSent => "maybe_sent",
            Self::AppStopped => "app_stopped",
            Self::LeftUnsent => "left_unsent",
            Self::OptedOut => "opted_out",
            Self::Erased => "erased",
        }
    }
    pub const ALL: [BulkReason; 8] = [
        Self::DuplicateInFile,
        Self::NoAnswer,
        Self::AlreadySent,
        Self::MaybeSent,
        Self::AppStopped,
        Self::LeftUnsent,
        Self::OptedOut,
        Self::Erased,
    ];
}

impl RowReason {
    pub fn rule(field: impl Into<String>, rule: RuleCode) -> Self {
        Self::Rule {
            field: field.into(),
            rule,
        }
    }
    pub fn error(code: ErrorCode) -> Self {
        Self::Error { code }
    }
    pub fn bulk(what: BulkReason) -> Self {
        Self::Bulk { what }
    }

    /// How a reason is kept in the `reason` column: `rule:<field>:<rule>`, `error:<code>`,
    /// `bulk:<what>` or `vendor:<text>` (spaces in the text kept as non-breaking spaces, as
    /// several reasons are written space-separated). Rows written by earlier versions use
    /// the same keys.
    pub fn key(&self) -> String {
        match self {
            Self::Rule { field, rule } => format!("rule:{field}:{rule}"),
            Self::Error { code } => format!("error:{}", code.as_str()),
            Self::Bulk { what } => format!("bulk:{}", what.as_str()),
            Self::Delivery { why } => format!("delivery:{}", why.as_str()),
            Self::Vendor { text } => format!("vendor:{}", text.replace(' ', "\u{a0}")),
        }
    }

    fn parse_key(key: &str) -> RowReason {
        let parsed = match key.split_once(':') {
            Some(("rule", rest)) => rest.rsplit_once(':').and_then(|(field, rule)| {
                RuleCode::parse(rule).map(|rule| Self::rule(field, rule))
            }),
            Some(("error", code)) => ErrorCode::parse(code).map(Self::error),
            Some(("bulk", what)) => BulkReason::ALL
                .into_iter()
                .find(|w| w.as_str() == what)
                .map(Self::bulk),
            Some(("delivery", why)) => {
                DeliveryFailure::parse(why).map(|why| Self::Delivery { why })
            }
            // Rows written before causes were read from Truecaller's words get them too.
            Some(("vendor", text)) => {
                let text = text.replace('\u{a0}', " ");
                Some(match DeliveryFailure::from_message(&text) {
                    Some(why) => Self::Delivery { why },
                    None => Self::Vendor { text },
                })
            }
            _ => None,
        };
        // A key this version does not know (written by a newer one) is shown as it is.
        parsed.unwrap_or_else(|| Self::Vendor { text: key.into() })
    }
}

/// The `reason` column for a list of reasons (NULL for none).
pub fn encode_reasons(reasons: &[RowReason]) -> Option<String> {
    (!reasons.is_empty()).then(|| {
        reasons
            .iter()
            .map(RowReason::key)
            .collect::<Vec<_>>()
            .join(" ")
    })
}

pub fn decode_reasons(column: Option<&str>) -> Vec<RowReason> {
    column
        .unwrap_or("")
        .split(' ')
        .filter(|k| !k.is_empty())
        .map(RowReason::parse_key)
        .collect()
}

/// How one row ended, as the sender reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    /// Accepted; the vendor's reference (session ID, batch ID).
    Done(String),
    Failed(RowReason),
    Uncertain(RowReason),
    /// Nothing happened and it is safe to try again (e.g. a rate limit).
    Retry(RowReason),
    Skipped(RowReason),
}

pub fn counts(conn: &Connection, job: i64) -> rusqlite::Result<JobCounts> {
    let mut c = JobCounts::default();
    // Kept by triggers as rows change (migration 0011): reading them costs the same for a job
    // of ten rows and one of a million.
    let mut s =
        conn.prepare_cached("SELECT state, n FROM bulk_counts WHERE job_id = ?1 AND n > 0")?;
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
pub fn claim(
    conn: &Connection,
    job: i64,
    n: usize,
    now: i64,
) -> rusqlite::Result<Vec<(i64, serde_json::Value)>> {
    let mut s = conn.prepare_cached(
        "UPDATE bulk_rows SET state = 'in_flight', attempts = attempts + 1, updated_at_ms = ?3
         WHERE job_id = ?1 AND row_no IN (
            SELECT row_no FROM bulk_rows WHERE job_id = ?1 AND state = 'pending' ORDER BY row_no LIMIT ?2)
         RETURNING row_no, payload",
    )?;
    let rows = s.query_map(params![job, n as i64, now], |r| {
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

pub fn record(
    conn: &mut Connection,
    job: i64,
    results: &[(i64, RowOutcome)],
    now: i64,
) -> rusqlite::Result<()> {
    let tx = crate::store::write_tx(conn)?;
    record_in(&tx, job, results, now)?;
    tx.commit()
}

fn record_in(
    tx: &rusqlite::Transaction,
    job: i64,
    results: &[(i64, RowOutcome)],
    now: i64,
) -> rusqlite::Result<()> {
    {
        let mut s = tx.prepare_cached(
            "UPDATE bulk_rows SET state = CASE WHEN ?3 = 'pending' AND attempts >= ?6 THEN 'failed' ELSE ?3 END,
                 outcome = CASE WHEN ?3 = 'uncertain' THEN outcome ELSE ?4 END,
                 reason = ?5, updated_at_ms = ?7
             WHERE job_id = ?1 AND row_no = ?2 AND state = 'in_flight'",
        )?;
        for (no, o) in results {
            let (state, outcome, reason) = match o {
                RowOutcome::Done(x) => ("done", Some(x.as_str()), None),
                RowOutcome::Failed(r) => ("failed", None, Some(r.key())),
                RowOutcome::Uncertain(r) => ("uncertain", None, Some(r.key())),
                RowOutcome::Retry(r) => ("pending", None, Some(r.key())),
                RowOutcome::Skipped(r) => ("skipped", None, Some(r.key())),
            };
            s.execute(params![job, no, state, outcome, reason, MAX_ATTEMPTS, now])?;
        }
    }
    Ok(())
}

pub fn set_state(conn: &Connection, job: i64, state: JobState, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE bulk_jobs SET state = ?2,
            started_at_ms = CASE WHEN ?2 = 'running' THEN COALESCE(started_at_ms, ?3) ELSE started_at_ms END,
            finished_at_ms = CASE WHEN ?2 IN ('finished', 'cancelled') THEN ?3 ELSE NULL END
         WHERE id = ?1",
        params![job, state.db(), now],
    )?;
    Ok(())
}

pub fn mark_in_flight_uncertain(conn: &Connection, job: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE bulk_rows SET state = 'uncertain', reason = 'bulk:app_stopped' WHERE job_id = ?1 AND state = 'in_flight'",
        [job],
    )
}

/// Retention: jobs that are not sending and whose last activity is past the cutoff go, with
/// their rows (the source cells hold names and phone numbers).
pub fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
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
pub type JobRow = (String, String, String, i64, Option<i64>, Option<i64>);

pub fn load_job(conn: &Connection, id: i64) -> rusqlite::Result<Option<JobRow>> {
    conn.query_row(
        "SELECT kind, title, state, created_at_ms, started_at_ms, finished_at_ms FROM bulk_jobs WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )
    .optional()
}

/// A row as written: number, payload or why it cannot be sent, summary, original cells (JSON).
pub type NewRowRecord = (
    u32,
    Result<serde_json::Value, Vec<RowReason>>,
    String,
    String,
);

/// A checked job and its rows (valid ones pending, invalid ones with their reason), in one
/// transaction. `rows`: row number, payload or reason, summary, original cells (JSON).
pub fn create(
    c: &mut Connection,
    kind: &str,
    title: &str,
    params: &serde_json::Value,
    practice: bool,
    rows: Vec<NewRowRecord>,
    now: i64,
) -> rusqlite::Result<i64> {
    let id = create_with(c, kind, title, params, practice, now, false, |insert| {
        rows.into_iter().try_for_each(insert)
    })?;
    Ok(id.expect("kept without valid rows"))
}

/// Rows written per transaction while a job is created. One transaction for the whole list held
/// the write lock for seconds (rows are checked as they are written): a job sending meanwhile
/// waited past the busy timeout and stopped. Between chunks its writes go through.
const CREATE_CHUNK: u64 = 5_000;

/// A job whose rows `fill` inserts one at a time through the function it is given. The job is
/// written first as `preparing` (no list shows it, and a start after a crash removes it), its
/// rows in transactions of [`CREATE_CHUNK`], and it becomes `ready` only once all are in. When
/// `fill` fails, or (with `need_valid`) no row is valid, the job and its rows are removed and,
/// in the second case, `None` returned.
#[allow(clippy::too_many_arguments)]
pub fn create_with<E: From<rusqlite::Error>>(
    c: &Connection,
    kind: &str,
    title: &str,
    params: &serde_json::Value,
    practice: bool,
    now: i64,
    need_valid: bool,
    fill: impl FnOnce(&mut dyn FnMut(NewRowRecord) -> rusqlite::Result<()>) -> Result<(), E>,
) -> Result<Option<i64>, E> {
    // Rows are only appended here: a page cache of 2 MB holds the pages being filled, where
    // the usual 32 MB would grow by a page per 4 KB written (33 MB for a 6 MB list, five times
    // the file).
    let conn: &Connection = c;
    let _small = super::SmallCache::new(conn)?;
    // One statement, so it commits on its own.
    conn.execute(
        "INSERT INTO bulk_jobs (kind, title, state, params, practice, created_at_ms) VALUES (?1, ?2, 'preparing', ?3, ?4, ?5)",
        params![kind, title, params.to_string(), practice, now],
    )?;
    let id = conn.last_insert_rowid();
    let mut valid = 0u64;
    let mut written = 0u64;
    let mut open = false;
    let filled = fill(&mut |(row_no, payload, summary, source)| {
        if !open {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            open = true;
        }
        let mut s = conn.prepare_cached(
            "INSERT INTO bulk_rows (job_id, row_no, state, payload, source, summary, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        match payload {
            Ok(p) => {
                valid += 1;
                s.execute(params![
                    id,
                    row_no,
                    "pending",
                    p.to_string(),
                    source,
                    summary,
                    None::<String>
                ])?
            }
            Err(reasons) => s.execute(params![
                id,
                row_no,
                "invalid",
                "null",
                source,
                summary,
                encode_reasons(&reasons)
            ])?,
        };
        written += 1;
        if written.is_multiple_of(CREATE_CHUNK) {
            conn.execute_batch("COMMIT")?;
            open = false;
        }
        Ok(())
    });
    let finish = |ready: bool| -> rusqlite::Result<()> {
        if open {
            conn.execute_batch(if ready { "COMMIT" } else { "ROLLBACK" })?;
        }
        if ready {
            conn.execute("UPDATE bulk_jobs SET state = 'ready' WHERE id = ?1", [id])?;
        } else {
            // Its rows go with it (ON DELETE CASCADE).
            conn.execute("DELETE FROM bulk_jobs WHERE id = ?1", [id])?;
        }
        Ok(())
    };
    match filled {
        Err(e) => {
            if let Err(cleanup) = finish(false) {
                tracing::warn!(error = %cleanup, job = id, "could not remove a job that failed to be created; it is removed at the next start");
            }
            Err(e)
        }
        Ok(()) if need_valid && valid == 0 => {
            finish(false)?;
            Ok(None)
        }
        Ok(()) => {
            finish(true)?;
            Ok(Some(id))
        }
    }
}

/// The newest 50 jobs of a kind and mode.
pub fn job_ids(c: &Connection, kind: &str, practice: bool) -> rusqlite::Result<Vec<i64>> {
    let mut s = c.prepare_cached(
        "SELECT id FROM bulk_jobs WHERE kind = ?1 AND practice = ?2 AND state <> 'preparing' ORDER BY id DESC LIMIT 50",
    )?;
    let rows = s.query_map(params![kind, practice], |r| r.get(0))?;
    rows.collect()
}

/// Rows of a job after row `after` (0: from the first), optionally only in some states, in row
/// order, at most `limit`. Each state is read from its own index walk (job, state, row) and
/// the walks are merged, so a page costs the same however many rows the job has and however
/// few of them are in the states asked for.
pub fn rows(
    c: &Connection,
    job: i64,
    states: &[RowState],
    after: u32,
    limit: u32,
) -> rusqlite::Result<Vec<RowView>> {
    fn view(r: &rusqlite::Row) -> rusqlite::Result<RowView> {
        Ok(RowView {
            row_no: r.get(0)?,
            state: RowState::parse(&r.get::<_, String>(1)?),
            summary: r.get(2)?,
            outcome: r.get(3)?,
            reasons: decode_reasons(r.get::<_, Option<String>>(4)?.as_deref()),
        })
    }
    if states.is_empty() {
        let mut s = c.prepare_cached(ROWS_ALL)?;
        let rows = s.query_map(params![job, after, limit], view)?;
        return rows.collect();
    }
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for st in states {
        if seen.contains(st) {
            continue;
        }
        seen.push(*st);
        let mut s = c.prepare_cached(ROWS_IN_STATE)?;
        let rows = s.query_map(params![job, st.db(), after, limit], view)?;
        for r in rows {
            out.push(r?);
        }
    }
    out.sort_by_key(|r| r.row_no);
    out.truncate(limit as usize);
    Ok(out)
}

pub(crate) const ROWS_ALL: &str = "SELECT row_no, state, summary, outcome, reason FROM bulk_rows
     WHERE job_id = ?1 AND row_no > ?2 ORDER BY row_no LIMIT ?3";
/// By the state index, always: without statistics SQLite may walk the job in row order and
/// filter, which reads the whole job when few or none of its rows are in that state.
pub(crate) const ROWS_IN_STATE: &str =
    "SELECT row_no, state, summary, outcome, reason FROM bulk_rows INDEXED BY bulk_rows_by_state
     WHERE job_id = ?1 AND state = ?2 AND row_no > ?3 ORDER BY row_no LIMIT ?4";

/// After a restart: jobs that were running become interrupted, rows caught in flight
/// uncertain. Returns the interrupted jobs.
pub fn recover(c: &mut Connection) -> rusqlite::Result<Vec<i64>> {
    let tx = crate::store::write_tx(c)?;
    // A job whose creation the stop cut short: never shown, never started; its rows go with it.
    tx.execute("DELETE FROM bulk_jobs WHERE state = 'preparing'", [])?;
    let ids: Vec<i64> = {
        let mut s = tx.prepare("SELECT id FROM bulk_jobs WHERE state = 'running'")?;
        let rows = s.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    tx.execute(
        "UPDATE bulk_rows SET state = 'uncertain', reason = 'bulk:app_stopped' WHERE state = 'in_flight'",
        [],
    )?;
    tx.execute(
        "UPDATE bulk_jobs SET state = 'interrupted' WHERE state = 'running'",
        [],
    )?;
    tx.commit()?;
    Ok(ids)
}

/// The operator's decision on uncertain rows: send them again, or leave them as not sent.
pub fn resolve_uncertain(c: &Connection, job: i64, resend: bool) -> rusqlite::Result<usize> {
    if resend {
        // The payload carries the decision, so the sender does not stop them as repeats.
        c.execute(
            "UPDATE bulk_rows SET state = 'pending', reason = NULL, attempts = 0,
                payload = json_set(payload, '$.send_again', json('true'))
             WHERE job_id = ?1 AND state = 'uncertain'",
            [job],
        )
    } else {
        c.execute(
            "UPDATE bulk_rows SET state = 'failed', reason = 'bulk:left_unsent'
             WHERE job_id = ?1 AND state = 'uncertain'",
            [job],
        )
    }
}

/// A finished job with rows to send again can be started again.
pub fn reopen_if_pending(c: &Connection, job: i64) -> rusqlite::Result<usize> {
    c.execute("UPDATE bulk_jobs SET state = 'paused' WHERE id = ?1 AND state = 'finished' AND EXISTS (SELECT 1 FROM bulk_rows WHERE job_id = ?1 AND state = 'pending')", [job])
}

/// Writes what a sender learned mid-request on each row still in flight (a batch ID and the
/// row's place in the batch file).
pub fn note_outcomes(c: &mut Connection, job: i64, rows: &[(i64, String)]) -> rusqlite::Result<()> {
    let tx = crate::store::write_tx(c)?;
    {
        let mut s = tx.prepare_cached("UPDATE bulk_rows SET outcome = ?3 WHERE job_id = ?1 AND row_no = ?2 AND state = 'in_flight'")?;
        for (no, outcome) in rows {
            s.execute(params![job, no, outcome])?;
        }
    }
    tx.commit()
}

/// Writes what a sender learned mid-request (a batch ID) on rows still in flight.
pub fn note_outcome(
    c: &mut Connection,
    job: i64,
    rows: &[i64],
    outcome: &str,
) -> rusqlite::Result<()> {
    let tx = crate::store::write_tx(c)?;
    {
        let mut s = tx.prepare_cached("UPDATE bulk_rows SET outcome = ?3 WHERE job_id = ?1 AND row_no = ?2 AND state = 'in_flight'")?;
        for no in rows {
            s.execute(params![job, no, outcome])?;
        }
    }
    tx.commit()
}

/// Uncertain rows that carry an outcome (e.g. a batch ID): row number, outcome, payload.
pub fn uncertain_outcomes(
    c: &Connection,
    job: i64,
) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut s = c.prepare_cached("SELECT row_no, outcome, payload FROM bulk_rows WHERE job_id = ?1 AND state = 'uncertain' AND outcome IS NOT NULL")?;
    let rows = s.query_map([job], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// An uncertain row: number, payload, when it was last sent or recorded, and what the sender
/// wrote on it mid-request (a batch ID), if anything.
pub type UncertainRow = (i64, String, i64, Option<String>);

/// Every uncertain row, in file order.
pub fn uncertain_rows(c: &Connection, job: i64) -> rusqlite::Result<Vec<UncertainRow>> {
    let mut s = c.prepare_cached(
        "SELECT row_no, payload, COALESCE(updated_at_ms, 0), outcome FROM bulk_rows
         WHERE job_id = ?1 AND state = 'uncertain' ORDER BY row_no",
    )?;
    let rows = s.query_map([job], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    rows.collect()
}

/// Settles uncertain rows from what the vendor says now; rows not in `results` stay uncertain.
pub fn settle_uncertain(
    c: &mut Connection,
    job: i64,
    results: &[(i64, RowOutcome)],
    now: i64,
) -> rusqlite::Result<()> {
    // The rows named move through `in_flight` so `record` writes them like any result; all of
    // it in one transaction, so a crash in between leaves them uncertain, as they were.
    let tx = crate::store::write_tx(c)?;
    {
        let mut s = tx.prepare_cached(
            "UPDATE bulk_rows SET state = 'in_flight' WHERE job_id = ?1 AND row_no = ?2 AND state = 'uncertain'",
        )?;
        for (no, _) in results {
            s.execute(params![job, no])?;
        }
    }
    record_in(&tx, job, results, now)?;
    {
        // Only the rows this settle moved: rows another run has in flight are not touched.
        let mut s = tx.prepare_cached(
            "UPDATE bulk_rows SET state = 'uncertain' WHERE job_id = ?1 AND row_no = ?2 AND state = 'in_flight'",
        )?;
        for (no, _) in results {
            s.execute(params![job, no])?;
        }
    }
    tx.commit()
}

/// Row number, state, original cells, reasons.
pub type ExportRow = (u32, RowState, Vec<String>, Vec<RowReason>);

/// A row as "save all rows" writes it: number, state, original cells, reasons, the vendor's
/// reference (a check or session ID) and when it last changed.
pub type FullRow = (
    u32,
    RowState,
    Vec<String>,
    Vec<RowReason>,
    Option<String>,
    Option<i64>,
);

/// What a job was made with (its mapping, the file's headers and name).
pub fn params(c: &Connection, job: i64) -> rusqlite::Result<serde_json::Value> {
    let params: String = c.query_row("SELECT params FROM bulk_jobs WHERE id = ?1", [job], |r| {
        r.get(0)
    })?;
    Ok(serde_json::from_str(&params).unwrap_or_default())
}

/// The file's headers of a job.
pub fn headers(c: &Connection, job: i64) -> rusqlite::Result<Vec<String>> {
    Ok(serde_json::from_value(params(c, job)?["headers"].clone()).unwrap_or_default())
}

/// Every row of a job after `after_row`, in file order, by the primary key: a page costs the
/// same at row 10 and at row 900,000.
pub fn full_page(
    c: &Connection,
    job: i64,
    after_row: u32,
    limit: u32,
) -> rusqlite::Result<Vec<FullRow>> {
    let mut s = c.prepare_cached(
        "SELECT row_no, state, source, reason, outcome, updated_at_ms FROM bulk_rows
         WHERE job_id = ?1 AND row_no > ?2 ORDER BY row_no LIMIT ?3",
    )?;
    let rows = s.query_map(params![job, after_row, limit], |r| {
        let source: String = r.get(2)?;
        Ok((
            r.get(0)?,
            RowState::parse(&r.get::<_, String>(1)?),
            serde_json::from_str(&source).unwrap_or_default(),
            decode_reasons(r.get::<_, Option<String>>(3)?.as_deref()),
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    rows.collect()
}

/// The file's column headers and every row that did not go out, for the export.
pub fn unsent_rows(c: &Connection, job: i64) -> rusqlite::Result<(Vec<String>, Vec<ExportRow>)> {
    let params: String = c.query_row("SELECT params FROM bulk_jobs WHERE id = ?1", [job], |r| {
        r.get(0)
    })?;
    let params: serde_json::Value = serde_json::from_str(&params).unwrap_or_default();
    let headers = serde_json::from_value(params["headers"].clone()).unwrap_or_default();
    let mut s = c.prepare(
        "SELECT row_no, state, source, reason FROM bulk_rows
         WHERE job_id = ?1 AND state NOT IN ('done', 'in_flight') ORDER BY row_no",
    )?;
    let rows = s
        .query_map([job], |r| {
            let source: String = r.get(2)?;
            Ok((
                r.get(0)?,
                RowState::parse(&r.get::<_, String>(1)?),
                serde_json::from_str(&source).unwrap_or_default(),
                decode_reasons(r.get::<_, Option<String>>(3)?.as_deref()),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok((headers, rows))
}

#[cfg(test)]
mod reason_tests {
    use super::*;

    #[test]
    fn reasons_survive_the_column_and_read_rows_of_earlier_versions() {
        let reasons = vec![
            RowReason::rule("values.name", RuleCode::Required),
            RowReason::error(ErrorCode::RateLimited),
            RowReason::bulk(BulkReason::AppStopped),
            RowReason::Delivery {
                why: DeliveryFailure::NotTruecallerUser,
            },
            RowReason::Vendor {
                text: "quota exceeded for this label".into(),
            },
        ];
        let column = encode_reasons(&reasons);
        assert_eq!(decode_reasons(column.as_deref()), reasons);
        // Truecaller's words stored by an earlier version read as their cause.
        assert_eq!(
            decode_reasons(Some(
                "vendor:receiver\u{a0}is\u{a0}not\u{a0}a\u{a0}Truecaller\u{a0}user"
            )),
            [RowReason::Delivery {
                why: DeliveryFailure::NotTruecallerUser
            }]
        );
        assert_eq!(
            decode_reasons(Some("rule:phone_number:not_a_phone bulk:left_unsent")),
            [
                RowReason::rule("phone_number", RuleCode::NotAPhone),
                RowReason::bulk(BulkReason::LeftUnsent)
            ]
        );
        assert!(decode_reasons(None).is_empty());
    }
}

#[cfg(test)]
mod count_tests {
    use super::*;
    use crate::store::{new_key, Store};

    fn recount(c: &Connection, job: i64) -> JobCounts {
        let mut n = JobCounts::default();
        let mut s = c
            .prepare("SELECT state, COUNT(*) FROM bulk_rows WHERE job_id = ?1 GROUP BY state")
            .unwrap();
        let rows = s
            .query_map([job], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))
            .unwrap();
        for r in rows {
            let (st, k) = r.unwrap();
            n.total += k;
            match RowState::parse(&st) {
                RowState::Pending => n.pending = k,
                RowState::InFlight => n.in_flight = k,
                RowState::Done => n.done = k,
                RowState::Failed => n.failed = k,
                RowState::Uncertain => n.uncertain = k,
                RowState::Invalid => n.invalid = k,
                RowState::Skipped => n.skipped = k,
            }
        }
        n
    }

    fn new_rows(n: u32) -> Vec<NewRowRecord> {
        (2..n + 2)
            .map(|i| {
                let payload = if i % 10 == 0 {
                    Err(vec![RowReason::rule("phone", RuleCode::NotAPhone)])
                } else {
                    Ok(serde_json::json!({ "i": i }))
                };
                (i, payload, format!("row {i}"), "[]".into())
            })
            .collect()
    }

    /// The kept counts are the counts: after sends, retries, a crash and its recovery, the
    /// operator's decision and retention, they equal a full recount, for every job.
    #[test]
    fn kept_counts_match_a_recount_through_every_row_move() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &new_key()).unwrap();
        let mut c = store.conn().unwrap();
        let params = serde_json::json!({});
        let a = create(&mut c, "whatsapp", "a", &params, false, new_rows(300), 1).unwrap();
        let b = create(&mut c, "whatsapp", "b", &params, false, new_rows(40), 1).unwrap();
        let check = |c: &Connection| {
            for j in [a, b] {
                assert_eq!(counts(c, j).unwrap(), recount(c, j), "job {j}");
            }
        };
        check(&c);
        let claimed = claim(&c, a, 120, 2).unwrap();
        check(&c);
        let results: Vec<(i64, RowOutcome)> = claimed
            .iter()
            .enumerate()
            .map(|(i, (no, _))| {
                let o = match i % 4 {
                    0 => RowOutcome::Done("ok".into()),
                    1 => RowOutcome::Failed(RowReason::bulk(BulkReason::LeftUnsent)),
                    2 => RowOutcome::Retry(RowReason::error(ErrorCode::RateLimited)),
                    _ => RowOutcome::Skipped(RowReason::bulk(BulkReason::LeftUnsent)),
                };
                (*no, o)
            })
            .take(100)
            .collect();
        record(&mut c, a, &results, 3).unwrap();
        check(&c);
        // Twenty rows were still in flight: a crash, then recovery.
        set_state(&c, a, JobState::Running, 4).unwrap();
        recover(&mut c).unwrap();
        check(&c);
        assert_eq!(counts(&c, a).unwrap().uncertain, 20);
        resolve_uncertain(&c, a, true).unwrap();
        check(&c);
        claim(&c, b, 5, 5).unwrap();
        mark_in_flight_uncertain(&c, b).unwrap();
        resolve_uncertain(&c, b, false).unwrap();
        check(&c);
        // Pages of several states come merged in row order, each starting after the last.
        let states = [RowState::Skipped, RowState::Failed, RowState::Invalid];
        let want: Vec<u32> = {
            let mut s = c
                .prepare("SELECT row_no FROM bulk_rows WHERE job_id = ?1 AND state IN ('skipped', 'failed', 'invalid') ORDER BY row_no")
                .unwrap();
            let r = s.query_map([a], |r| r.get(0)).unwrap();
            r.map(Result::unwrap).collect()
        };
        let mut got = Vec::new();
        let mut after = 0;
        loop {
            let page = rows(&c, a, &states, after, 7).unwrap();
            let Some(last) = page.last() else { break };
            after = last.row_no;
            got.extend(page.iter().map(|r| r.row_no));
        }
        assert!(want.len() > 50, "{}", want.len());
        assert_eq!(got, want);
        set_state(&c, a, JobState::Finished, 6).unwrap();
        set_state(&c, b, JobState::Finished, 6).unwrap();
        purge_before(&c, i64::MAX).unwrap();
        let left: i64 = c
            .query_row("SELECT count(*) FROM bulk_counts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "a purged job leaves no counts behind");
    }

    /// Row pages walk an index and stop after the page, whatever the size of the job.
    #[test]
    fn row_pages_and_counts_read_only_what_they_return() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &new_key()).unwrap();
        let c = store.conn().unwrap();
        for (sql, args, walks) in [
            (ROWS_ALL, 3, "PRIMARY KEY (job_id=? AND row_no>?)"),
            (
                ROWS_IN_STATE,
                4,
                "INDEX bulk_rows_by_state (job_id=? AND state=? AND row_no>?)",
            ),
            (
                "SELECT state, n FROM bulk_counts WHERE job_id = ?1 AND n > 0",
                1,
                "PRIMARY KEY (job_id=?)",
            ),
        ] {
            let mut s = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let vals: Vec<rusqlite::types::Value> = (0..args)
                .map(|_| rusqlite::types::Value::Integer(1))
                .collect();
            let plan = s
                .query_map(rusqlite::params_from_iter(vals), |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
                .join(" | ");
            assert!(plan.contains(walks), "{sql}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{sql}: {plan}");
        }
        let with_states = rows(&c, 1, &[RowState::Failed, RowState::Invalid], 0, 10).unwrap();
        assert!(with_states.is_empty());
    }
}

#[cfg(test)]
mod create_tests {
    use super::*;
    use crate::store::{new_key, Store};

    fn record(i: u32) -> NewRowRecord {
        (
            i,
            Ok(serde_json::json!({ "i": i })),
            format!("row {i}"),
            "[]".into(),
        )
    }

    /// While a big list becomes a job, a job already sending still gets its writes in: the
    /// new job's rows go in chunks, not in one transaction holding the write lock throughout.
    /// Until all its rows are in, no list shows the new job; a failure removes it whole, and so
    /// does the next start after a crash mid-way.
    #[test]
    fn a_job_being_created_lets_others_write_and_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &new_key()).unwrap();
        let mut c = store.conn().unwrap();
        let other = store.conn().unwrap();
        other.busy_timeout(std::time::Duration::ZERO).unwrap();
        let p = serde_json::json!({});
        let sending = create(&mut c, "whatsapp", "sending", &p, false, vec![record(2)], 1).unwrap();

        let mut wrote_between = 0;
        let made =
            create_with::<rusqlite::Error>(&c, "whatsapp", "big", &p, false, 2, true, |insert| {
                for i in 2..(2 + 3 * CREATE_CHUNK as u32) {
                    insert(record(i))?;
                    if i == 1 + CREATE_CHUNK as u32 {
                        // A chunk is in: the new job is not listed yet, and another writer gets
                        // through at once (inside a chunk it would wait at most for that chunk).
                        assert_eq!(job_ids(&other, "whatsapp", false).unwrap(), [sending]);
                        claim(&other, sending, 1, 3).unwrap();
                        wrote_between += 1;
                    }
                }
                Ok(())
            })
            .unwrap()
            .unwrap();
        assert_eq!(wrote_between, 1);
        assert_eq!(job_ids(&c, "whatsapp", false).unwrap(), [made, sending]);
        assert_eq!(counts(&c, made).unwrap().pending, 3 * CREATE_CHUNK as u32);

        // A check that fails half-way leaves nothing behind.
        let failed =
            create_with::<rusqlite::Error>(&c, "whatsapp", "bad", &p, false, 4, true, |insert| {
                for i in 2..(2 + CREATE_CHUNK as u32 + 7) {
                    insert(record(i))?;
                }
                Err(rusqlite::Error::InvalidQuery)
            });
        assert!(failed.is_err());
        let (jobs, rows): (i64, i64) = c
            .query_row(
                "SELECT (SELECT count(*) FROM bulk_jobs), (SELECT count(*) FROM bulk_rows)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((jobs, rows), (2, 1 + 3 * CREATE_CHUNK as i64));

        // A crash mid-creation: the next start removes the half-made job.
        c.execute_batch(
            "INSERT INTO bulk_jobs (id, kind, title, state, params, practice, created_at_ms) VALUES (99, 'whatsapp', 'cut', 'preparing', '{}', 0, 5);
             INSERT INTO bulk_rows (job_id, row_no, state, payload, source, summary) VALUES (99, 2, 'pending', '{}', '[]', 'a');",
        )
        .unwrap();
        recover(&mut c).unwrap();
        assert!(load_job(&c, 99).unwrap().is_none());
        assert_eq!(counts(&c, 99).unwrap(), JobCounts::default());
    }
}
