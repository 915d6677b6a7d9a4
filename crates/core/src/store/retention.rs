//! Retention: what happens to each table of the cache once its rows are older than the
//! retention setting. Every table is listed here with its policy, and a test enumerates the
//! tables of a fresh cache from `sqlite_master`: a new table without a policy fails the suite
//! until someone decides what retention does with it.

use rusqlite::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Rows can hold personal data: deleted once past retention.
    Purged,
    /// Maintained by SQLite from another table (full-text index and its shadow tables):
    /// emptied together with its source.
    Derived(&'static str),
    /// Kept past retention on purpose, for the person's sake: the do-not-contact list must
    /// go on blocking sends however old the request is. It holds the number only until the
    /// person's data is erased; then only a salted hash stays.
    Kept,
    /// Holds no personal data (preferences, the business's own lines, templates and labels,
    /// token timestamps). The reason is written next to each.
    NoPersonalData,
}

/// Every table of the cache and its policy.
pub const TABLES: &[(&str, Policy)] = &[
    ("activity", Policy::Purged),
    ("identity_inbox", Policy::Purged),
    // Truora's body of each process: deleted with its row (trigger `identity_ad`).
    ("identity_bodies", Policy::Derived("identity_inbox")),
    ("identity_fts", Policy::Derived("identity_inbox")),
    ("identity_fts_data", Policy::Derived("identity_inbox")),
    ("identity_fts_idx", Policy::Derived("identity_inbox")),
    ("identity_fts_docsize", Policy::Derived("identity_inbox")),
    ("identity_fts_config", Policy::Derived("identity_inbox")),
    // The account's identity flows and the names the operator gave them.
    ("flows", Policy::NoPersonalData),
    ("downloads", Policy::Purged),
    ("checks", Policy::Purged),
    // Truora's body of each check: deleted with its row (trigger `checks_ad`).
    ("check_bodies", Policy::Derived("checks")),
    ("checks_fts", Policy::Derived("checks")),
    ("checks_fts_data", Policy::Derived("checks")),
    ("checks_fts_idx", Policy::Derived("checks")),
    ("checks_fts_docsize", Policy::Derived("checks")),
    ("checks_fts_config", Policy::Derived("checks")),
    ("wa_sends", Policy::Purged),
    // The evidence each send relied on: as old as the send it proves.
    ("consents", Policy::Purged),
    ("opt_outs", Policy::Kept),
    // Vendor IDs of records erased at a person's request, so they are not fetched again.
    ("erased_records", Policy::NoPersonalData),
    ("wa_inbounds", Policy::Purged),
    ("bulk_jobs", Policy::Purged),
    ("bulk_rows", Policy::Purged),
    // How many rows of each job are in each state: numbers only, kept by triggers.
    ("bulk_counts", Policy::NoPersonalData),
    ("tc_events", Policy::Purged),
    // Preferences.
    ("settings", Policy::NoPersonalData),
    // The business's own WhatsApp lines.
    ("wa_lines", Policy::NoPersonalData),
    // The business's message templates (text written for customers in general).
    ("wa_outbounds", Policy::NoPersonalData),
    // The business's caller-ID labels.
    ("tc_labels", Policy::NoPersonalData),
    // When Truecaller tokens were minted: timestamps only (and pruned after 30 minutes).
    ("tc_token_mints", Policy::NoPersonalData),
];

pub fn policy(table: &str) -> Option<Policy> {
    TABLES.iter().find(|(t, _)| *t == table).map(|(_, p)| *p)
}

