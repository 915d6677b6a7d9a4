//! Cached Digital Identity processes: the inbox row, Truora's body, full-text search, and the
//! account's flows with the names the operator gives them. See migration 0012.

use opsdesk_truora::identity::ProcessResult;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::checks::{fts_query, keyset_page, next_ord_in, OrdTable, Span};

/// A row of the identity inbox.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProcessRow {
    pub process_id: String,
    /// success | failure | expired | pending | overridden (see [`outcome_of`]).
    pub outcome: String,
    pub flow_id: String,
    pub country: String,
    /// The person's name, when Truora's result carries it; empty otherwise.
    pub name: String,
    pub document: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    /// First seen on this computer since the visit the query names (`new_since`).
    pub is_new: bool,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct ProcessQuery {
    pub text: String,
    pub outcome: Option<String>,
    pub flow_id: Option<String>,
    pub country: Option<String>,
    #[ts(type = "number | null")]
    pub from_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub to_ms: Option<i64>,
    /// Rows per page (at most 500).
    pub limit: u32,
    /// Where the previous page ended (its `next`); none for the first page.
    pub after: Option<String>,
    /// Rows first seen after this are marked new (the previous visit to the inbox).
    #[ts(type = "number | null")]
    pub new_since: Option<i64>,
}

/// A page of the inbox, newest first.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProcessPage {
    pub rows: Vec<ProcessRow>,
    /// Ask with this as `after` for the next page; none when this page is the last.
    pub next: Option<String>,
}

/// A flow of the account and the operator's name for it (empty until named).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FlowEntry {
    pub flow_id: String,
    pub name: String,
}

pub const PAGE_MAX: u32 = super::checks::PAGE_MAX;
/// Rows per page as the inbox asks them.
pub const LIST_PAGE: u32 = 100;
pub const OUTCOMES: &[&str] = &["success", "failure", "expired", "pending", "overridden"];

/// The one outcome the inbox files a process under. A reviewer's override says more than the
/// status it produced, so it comes first; an expired process is a failure Truora tells apart
/// (catalogue §3.2), and reviewers treat it differently (send the link again).
pub fn outcome_of(r: &ProcessResult) -> &'static str {
    if r.override_status.is_some() {
        return "overridden";
    }
    match r.effective_status() {
        "success" => "success",
        "failure" | "declined" | "expired" | "error" => {
            if r.failure_status.as_deref() == Some("expired") || r.expired_reason.is_some() {
                "expired"
            } else {
                "failure"
            }
        }
        _ => "pending",
    }
}

fn created_ms_of(r: &ProcessResult, now: i64) -> i64 {
    r.creation_date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.timestamp_millis())
        .unwrap_or(now)
}

/// What saving a process changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    New,
    Changed,
    Same,
}

/// Saves one process (row, place in the list, body) in one transaction. `seen_ms` is when it
/// counts as first seen, if it is new: now for news, 0 for what is not ("new since your last
/// visit" then leaves it out).
pub fn save(
    conn: &mut Connection,
    r: &ProcessResult,
    now: i64,
    seen_ms: i64,
    practice: bool,
) -> rusqlite::Result<Saved> {
    let tx = crate::store::write_tx(conn)?;
    let saved = save_in(&tx, r, now, seen_ms, practice)?;
    tx.commit()?;
    Ok(saved)
}

/// Saves a page of processes in one transaction (the background refresh).
pub fn save_all(
    conn: &mut Connection,
    rs: &[ProcessResult],
    now: i64,
    seen_ms: i64,
    practice: bool,
) -> rusqlite::Result<Vec<Saved>> {
    let tx = crate::store::write_tx(conn)?;
    let saved = rs
        .iter()
        .map(|r| save_in(&tx, r, now, seen_ms, practice))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(saved)
}

