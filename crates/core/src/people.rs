//! People and consent: one place to see everything OpsDesk holds about a person, the consent
//! each WhatsApp send relied on, the do-not-contact list every send obeys, and the answers to
//! data requests (export everything, erase everything local).
//!
//! Colombia's Ley 1581, Brazil's LGPD and India's DPDP Act give people the right to know what
//! is held about them and to have it erased, and require proof of consent for messages.

use opsdesk_http::{phone, RuleCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use ts_rs::TS;

use crate::activity::Outcome;
use crate::app::App;
use crate::downloads::DownloadedFile;
use crate::error::{AppError, ErrorCode};
use crate::store::people::{self as sql, Keys};
pub use crate::store::people::{
    ConsentHow, ConsentView, Erased, Evidence, OptOutHow, OptOutView, PersonRecord,
};

/// Who the operator is looking for. The phone and the ID are searched together; the name only
/// when neither is given (people share names, numbers and IDs they do not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PersonQuery {
    /// `+57`, used when the number is written as at home (`300 123 4567`).
    #[serde(default)]
    pub country_code: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PersonView {
    /// The number as it was understood (`+573001234567`), to show the operator.
    pub phone: Option<String>,
    pub record: PersonRecord,
    /// Found by name alone: the operator should make sure it is the same person.
    pub by_name_only: bool,
}

/// A number put on the list: the entry, and whether it was already there.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OptOutAdded {
    pub entry: OptOutView,
    pub already: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OptOutList {
    pub entries: Vec<OptOutView>,
    #[ts(type = "number")]
    pub total: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConsentList {
    pub entries: Vec<ConsentView>,
    #[ts(type = "number")]
    pub total: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OptOutImport {
    pub file_name: String,
    pub added: u32,
    /// Already on the list.
    pub already: u32,
    /// Cells that looked like numbers but are not valid ones.
    pub unreadable: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PersonExportFormat {
    Xlsx,
    Json,
}

/// The words of the spreadsheet export, in the app's language (the UI sends them, as it does
/// for a list's export). A missing word falls back to its key.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct PersonExportLabels {
    pub words: BTreeMap<String, String>,
}

impl PersonExportLabels {
    fn w<'a>(&'a self, key: &'a str) -> &'a str {
        self.words.get(key).map(String::as_str).unwrap_or(key)
    }
}

/// Most a file of opt-outs may hold (a spreadsheet or an export of opt-out events).
pub const MAX_OPT_OUT_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// `sha256(salt ‖ number)`, hex. The salt is this computer's own, so the hash of a number
/// cannot be looked up in a table of every phone number's hash.
pub fn hash_with(salt: &str, e164: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(e164.as_bytes());
    hex::encode(h.finalize())
}

/// What the do-not-contact list answers for a list being checked: loaded once, asked per row.
pub struct OptOutScreen {
    salt: String,
    hashes: HashSet<String>,
}

impl OptOutScreen {
    pub fn none() -> OptOutScreen {
        OptOutScreen {
            salt: String::new(),
            hashes: HashSet::new(),
        }
    }
    pub fn blocks(&self, e164: &str) -> bool {
        !self.hashes.is_empty()
            && same_line(e164)
                .iter()
                .any(|v| self.hashes.contains(&hash_with(&self.salt, v)))
    }
}

/// Every way the same mobile line is written in E.164. Brazil's mobiles gained a ninth digit
/// (`+55 11 9xxxx-xxxx`) and old contact lists and WhatsApp IDs still carry the eight-digit
/// form; Argentina's mobiles are dialled from abroad with a 9 after the country code
/// (`+54 9 11 …`) and written without it at home. An opt-out in one form blocks the others.
pub fn same_line(e164: &str) -> Vec<String> {
    let mut out = vec![e164.to_string()];
    if let Some(n) = e164.strip_prefix("+55") {
        if n.len() == 11 && n.as_bytes()[2] == b'9' {
            out.push(format!("+55{}{}", &n[..2], &n[3..]));
        } else if n.len() == 10 && matches!(n.as_bytes()[2], b'6'..=b'9') {
            out.push(format!("+55{}9{}", &n[..2], &n[2..]));
        }
    } else if let Some(n) = e164.strip_prefix("+54") {
        if n.len() == 11 && n.starts_with('9') {
            out.push(format!("+54{}", &n[1..]));
        } else if n.len() == 10 {
            out.push(format!("+549{n}"));
        }
    }
    out
}

fn parse_phone(country_code: &str, raw: &str) -> Result<phone::Phone, RuleCode> {
    if raw.trim().starts_with('+') || country_code.trim().is_empty() {
        phone::parse_international(raw)
    } else {
        phone::parse_with_country(country_code, raw)
    }
}

const SALT_KEY: &str = "people.hash_salt";
/// Set once the opt-outs saved before numbers were read by libphonenumber's plans were read
/// again (see [`App::opt_outs_read_again`]).
const READ_AGAIN_KEY: &str = "people.opt_outs_read_again";

impl App {
    /// Once per cache, at start: opt-outs saved before numbers were read by libphonenumber's
    /// plans kept a trunk `0` for countries outside the old tables (`+44 07911…`), so the same
    /// number typed now (`+44 7911…`) matched nothing and the person could be messaged. Each
    /// such entry gets its number as read today beside it; the old entry stays (it can only
    /// block a number that is not in use). An entry whose number was erased keeps only its
    /// hash and cannot be read again. Returns how many entries were added.
    pub fn opt_outs_read_again(&self) -> Result<usize, AppError> {
        if self
            .with_conn(|c| crate::store::settings::get(c, READ_AGAIN_KEY))?
            .is_some()
        {
            return Ok(0);
        }
        let salt = self.people_salt()?;
        self.with_conn(|c| {
            let tx = crate::store::write_tx(c)?;
            let saved: Vec<(bool, String, String, String, i64)> = tx
                .prepare("SELECT practice, phone, how, file, at_ms FROM opt_outs WHERE phone IS NOT NULL")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut added = 0;
            for (practice, phone, how, file, at_ms) in saved {
                let Ok(now) = phone::parse_international(&phone).map(|p| p.e164()) else {
                    continue;
                };
                if now != phone {
                    let how = crate::store::people::OptOutHow::parse(&how);
                    let hash = hash_with(&salt, &now);
                    if crate::store::people::add_opt_out(
                        &tx, practice, &hash, Some(&now), how, &file, at_ms,
                    )? {
                        added += 1;
                    }
                }
            }
            crate::store::settings::put(&tx, READ_AGAIN_KEY, "1")?;
            tx.commit()?;
            Ok(added)
        })
    }

    fn people_salt(&self) -> Result<String, AppError> {
        self.with_conn(|c| {
            if let Some(s) = crate::store::settings::get(c, SALT_KEY)? {
                return Ok(s);
            }
            // Two first uses at once must agree on one salt: the first write wins, and both
            // read it back (a second salt would make earlier hashes match nothing).
            let s = hex::encode(rand::random::<[u8; 16]>());
            c.execute(
                "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
                [SALT_KEY, &s],
            )?;
            crate::store::settings::get(c, SALT_KEY).map(Option::unwrap_or_default)
        })
    }

    pub(crate) fn phone_hash(&self, e164: &str) -> Result<String, AppError> {
        Ok(hash_with(&self.people_salt()?, e164))
    }

    /// Whether the person asked not to be contacted (in this mode).
    pub fn is_opted_out(&self, e164: &str) -> Result<bool, AppError> {
        let salt = self.people_salt()?;
        let practice = self.is_practice();
        self.with_conn(|c| {
            for v in same_line(e164) {
                if sql::opt_out(c, practice, &hash_with(&salt, &v))?.is_some() {
                    return Ok(true);
                }
            }
            Ok(false)
        })
    }

    pub(crate) fn opt_out_screen(&self) -> Result<OptOutScreen, AppError> {
        let practice = self.is_practice();
        Ok(OptOutScreen {
            salt: self.people_salt()?,
            hashes: self.with_conn(|c| sql::opt_out_hashes(c, practice))?,
        })
    }

    fn person_keys(&self, q: &PersonQuery) -> Result<(Keys, bool), Vec<AppError>> {
        let mut k = Keys::default();
        let mut errs = Vec::new();
        if !q.phone.trim().is_empty() {
            match parse_phone(&q.country_code, &q.phone) {
                Ok(p) => {
                    k.e164 = Some(p.e164());
                    k.national = Some(p.national.clone());
                    k.phone_hash = Some(self.phone_hash(&p.e164()).map_err(|e| vec![e])?);
                }
                Err(rule) => errs.push(AppError::validation("phone", rule, "not a phone number")),
            }
        }
        let doc = sql::doc_key(&q.document);
        if !q.document.trim().is_empty() {
            if doc.len() < 4 {
                errs.push(AppError::validation(
                    "document",
                    RuleCode::DocumentTooShort,
                    "not a national ID",
                ));
            } else {
                k.document = Some(doc);
            }
        }
        k.name_words = sql::fold(&q.name)
            .split_whitespace()
            .filter(|w| w.chars().count() >= 2)
            .map(str::to_string)
            .collect();
        let by_name_only = k.e164.is_none() && k.document.is_none() && !k.name_words.is_empty();
        // With a number or an ID, the name does not widen the search: several people can share
        // a name, and they must not be exported or erased with this one.
        if !by_name_only {
            k.name_words.clear();
        }
        // One word ("María") would bring half the cache: a name alone needs a first and a last.
        if by_name_only && k.name_words.len() < 2 && errs.is_empty() {
            errs.push(AppError::validation(
                "name",
                RuleCode::FullNameNeeded,
                "write a first and a last name",
            ));
        }
        if errs.is_empty() && k.e164.is_none() && k.document.is_none() && k.name_words.is_empty() {
            errs.push(AppError::validation(
                "phone",
                RuleCode::PersonKeysNeeded,
                "write a phone number, a national ID or a name",
            ));
        }
        if errs.is_empty() {
            Ok((k, by_name_only))
        } else {
            Err(errs)
        }
    }

    /// Everything this computer holds about the person, in the mode in effect.
    pub fn people_find(&self, q: &PersonQuery) -> Result<PersonView, Vec<AppError>> {
        let (k, by_name_only) = self.person_keys(q)?;
        let practice = self.is_practice();
        let record = self
            .with_conn(|c| sql::find(c, practice, &k))
            .map_err(|e| vec![e])?;
        Ok(PersonView {
            phone: k.e164,
            record,
            by_name_only,
        })
    }

    /// Writes everything found about the person to one file (a readable spreadsheet, or JSON
    /// for a machine), in `folder` or the download folder.
    pub async fn people_export(
        &self,
        q: &PersonQuery,
        format: PersonExportFormat,
        labels: &PersonExportLabels,
        folder: Option<PathBuf>,
    ) -> Result<DownloadedFile, Vec<AppError>> {
        let view = self.people_find(q)?;
        let now = self.now_ms();
        let bytes = match format {
            PersonExportFormat::Json => {
                let doc = serde_json::json!({
                    "exported_at": chrono::DateTime::from_timestamp_millis(now).map(|d| d.to_rfc3339()),
                    "searched_for": {
                        "phone": view.phone,
                        "national_id": q.document.trim(),
                        "name": q.name.trim(),
                    },
                    "held_on_this_computer": view.record,
                    "held_by_vendors": labels.w("people.export.vendors"),
                });
                serde_json::to_vec_pretty(&doc)
                    .map_err(|e| vec![AppError::internal(e.to_string())])?
            }
            PersonExportFormat::Xlsx => person_xlsx(&view, q, labels, now).map_err(|e| vec![e])?,
        };
        // Named with the day it was made; never with who it is about (the name of a file is
        // kept in the list of saved files, which an erasure does not search).
        let day = chrono::DateTime::from_timestamp_millis(now)
            .map(|d| {
                d.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .unwrap_or_default();
        let stem = format!("{} {day}", labels.w("people.export.file_name"));
        self.save_download(
            "people-request",
            "person_export",
            &stem,
            folder,
            "people-export",
            |dest, _| async move {
                crate::files::write_private(&dest, &bytes).map_err(|e| {
                    opsdesk_http::ApiError::unexpected(format!("cannot write the file: {e}"))
                })?;
                Ok(bytes.len() as u64)
            },
        )
        .await
        .map_err(|e| vec![e])
    }

    /// Erases everything this computer holds about the person (found as [`App::people_find`]
    /// finds it, at this moment). With `opt_out`, or when the person is already on the
    /// do-not-contact list, only a salted hash of the number stays, so nothing is ever sent to
    /// them again. Activity records the erasure with counts only.
    pub fn people_erase(&self, q: &PersonQuery, opt_out: bool) -> Result<Erased, Vec<AppError>> {
        let (k, by_name_only) = self.person_keys(q)?;
        // People share names: erasing by a name alone could take others' records with it.
        if by_name_only {
            return Err(vec![AppError::validation(
                "phone",
                RuleCode::EraseNeedsNumberOrId,
                "erasing needs the phone number or the ID",
            )]);
        }
        // A list being sent holds rows in memory that could still go to the person.
        if self.bulk.any_running() {
            return Err(vec![AppError::new(ErrorCode::Busy, "a list is being sent")]);
        }
        let practice = self.is_practice();
        let now = self.now_ms();
        let keep = if opt_out {
            k.phone_hash.as_deref().map(|h| (h, now))
        } else {
            None
        };
        let found = self
            .with_conn(|c| sql::find(c, practice, &k))
            .map_err(|e| vec![e])?;
        // Files first: one open in another program (Windows will not delete it) stops the
        // erasure before anything else goes, so the operator can close it and try again.
        let paths = self
            .with_conn(|c| sql::file_paths(c, &found))
            .map_err(|e| vec![e])?;
        for path in paths {
            match std::fs::remove_file(Path::new(&path)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(error = %e, "could not delete a saved file");
                    return Err(vec![AppError::new(
                        ErrorCode::FileInUse,
                        "a saved file could not be deleted",
                    )]);
                }
            }
        }
        let erased = self
            .with_conn(|c| sql::erase(c, practice, &found, keep))
            .map_err(|e| vec![e])?;
        // A file loaded for a list could hold the person's row.
        self.bulk.sheet.lock().unwrap().take();
        let summary = serde_json::to_string(&erased).unwrap_or_default();
        self.record("people", "people.erased", Outcome::Ok, &summary);
        Ok(erased)
    }

    /// Adds a number to the do-not-contact list.
    pub fn opt_out_add(&self, country_code: &str, raw: &str) -> Result<OptOutAdded, Vec<AppError>> {
        let p = parse_phone(country_code, raw)
            .map_err(|rule| vec![AppError::validation("phone", rule, "not a phone number")])?;
        let e164 = p.e164();
        let h = self.phone_hash(&e164).map_err(|e| vec![e])?;
        let practice = self.is_practice();
        let now = self.now_ms();
        let (added, view) = self
            .with_conn(|c| {
                let added =
                    sql::add_opt_out(c, practice, &h, Some(&e164), OptOutHow::Typed, "", now)?;
                Ok((added, sql::opt_out(c, practice, &h)?))
            })
            .map_err(|e| vec![e])?;
        let entry = view.ok_or_else(|| vec![AppError::internal("the entry was not kept")])?;
        if added {
            self.record("people", "people.opt_out_added", Outcome::Ok, "1");
        }
        Ok(OptOutAdded {
            entry,
            already: !added,
        })
    }

    /// Takes a number off the list (the person agreed again).
    pub fn opt_out_remove(&self, key: &str) -> Result<(), AppError> {
        let practice = self.is_practice();
        let n = self.with_conn(|c| sql::remove_opt_out(c, practice, key))?;
        if n == 0 {
            return Err(AppError::new(ErrorCode::NotFound, "not on the list"));
        }
        self.record("people", "people.opt_out_removed", Outcome::Ok, "1");
        Ok(())
    }

    pub fn opt_outs(&self) -> Result<OptOutList, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| {
            Ok(OptOutList {
                entries: sql::opt_outs(c, practice, 1000)?,
                total: sql::opt_out_count(c, practice)?,
            })
        })
    }

    pub fn consents(&self) -> Result<ConsentList, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| {
            Ok(ConsentList {
                entries: sql::consents(c, practice, 1000)?,
                total: sql::consent_count(c, practice)?,
            })
        })
    }

    /// Adds every number in a file to the list: a spreadsheet (CSV or Excel; the columns where
    /// most cells are phone numbers are read, so no column needs choosing) or an export of opt-out events (JSON or
    /// JSON lines: every value under a key naming a phone). Numbers written as at home take
    /// `country_code`.
    pub fn opt_out_import_file(
        &self,
        path: &Path,
        country_code: &str,
    ) -> Result<OptOutImport, AppError> {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = std::fs::metadata(path)
            .map_err(|e| AppError::validation("file", RuleCode::BulkUnreadable, e.to_string()))?
            .len();
        if size > MAX_OPT_OUT_FILE_BYTES {
            return Err(AppError::validation(
                "file",
                RuleCode::BulkTooBig,
                "the file is too big",
            ));
        }
        let lower = file_name.to_lowercase();
        let candidates: Vec<String> = if lower.ends_with(".json") || lower.ends_with(".jsonl") {
            let bytes = std::fs::read(path).map_err(|e| {
                AppError::validation("file", RuleCode::BulkUnreadable, e.to_string())
            })?;
            let text = crate::bulk::import::decode_owned(bytes);
            numbers_in_json(&text)
        } else {
            let sheet = crate::bulk::import::read_path(path)
                .map_err(|e| AppError::validation("file", e.rule(), e.to_string()))?;
            // The phone columns: those where most filled cells are numbers of the country (a
            // date or an ID column has digits too, but does not read as phone numbers).
            let width = sheet.headers.len();
            let mut filled = vec![0u32; width];
            let mut phones = vec![0u32; width];
            for (_, cells) in sheet.rows.iter() {
                for (i, c) in cells.to_vec().iter().enumerate().take(width) {
                    if !c.trim().is_empty() {
                        filled[i] += 1;
                        phones[i] += u32::from(parse_phone(country_code, c).is_ok());
                    }
                }
            }
            // A column named as a phone wins; an ID column (a CPF reads like a Brazilian
            // mobile) is never taken for one by its digits alone.
            let named: Vec<usize> = (0..width)
                .filter(|&i| names_a_phone(&sheet.headers[i]))
                .collect();
            let columns: Vec<usize> = if named.is_empty() {
                (0..width)
                    .filter(|&i| !names_an_id(&sheet.headers[i]))
                    .filter(|&i| phones[i] > 0 && phones[i] * 2 >= filled[i])
                    .collect()
            } else {
                named
            };
            let mut out = Vec::new();
            for (_, cells) in sheet.rows.iter() {
                let cells = cells.to_vec();
                out.extend(
                    columns
                        .iter()
                        .filter_map(|&i| cells.get(i))
                        .filter(|c| !c.trim().is_empty())
                        .cloned(),
                );
            }
            out
        };
        let salt = self.people_salt()?;
        let practice = self.is_practice();
        let now = self.now_ms();
        let mut r = OptOutImport {
            file_name: file_name.clone(),
            added: 0,
            already: 0,
            unreadable: 0,
        };
        let mut parsed = Vec::new();
        for raw in candidates {
            match parse_phone(country_code, &raw) {
                Ok(p) => parsed.push(p.e164()),
                Err(_) => r.unreadable += 1,
            }
        }
        self.with_conn(|c| {
            let tx = crate::store::write_tx(c)?;
            for e164 in &parsed {
                let h = hash_with(&salt, e164);
                if sql::add_opt_out(
                    &tx,
                    practice,
                    &h,
                    Some(e164),
                    OptOutHow::File,
                    &file_name,
                    now,
                )? {
                    r.added += 1;
                } else {
                    r.already += 1;
                }
            }
            tx.commit()
        })?;
        self.record(
            "people",
            "people.opt_outs_imported",
            Outcome::Ok,
            &r.added.to_string(),
        );
        Ok(r)
    }
}

