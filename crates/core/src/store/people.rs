//! People and consent, as SQLite holds them: the consent register, the do-not-contact list,
//! and finding (then erasing) everything the cache holds about one person.
//!
//! [`COVERAGE`] lists every table of the cache and how a person is found in it. A test
//! enumerates the tables of a fresh cache: a table added without an entry fails the suite, so
//! a data request can never silently miss a new place where people are kept.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::HashSet;
use ts_rs::TS;

use super::activity::ActivityEntry;
use super::bulk::{RowReason, RowState};

/// How a person is found in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// By the person's phone, national ID or name (the way is written next to each).
    Searched,
    /// Maintained from another table (bodies, full-text indexes): found and erased with it.
    Derived(&'static str),
    /// Holds nothing about a particular person (the reason is written next to each).
    NoPerson,
}

pub const COVERAGE: &[(&str, Found)] = &[
    // Document and name, through the full-text index.
    ("checks", Found::Searched),
    ("check_bodies", Found::Derived("checks")),
    ("checks_fts", Found::Derived("checks")),
    ("checks_fts_data", Found::Derived("checks")),
    ("checks_fts_idx", Found::Derived("checks")),
    ("checks_fts_docsize", Found::Derived("checks")),
    ("checks_fts_config", Found::Derived("checks")),
    // Document and name, through the full-text index.
    ("identity_inbox", Found::Searched),
    ("identity_bodies", Found::Derived("identity_inbox")),
    ("identity_fts", Found::Derived("identity_inbox")),
    ("identity_fts_data", Found::Derived("identity_inbox")),
    ("identity_fts_idx", Found::Derived("identity_inbox")),
    ("identity_fts_docsize", Found::Derived("identity_inbox")),
    ("identity_fts_config", Found::Derived("identity_inbox")),
    // The recipient's number.
    ("wa_sends", Found::Searched),
    // The number the consent was given for.
    ("consents", Found::Searched),
    // The salted hash of the number.
    ("opt_outs", Found::Searched),
    // Every cell of the person's row in the file, and the number it was sent to.
    ("bulk_rows", Found::Searched),
    // The caller's number and the alternate number of a call-back request.
    ("tc_events", Found::Searched),
    // Entries naming one of the person's checks, processes or conversations.
    ("activity", Found::Searched),
    // Files saved for one of the person's checks or processes.
    ("downloads", Found::Searched),
    // A list's name, state and column mapping: the people are in its rows.
    ("bulk_jobs", Found::NoPerson),
    ("bulk_counts", Found::NoPerson),
    // Vendor IDs of erased checks and processes only.
    ("erased_records", Found::NoPerson),
    // An inbound link's text is written for everyone who scans it.
    ("wa_inbounds", Found::NoPerson),
    ("settings", Found::NoPerson),
    ("flows", Found::NoPerson),
    ("wa_lines", Found::NoPerson),
    ("wa_outbounds", Found::NoPerson),
    ("tc_labels", Found::NoPerson),
    ("tc_token_mints", Found::NoPerson),
];

pub fn coverage(table: &str) -> Option<Found> {
    COVERAGE.iter().find(|(t, _)| *t == table).map(|(_, f)| *f)
}

// ---------------------------------------------------------------------------------------------
// The consent register

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConsentHow {
    /// The operator ticked "the person agreed" on a single send.
    Operator,
    /// The person's row in the file said yes in the opt-in column.
    FileColumn,
    /// The operator confirmed everyone in the file agreed.
    FileAll,
}

impl ConsentHow {
    pub fn db(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::FileColumn => "file_column",
            Self::FileAll => "file_all",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "file_column" => Self::FileColumn,
            "file_all" => Self::FileAll,
            _ => Self::Operator,
        }
    }
}

/// The evidence a send relies on, before it is written down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub how: ConsentHow,
    pub file: String,
    pub row_no: Option<u32>,
    pub column: String,
}