fn save_in(
    conn: &Connection,
    r: &ProcessResult,
    now: i64,
    seen_ms: i64,
    practice: bool,
) -> rusqlite::Result<Saved> {
    let body = serde_json::to_string(r).expect("process serialises");
    let prev: Option<String> = conn
        .query_row(
            "SELECT body FROM identity_bodies WHERE process_id = ?1",
            [&r.process_id],
            |row| row.get(0),
        )
        .optional()?;
    let known = conn
        .query_row(
            "SELECT 1 FROM identity_inbox WHERE process_id = ?1",
            [&r.process_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    let saved = match (known, prev) {
        (false, _) => Saved::New,
        (true, Some(p)) if p == body => Saved::Same,
        (true, _) => Saved::Changed,
    };
    let person = r.person();
    let flow = r.flow_id.clone().unwrap_or_default();
    let created = created_ms_of(r, now);
    // A process keeps its place in the list (and when it was first seen) once cached.
    let ord = if known {
        0
    } else {
        next_ord_in(conn, OrdTable::IdentityInbox, created)?
    };
    conn.execute(
        "INSERT INTO identity_inbox (ord, process_id, outcome, flow_id, country, name, document, created_ms, fetched_at_ms, first_seen_ms, practice)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11, ?10)
         ON CONFLICT(process_id) DO UPDATE SET outcome = excluded.outcome, flow_id = excluded.flow_id,
           country = excluded.country, name = CASE WHEN excluded.name = '' THEN name ELSE excluded.name END,
           document = CASE WHEN excluded.document = '' THEN document ELSE excluded.document END,
           fetched_at_ms = excluded.fetched_at_ms, practice = excluded.practice",
        params![
            ord,
            r.process_id,
            outcome_of(r),
            flow,
            r.country.clone().unwrap_or_default(),
            person.name,
            person.document,
            created,
            now,
            practice,
            seen_ms,
        ],
    )?;
    conn.execute(
        "INSERT INTO identity_bodies (process_id, body) VALUES (?1, ?2)
         ON CONFLICT(process_id) DO UPDATE SET body = excluded.body",
        params![r.process_id, body],
    )?;
    if !flow.is_empty() {
        remember_flow(conn, practice, &flow, now)?;
    }
    Ok(saved)
}

/// A cached process and when it was fetched.
pub fn load(conn: &Connection, process_id: &str) -> rusqlite::Result<Option<(ProcessResult, i64)>> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT b.body, i.fetched_at_ms FROM identity_inbox i JOIN identity_bodies b USING (process_id)
             WHERE i.process_id = ?1",
            [process_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(body, fetched)| {
        serde_json::from_str::<ProcessResult>(&body)
            .ok()
            .map(|r| (r, fetched))
    }))
}

/// Pending processes of a mode, least recently fetched first (to ask about them again).
pub fn pending_least_recent(
    conn: &Connection,
    practice: bool,
    limit: usize,
) -> rusqlite::Result<Vec<String>> {
    // Walks the pending part of the outcome index; pending processes are a small share.
    let mut stmt = conn.prepare_cached(
        "SELECT process_id FROM identity_inbox INDEXED BY identity_by_outcome
         WHERE practice = ?1 AND outcome = 'pending' ORDER BY fetched_at_ms LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![practice, limit as i64], |r| r.get(0))?;
    rows.collect()
}

/// Forgets a process (deleted at Truora): its row, body and search entry.
pub fn delete(conn: &Connection, process_id: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM identity_inbox WHERE process_id = ?1",
        [process_id],
    )
}

/// The index a list without text walks: the filter's own, so a rare value (a flow among many)
/// is found without walking the whole inbox. Same reasoning as `checks::filter_index`.
fn filter_index(q: &ProcessQuery) -> &'static str {
    fn set(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|v| !v.is_empty())
    }
    match (set(&q.outcome), set(&q.flow_id), set(&q.country)) {
        (Some(_), Some(_), _) => "identity_by_outcome_flow",
        (Some(o), _, _) if o != "success" => "identity_by_outcome",
        (_, Some(_), _) => "identity_by_flow",
        (_, _, Some(_)) => "identity_by_country",
        (Some(_), _, _) => "identity_by_outcome",
        _ => "identity_by_mode",
    }
}

/// One page of the inbox, newest first: at most `limit` rows after the cursor. Every plan walks
/// an index in list order and stops after the page (the plan test keeps it so).
pub fn search(
    conn: &Connection,
    q: &ProcessQuery,
    practice: bool,
) -> rusqlite::Result<ProcessPage> {
    let (sql, args) = search_sql(q, practice);
    let since = q.new_since.unwrap_or(i64::MAX);
    let (rows, next) = keyset_page(
        conn,
        &sql,
        args,
        &Span {
            after: q.after.as_deref(),
            from_ms: q.from_ms,
            to_ms: q.to_ms,
            limit: q.limit,
        },
        |r| {
            Ok(ProcessRow {
                process_id: r.get("process_id")?,
                outcome: r.get("outcome")?,
                flow_id: r.get("flow_id")?,
                country: r.get("country")?,
                name: r.get("name")?,
                document: r.get("document")?,
                created_ms: r.get("created_ms")?,
                is_new: r.get::<_, i64>("first_seen_ms")? >= since,
            })
        },
    )?;
    Ok(ProcessPage { rows, next })
}

