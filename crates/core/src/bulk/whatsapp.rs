//! Bulk WhatsApp sends: a template to every row of a spreadsheet, through the same rules and
//! the same "never twice" ledger as sending to one person.

use opsdesk_http::RuleCode;
use opsdesk_truora::whatsapp::rules::{validate_send, CleanSend, SendDraft, SendableTemplate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use ts_rs::TS;

use super::engine::{BulkReason, NewRow, RowOutcome, RowReason};
use super::import::Sheet;
use crate::app::App;
use crate::error::{AppError, ErrorCode};
use crate::people::OptOutScreen;
use crate::store::people::{ConsentHow, Evidence};
use crate::whatsapp::{Blocked, SendState};

/// What a list's rows are checked against besides the rules: the file they came from (the
/// evidence of each person's consent) and the do-not-contact list.
pub struct FileContext<'a> {
    pub name: &'a str,
    pub opt_outs: &'a OptOutScreen,
}

pub const KIND: &str = "whatsapp";

/// Truora publishes no sending limit for WhatsApp (catalogue §1.1): this pace is our own
/// choice, kept low enough not to trip Meta's spam signals, and the one place to change it.
pub const SENDS_PER_SECOND: u32 = 10;

/// Which column holds what, chosen by the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WaMapping {
    pub outbound_id: String,
    pub phone_column: String,
    /// A column with the country code (`+57`, `57`); empty: `default_country_code` for all.
    #[serde(default)]
    pub country_column: String,
    pub default_country_code: String,
    /// Template variable → column.
    #[serde(default)]
    pub value_columns: BTreeMap<String, String>,
    /// A column saying whether the person agreed (yes/sí/sim/true/1/x).
    #[serde(default)]
    pub opt_in_column: String,
    /// A column with the person's name, to recognise each row on screen (optional).
    #[serde(default)]
    pub name_column: String,
    /// The operator confirms every person in the file agreed.
    pub all_opted_in: bool,
    #[serde(default)]
    pub flow_id: String,
}