impl Evidence {
    pub fn operator() -> Evidence {
        Evidence {
            how: ConsentHow::Operator,
            file: String::new(),
            row_no: None,
            column: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ConsentView {
    #[ts(type = "number")]
    pub id: i64,
    pub phone: String,
    /// The business line the consent was for (empty when unknown).
    pub line: String,
    pub how: ConsentHow,
    pub file: String,
    pub row_no: Option<u32>,
    pub column: String,
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// Records the evidence, or finds the same evidence recorded before (a list row sent again
/// after a crash relies on the same consent, not a second one).
pub fn consent_for(
    c: &Connection,
    phone: &str,
    outbound_id: &str,
    ev: &Evidence,
    practice: bool,
    now: i64,
) -> rusqlite::Result<i64> {
    let line: String = c
        .query_row(
            "SELECT line FROM wa_outbounds WHERE outbound_id = ?1",
            [outbound_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default();
    if ev.how != ConsentHow::Operator {
        let earlier: Option<i64> = c
            .query_row(
                "SELECT id FROM consents WHERE phone = ?1 AND line = ?2 AND how = ?3 AND file = ?4
                 AND row_no IS ?5 AND practice = ?6 LIMIT 1",
                params![phone, line, ev.how.db(), ev.file, ev.row_no, practice],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = earlier {
            return Ok(id);
        }
    }
    c.execute(
        "INSERT INTO consents (phone, line, how, file, row_no, column_name, at_ms, practice)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            phone,
            line,
            ev.how.db(),
            ev.file,
            ev.row_no,
            ev.column,
            now,
            practice
        ],
    )?;
    Ok(c.last_insert_rowid())
}

const CONSENT_COLUMNS: &str = "id, phone, line, how, file, row_no, column_name, at_ms";

fn consent_row(r: &rusqlite::Row) -> rusqlite::Result<ConsentView> {
    Ok(ConsentView {
        id: r.get(0)?,
        phone: r.get(1)?,
        line: r.get(2)?,
        how: ConsentHow::parse(&r.get::<_, String>(3)?),
        file: r.get(4)?,
        row_no: r.get(5)?,
        column: r.get(6)?,
        at_ms: r.get(7)?,
    })
}

/// The register, newest first.
pub fn consents(c: &Connection, practice: bool, limit: u32) -> rusqlite::Result<Vec<ConsentView>> {
    let mut s = c.prepare_cached(&format!(
        "SELECT {CONSENT_COLUMNS} FROM consents WHERE practice = ?1 ORDER BY at_ms DESC, id DESC LIMIT ?2"
    ))?;
    let rows = s.query_map(params![practice, limit], consent_row)?;
    rows.collect()
}

pub fn consent_count(c: &Connection, practice: bool) -> rusqlite::Result<u64> {
    c.query_row(
        "SELECT count(*) FROM consents WHERE practice = ?1",
        [practice],
        |r| r.get::<_, i64>(0).map(|n| n as u64),
    )
}

// ---------------------------------------------------------------------------------------------
// The do-not-contact list

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OptOutHow {
    /// Typed by an operator.
    Typed,
    /// From a file (a spreadsheet, or an export of the vendor's opt-out events).
    File,
    /// Added when the person's data was erased.
    Erase,
}

impl OptOutHow {
    pub fn db(self) -> &'static str {
        match self {
            Self::Typed => "typed",
            Self::File => "file",
            Self::Erase => "erase",
        }
    }
    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "file" => Self::File,
            "erase" => Self::Erase,
            _ => Self::Typed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct OptOutView {
    /// What removes the entry (the salted hash: the number may be gone).
    pub key: String,
    /// The number, or `None` once the person's data was erased (only the hash stays).
    pub phone: Option<String>,
    pub how: OptOutHow,
    pub file: String,
    #[ts(type = "number")]
    pub at_ms: i64,
}

fn opt_out_row(r: &rusqlite::Row) -> rusqlite::Result<OptOutView> {
    Ok(OptOutView {
        key: r.get(0)?,
        phone: r.get(1)?,
        how: OptOutHow::parse(&r.get::<_, String>(2)?),
        file: r.get(3)?,
        at_ms: r.get(4)?,
    })
}

/// Adds a number to the list; `false` when it was already there (the first request stays).
pub fn add_opt_out(
    c: &Connection,
    practice: bool,
    hash: &str,
    phone: Option<&str>,
    how: OptOutHow,
    file: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let n = c.execute(
        "INSERT OR IGNORE INTO opt_outs (practice, phone_hash, phone, how, file, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![practice, hash, phone, how.db(), file, now],
    )?;
    Ok(n == 1)
}

pub fn remove_opt_out(c: &Connection, practice: bool, hash: &str) -> rusqlite::Result<usize> {
    c.execute(
        "DELETE FROM opt_outs WHERE practice = ?1 AND phone_hash = ?2",
        params![practice, hash],
    )
}

pub fn opt_out(c: &Connection, practice: bool, hash: &str) -> rusqlite::Result<Option<OptOutView>> {
    c.query_row(
        "SELECT phone_hash, phone, how, file, at_ms FROM opt_outs WHERE practice = ?1 AND phone_hash = ?2",
        params![practice, hash],
        opt_out_row,
    )
    .optional()
}

pub fn opt_outs(c: &Connection, practice: bool, limit: u32) -> rusqlite::Result<Vec<OptOutView>> {
    let mut s = c.prepare_cached(
        "SELECT phone_hash, phone, how, file, at_ms FROM opt_outs WHERE practice = ?1 ORDER BY at_ms DESC LIMIT ?2",
    )?;
    let rows = s.query_map(params![practice, limit], opt_out_row)?;
    rows.collect()
}

pub fn opt_out_count(c: &Connection, practice: bool) -> rusqlite::Result<u64> {
    c.query_row(
        "SELECT count(*) FROM opt_outs WHERE practice = ?1",
        [practice],
        |r| r.get::<_, i64>(0).map(|n| n as u64),
    )
}

/// Every hash on the list: checking a list of 100,000 rows asks memory, not SQLite.
pub fn opt_out_hashes(c: &Connection, practice: bool) -> rusqlite::Result<HashSet<String>> {
    let mut s = c.prepare_cached("SELECT phone_hash FROM opt_outs WHERE practice = ?1")?;
    let rows = s.query_map([practice], |r| r.get(0))?;
    rows.collect()
}

// ---------------------------------------------------------------------------------------------
// Finding a person

/// What identifies the person, already cleaned (see `crate::people`).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// `+573001234567`.
    pub e164: Option<String>,
    /// The national number's digits (`3001234567`), to recognise it however it was written.
    pub national: Option<String>,
    pub phone_hash: Option<String>,
    /// Letters and digits only, upper case.
    pub document: Option<String>,
    /// Folded words (lower case, no accents); every one must be in the name.
    pub name_words: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PersonCheck {
    pub check_id: String,
    pub kind: String,
    pub country: String,
    pub status: String,
    pub score: f64,
    pub name: String,
    pub document: String,
    #[ts(type = "number")]
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PersonProcess {
    pub process_id: String,
    pub outcome: String,
    pub flow_id: String,
    pub country: String,
    pub name: String,
    pub document: String,
    #[ts(type = "number")]
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PersonSend {
    #[ts(type = "number")]
    pub id: i64,
    pub template: String,
    pub phone: String,
    /// sending | sent | failed | uncertain.
    pub state: String,
    pub conversation: Option<String>,
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The consent it relied on (none for sends made before the register existed).
    pub consent: Option<ConsentView>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PersonListRow {
    #[ts(type = "number")]
    pub job_id: i64,
    pub job_title: String,
    /// whatsapp | truecaller.
    pub kind: String,
    pub row_no: u32,
    pub state: RowState,
    pub outcome: Option<String>,
    pub reasons: Vec<RowReason>,
    /// The file's cells for this row, each with its column's header.
    pub cells: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PersonCallback {
    pub event_id: String,
    pub event_type: String,
    pub business_number: String,
    pub client_number: String,
    #[ts(type = "number | null")]
    pub created_at_s: Option<i64>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PersonFile {
    #[ts(type = "number")]
    pub id: i64,
    pub subject_id: String,
    pub kind: String,
    pub file_name: String,
    pub folder: String,
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// Everything this computer holds about one person.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct PersonRecord {
    pub checks: Vec<PersonCheck>,
    pub processes: Vec<PersonProcess>,
    pub sends: Vec<PersonSend>,
    pub list_rows: Vec<PersonListRow>,
    pub callbacks: Vec<PersonCallback>,
    pub consents: Vec<ConsentView>,
    pub opt_out: Option<OptOutView>,
    pub activity: Vec<ActivityEntry>,
    pub files: Vec<PersonFile>,
}

impl PersonRecord {
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
            && self.processes.is_empty()
            && self.sends.is_empty()
            && self.list_rows.is_empty()
            && self.callbacks.is_empty()
            && self.consents.is_empty()
            && self.opt_out.is_none()
            && self.activity.is_empty()
            && self.files.is_empty()
    }
}

/// Letters and digits only, accents folded, lower case: how names and cells are compared.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        })
        // Indic scripts write vowels as combining signs (not alphanumeric, but part of the
        // word): kept, so "अनीता" stays one word as the full-text index sees it.
        .map(|c| {
            if c.is_alphanumeric() || ('\u{0900}'..='\u{0DFF}').contains(&c) {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// A document as compared: letters and digits, upper case (`1.020.304-050` = `1020304050`).
pub fn doc_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

impl Keys {
    /// Whether a number, however it was written, is the person's.
    fn phone_matches(&self, raw: &str) -> bool {
        let (Some(e164), Some(national)) = (&self.e164, &self.national) else {
            return false;
        };
        let d = digits(raw);
        d.len() >= 7 && (d == e164[1..] || d == *national)
    }

    fn name_matches(&self, text: &str) -> bool {
        if self.name_words.is_empty() {
            return false;
        }
        let words: HashSet<&str> = text.split_whitespace().collect();
        self.name_words.iter().all(|w| words.contains(w.as_str()))
    }

    /// Whether a row of a list is the person's: a cell holding the number, the document, or
    /// (across the row's cells) every word of the name.
    fn cells_match(&self, cells: &[String], payload: &serde_json::Value) -> bool {
        // The number the row was (or would be) sent to says whose row it is; a cell holding the
        // number counts only in a row that never became a send (a row with a problem), so a
        // row about someone else that mentions this number (a contact, a referrer) stays.
        let numbers: Vec<&str> = ["e164", "phone_number", "phoneNumber"]
            .iter()
            .filter_map(|k| payload.get(*k).and_then(|v| v.as_str()))
            .filter(|p| !p.is_empty())
            .collect();
        if numbers.iter().any(|p| self.phone_matches(p)) {
            return true;
        }
        if numbers.is_empty() && cells.iter().any(|c| self.phone_matches(c)) {
            return true;
        }
        if let Some(doc) = &self.document {
            if cells.iter().any(|c| doc_key(c) == *doc) {
                return true;
            }
        }
        let folded = fold(&cells.join(" "));
        self.name_matches(&folded)
    }

    /// An FTS5 query for the document and the name, in the given columns.
    fn fts(&self, name_col: &str, doc_col: &str) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(doc) = &self.document {
            parts.push(format!("{doc_col} : \"{}\"", doc.to_lowercase()));
        }
        if !self.name_words.is_empty() {
            let all: Vec<String> = self
                .name_words
                .iter()
                .map(|w| format!("{name_col} : \"{}\"", w.replace('"', "")))
                .collect();
            parts.push(format!("({})", all.join(" AND ")));
        }
        (!parts.is_empty()).then(|| parts.join(" OR "))
    }
}

/// Everything the cache holds about the person, in this mode (Practice or live).
pub fn find(c: &Connection, practice: bool, k: &Keys) -> rusqlite::Result<PersonRecord> {
    let mut p = PersonRecord::default();
    if let Some(q) = k.fts("subject", "document") {
        let mut s = c.prepare(
            "SELECT check_id, kind, country, status, score, subject, document, created_ms FROM checks
             WHERE practice = ?1 AND ord IN (SELECT rowid FROM checks_fts WHERE checks_fts MATCH ?2)
             ORDER BY ord DESC",
        )?;
        let rows = s.query_map(params![practice, q], |r| {
            Ok(PersonCheck {
                check_id: r.get(0)?,
                kind: r.get(1)?,
                country: r.get(2)?,
                status: r.get(3)?,
                score: r.get(4)?,
                name: r.get(5)?,
                document: r.get(6)?,
                created_ms: r.get(7)?,
            })
        })?;
        p.checks = rows.collect::<rusqlite::Result<_>>()?;
    }
    if let Some(q) = k.fts("name", "document") {
        let mut s = c.prepare(
            "SELECT process_id, outcome, flow_id, country, name, document, created_ms FROM identity_inbox
             WHERE practice = ?1 AND ord IN (SELECT rowid FROM identity_fts WHERE identity_fts MATCH ?2)
             ORDER BY ord DESC",
        )?;
        let rows = s.query_map(params![practice, q], |r| {
            Ok(PersonProcess {
                process_id: r.get(0)?,
                outcome: r.get(1)?,
                flow_id: r.get(2)?,
                country: r.get(3)?,
                name: r.get(4)?,
                document: r.get(5)?,
                created_ms: r.get(6)?,
            })
        })?;
        p.processes = rows.collect::<rusqlite::Result<_>>()?;
    }
    if let Some(e164) = &k.e164 {
        let mut s = c.prepare(&format!(
            "SELECT s.id, coalesce(o.name, s.outbound_id), s.recipient, s.state, s.session_id, s.at_ms,
                    {}
             FROM wa_sends s
             LEFT JOIN wa_outbounds o ON o.outbound_id = s.outbound_id
             LEFT JOIN consents k ON k.id = s.consent_id
             WHERE s.recipient = ?1 AND s.practice = ?2 ORDER BY s.at_ms DESC",
            CONSENT_COLUMNS
                .split(", ")
                .map(|c| format!("k.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let rows = s.query_map(params![e164, practice], |r| {
            let consent = match r.get::<_, Option<i64>>(6)? {
                Some(id) => Some(ConsentView {
                    id,
                    phone: r.get(7)?,
                    line: r.get(8)?,
                    how: ConsentHow::parse(&r.get::<_, String>(9)?),
                    file: r.get(10)?,
                    row_no: r.get(11)?,
                    column: r.get(12)?,
                    at_ms: r.get(13)?,
                }),
                None => None,
            };
            Ok(PersonSend {
                id: r.get(0)?,
                template: r.get(1)?,
                phone: r.get(2)?,
                state: r.get(3)?,
                conversation: r.get(4)?,
                at_ms: r.get(5)?,
                consent,
            })
        })?;
        p.sends = rows.collect::<rusqlite::Result<_>>()?;
        let mut s = c.prepare(&format!(
            "SELECT {CONSENT_COLUMNS} FROM consents WHERE phone = ?1 AND practice = ?2 ORDER BY at_ms DESC"
        ))?;
        let rows = s.query_map(params![e164, practice], consent_row)?;
        p.consents = rows.collect::<rusqlite::Result<_>>()?;

        // Call-back requests are few (one per request a person made): read and compared here,
        // as the webhook wrote the numbers in whatever form it had them.
        let mut s = c.prepare(
            "SELECT event_id, event_type, coalesce(business_number, ''), coalesce(client_number, ''),
                    coalesce(alternate, ''), created_at_s
             FROM tc_events WHERE practice = ?1 ORDER BY created_at_s DESC",
        )?;
        let mut rows = s.query([practice])?;
        while let Some(r) = rows.next()? {
            let client: String = r.get(3)?;
            let alternate: String = r.get(4)?;
            if k.phone_matches(&client) || k.phone_matches(&alternate) {
                p.callbacks.push(PersonCallback {
                    event_id: r.get(0)?,
                    event_type: r.get(1)?,
                    business_number: r.get(2)?,
                    client_number: client,
                    created_at_s: r.get(5)?,
                });
            }
        }
    }
    if let Some(h) = &k.phone_hash {
        p.opt_out = opt_out(c, practice, h)?;
    }
    p.list_rows = list_rows(c, practice, k)?;

    // Activity entries and saved files name the vendor's IDs, never the person: they are the
    // person's when the ID is one of theirs.
    let mut ids: Vec<String> = p.checks.iter().map(|x| x.check_id.clone()).collect();
    ids.extend(p.processes.iter().map(|x| x.process_id.clone()));
    ids.extend(p.sends.iter().filter_map(|x| x.conversation.clone()));
    ids.extend(
        p.list_rows
            .iter()
            .filter(|r| r.state == RowState::Done)
            .filter_map(|r| r.outcome.clone()),
    );
    ids.retain(|i| i.len() >= 6);
    for chunk in ids.chunks(200) {
        let cond = vec!["instr(summary, ?) > 0"; chunk.len()].join(" OR ");
        let mut s = c.prepare(&format!(
            "SELECT id, at_ms, area, action, outcome, summary, practice FROM activity
             WHERE practice = {} AND ({cond}) ORDER BY at_ms DESC",
            practice as i32
        ))?;
        let rows = s.query_map(params_from_iter(chunk), super::activity::entry_row)?;
        for e in rows {
            let e = e?;
            if !p.activity.iter().any(|a| a.id == e.id) {
                p.activity.push(e);
            }
        }
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut s = c.prepare(&format!(
            "SELECT id, subject_id, kind, path, at_ms FROM downloads WHERE subject_id IN ({marks}) ORDER BY at_ms DESC"
        ))?;
        let rows = s.query_map(params_from_iter(chunk), |r| {
            let (file_name, folder) = super::downloads::split_path(&r.get::<_, String>(3)?);
            Ok(PersonFile {
                id: r.get(0)?,
                subject_id: r.get(1)?,
                kind: r.get(2)?,
                file_name,
                folder,
                at_ms: r.get(4)?,
            })
        })?;
        p.files.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    p.activity
        .sort_by_key(|a| std::cmp::Reverse((a.at_ms, a.id)));
    Ok(p)
}

/// Rows of lists (sent or not) that are the person's. Every row of the mode's lists is read
/// and compared in Rust: a file's cells hold the number however the file wrote it, which no
/// index can answer. A data request is rare and deliberate; this is not on any list's path.
fn list_rows(c: &Connection, practice: bool, k: &Keys) -> rusqlite::Result<Vec<PersonListRow>> {
    let mut out = Vec::new();
    let mut jobs = c.prepare(
        "SELECT id, title, kind, params FROM bulk_jobs WHERE practice = ?1 ORDER BY id DESC",
    )?;
    let jobs: Vec<(i64, String, String, String)> = jobs
        .query_map([practice], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut s = c.prepare(
        "SELECT row_no, state, payload, source, outcome, reason FROM bulk_rows WHERE job_id = ?1 ORDER BY row_no",
    )?;
    for (job_id, title, kind, params) in jobs {
        let headers: Vec<String> = serde_json::from_str::<serde_json::Value>(&params)
            .ok()
            .and_then(|v| serde_json::from_value(v["headers"].clone()).ok())
            .unwrap_or_default();
        let mut rows = s.query([job_id])?;
        while let Some(r) = rows.next()? {
            let source: String = r.get(3)?;
            let cells: Vec<String> = serde_json::from_str(&source).unwrap_or_default();
            let payload: serde_json::Value =
                serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default();
            if !k.cells_match(&cells, &payload) {
                continue;
            }
            out.push(PersonListRow {
                job_id,
                job_title: title.clone(),
                kind: kind.clone(),
                row_no: r.get(0)?,
                state: RowState::parse(&r.get::<_, String>(1)?),
                outcome: r.get(4)?,
                reasons: super::bulk::decode_reasons(r.get::<_, Option<String>>(5)?.as_deref()),
                cells: cells
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (headers.get(i).cloned().unwrap_or_default(), v))
                    .collect(),
            });
        }
    }
    Ok(out)
}

/// How many rows of each kind an erase removed (numbers only: this is what Activity keeps).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Erased {
    pub checks: u32,
    pub processes: u32,
    pub sends: u32,
    pub list_rows: u32,
    pub callbacks: u32,
    pub consents: u32,
    pub activity: u32,
    pub files: u32,
    /// The number stays on the do-not-contact list as a salted hash only.
    pub kept_opt_out: bool,
}

/// Where the person's saved files are (the caller deletes them before [`erase`]).
pub fn file_paths(c: &Connection, p: &PersonRecord) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    for x in &p.files {
        let path: Option<String> = c
            .query_row("SELECT path FROM downloads WHERE id = ?1", [x.id], |r| {
                r.get(0)
            })
            .optional()?;
        out.extend(path);
    }
    Ok(out)
}

/// Erases what [`find`] found, in one transaction (saved files' records included; the files
/// themselves are the caller's, see [`file_paths`]).
pub fn erase(
    c: &mut Connection,
    practice: bool,
    p: &PersonRecord,
    keep_opt_out: Option<(&str, i64)>,
) -> rusqlite::Result<Erased> {
    // Freed pages are overwritten with zeros, so the erased text leaves the file itself too.
    c.pragma_update(None, "secure_delete", true)?;
    let tx = super::write_tx(c)?;
    let mut e = Erased::default();
    // Truora keeps its copy: the refresh must not bring these back.
    for id in p
        .checks
        .iter()
        .map(|x| &x.check_id)
        .chain(p.processes.iter().map(|x| &x.process_id))
    {
        tx.execute(
            "INSERT OR IGNORE INTO erased_records (record_id) VALUES (?1)",
            [id],
        )?;
    }
    for x in &p.checks {
        e.checks += tx.execute("DELETE FROM checks WHERE check_id = ?1", [&x.check_id])? as u32;
    }
    for x in &p.processes {
        e.processes += tx.execute(
            "DELETE FROM identity_inbox WHERE process_id = ?1",
            [&x.process_id],
        )? as u32;
    }
    let mut consent_ids: HashSet<i64> = p.consents.iter().map(|x| x.id).collect();
    for x in &p.sends {
        e.sends += tx.execute("DELETE FROM wa_sends WHERE id = ?1", [x.id])? as u32;
        consent_ids.extend(x.consent.as_ref().map(|k| k.id));
    }
    for id in consent_ids {
        e.consents += tx.execute("DELETE FROM consents WHERE id = ?1", [id])? as u32;
    }
    let erased_reason =
        super::bulk::encode_reasons(&[RowReason::bulk(super::bulk::BulkReason::Erased)]);
    for x in &p.list_rows {
        // The row stays (the list's counts and numbering stay true) but holds nothing about the
        // person; one not sent yet will not be.
        e.list_rows += tx.execute(
            "UPDATE bulk_rows SET payload = '{}', source = '[]', summary = '', outcome = NULL, reason = ?3,
                    state = CASE state WHEN 'done' THEN 'done' WHEN 'invalid' THEN 'invalid' ELSE 'skipped' END
             WHERE job_id = ?1 AND row_no = ?2",
            params![x.job_id, x.row_no, erased_reason],
        )? as u32;
    }
    for x in &p.callbacks {
        e.callbacks +=
            tx.execute("DELETE FROM tc_events WHERE event_id = ?1", [&x.event_id])? as u32;
    }
    for x in &p.activity {
        e.activity += tx.execute("DELETE FROM activity WHERE id = ?1", [x.id])? as u32;
    }
    for x in &p.files {
        e.files += tx.execute("DELETE FROM downloads WHERE id = ?1", [x.id])? as u32;
    }
    if let Some(o) = &p.opt_out {
        tx.execute(
            "UPDATE opt_outs SET phone = NULL, file = '' WHERE practice = ?1 AND phone_hash = ?2",
            params![practice, o.key],
        )?;
        e.kept_opt_out = true;
    } else if let Some((hash, now)) = keep_opt_out {
        add_opt_out(&tx, practice, hash, None, OptOutHow::Erase, "", now)?;
        e.kept_opt_out = true;
    }
    tx.commit()?;
    Ok(e)
}

/// The practice person's local history (see `crate::people::PRACTICE_PERSON`): a message sent
/// to them by hand, and a list they were a row of, each with the consent it relied on.
pub fn plant_practice(
    c: &mut Connection,
    outbound_id: &str,
    e164: &str,
    national: &str,
    doc: &str,
    name: &str,
    now: i64,
) -> rusqlite::Result<()> {
    let hour = 3_600_000;
    let tx = super::write_tx(c)?;
    let by_hand = consent_for(
        &tx,
        e164,
        outbound_id,
        &Evidence::operator(),
        true,
        now - 50 * hour,
    )?;
    tx.execute(
        "INSERT INTO wa_sends (outbound_id, recipient, state, session_id, practice, at_ms, consent_id)
         VALUES (?1, ?2, 'sent', 'WCS-practice-1', 1, ?3, ?4)",
        params![outbound_id, e164, now - 50 * hour, by_hand],
    )?;
    // Activity as the send wrote it, at the time of the send.
    super::activity::record(
        &tx,
        now - 50 * hour,
        "whatsapp",
        "whatsapp.sent",
        super::activity::Outcome::Ok,
        "Demo · +57 •••••• 4567 · WCS-practice-1",
        true,
    )?;
    let file = "clientes-noviembre.xlsx";
    let headers = ["Teléfono", "Nombre", "Cédula", "Acepta WhatsApp"];
    tx.execute(
        "INSERT INTO bulk_jobs (kind, title, state, params, practice, created_at_ms, started_at_ms, finished_at_ms)
         VALUES ('whatsapp', ?1, 'finished', ?2, 1, ?3, ?3, ?3)",
        params![
            file,
            serde_json::json!({ "headers": headers, "file_name": file, "mapping": {} }).to_string(),
            now - 26 * hour
        ],
    )?;
    let job = tx.last_insert_rowid();
    let rows = [
        (national, name, doc, "sí"),
        (
            "311 555 0199",
            "Juan Camilo Restrepo Gómez",
            "79845123",
            "sí",
        ),
        ("315 555 0142", "Luz Dary Cárdenas Pinzón", "52789456", "sí"),
    ];
    for (i, (phone, who, id, yes)) in rows.iter().enumerate() {
        let row_no = i as u32 + 2;
        let cells = serde_json::json!([phone, who, id, yes]).to_string();
        let mine = i == 0;
        let consent = if mine {
            Some(consent_for(
                &tx,
                e164,
                outbound_id,
                &Evidence {
                    how: ConsentHow::FileColumn,
                    file: file.into(),
                    row_no: Some(row_no),
                    column: headers[3].into(),
                },
                true,
                now - 26 * hour,
            )?)
        } else {
            None
        };
        let session = format!("WCS-practice-list-{row_no}");
        tx.execute(
            "INSERT INTO bulk_rows (job_id, row_no, state, payload, source, summary, outcome, attempts, updated_at_ms)
             VALUES (?1, ?2, 'done', ?3, ?4, '', ?5, 1, ?6)",
            params![
                job,
                row_no,
                serde_json::json!({ "outbound_id": outbound_id, "country_code": "+57", "phone_number": phone, "e164": if mine { e164 } else { "" } }).to_string(),
                cells,
                session,
                now - 26 * hour
            ],
        )?;
        if let Some(consent) = consent {
            tx.execute(
                "INSERT INTO wa_sends (outbound_id, recipient, state, session_id, practice, at_ms, consent_id)
                 VALUES (?1, ?2, 'sent', ?3, 1, ?4, ?5)",
                params![outbound_id, e164, session, now - 26 * hour, consent],
            )?;
        }
    }
    tx.commit()
}
