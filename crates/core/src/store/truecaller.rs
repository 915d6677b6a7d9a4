//! Truecaller facts in the cache: imported webhook events (call-back requests, feedback),
//! the labels list, and the token mints of the last half hour (10 per 30 minutes).

use rusqlite::{params, Connection};
use serde::Serialize;
use ts_rs::TS;

/// A Call Me Back request (or a feedback answer) as a to-do item.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CallbackView {
    pub event_id: String,
    pub event_type: String,
    #[ts(type = "number | null")]
    pub created_at_s: Option<i64>,
    pub business_number: Option<String>,
    /// The person's number, or `None` when Truecaller could not read it.
    pub client_number: Option<String>,
    pub alternate_number: Option<String>,
    pub requested_date: Option<String>,
    pub requested_slot: Option<String>,
    #[ts(type = "number | null")]
    pub preferred_from_s: Option<i64>,
    #[ts(type = "number | null")]
    pub preferred_to_s: Option<i64>,
    pub interested: Option<bool>,
    pub feature_set: Option<String>,
    /// User Feedback: question and answer pairs.
    pub responses: Vec<(String, String)>,
    pub done: bool,
}

/// One webhook event's columns, as imported.
pub struct NewEvent {
    pub event_id: String,
    pub event_type: String,
    pub created_at_s: Option<i64>,
    pub business_number: Option<String>,
    pub client_number: Option<String>,
    pub alternate_number: Option<String>,
    pub requested_date: Option<String>,
    pub requested_slot: Option<String>,
    pub preferred_from_s: Option<i64>,
    pub preferred_to_s: Option<i64>,
    pub interested: Option<bool>,
    pub feature_set: Option<String>,
    pub body: String,
}

/// Adds the events; repeats of an `event_id` are kept once. Returns (added, repeats).
pub fn insert_events(
    c: &mut Connection,
    events: &[NewEvent],
    practice: bool,
    now: i64,
) -> rusqlite::Result<(u32, u32)> {
    let (mut added, mut duplicates) = (0, 0);
    let tx = crate::store::write_tx(c)?;
    {
        let mut s = tx.prepare_cached(
            "INSERT OR IGNORE INTO tc_events (event_id, event_type, created_at_s, business_number, client_number, alternate,
                requested_date, requested_slot, preferred_from, preferred_to, interested, feature_set, body, practice, imported_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        for e in events {
            let n = s.execute(params![
                e.event_id,
                e.event_type,
                e.created_at_s,
                e.business_number,
                e.client_number,
                e.alternate_number,
                e.requested_date,
                e.requested_slot,
                e.preferred_from_s,
                e.preferred_to_s,
                e.interested,
                e.feature_set,
                e.body,
                practice,
                now
            ])?;
            if n == 1 {
                added += 1;
            } else {
                duplicates += 1;
            }
        }
    }
    tx.commit()?;
    Ok((added, duplicates))
}

/// Imported events, open ones first, newest first (at most 1,000).
pub fn callbacks(c: &Connection, practice: bool) -> rusqlite::Result<Vec<CallbackView>> {
    let mut s = c.prepare_cached(
        "SELECT event_id, event_type, created_at_s, business_number, client_number, alternate, requested_date,
                requested_slot, preferred_from, preferred_to, interested, feature_set, body, done
         FROM tc_events WHERE practice = ?1 ORDER BY done, created_at_s DESC LIMIT 1000",
    )?;
    let rows = s.query_map([practice], |r| {
        let body: String = r.get(12)?;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let responses = v["survey_payload"]["user_responses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["question"].as_str().unwrap_or("").to_string(),
                            x["response"]
                                .as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| x["response"].to_string()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(CallbackView {
            event_id: r.get(0)?,
            event_type: r.get(1)?,
            created_at_s: r.get(2)?,
            business_number: r.get(3)?,
            client_number: r.get(4)?,
            alternate_number: r.get(5)?,
            requested_date: r.get(6)?,
            requested_slot: r.get(7)?,
            preferred_from_s: r.get(8)?,
            preferred_to_s: r.get(9)?,
            interested: r.get(10)?,
            feature_set: r.get(11)?,
            responses,
            done: r.get(13)?,
        })
    })?;
    rows.collect()
}

pub fn set_done(c: &Connection, event_id: &str, done: bool) -> rusqlite::Result<usize> {
    c.execute(
        "UPDATE tc_events SET done = ?2 WHERE event_id = ?1",
        params![event_id, done],
    )
}

/// The labels list as last fetched (JSON bodies, by name).
pub fn labels(c: &Connection, practice: bool) -> rusqlite::Result<Vec<String>> {
    let mut s = c.prepare_cached(
        "SELECT body FROM tc_labels WHERE practice = ?1 ORDER BY name COLLATE NOCASE",
    )?;
    let rows = s.query_map([practice], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// Replaces the labels list: ID, name, JSON body.
pub fn replace_labels(
    c: &mut Connection,
    practice: bool,
    labels: &[(String, String, String)],
    now: i64,
) -> rusqlite::Result<()> {
    let tx = crate::store::write_tx(c)?;
    tx.execute("DELETE FROM tc_labels WHERE practice = ?1", [practice])?;
    for (id, name, body) in labels {
        tx.execute(
            "INSERT INTO tc_labels (id, practice, name, body, fetched_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, practice, name, body, now],
        )?;
    }
    tx.commit()
}

/// Token mints since `since` (older ones are forgotten on the way).
pub fn token_mints(c: &Connection, since: i64, practice: bool) -> rusqlite::Result<Vec<i64>> {
    c.execute("DELETE FROM tc_token_mints WHERE at_ms < ?1", [since])?;
    let mut s = c.prepare("SELECT at_ms FROM tc_token_mints WHERE practice = ?1")?;
    let rows = s.query_map([practice], |r| r.get(0))?;
    rows.collect()
}

pub fn add_token_mint(c: &Connection, at: i64, practice: bool) -> rusqlite::Result<usize> {
    c.execute(
        "INSERT INTO tc_token_mints (at_ms, practice) VALUES (?1, ?2)",
        params![at, practice],
    )
}
