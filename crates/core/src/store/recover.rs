//! Carrying what can still be read out of a damaged cache into a fresh one. The damaged file is
//! copied aside first by the caller; here it is only read.

use opsdesk_http::Secret;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

use super::{configure, migrate, StoreError};

/// How much of one table came across.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TableRecovery {
    pub table: String,
    #[ts(type = "number")]
    pub rows: u64,
    /// False when reading stopped at a damaged page: rows after it are lost.
    pub complete: bool,
}

/// Carried first, so what cannot be fetched again from a vendor (who asked not to be
/// contacted, list sends in progress, the record of who was already messaged and on what
/// consent) has the best chance.
const FIRST: &[&str] = &[
    "opt_outs",
    "bulk_jobs",
    "bulk_rows",
    "wa_sends",
    "consents",
    "settings",
    "downloads",
];

fn columns(conn: &Connection, schema: &str, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut s = conn.prepare(&format!("PRAGMA {schema}.table_info(\"{table}\")"))?;
    let cols = s.query_map([], |r| r.get::<_, String>(1))?;
    cols.collect()
}

/// Builds a fresh cache at `fresh` (current schema, same key) and copies into it every row of
/// `damaged` that can still be read, table by table. Never fails because of the damage itself:
/// a table that cannot be read at all is reported with 0 rows.
pub fn carry_over(
    damaged: &Path,
    key: &Secret,
    fresh: &Path,
) -> Result<Vec<TableRecovery>, StoreError> {
    let key_hex = key.expose().to_string();
    let mut new = Connection::open(fresh)?;
    configure(&new, &key_hex)?;
    migrate(&mut new)?;
    // Read through a second connection: a damaged page then fails only the statement that
    // touches it, and the fresh file is never at risk. One connection per table: once a read
    // meets damage SQLite may refuse every later statement on that connection, and the tables
    // after it would be lost for nothing.
    let open_old = || -> Result<(Connection, bool), StoreError> {
        let old = Connection::open_with_flags(
            damaged,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Read as it is: nothing is folded into the saved copy when this connection closes.
        let _ = old.execute_batch("PRAGMA query_only = ON;");
        let readable = old
            .execute_batch(&format!("PRAGMA key = \"x'{key_hex}'\";"))
            .is_ok();
        // A truncated file is shorter than its header says; SQLite refuses such a file unless
        // the schema is "writable", in which case it reads the pages that are there. Nothing is
        // written through this connection.
        let _ = old.execute_batch("PRAGMA writable_schema = ON;");
        Ok((old, readable))
    };
    let tables: Vec<String> = {
        let mut s = new.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
               AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'checks_fts%'
               AND name NOT LIKE 'identity_fts%'
               AND name <> 'bulk_counts' ORDER BY name",
        )?;
        let names = s.query_map([], |r| r.get(0))?;
        names.collect::<rusqlite::Result<_>>()?
    };
    let mut ordered: Vec<String> = FIRST
        .iter()
        .map(|t| t.to_string())
        .filter(|t| tables.contains(t))
        .collect();
    ordered.extend(tables.into_iter().filter(|t| !FIRST.contains(&t.as_str())));

    let mut report = Vec::new();
    for table in ordered {
        // Settings were written fresh by nobody yet; rows from the old file win.
        let (old, readable) = open_old()?;
        let (rows, complete) = if readable {
            copy_table(&old, &mut new, &table)?
        } else {
            (0, false)
        };
        if !complete {
            tracing::warn!(
                table,
                rows,
                "could not read all of a table from the damaged cache"
            );
        }
        report.push(TableRecovery {
            table,
            rows,
            complete,
        });
    }
    // Bodies whose check could not be read: retention goes by the check, so nothing would ever
    // delete them.
    new.execute(
        "DELETE FROM check_bodies WHERE check_id NOT IN (SELECT check_id FROM checks)",
        [],
    )?;
    new.execute(
        "DELETE FROM identity_bodies WHERE process_id NOT IN (SELECT process_id FROM identity_inbox)",
        [],
    )?;
    Ok(report)
}