/// Deletes everything past `cutoff_ms` that can hold personal data. Returns how many rows
/// went. Runs in one transaction so a failure leaves nothing half-purged.
pub fn purge(conn: &mut Connection, cutoff_ms: i64) -> rusqlite::Result<usize> {
    let tx = crate::store::write_tx(conn)?;
    let mut n = 0;
    n += super::identity::purge_before(&tx, cutoff_ms)?;
    n += super::checks::purge_before(&tx, cutoff_ms)?;
    n += super::whatsapp::purge_before(&tx, cutoff_ms)?;
    n += super::activity::purge_before(&tx, cutoff_ms)?;
    // A consent goes with the last send that relied on it (a list row sent again later reuses
    // the consent its file gave), not by its own date alone.
    n += tx.execute(
        "DELETE FROM consents WHERE at_ms < ?1
           AND id NOT IN (SELECT consent_id FROM wa_sends WHERE consent_id IS NOT NULL)",
        [cutoff_ms],
    )?;
    n += super::downloads::purge_before(&tx, cutoff_ms)?;
    n += super::bulk::purge_before(&tx, cutoff_ms)?;
    n += tx.execute(
        "DELETE FROM tc_events WHERE imported_at_ms < ?1",
        [cutoff_ms],
    )?;
    tx.commit()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{new_key, Store};

    const NAME: &str = "Zoe Quintana";
    const PHONE: &str = "3009998877";
    const DOC: &str = "1098765432";

    /// How each table that can hold personal data gets an old row full of it. A table added to
    /// the schema without an entry here (or in `TABLES`) fails the test.
    fn plant(c: &Connection, table: &str) -> rusqlite::Result<()> {
        let body = format!(r#"{{"name":"{NAME}","phone":"+57{PHONE}","doc":"{DOC}"}}"#);
        let sql = match table {
            "activity" => "INSERT INTO activity (at_ms, area, action, outcome, summary) VALUES (1, 'checks', 'x', 'ok', ?1)",
            "identity_inbox" => {
                c.execute("INSERT INTO identity_inbox (ord, process_id, outcome, name, document, created_ms, fetched_at_ms, first_seen_ms, practice) VALUES (1048576, 'IDP1', 'success', 'Zoe Quintana', '1098765432', 1, 1, 1, 0)", [])?;
                "INSERT INTO identity_bodies (process_id, body) VALUES ('IDP1', ?1)"
            }
            "downloads" => "INSERT INTO downloads (subject_id, kind, path, bytes, at_ms) VALUES ('CHK1', 'report', '/nowhere/' || ?1 || '.pdf', 1, 1)",
            "checks" => {
                c.execute("INSERT INTO checks (ord, check_id, kind, status, score, subject, document, created_ms, fetched_at_ms, practice) VALUES (1048576, 'CHK1', 'person', 'completed', 1, 'Zoe Quintana', '1098765432', 1, 1, 0)", [])?;
                "INSERT INTO check_bodies (check_id, body) VALUES ('CHK1', ?1)"
            }
            "wa_sends" => "INSERT INTO wa_sends (outbound_id, recipient, state, practice, at_ms, error) VALUES ('OTB1', '+573009998877', 'sent', 0, 1, ?1)",
            "wa_inbounds" => "INSERT INTO wa_inbounds (line, flow_id, message, link, practice, at_ms) VALUES ('+5716', 'IPF1', ?1, 'https://x', 0, 1)",
            "bulk_jobs" => "INSERT INTO bulk_jobs (id, kind, title, state, params, practice, created_at_ms) VALUES (7, 'whatsapp', ?1, 'finished', '{}', 0, 1)",
            "bulk_rows" => "INSERT INTO bulk_rows (job_id, row_no, state, payload, source, summary) VALUES (7, 2, 'done', ?1, ?1, 'Zoe Quintana')",
            "consents" => "INSERT INTO consents (phone, how, file, at_ms, practice) VALUES ('+573009998877', 'file_all', ?1, 1, 0)",
            "tc_events" => "INSERT INTO tc_events (event_id, event_type, client_number, body, practice, imported_at_ms) VALUES ('ev1', 'call_me_back', '+573009998877', ?1, 0, 1)",
            other => panic!("table {other} can hold personal data but the test cannot plant any: add it here"),
        };
        c.execute(sql, [&body])?;
        Ok(())
    }

    #[test]
    fn no_table_keeps_personal_data_past_retention() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db"), &new_key()).unwrap();
        let mut c = store.conn().unwrap();
        let tables: Vec<String> = {
            let mut s = c
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .unwrap();
            let rows = s.query_map([], |r| r.get(0)).unwrap();
            rows.collect::<rusqlite::Result<_>>().unwrap()
        };
        assert!(tables.len() >= 15, "{tables:?}");
        for t in &tables {
            let p = policy(t).unwrap_or_else(|| {
                panic!("table {t} has no retention policy: add it to retention::TABLES")
            });
            if p == Policy::Purged {
                plant(&c, t).unwrap();
            }
        }
        // A list started long ago but paused yesterday keeps its unsent rows.
        c.execute(
            "INSERT INTO bulk_jobs (id, kind, title, state, params, practice, created_at_ms, started_at_ms) VALUES (8, 'whatsapp', 'paused', 'paused', '{}', 0, 1, 1)",
            [],
        )
        .unwrap();
        c.execute(
            "INSERT INTO bulk_rows (job_id, row_no, state, payload, source, summary, updated_at_ms) VALUES (8, 2, 'pending', '{}', '[]', 'row 2', 5000)",
            [],
        )
        .unwrap();
        // Something recent must survive: retention is not "delete everything".
        c.execute(
            "INSERT INTO checks (ord, check_id, kind, status, score, subject, document, created_ms, fetched_at_ms, practice) VALUES (5242880000, 'CHK2', 'person', 'completed', 1, 'Reciente', '1', 5000, 5000, 0)",
            [],
        )
        .unwrap();

        let n = purge(&mut c, 1000).unwrap();
        assert!(n >= 9, "{n}");

        let needles = [
            NAME.to_lowercase(),
            PHONE.into(),
            DOC.into(),
            "quintana".into(),
        ];
        for t in &tables {
            let mut s = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let cols = s.column_count();
            let mut rows = s.query([]).unwrap();
            while let Some(r) = rows.next().unwrap() {
                for i in 0..cols {
                    let text = match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                            String::from_utf8_lossy(b).to_lowercase()
                        }
                        _ => continue,
                    };
                    for n in &needles {
                        assert!(
                            !text.contains(n.as_str()),
                            "{t} still holds {n:?}: {text:.120}"
                        );
                    }
                }
            }
        }
        let left: i64 = c
            .query_row(
                "SELECT count(*) FROM checks_fts WHERE checks_fts MATCH 'quintana'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
        let recent: i64 = c
            .query_row(
                "SELECT count(*) FROM checks WHERE check_id = 'CHK2'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(recent, 1);
        let paused: i64 = c
            .query_row("SELECT count(*) FROM bulk_rows WHERE job_id = 8", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(paused, 1, "a job active since the cutoff keeps its rows");
    }
}