/// The statement for a query and its arguments, without the upper key, lower key and page
/// size every statement ends with.
pub(crate) fn search_sql(
    q: &ProcessQuery,
    practice: bool,
) -> (String, Vec<rusqlite::types::Value>) {
    const COLS: &str = "i.ord, i.process_id, i.outcome, i.flow_id, i.country, i.name, i.document, i.created_ms, i.first_seen_ms";
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let (mut sql, key) = if let Some(f) = fts_query(&q.text) {
        args.push(f.into());
        // The full-text index stays the outer loop: its order (by `ord`) is the list's.
        (
            format!(
                "SELECT {COLS} FROM identity_fts CROSS JOIN identity_inbox i ON i.ord = identity_fts.rowid WHERE identity_fts MATCH ?"
            ),
            "identity_fts.rowid",
        )
    } else {
        (
            format!(
                "SELECT {COLS} FROM identity_inbox i INDEXED BY {} WHERE 1",
                filter_index(q)
            ),
            "i.ord",
        )
    };
    sql.push_str(" AND i.practice = ?");
    args.push((practice as i64).into());
    for (col, v) in [
        ("outcome", &q.outcome),
        ("flow_id", &q.flow_id),
        ("country", &q.country),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            sql.push_str(&format!(" AND i.{col} = ?"));
            args.push(v.clone().into());
        }
    }
    sql.push_str(&format!(
        " AND {key} < ? AND {key} >= ? ORDER BY {key} DESC LIMIT ?"
    ));
    (sql, args)
}

/// Retention: cached processes fetched before the cutoff are deleted.
pub fn purge_before(conn: &Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM identity_inbox WHERE fetched_at_ms < ?1",
        [cutoff_ms],
    )
}

// The full-text index is created with `secure-delete` (migration 0012): a deleted process's
// name and document leave the file at once, not at the next merge of the index.

// ---- flows ----

/// Remembers a flow the first time it is seen (in a process, or typed by the operator).
pub fn remember_flow(
    conn: &Connection,
    practice: bool,
    flow_id: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO flows (practice, flow_id, first_seen_ms) VALUES (?1, ?2, ?3)",
        params![practice, flow_id, now],
    )?;
    Ok(())
}