/// The spreadsheet as the mapping step sees it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SheetInfo {
    pub file_name: String,
    pub headers: Vec<String>,
    /// The first rows, to recognise the columns.
    pub sample: Vec<Vec<String>>,
    pub total_rows: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RowProblem {
    pub row_no: u32,
    pub reasons: Vec<RowReason>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct WaPreview {
    pub total: u32,
    pub valid: u32,
    pub invalid: u32,
    /// The first 200 rows with problems.
    pub problems: Vec<RowProblem>,
}

fn truthy(s: &str) -> bool {
    matches!(
        s.trim().to_lowercase().as_str(),
        "yes" | "y" | "si" | "sí" | "s" | "sim" | "true" | "verdadero" | "1" | "x" | "ok"
    )
}

fn country_code(raw: &str) -> String {
    let d = opsdesk_http::phone::country_code_digits(raw);
    if d.is_empty() {
        String::new()
    } else {
        format!("+{d}")
    }
}

/// Checks every row with the send rules; each valid row becomes the exact payload to send.
/// Every row of the sheet checked, in a list (tests and benchmarks; the app streams them with
/// [`each_row`]).
pub fn rows_of(
    sheet: &Sheet,
    m: &WaMapping,
    t: &SendableTemplate,
) -> Result<Vec<NewRow>, AppError> {
    let mut out = Vec::with_capacity(sheet.rows.len());
    let file = FileContext {
        name: "",
        opt_outs: &OptOutScreen::none(),
    };
    each_row(sheet, &file, m, t, &mut |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// Checks each row of the sheet and hands it to `f` as soon as it is checked: nothing is
/// collected, so the preview and job creation hold one row at a time besides the sheet.
pub fn each_row(
    sheet: &Sheet,
    file: &FileContext,
    m: &WaMapping,
    t: &SendableTemplate,
    f: &mut dyn FnMut(NewRow) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let col = |name: &str, field: &str| super::jobs::mapped_column(sheet, name, field);
    let phone = col(&m.phone_column, "phone_column")?.ok_or_else(|| {
        AppError::validation(
            "phone_column",
            RuleCode::Required,
            "choose the phone column",
        )
    })?;
    let country = col(&m.country_column, "country_column")?;
    let opt_in = col(&m.opt_in_column, "opt_in_column")?;
    // The phone column as a "name" would put the whole number in every row's label.
    let name = col(&m.name_column, "name_column")?.filter(|c| *c != phone);
    if opt_in.is_none() && !m.all_opted_in {
        return Err(AppError::validation(
            "opt_in_column",
            RuleCode::BulkOptInNeeded,
            "say how people agreed",
        ));
    }
    let mut values = Vec::new();
    for v in &t.variables {
        let c = m.value_columns.get(v).map(String::as_str).unwrap_or("");
        let c = col(c, &format!("value_columns.{v}"))?.ok_or_else(|| {
            AppError::validation(
                &format!("value_columns.{v}"),
                RuleCode::Required,
                "choose a column",
            )
        })?;
        values.push((v.clone(), c));
    }
    let mut seen = HashSet::new();
    for (row_no, cells) in sheet.rows.iter() {
        let cc = country
            .map(|c| country_code(sheet.cell(&cells, c)))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| m.default_country_code.clone());
        let draft = SendDraft {
            outbound_id: m.outbound_id.clone(),
            country_code: cc,
            phone_number: sheet.cell(&cells, phone).to_string(),
            flow_id: m.flow_id.clone(),
            values: values
                .iter()
                .map(|(v, c)| (v.clone(), sheet.cell(&cells, *c).to_string()))
                .collect(),
            opt_in: m.all_opted_in || opt_in.is_some_and(|c| truthy(sheet.cell(&cells, c))),
            account_id: String::new(),
        };
        let payload = match validate_send(&draft, t) {
            Ok(clean) if !seen.insert(clean.e164()) => {
                Err(vec![RowReason::bulk(BulkReason::DuplicateInFile)])
            }
            Ok(clean) if file.opt_outs.blocks(&clean.e164()) => {
                Err(vec![RowReason::bulk(BulkReason::OptedOut)])
            }
            Ok(clean) => {
                let mut p = payload_of(&clean);
                // The evidence of this person's consent: the file, the row and what said yes.
                let by_column = opt_in.is_some_and(|c| truthy(sheet.cell(&cells, c)));
                p["consent"] = serde_json::json!({
                    "how": if by_column { ConsentHow::FileColumn.db() } else { ConsentHow::FileAll.db() },
                    "file": file.name,
                    "row": row_no,
                    "column": if by_column { m.opt_in_column.as_str() } else { "" },
                });
                Ok(p)
            }
            Err(errs) => Err(errs
                .iter()
                .map(|e| RowReason::rule(e.field.clone(), e.rule))
                .collect()),
        };
        let who = name.map(|c| sheet.cell(&cells, c)).unwrap_or_default();
        let summary = match &payload {
            Ok(p) => super::row_label(who, p["e164"].as_str().unwrap_or_default()),
            Err(_) => super::row_label(who, sheet.cell(&cells, phone)),
        };
        f(NewRow {
            row_no,
            payload,
            summary,
            source: cells.to_vec(),
        })?;
    }
    Ok(())
}

impl WaPreview {
    fn empty() -> WaPreview {
        WaPreview {
            total: 0,
            valid: 0,
            invalid: 0,
            problems: Vec::new(),
        }
    }

    /// Counts one checked row (and keeps it among the problems shown, up to 200).
    pub fn add(&mut self, r: &NewRow) {
        self.total += 1;
        match &r.payload {
            Ok(_) => self.valid += 1,
            Err(reasons) => {
                self.invalid += 1;
                if self.problems.len() < 200 {
                    self.problems.push(RowProblem {
                        row_no: r.row_no,
                        reasons: reasons.clone(),
                    });
                }
            }
        }
    }
}

/// Counts and the first 200 problems of checked rows, as they are checked.
pub fn preview_with(
    each: impl FnOnce(&mut dyn FnMut(NewRow) -> Result<(), AppError>) -> Result<(), AppError>,
) -> Result<WaPreview, AppError> {
    let mut p = WaPreview::empty();
    each(&mut |r| {
        p.add(&r);
        Ok(())
    })?;
    Ok(p)
}

/// Counts and the first 200 problems of checked rows.
pub fn preview_of(rows: &[NewRow]) -> WaPreview {
    let mut p = WaPreview::empty();
    rows.iter().for_each(|r| p.add(r));
    p
}

fn payload_of(c: &CleanSend) -> serde_json::Value {
    serde_json::json!({
        "outbound_id": c.outbound_id,
        "country_code": c.country_code,
        "phone_number": c.phone_number,
        "flow_id": c.flow_id,
        "values": c.values,
        "e164": c.e164(),
    })
}

fn evidence_of(p: &serde_json::Value) -> Evidence {
    let c = &p["consent"];
    Evidence {
        how: if c["how"] == ConsentHow::FileColumn.db() {
            ConsentHow::FileColumn
        } else {
            ConsentHow::FileAll
        },
        file: c["file"].as_str().unwrap_or_default().to_string(),
        row_no: c["row"].as_u64().map(|r| r as u32),
        column: c["column"].as_str().unwrap_or_default().to_string(),
    }
}

fn clean_of(p: &serde_json::Value) -> Option<CleanSend> {
    Some(CleanSend {
        outbound_id: p["outbound_id"].as_str()?.to_string(),
        country_code: p["country_code"].as_str()?.to_string(),
        phone_number: p["phone_number"].as_str()?.to_string(),
        flow_id: p["flow_id"].as_str().map(str::to_string),
        values: serde_json::from_value(p["values"].clone()).unwrap_or_default(),
        account_id: None,
    })
}

/// [`send_one`] as the per-row sender calls it.
fn send_one_boxed<'a>(
    app: &'a App,
    client: &'a opsdesk_truora::TruoraClient,
    p: &'a serde_json::Value,
) -> futures_util::future::BoxFuture<'a, RowOutcome> {
    Box::pin(send_one(app, client, p))
}