/// A column header or JSON key that names a phone number, in the languages of the users.
fn names_a_phone(name: &str) -> bool {
    if names_an_id(name) {
        return false;
    }
    let n = crate::store::people::fold(name).trim().replace(' ', "_");
    [
        "phone", "tel", "cel", "movil", "mobile", "whatsapp", "wa_id", "msisdn", "numero",
        "number", "contact",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n == "from"
        || n == "to"
        || n == "recipient"
}

/// A header or key naming an identity document (never read as phone numbers).
fn names_an_id(name: &str) -> bool {
    let n = crate::store::people::fold(name).trim().replace(' ', "_");
    [
        "document",
        "documento",
        "cedula",
        "cpf",
        "rut",
        "dni",
        "curp",
        "national",
        "id_number",
        "passport",
        "pasaporte",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n == "nit"
}

/// A cell that is probably a phone number: 7 to 15 digits, and nothing but digits and the
/// marks people write numbers with.
fn looks_like_number(s: &str) -> bool {
    let t = s.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && t.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// Numbers in an export of opt-out events: the values of keys that name a phone (`phone`,
/// `phone_number`, `wa_id`, `from`, `celular`…), anywhere in the document. JSON lines
/// (one event per line) are read too.
fn numbers_in_json(text: &str) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let named = names_a_phone(k);
                    match v {
                        serde_json::Value::String(s) if named && looks_like_number(s) => {
                            out.push(s.clone())
                        }
                        serde_json::Value::Number(n) if named => {
                            let s = n.to_string();
                            if looks_like_number(&s) {
                                out.push(s)
                            }
                        }
                        other => walk(other, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => walk(&v, &mut out),
        Err(_) => {
            for line in text.lines() {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                    walk(&v, &mut out);
                }
            }
        }
    }
    out
}

/// The readable export: a sheet per kind of record, plain headers in the app's language,
/// dates as date cells.
fn person_xlsx(
    v: &PersonView,
    q: &PersonQuery,
    l: &PersonExportLabels,
    now: i64,
) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
    let xerr = |e: XlsxError| AppError::internal(format!("cannot write the spreadsheet: {e}"));
    let bold = Format::new().set_bold();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    // Cells show the time on this computer's clock, as the screens do.
    let offset_s = chrono::Local::now().offset().local_minus_utc() as i64;
    let date = |ms: i64| ExcelDateTime::from_timestamp(ms / 1000 + offset_s);
    let mut wb = Workbook::new();
    let text = crate::bulk::engine::xlsx_text;

    struct Sheet<'a> {
        ws: &'a mut Worksheet,
        row: u32,
    }
    fn header(
        ws: &mut Worksheet,
        l: &PersonExportLabels,
        keys: &[&str],
        bold: &Format,
    ) -> Result<(), XlsxError> {
        for (i, k) in keys.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, crate::bulk::engine::xlsx_text(l.w(k)), bold)?;
        }
        Ok(())
    }

    // The summary: who was searched, what is held where, what stays at the vendors.
    {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(l.w("people.export.sheet.summary")))
            .map_err(xerr)?;
        let mut s = Sheet { ws, row: 0 };
        let line = |s: &mut Sheet, k: &str, val: &str| -> Result<(), XlsxError> {
            s.ws.write_string_with_format(s.row, 0, text(l.w(k)), &bold)?;
            s.ws.write_string(s.row, 1, text(val))?;
            s.row += 1;
            Ok(())
        };
        line(
            &mut s,
            "people.export.phone",
            v.phone.as_deref().unwrap_or(""),
        )
        .map_err(xerr)?;
        line(&mut s, "people.export.document", q.document.trim()).map_err(xerr)?;
        line(&mut s, "people.export.name", q.name.trim()).map_err(xerr)?;
        s.ws.write_string_with_format(s.row, 0, text(l.w("people.export.exported_at")), &bold)
            .map_err(xerr)?;
        s.ws.write_datetime_with_format(s.row, 1, date(now).map_err(xerr)?, &date_fmt)
            .map_err(xerr)?;
        s.row += 1;
        let r = &v.record;
        for (k, n) in [
            ("people.section.checks", r.checks.len()),
            ("people.section.processes", r.processes.len()),
            ("people.section.sends", r.sends.len()),
            ("people.section.list_rows", r.list_rows.len()),
            ("people.section.callbacks", r.callbacks.len()),
            ("people.section.consents", r.consents.len()),
            ("people.section.activity", r.activity.len()),
            ("people.section.files", r.files.len()),
        ] {
            s.ws.write_string_with_format(s.row, 0, text(l.w(k)), &bold)
                .map_err(xerr)?;
            s.ws.write_number(s.row, 1, n as f64).map_err(xerr)?;
            s.row += 1;
        }
        line(
            &mut s,
            "people.export.opted_out",
            if r.opt_out.is_some() {
                l.w("people.export.yes")
            } else {
                l.w("people.export.no")
            },
        )
        .map_err(xerr)?;
        s.row += 1;
        line(
            &mut s,
            "people.export.vendors_title",
            l.w("people.export.vendors"),
        )
        .map_err(xerr)?;
        s.ws.autofit();
    }

    macro_rules! sheet {
        ($name:expr, $keys:expr, $items:expr, |$ws:ident, $r:ident, $x:ident| $body:block) => {{
            let $ws = wb.add_worksheet();
            let key: &str = $name;
            $ws.set_name(sheet_name(
                l.w(&key.replace("people.section.", "people.export.sheet.")),
            ))
            .map_err(xerr)?;
            header($ws, l, $keys, &bold).map_err(xerr)?;
            for (i, $x) in $items.iter().enumerate() {
                let $r = i as u32 + 1;
                (|| -> Result<(), XlsxError> {
                    $body;
                    Ok(())
                })()
                .map_err(xerr)?;
            }
            $ws.autofit();
        }};
    }
    let r = &v.record;
    sheet!(
        "people.section.checks",
        &[
            "people.col.created",
            "people.col.name",
            "people.col.document",
            "people.col.country",
            "people.col.kind",
            "people.col.status",
            "people.col.score",
            "people.col.check_id"
        ],
        r.checks,
        |ws, row, x| {
            ws.write_datetime_with_format(row, 0, date(x.created_ms)?, &date_fmt)?;
            ws.write_string(row, 1, text(&x.name))?;
            ws.write_string(row, 2, text(&x.document))?;
            ws.write_string(row, 3, text(l.w(&format!("country.{}", x.country))))?;
            ws.write_string(row, 4, text(l.w(&format!("subject.{}", x.kind))))?;
            ws.write_string(row, 5, text(l.w(&format!("status.{}", x.status))))?;
            if x.score >= 0.0 {
                ws.write_number(row, 6, x.score)?;
            }
            ws.write_string(row, 7, text(&x.check_id))?;
        }
    );
    sheet!(
        "people.section.processes",
        &[
            "people.col.created",
            "people.col.name",
            "people.col.document",
            "people.col.country",
            "people.col.outcome",
            "people.col.flow",
            "people.col.process_id"
        ],
        r.processes,
        |ws, row, x| {
            ws.write_datetime_with_format(row, 0, date(x.created_ms)?, &date_fmt)?;
            ws.write_string(row, 1, text(&x.name))?;
            ws.write_string(row, 2, text(&x.document))?;
            ws.write_string(row, 3, text(l.w(&format!("country.{}", x.country))))?;
            ws.write_string(
                row,
                4,
                text(l.w(&format!("identity.outcome.{}", x.outcome))),
            )?;
            ws.write_string(row, 5, text(&x.flow_id))?;
            ws.write_string(row, 6, text(&x.process_id))?;
        }
    );
    sheet!(
        "people.section.sends",
        &[
            "people.col.when",
            "people.col.phone",
            "people.col.template",
            "people.col.state",
            "people.col.consent",
            "people.col.conversation"
        ],
        r.sends,
        |ws, row, x| {
            ws.write_datetime_with_format(row, 0, date(x.at_ms)?, &date_fmt)?;
            ws.write_string(row, 1, text(&x.phone))?;
            ws.write_string(row, 2, text(&x.template))?;
            ws.write_string(row, 3, text(l.w(&format!("people.send_state.{}", x.state))))?;
            ws.write_string(row, 4, text(&consent_words(x.consent.as_ref(), l)))?;
            ws.write_string(row, 5, text(x.conversation.as_deref().unwrap_or("")))?;
        }
    );
    sheet!(
        "people.section.list_rows",
        &[
            "people.col.list",
            "people.col.row",
            "people.col.state",
            "people.col.cells"
        ],
        r.list_rows,
        |ws, row, x| {
            ws.write_string(row, 0, text(&x.job_title))?;
            ws.write_number(row, 1, x.row_no as f64)?;
            ws.write_string(row, 2, text(l.w(&format!("bulk.row_{}", x.state.db()))))?;
            let cells = x
                .cells
                .iter()
                .map(|(h, v)| format!("{h}: {v}"))
                .collect::<Vec<_>>()
                .join("; ");
            ws.write_string(row, 3, text(&cells))?;
        }
    );
    sheet!(
        "people.section.callbacks",
        &[
            "people.col.when",
            "people.col.phone",
            "people.col.business_number",
            "people.col.kind"
        ],
        r.callbacks,
        |ws, row, x| {
            if let Some(s) = x.created_at_s {
                ws.write_datetime_with_format(row, 0, date(s * 1000)?, &date_fmt)?;
            }
            ws.write_string(row, 1, text(&x.client_number))?;
            ws.write_string(row, 2, text(&x.business_number))?;
            ws.write_string(row, 3, text(l.w(&format!("people.event.{}", x.event_type))))?;
        }
    );
    sheet!(
        "people.section.consents",
        &[
            "people.col.when",
            "people.col.phone",
            "people.col.line",
            "people.col.consent"
        ],
        r.consents,
        |ws, row, x| {
            ws.write_datetime_with_format(row, 0, date(x.at_ms)?, &date_fmt)?;
            ws.write_string(row, 1, text(&x.phone))?;
            ws.write_string(row, 2, text(&x.line))?;
            ws.write_string(row, 3, text(&consent_words(Some(x), l)))?;
        }
    );
    sheet!(
        "people.section.activity",
        &["people.col.when", "people.col.what", "people.col.detail"],
        r.activity,
        |ws, row, x| {
            ws.write_datetime_with_format(row, 0, date(x.at_ms)?, &date_fmt)?;
            ws.write_string(row, 1, text(l.w(&format!("action.{}", x.action))))?;
            ws.write_string(row, 2, text(&x.summary))?;
        }
    );
    sheet!(
        "people.section.files",
        &["people.col.when", "people.col.file", "people.col.folder"],
        r.files,
        |ws, row, x| {
            ws.write_datetime_with_format(row, 0, date(x.at_ms)?, &date_fmt)?;
            ws.write_string(row, 1, text(&x.file_name))?;
            ws.write_string(row, 2, text(&x.folder))?;
        }
    );
    wb.save_to_buffer().map_err(xerr)
}

