//! The start screen's "what needs attention": checks that finished and templates Meta decided
//! on while nobody was looking, list jobs that stopped half-way or have rows that may have
//! arrived, and call-backs due today. Each item is one click from its own screen.
//!
//! "Not looked at yet" is kept per record (see migration 0016) rather than as one "last visit"
//! time: a check stays here until its page is opened, however often the app is restarted.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::app::App;
use crate::bulk::engine::{JobState, JobView};
use crate::error::AppError;
use crate::store::checks::CheckRow;
use crate::whatsapp::TemplateStatus;

/// Items of each kind shown at most; the count says how many there are in all.
pub const SHOWN: u32 = 8;
/// Counted up to this many, then said as "1,000+": a list job can finish 100,000 checks, and
/// the start screen reloads as they finish; counting them all each time would read the
/// whole index again and again.
pub const COUNT_CAP: u32 = 1_000;

/// What needs attention, in the mode in use.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Attention {
    /// Finished checks not opened since, highest risk first (errors, whose risk is not
    /// known, come first of all: they need doing again).
    pub checks: Vec<CheckRow>,
    /// At most [`COUNT_CAP`]: reaching it means "that many or more".
    pub checks_total: u32,
    /// Templates whose review ended (or whose status Meta changed) since last opened.
    pub templates: Vec<TemplateNews>,
    pub templates_total: u32,
    /// List jobs stopped before the end, or with rows that may have arrived.
    pub jobs: Vec<JobView>,
    /// Open call-backs the person asked for today.
    pub callbacks_today: u32,
    /// Open call-backs whose day has passed.
    pub callbacks_overdue: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TemplateNews {
    pub outbound_id: String,
    pub name: String,
    pub status: TemplateStatus,
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// What the operator has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Seen {
    Check,
    Template,
}

impl Seen {
    const ALL: [Seen; 2] = [Seen::Check, Seen::Template];

    /// Where this kind is kept: (table, its ID column, the column set while it is unseen).
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Seen::Check => ("checks", "check_id", "finished_unseen_ms"),
            Seen::Template => ("wa_outbounds", "outbound_id", "verdict_unseen_ms"),
        }
    }
}

/// How many of a kind are unseen in a mode, up to [`COUNT_CAP`].
fn unseen_count(c: &Connection, what: Seen, practice: bool) -> rusqlite::Result<u32> {
    let (table, _, unseen) = what.columns();
    c.query_row(
        &format!(
            "SELECT count(*) FROM (SELECT 1 FROM {table}
               WHERE practice = ?1 AND {unseen} IS NOT NULL LIMIT ?2)"
        ),
        params![practice, COUNT_CAP],
        |r| r.get(0),
    )
}

fn checks(c: &Connection, practice: bool) -> rusqlite::Result<(Vec<CheckRow>, u32)> {
    // Walks the partial index `checks_unseen` in score order: no sort, however many.
    let mut s = c.prepare_cached(
        "SELECT check_id, kind, country, status, score, subject, document, created_ms FROM checks
         WHERE practice = ?1 AND finished_unseen_ms IS NOT NULL ORDER BY score LIMIT ?2",
    )?;
    let rows = s
        .query_map(params![practice, SHOWN], crate::store::checks::row_of)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, unseen_count(c, Seen::Check, practice)?))
}

