//! Cached WhatsApp templates per line, the lines, the send ledger (never twice to the same
//! person by accident) and inbound links.

use opsdesk_truora::whatsapp::Outbound;
use rusqlite::{params, Connection, OptionalExtension};

/// Follow-up of a template in review: every 5 s for the first half minute (reviews are often
/// quick), then twice as long each time, up to 5 minutes.
pub const FIRST_CHECK_MS: i64 = 5_000;
pub const MAX_CHECK_MS: i64 = 300_000;

pub fn save(
    conn: &Connection,
    o: &Outbound,
    line: &str,
    now: i64,
    practice: bool,
) -> rusqlite::Result<()> {
    let status = o.outbound_status.to_ascii_uppercase();
    let pending = status == "PENDING";
    let body = serde_json::to_string(o).unwrap_or_default();
    conn.execute(
        "INSERT INTO wa_outbounds (outbound_id, line, name, status, practice, checked_at_ms, next_check_ms, check_attempt, notified_status, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?7 THEN ?6 + ?8 END, 0, CASE WHEN ?7 THEN 'PENDING_REVIEW' ELSE ?4 END, ?9)
         ON CONFLICT (outbound_id) DO UPDATE SET
            line = excluded.line, name = excluded.name, status = excluded.status,
            checked_at_ms = excluded.checked_at_ms, body = excluded.body,
            verdict_unseen_ms = CASE WHEN NOT ?7 AND wa_outbounds.status <> excluded.status
              THEN excluded.checked_at_ms ELSE wa_outbounds.verdict_unseen_ms END,
            next_check_ms = CASE WHEN ?7 THEN COALESCE(wa_outbounds.next_check_ms, excluded.next_check_ms) END,
            check_attempt = CASE WHEN ?7 THEN wa_outbounds.check_attempt ELSE 0 END,
            notified_status = CASE WHEN ?7 THEN 'PENDING_REVIEW' ELSE wa_outbounds.notified_status END",
        params![o.outbound_id, line, o.outbound_name, status, practice, now, pending, FIRST_CHECK_MS, body],
    )?;
    // A template names the flow its answers continue in: the flow fields offer it from now on.
    if let Some(flow) = o
        .default_flow_id
        .as_deref()
        .filter(|f| f.starts_with("IPF"))
    {
        super::identity::remember_flow(conn, practice, flow, now)?;
    }
    Ok(())
}

/// A cached template: the API's body, its line and when it was fetched.
/// One template of the mode in use (Practice templates are not live ones, and back).
pub fn load(
    conn: &Connection,
    id: &str,
    practice: bool,
) -> rusqlite::Result<Option<(Outbound, String, i64)>> {
    conn.query_row(
        "SELECT body, line, checked_at_ms FROM wa_outbounds WHERE outbound_id = ?1 AND practice = ?2",
        params![id, practice],
        |r| {
            let body: String = r.get(0)?;
            Ok(serde_json::from_str::<Outbound>(&body)
                .ok()
                .map(|o| (o, r.get(1).unwrap_or_default(), r.get(2).unwrap_or(0))))
        },
    )
    .optional()
    .map(Option::flatten)
}

/// The templates of a line, by name, with when each was fetched.
pub fn load_line(
    conn: &Connection,
    line: &str,
    practice: bool,
) -> rusqlite::Result<Vec<(Outbound, i64)>> {
    let mut s = conn.prepare_cached(
        "SELECT body, checked_at_ms FROM wa_outbounds WHERE line = ?1 AND practice = ?2 ORDER BY name COLLATE NOCASE",
    )?;
    let rows = s.query_map(params![line, practice], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (body, at) = row?;
        if let Ok(o) = serde_json::from_str::<Outbound>(&body) {
            out.push((o, at));
        }
    }
    Ok(out)
}