/// Copies what can be read of one table. A read that fails is damage (the table is reported
/// incomplete); a write that fails is not (the disk is full): that aborts the whole recovery so
/// the original is never replaced by a cache missing what could have been carried.
fn copy_table(
    old: &Connection,
    new: &mut Connection,
    table: &str,
) -> Result<(u64, bool), StoreError> {
    let new_cols = columns(new, "main", table)?;
    let old_cols = match columns(old, "main", table) {
        Ok(c) if !c.is_empty() => c,
        // Not in the old file (it predates the table): nothing to carry, nothing lost.
        Ok(_) => return Ok((0, true)),
        Err(e) => {
            tracing::warn!(table, error = %e, "could not read a table's columns from the damaged cache");
            return Ok((0, false));
        }
    };
    if table == "checks" && !old_cols.iter().any(|c| c == "ord") {
        return copy_checks_of_version_9(old, new);
    }
    let cols: Vec<&String> = new_cols.iter().filter(|c| old_cols.contains(c)).collect();
    if cols.is_empty() {
        return Ok((0, true));
    }
    let list = cols
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = (1..=cols.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let tx = new.transaction()?;
    let mut copied = 0u64;
    let mut complete = true;
    {
        let mut insert = tx.prepare(&format!(
            "INSERT OR IGNORE INTO \"{table}\" ({list}) VALUES ({marks})"
        ))?;
        let Ok(mut select) = old.prepare(&format!("SELECT {list} FROM \"{table}\"")) else {
            return Ok((0, false));
        };
        let Ok(mut rows) = select.query([]) else {
            return Ok((0, false));
        };
        loop {
            match rows.next() {
                Ok(Some(row)) => {
                    let values: rusqlite::Result<Vec<Value>> =
                        (0..cols.len()).map(|i| row.get::<_, Value>(i)).collect();
                    let Ok(values) = values else {
                        complete = false;
                        break;
                    };
                    copied += insert.execute(rusqlite::params_from_iter(values))? as u64;
                }
                Ok(None) => break,
                Err(_) => {
                    complete = false;
                    break;
                }
            }
        }
    }
    tx.commit()?;
    Ok((copied, complete))
}

/// Checks from a file damaged before it could be upgraded (schema 9: no place in the list, the
/// body in the row): each gets its place from its creation time, as the upgrade would have
/// given it, and its body goes to `check_bodies`.
fn copy_checks_of_version_9(
    old: &Connection,
    new: &mut Connection,
) -> Result<(u64, bool), StoreError> {
    const COLS: &str = "check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, next_poll_ms, poll_attempt, practice";
    let tx = new.transaction()?;
    let mut copied = 0u64;
    let mut complete = true;
    {
        let Ok(mut select) = old.prepare(&format!("SELECT {COLS}, body FROM checks")) else {
            return Ok((0, false));
        };
        let Ok(mut rows) = select.query([]) else {
            return Ok((0, false));
        };
        let mut row_insert = tx.prepare(&format!(
            "INSERT OR IGNORE INTO checks (ord, {COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ))?;
        let mut body_insert =
            tx.prepare("INSERT OR IGNORE INTO check_bodies (check_id, body) VALUES (?1, ?2)")?;
        loop {
            match rows.next() {
                Ok(Some(row)) => {
                    let values: rusqlite::Result<Vec<Value>> =
                        (0..13).map(|i| row.get::<_, Value>(i)).collect();
                    let Ok(mut values) = values else {
                        complete = false;
                        break;
                    };
                    let body = values.pop().expect("13 values");
                    let created = match values[7] {
                        Value::Integer(ms) => ms,
                        _ => 0,
                    };
                    let ord = super::checks::next_ord(&tx, created)?;
                    let id = values[0].clone();
                    let mut params = vec![Value::Integer(ord)];
                    params.extend(values);
                    if row_insert.execute(rusqlite::params_from_iter(params))? > 0 {
                        body_insert.execute(rusqlite::params![id, body])?;
                        copied += 1;
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    complete = false;
                    break;
                }
            }
        }
    }
    tx.commit()?;
    Ok((copied, complete))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{checks, new_key, MIGRATIONS};

    /// A cache damaged before the upgrade that keyed the checks list could run (schema 9):
    /// recovery gives each check its place by creation time and keeps its body.
    #[test]
    fn checks_of_a_version_9_file_keep_their_order_and_bodies() {
        let dir = tempfile::tempdir().unwrap();
        let key = new_key();
        let old_path = dir.path().join("old.db");
        {
            let c = Connection::open(&old_path).unwrap();
            super::super::configure(&c, key.expose()).unwrap();
            for (_, sql) in &MIGRATIONS[..9] {
                c.execute_batch(sql).unwrap();
            }
            c.pragma_update(None, "user_version", 9).unwrap();
            for (id, name, created) in [("CHKB", "Luz Souza", 9_000), ("CHKA", "Ana Rojas", 1_000)]
            {
                c.execute(
                    "INSERT INTO checks (check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms, practice, body)
                     VALUES (?1, 'person', 'CO', 'completed', 1, ?2, '123', ?3, ?3, 0, ?4)",
                    rusqlite::params![id, name, created, format!("{{\"check_id\":\"{id}\"}}")],
                )
                .unwrap();
            }
        }
        let fresh = dir.path().join("fresh.db");
        let report = carry_over(&old_path, &key, &fresh).unwrap();
        let t = report.iter().find(|t| t.table == "checks").unwrap();
        assert!(t.complete && t.rows == 2, "{report:?}");
        let c = Connection::open(&fresh).unwrap();
        super::super::configure(&c, key.expose()).unwrap();
        let page = checks::search(
            &c,
            &checks::CheckQuery {
                limit: 10,
                ..Default::default()
            },
            false,
        )
        .unwrap();
        let ids: Vec<_> = page.rows.iter().map(|r| r.check_id.as_str()).collect();
        assert_eq!(ids, ["CHKB", "CHKA"]);
        assert!(
            checks::load(&c, "CHKA").unwrap().is_some(),
            "its body came along"
        );
    }
}