fn templates(c: &Connection, practice: bool) -> rusqlite::Result<(Vec<TemplateNews>, u32)> {
    let mut s = c.prepare_cached(
        "SELECT outbound_id, name, status, verdict_unseen_ms FROM wa_outbounds
         WHERE practice = ?1 AND verdict_unseen_ms IS NOT NULL ORDER BY verdict_unseen_ms DESC LIMIT ?2",
    )?;
    let rows = s
        .query_map(params![practice, SHOWN], |r| {
            Ok(TemplateNews {
                outbound_id: r.get(0)?,
                name: r.get(1)?,
                status: TemplateStatus::from_wire(&r.get::<_, String>(2)?),
                at_ms: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, unseen_count(c, Seen::Template, practice)?))
}

/// Jobs that may need the operator: stopped (paused, or running when the app stopped) or
/// holding rows whose fate is unknown. A job running now is not among them.
fn job_ids(c: &Connection, practice: bool) -> rusqlite::Result<Vec<i64>> {
    let mut s = c.prepare_cached(
        "SELECT id FROM bulk_jobs j WHERE practice = ?1
           AND (state IN ('running', 'paused', 'interrupted')
                OR EXISTS (SELECT 1 FROM bulk_counts n WHERE n.job_id = j.id AND n.state = 'uncertain' AND n.n > 0))
         ORDER BY id DESC LIMIT 50",
    )?;
    let rows = s.query_map([practice], |r| r.get(0))?;
    rows.collect()
}

/// Open call-backs due on `today` (the operator's own date, `YYYY-MM-DD`), and those of the
/// week before it: an imported log of last year's call-backs is history, not a to-do list.
fn callbacks(c: &Connection, practice: bool, today: &str) -> rusqlite::Result<(u32, u32)> {
    let week_ago = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .map(|d| (d - chrono::Days::new(7)).format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    // A range on `tc_events_open`. Truora writes "NA" when the person chose no day (§5.8),
    // which sorts after every date; feedback answers have no day at all.
    c.query_row(
        "SELECT count(*) FILTER (WHERE requested_date = ?2), count(*) FILTER (WHERE requested_date < ?2)
         FROM tc_events WHERE practice = ?1 AND done = 0 AND requested_date BETWEEN ?3 AND ?2",
        params![practice, today, week_ago],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// `YYYY-MM-DD`, as the page's own calendar gives it.
fn is_day(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10
}

impl App {
    /// The start screen. `today` is the operator's date: call-backs are asked for by day, in
    /// the person's and the operator's time zone, which the page knows and this process need
    /// not.
    pub fn attention(&self, today: &str) -> Result<Attention, AppError> {
        if !is_day(today) {
            return Err(AppError::validation(
                "today",
                opsdesk_http::RuleCode::NotADate,
                "not a date",
            ));
        }
        let practice = self.is_practice();
        let ((checks, checks_total), (templates, templates_total), ids, (today_n, overdue)) = self
            .with_conn(|c| {
                Ok((
                    checks(c, practice)?,
                    templates(c, practice)?,
                    job_ids(c, practice)?,
                    callbacks(c, practice, today)?,
                ))
            })?;
        let mut jobs = Vec::new();
        for id in ids {
            let j = self.bulk_job(id)?;
            // Running here and now is progress, not a problem.
            if j.state != JobState::Running && jobs.len() < SHOWN as usize {
                jobs.push(j);
            }
        }
        Ok(Attention {
            checks,
            checks_total,
            templates,
            templates_total,
            jobs,
            callbacks_today: today_n,
            callbacks_overdue: overdue,
        })
    }

    /// The operator opened this record's page: it leaves the start screen.
    pub fn attention_seen(&self, what: Seen, id: &str) -> Result<(), AppError> {
        let (table, key, unseen) = what.columns();
        self.with_conn(|c| {
            c.execute(
                &format!(
                    "UPDATE {table} SET {unseen} = NULL WHERE {key} = ?1 AND {unseen} IS NOT NULL"
                ),
                [id],
            )
        })?;
        Ok(())
    }

    /// "Mark all as seen": the checks and templates of the mode in use leave the start screen.
    /// Jobs and call-backs stay until they are dealt with on their own screens.
    pub fn attention_seen_all(&self) -> Result<(), AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| {
            let tx = crate::store::write_tx(c)?;
            for what in Seen::ALL {
                let (table, _, unseen) = what.columns();
                tx.execute(
                    &format!("UPDATE {table} SET {unseen} = NULL WHERE practice = ?1 AND {unseen} IS NOT NULL"),
                    [practice],
                )?;
            }
            tx.commit()
        })
    }
}