/// Replaces a line's cached templates with `list` (templates removed upstream disappear).
pub fn replace_line(
    c: &mut Connection,
    line: &str,
    list: &[Outbound],
    now: i64,
    practice: bool,
) -> rusqlite::Result<()> {
    let tx = crate::store::write_tx(c)?;
    let ids: Vec<&str> = list.iter().map(|o| o.outbound_id.as_str()).collect();
    let mut stale: Vec<String> = Vec::new();
    {
        let mut s = tx.prepare_cached(
            "SELECT outbound_id FROM wa_outbounds WHERE line = ?1 AND practice = ?2",
        )?;
        for id in s.query_map(params![line, practice], |r| r.get::<_, String>(0))? {
            let id = id?;
            if !ids.contains(&id.as_str()) {
                stale.push(id);
            }
        }
    }
    for id in stale {
        delete(&tx, &id)?;
    }
    for o in list {
        save(&tx, o, line, now, practice)?;
    }
    tx.commit()
}

pub fn delete(c: &Connection, id: &str) -> rusqlite::Result<usize> {
    c.execute("DELETE FROM wa_outbounds WHERE outbound_id = ?1", [id])
}

pub fn lines(c: &Connection, practice: bool) -> rusqlite::Result<Vec<String>> {
    let mut s =
        c.prepare_cached("SELECT line FROM wa_lines WHERE practice = ?1 ORDER BY added_at_ms")?;
    let rows = s.query_map([practice], |r| r.get(0))?;
    rows.collect()
}

pub fn add_line(c: &Connection, line: &str, practice: bool, now: i64) -> rusqlite::Result<usize> {
    c.execute(
        "INSERT OR IGNORE INTO wa_lines (line, practice, added_at_ms) VALUES (?1, ?2, ?3)",
        params![line, practice, now],
    )
}