async fn send_one(
    app: &App,
    client: &opsdesk_truora::TruoraClient,
    p: &serde_json::Value,
) -> RowOutcome {
    let Some(clean) = clean_of(p) else {
        return RowOutcome::Failed(RowReason::error(ErrorCode::Internal));
    };
    let again = p["send_again"].as_bool().unwrap_or(false);
    let ledger = match app.begin_send(&clean, again, &evidence_of(p)) {
        Ok(Ok(id)) => id,
        Ok(Err(Blocked::OptedOut)) => {
            return RowOutcome::Skipped(RowReason::bulk(BulkReason::OptedOut))
        }
        Ok(Err(Blocked::Repeat(SendState::Sent))) => {
            return RowOutcome::Skipped(RowReason::bulk(BulkReason::AlreadySent))
        }
        Ok(Err(Blocked::Repeat(_))) => {
            return RowOutcome::Skipped(RowReason::bulk(BulkReason::MaybeSent))
        }
        Err(e) => return RowOutcome::Retry(RowReason::error(e.code)),
    };
    let result = client.send_outbound(&clean).await;
    match (app.settle_send(ledger, &result), result) {
        (_, Ok(r)) => RowOutcome::Done(r.session_id),
        (Ok(SendState::Uncertain), Err(_)) => {
            RowOutcome::Uncertain(RowReason::bulk(BulkReason::NoAnswer))
        }
        (_, Err(e)) if e.kind == opsdesk_http::ErrorKind::RateLimited => {
            // Nothing was sent; the ledger row says failed, so the retry is not seen as a repeat.
            RowOutcome::Retry(RowReason::error(ErrorCode::RateLimited))
        }
        (_, Err(e)) => RowOutcome::Failed(RowReason::error(AppError::from(e).code)),
    }
}

impl App {
    /// Overrides the WhatsApp sending pace (for tests and benchmarks against the sandbox).
    pub fn set_whatsapp_bulk_rate(&self, per_second: u32) {
        self.bulk
            .wa_rate
            .store(per_second, std::sync::atomic::Ordering::Relaxed);
    }