use crate::export::sheet_name;

/// "Agreed in clientes.xlsx, row 12 (column Acepta)" in the app's language.
fn consent_words(c: Option<&ConsentView>, l: &PersonExportLabels) -> String {
    let Some(c) = c else {
        return l.w("people.consent.none").to_string();
    };
    let key = format!("people.consent.{}", c.how.db());
    let t = l.w(&key);
    t.replace("{file}", &c.file)
        .replace(
            "{row}",
            &c.row_no.map(|r| r.to_string()).unwrap_or_default(),
        )
        .replace("{column}", &c.column)
}

/// The practice person: in the sandbox's checks and identity processes (as María Fernanda
/// Rojas Quintero, 1020304050), and given here a message, a list row, a consent and a call-back
/// request, so a data request can be tried on someone with history in all four products.
pub const PRACTICE_PERSON: (&str, &str, &str, &str) = (
    "+57",
    "300 123 4567",
    "1020304050",
    "María Fernanda Rojas Quintero",
);

impl App {
    /// Brings the practice person's checks and processes into the cache and gives them local
    /// history (only what is missing, so it can be tried again after erasing). Returns who to
    /// search for, each key written differently from how it was stored.
    pub async fn people_practice(&self) -> Result<PersonQuery, AppError> {
        if !self.is_practice() {
            return Err(AppError::new(
                ErrorCode::Internal,
                "the practice person exists only in Practice mode",
            ));
        }
        let (cc, national, doc, name) = PRACTICE_PERSON;
        self.checks_import(3).await?;
        self.identity_sync().await?;
        // The practice templates, so her messages are named and their line is known.
        if let Some(line) = self.whatsapp_lines()?.first() {
            self.whatsapp_refresh(line).await?;
        }
        let e164 = parse_phone(cc, national)
            .map_err(|_| AppError::internal("the practice number is not a number"))?
            .e164();
        let now = self.now_ms();
        let exists = self.with_conn(|c| {
            c.query_row(
                "SELECT count(*) FROM wa_sends WHERE recipient = ?1 AND practice = 1",
                [&e164],
                |r| r.get::<_, i64>(0),
            )
        })?;
        if exists == 0 {
            let template = self
                .with_conn(|c| {
                    c.query_row(
                        "SELECT outbound_id FROM wa_outbounds WHERE practice = 1 ORDER BY name LIMIT 1",
                        [],
                        |r| r.get::<_, String>(0),
                    )
                    .map(Some)
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e),
                    })
                })?
                .unwrap_or_else(|| "OTB-practice".into());
            self.with_conn(|c| sql::plant_practice(c, &template, &e164, national, doc, name, now))?;
        }
        let event = serde_json::json!({
            "event_id": "7b6f6c1e-practice-cmb-0001",
            "client_account_id": "practice",
            "event_type": "cmb",
            "created_at": (now / 1000 - 3600).to_string(),
            "cmb_payload": {
                "business_number": "+576015550100",
                "feature_set": "practice",
                "client_number": e164,
                "requested_at": (now / 1000 - 3600).to_string(),
                "requested_date": "NA",
                "requested_slot": "NA",
                "preferred_from_time": null,
                "preferred_to_time": null,
                "is_interested": true,
                "alternate_number": "",
                "cmb_config_name": "practice"
            }
        });
        self.truecaller_import_events(&event.to_string())?;
        Ok(PersonQuery {
            country_code: cc.into(),
            // Written differently from the list's `300 123 4567`.
            phone: "300-123-4567".into(),
            // A data request names the person every way it can: the ID with its dots, the
            // name without its accents.
            document: "1.020.304.050".into(),
            name: "Maria Fernanda Rojas Quintero".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_mobile_line_in_each_of_its_forms() {
        assert_eq!(
            same_line("+5511912345678"),
            ["+5511912345678", "+551112345678"]
        );
        assert_eq!(
            same_line("+551182345678"),
            ["+551182345678", "+5511982345678"]
        );
        // A São Paulo landline (starts with 2 to 5) has no ninth-digit twin.
        assert_eq!(same_line("+551132345678"), ["+551132345678"]);
        assert_eq!(
            same_line("+5491123456789"),
            ["+5491123456789", "+541123456789"]
        );
        assert_eq!(same_line("+573001234567"), ["+573001234567"]);
    }

    #[test]
    fn id_columns_are_not_read_as_phones() {
        assert!(names_a_phone("Celular"));
        assert!(names_a_phone("Teléfono"));
        assert!(names_a_phone("phone_number"));
        assert!(!names_a_phone("document_number"));
        assert!(!names_a_phone("CPF"));
        assert!(names_an_id("Cédula"));
    }
}