/// The names given to the lines of a mode: (line, name), named ones only.
pub fn line_names(c: &Connection, practice: bool) -> rusqlite::Result<Vec<(String, String)>> {
    let mut s = c.prepare_cached(
        "SELECT line, name FROM wa_lines WHERE practice = ?1 AND name <> '' ORDER BY added_at_ms",
    )?;
    let rows = s.query_map([practice], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Names a line (an empty name takes the name away), adding it if it was not saved yet.
pub fn name_line(
    c: &Connection,
    line: &str,
    name: &str,
    practice: bool,
    now: i64,
) -> rusqlite::Result<usize> {
    add_line(c, line, practice, now)?;
    c.execute(
        "UPDATE wa_lines SET name = ?3 WHERE line = ?1 AND practice = ?2",
        params![line, practice, name],
    )
}

/// Forgets a line and its cached templates.
pub fn remove_line(c: &Connection, line: &str, practice: bool) -> rusqlite::Result<usize> {
    c.execute(
        "DELETE FROM wa_lines WHERE line = ?1 AND practice = ?2",
        params![line, practice],
    )?;
    c.execute(
        "DELETE FROM wa_outbounds WHERE line = ?1 AND practice = ?2",
        params![line, practice],
    )
}

/// Read on every follow-up tick: uses the `wa_outbounds_due` index (mode, then due time).
pub(crate) const DUE: &str = "SELECT outbound_id, line FROM wa_outbounds WHERE next_check_ms IS NOT NULL AND next_check_ms <= ?1 AND practice = ?2 ORDER BY next_check_ms LIMIT ?3";

/// Templates in review whose next look is due: ID and line.
pub fn due(
    c: &Connection,
    now: i64,
    practice: bool,
    max: u32,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut s = c.prepare_cached(DUE)?;
    let rows = s.query_map(params![now, practice, max], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Still in review (or the look failed): wait a little longer each time, from every 5 s for
/// the first half minute up to every 5 minutes. Templates no longer followed stay so.
pub fn back_off(c: &Connection, id: &str, now: i64) -> rusqlite::Result<usize> {
    c.execute(
        "UPDATE wa_outbounds SET check_attempt = check_attempt + 1,
         next_check_ms = ?2 + MIN(?3, ?4 << MAX(0, MIN(check_attempt, 12) - 5))
         WHERE outbound_id = ?1 AND next_check_ms IS NOT NULL",
        params![id, now, MAX_CHECK_MS, FIRST_CHECK_MS],
    )
}

/// Verdicts (approved, rejected) not yet told to the operator, marked as told: ID, name, status.
pub fn take_untold_verdicts(
    c: &mut Connection,
    practice: bool,
) -> rusqlite::Result<Vec<(String, String, String)>> {
    let tx = crate::store::write_tx(c)?;
    let found: Vec<(String, String, String)> = {
        let mut s = tx.prepare_cached(
            "SELECT outbound_id, name, status FROM wa_outbounds
             WHERE practice = ?1 AND status IN ('APPROVED', 'REJECTED')
               AND notified_status = 'PENDING_REVIEW'",
        )?;
        let rows = s.query_map([practice], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, _, status) in &found {
        tx.execute(
            "UPDATE wa_outbounds SET notified_status = ?2 WHERE outbound_id = ?1",
            params![id, status],
        )?;
    }
    tx.commit()?;
    Ok(found)
}

/// Writes a send down before it leaves, unless the same template went (or may have gone) to
/// the same person since `since` and `send_again` is off: then `Err(previous state)`.
#[allow(clippy::too_many_arguments)]
pub fn begin_send(
    c: &mut Connection,
    outbound_id: &str,
    recipient: &str,
    since: i64,
    send_again: bool,
    evidence: &super::people::Evidence,
    practice: bool,
    now: i64,
) -> rusqlite::Result<Result<i64, String>> {
    let tx = crate::store::write_tx(c)?;
    let previous: Option<String> = tx
        .query_row(
            "SELECT state FROM wa_sends WHERE recipient = ?1 AND outbound_id = ?2 AND at_ms > ?3
             AND state IN ('sent', 'sending', 'uncertain') ORDER BY at_ms DESC LIMIT 1",
            params![recipient, outbound_id, since],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(state) = previous.filter(|_| !send_again) {
        return Ok(Err(state));
    }
    // The consent it relies on is written in the same transaction: a send never exists
    // without its evidence.
    let consent = super::people::consent_for(&tx, recipient, outbound_id, evidence, practice, now)?;
    tx.execute(
        "INSERT INTO wa_sends (outbound_id, recipient, state, practice, at_ms, consent_id) VALUES (?1, ?2, 'sending', ?3, ?4, ?5)",
        params![outbound_id, recipient, practice, now, consent],
    )?;
    let id = tx.last_insert_rowid();
    tx.commit()?;
    Ok(Ok(id))
}

pub fn settle_send(
    c: &Connection,
    row_id: i64,
    state: &str,
    session: Option<&str>,
    error: Option<&str>,
) -> rusqlite::Result<usize> {
    c.execute(
        "UPDATE wa_sends SET state = ?2, session_id = ?3, error = ?4 WHERE id = ?1",
        params![row_id, state, session, error],
    )
}

#[allow(clippy::too_many_arguments)]
pub fn add_inbound(
    c: &Connection,
    inbound_id: Option<&str>,
    line: &str,
    flow: &str,
    text: &str,
    link: &str,
    practice: bool,
    now: i64,
) -> rusqlite::Result<usize> {
    c.execute(
        "INSERT INTO wa_inbounds (inbound_id, line, flow_id, message, link, practice, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![inbound_id, line, flow, text, link, practice, now],
    )
}

/// Forgets sends and inbound links older than the retention period.
pub fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    Ok(
        conn.execute("DELETE FROM wa_sends WHERE at_ms < ?1", [cutoff_ms])?
            + conn.execute("DELETE FROM wa_inbounds WHERE at_ms < ?1", [cutoff_ms])?,
    )
}