/// The flows known in a mode: named ones first, by name, then the rest as first seen.
pub fn flows(conn: &Connection, practice: bool) -> rusqlite::Result<Vec<FlowEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT flow_id, name FROM flows WHERE practice = ?1
         ORDER BY name = '', name COLLATE NOCASE, first_seen_ms",
    )?;
    let rows = stmt.query_map([practice], |r| {
        Ok(FlowEntry {
            flow_id: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    rows.collect()
}

/// Gives a flow the operator's name (an empty name removes it).
pub fn name_flow(
    conn: &Connection,
    practice: bool,
    flow_id: &str,
    name: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO flows (practice, flow_id, name, first_seen_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(practice, flow_id) DO UPDATE SET name = excluded.name",
        params![practice, flow_id, name.trim(), now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{new_key, Store};

    fn process(id: &str, created: &str, json: serde_json::Value) -> ProcessResult {
        let mut v = serde_json::json!({"process_id": id, "creation_date": created, "flow_id": "IPFa1", "country": "CO"});
        v.as_object_mut()
            .unwrap()
            .extend(json.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn outcomes_file_overrides_and_expiry_apart() {
        let p = |j| process("IDP1", "2026-01-01T00:00:00Z", j);
        let cases = [
            (serde_json::json!({"status": "success"}), "success"),
            (serde_json::json!({"status": "pending"}), "pending"),
            (
                serde_json::json!({"status": "failure", "declined_reason": "x"}),
                "failure",
            ),
            (
                serde_json::json!({"status": "failure", "failure_status": "expired"}),
                "expired",
            ),
            (
                serde_json::json!({"status": "failure", "override_status": "success"}),
                "overridden",
            ),
        ];
        for (j, want) in cases {
            assert_eq!(outcome_of(&p(j.clone())), want, "{j}");
        }
    }

    #[test]
    fn pages_are_newest_first_filtered_and_searchable_by_name_and_document() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db"), &new_key()).unwrap();
        let mut c = store.conn().unwrap();
        let doc = |name: &str, number: &str| {
            serde_json::json!([{"type": "document-validation", "validation_status": "success",
                "details": {"document_details": {"name": name, "last_name": "Rojas", "document_number": number}}}])
        };
        for i in 0..250 {
            let r = process(
                &format!("IDP{i:08}"),
                &format!("2026-01-01T{:02}:{:02}:00Z", i / 60, i % 60),
                serde_json::json!({
                    "status": if i % 5 == 0 { "failure" } else { "success" },
                    "flow_id": if i % 2 == 0 { "IPFeven" } else { "IPFodd" },
                    "validations": doc(if i == 7 { "María José" } else { "Ana" }, &format!("10{i:06}")),
                }),
            );
            assert_eq!(
                save(&mut c, &r, 1_000 + i, 1_000 + i, false).unwrap(),
                Saved::New
            );
        }
        let q = |f: &dyn Fn(&mut ProcessQuery)| {
            let mut q = ProcessQuery {
                limit: 100,
                ..Default::default()
            };
            f(&mut q);
            q
        };
        let first = search(&c, &q(&|_| {}), false).unwrap();
        assert_eq!(first.rows.len(), 100);
        assert_eq!(first.rows[0].process_id, "IDP00000249");
        let mut all = first.rows.clone();
        let mut next = first.next;
        while let Some(n) = next {
            let p = search(&c, &q(&|q| q.after = Some(n.clone())), false).unwrap();
            all.extend(p.rows);
            next = p.next;
        }
        assert_eq!(all.len(), 250);
        assert!(all.windows(2).all(|w| w[0].created_ms > w[1].created_ms));

        let failures_even = search(
            &c,
            &q(&|q| {
                q.outcome = Some("failure".into());
                q.flow_id = Some("IPFeven".into());
            }),
            false,
        )
        .unwrap();
        assert_eq!(failures_even.rows.len(), 25);
        assert!(failures_even
            .rows
            .iter()
            .all(|r| r.outcome == "failure" && r.flow_id == "IPFeven"));

        let maria = search(&c, &q(&|q| q.text = "maria".into()), false).unwrap();
        assert_eq!(maria.rows.len(), 1);
        assert_eq!(maria.rows[0].name, "María José Rojas");
        let by_doc = search(&c, &q(&|q| q.text = "10000007".into()), false).unwrap();
        assert_eq!(by_doc.rows[0].process_id, "IDP00000007");
        let by_id = search(&c, &q(&|q| q.text = "IDP00000007".into()), false).unwrap();
        assert_eq!(by_id.rows.len(), 1);
        // Live work never shows practice processes.
        assert!(search(&c, &q(&|_| {}), true).unwrap().rows.is_empty());

        // Seen again unchanged: same; with a new outcome: changed, and still one row.
        let again = process(
            "IDP00000007",
            "2026-01-01T00:07:00Z",
            serde_json::json!({"status": "success", "flow_id": "IPFodd",
                "validations": doc("María José", "10000007")}),
        );
        assert_eq!(
            save(&mut c, &again, 9_000, 9_000, false).unwrap(),
            Saved::Same
        );
        let changed = ProcessResult {
            override_status: Some("failure".into()),
            ..again
        };
        assert_eq!(
            save(&mut c, &changed, 9_001, 9_001, false).unwrap(),
            Saved::Changed
        );
        let maria = search(&c, &q(&|q| q.text = "maria".into()), false).unwrap();
        assert_eq!(maria.rows[0].outcome, "overridden");
        assert_eq!(flows(&c, false).unwrap().len(), 2);
        delete(&c, "IDP00000007").unwrap();
        assert!(search(&c, &q(&|q| q.text = "maria".into()), false)
            .unwrap()
            .rows
            .is_empty());
        assert!(load(&c, "IDP00000007").unwrap().is_none());
    }

    #[test]
    fn every_inbox_search_walks_an_index_in_list_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db"), &new_key()).unwrap();
        let c = store.conn().unwrap();
        let qs = [
            ProcessQuery::default(),
            ProcessQuery {
                outcome: Some("failure".into()),
                ..Default::default()
            },
            ProcessQuery {
                outcome: Some("success".into()),
                flow_id: Some("IPFx".into()),
                ..Default::default()
            },
            ProcessQuery {
                country: Some("BR".into()),
                ..Default::default()
            },
            ProcessQuery {
                text: "maria".into(),
                outcome: Some("expired".into()),
                ..Default::default()
            },
        ];
        for q in qs {
            let (sql, mut args) = search_sql(&q, false);
            args.extend([i64::MAX.into(), i64::MIN.into(), 100i64.into()]);
            let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let plan = plan.join(" | ");
            assert!(!plan.contains("TEMP B-TREE"), "sorts: {plan}");
            assert!(
                plan.contains("USING INDEX identity_by") || plan.contains("VIRTUAL TABLE"),
                "no index: {plan}"
            );
        }
    }
}