    /// Reads a spreadsheet and keeps it for the mapping step. The file's size is checked
    /// before it is read; a CSV is read as a stream.
    pub fn bulk_load_file(&self, path: &std::path::Path) -> Result<SheetInfo, AppError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sheet = super::import::read_path(path)
            .map_err(|e| AppError::validation("file", e.rule(), e.to_string()))?;
        self.bulk_keep_sheet(&name, sheet)
    }

    pub fn bulk_load_bytes(&self, name: &str, bytes: &[u8]) -> Result<SheetInfo, AppError> {
        let sheet = super::import::read(name, bytes)
            .map_err(|e| AppError::validation("file", e.rule(), e.to_string()))?;
        self.bulk_keep_sheet(name, sheet)
    }

    fn bulk_keep_sheet(&self, name: &str, sheet: Sheet) -> Result<SheetInfo, AppError> {
        let info = SheetInfo {
            file_name: name.to_string(),
            headers: sheet.headers.clone(),
            sample: sheet.rows.iter().take(5).map(|(_, r)| r.to_vec()).collect(),
            total_rows: sheet.rows.len() as u32,
        };
        *self.bulk.sheet.lock().unwrap() = Some((name.to_string(), sheet));
        Ok(info)
    }

    fn sendable(&self, outbound_id: &str) -> Result<SendableTemplate, AppError> {
        let t = self.whatsapp_template(outbound_id).map_err(|_| {
            AppError::validation("outbound_id", RuleCode::Required, "choose a template")
        })?;
        Ok(SendableTemplate {
            status: if t.status.sendable() {
                "APPROVED".into()
            } else {
                format!("{:?}", t.status)
            },
            is_notification: t.is_notification,
            variables: t.variables,
        })
    }

    /// Checks every row against the mapping: counts and the first problems, nothing stored.
    pub fn whatsapp_bulk_check(&self, m: &WaMapping) -> Result<WaPreview, AppError> {
        let t = self.sendable(&m.outbound_id)?;
        // A flow the whole list needs is said once, at the Flow field, not as a problem on
        // every row.
        if !t.is_notification && m.flow_id.trim().is_empty() {
            return Err(AppError::validation(
                "flow_id",
                RuleCode::WaFlowRequired,
                "flow needed",
            ));
        }
        let opt_outs = self.opt_out_screen()?;
        let guard = self.bulk.sheet.lock().unwrap();
        let (name, sheet) = guard
            .as_ref()
            .ok_or_else(|| AppError::validation("file", RuleCode::Required, "choose a file"))?;
        let file = FileContext {
            name,
            opt_outs: &opt_outs,
        };
        preview_with(|f| each_row(sheet, &file, m, &t, f))
    }

    /// Creates the job from the loaded file; the file is then forgotten.
    pub fn whatsapp_bulk_create(&self, m: &WaMapping, title: &str) -> Result<i64, AppError> {
        let t = self.sendable(&m.outbound_id)?;
        if t.status != "APPROVED" {
            return Err(AppError::validation(
                "outbound_id",
                RuleCode::WaNotApproved,
                "not approved",
            ));
        }
        if !t.is_notification && m.flow_id.trim().is_empty() {
            return Err(AppError::validation(
                "flow_id",
                RuleCode::WaFlowRequired,
                "flow needed",
            ));
        }
        self.remember_flow(&m.flow_id);
        let opt_outs = self.opt_out_screen()?;
        self.bulk_create_from_sheet(KIND, "whatsapp", m, title, |name, sheet, f| {
            let file = FileContext {
                name,
                opt_outs: &opt_outs,
            };
            each_row(sheet, &file, m, &t, f)
        })
    }

    /// Sends a WhatsApp job's pending rows (see [`App::bulk_run`]).
    pub async fn whatsapp_bulk_run(
        self: &Arc<Self>,
        id: i64,
        progress: impl FnMut(&super::engine::JobView),
    ) -> Result<super::engine::JobView, AppError> {
        let job = self.bulk_job(id)?;
        if job.kind != KIND {
            return Err(AppError::new(ErrorCode::Internal, "not a WhatsApp job"));
        }
        let rate = self.bulk.wa_rate.load(std::sync::atomic::Ordering::Relaxed);
        let sender = Arc::new(super::jobs::PerRowSender {
            app: self.clone(),
            client: self.truora().await?,
            per_second: if rate == 0 { SENDS_PER_SECOND } else { rate },
            // The engine's default: four requests out at once.
            concurrency: 4,
            one: send_one_boxed,
        });
        let v = self.bulk_run(id, sender, progress).await?;
        self.bulk_record_finished("whatsapp", &v);
        Ok(v)
    }
}
