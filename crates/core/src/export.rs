//! Lists out to Excel and CSV, as people open them: headers in the app's language, dates and
//! scores as real cells (date cells in Excel; in a CSV, written the way Excel of that language
//! reads them back as dates and numbers), text never taken for a formula.

use serde::Deserialize;
use std::collections::BTreeMap;
use ts_rs::TS;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "ListExportFormat")]
pub enum Format {
    Xlsx,
    Csv,
}

/// The words of an export in the app's language (the UI sends them) and that language.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export, rename = "ListExportWords")]
pub struct Words {
    /// `en`, `es` or `pt-BR`: how a CSV writes decimals and separates cells.
    pub lang: String,
    pub words: BTreeMap<String, String>,
}

impl Words {
    pub fn w<'a>(&'a self, key: &'a str) -> &'a str {
        self.words.get(key).map(String::as_str).unwrap_or(key)
    }
    /// Spanish and Portuguese Excel read `0,85` as a number and split a CSV on `;`; English
    /// Excel reads `0.85` and splits on `,`.
    fn comma_decimals(&self) -> bool {
        self.lang.starts_with("es") || self.lang.starts_with("pt")
    }

    /// How dates are written: day first in Spanish and Portuguese, as the app shows them and
    /// as Excel of those languages reads a CSV; in English the month by name in Excel (no
    /// 03/12 to misread) and ISO in a CSV, which every Excel reads as a date.
    fn date_formats(&self) -> (&'static str, &'static str) {
        if self.comma_decimals() {
            ("dd/mm/yyyy hh:mm", "%d/%m/%Y %H:%M")
        } else {
            ("d mmm yyyy hh:mm", "%Y-%m-%d %H:%M")
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// Milliseconds since the epoch, shown in this computer's time zone.
    Date(i64),
    Empty,
}

/// Writes rows as they come, so a list of 100,000 is never held twice.
pub enum Writer {
    Xlsx {
        wb: Box<rust_xlsxwriter::Workbook>,
        row: u32,
        date: rust_xlsxwriter::Format,
        offset_s: i64,
    },
    Csv {
        out: csv::Writer<Vec<u8>>,
        comma_decimals: bool,
        /// chrono's format for a date cell.
        date: &'static str,
        offset_s: i64,
    },
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(format!("cannot write the spreadsheet: {e}"))
}

fn local_offset_s() -> i64 {
    chrono::Local::now().offset().local_minus_utc() as i64
}

impl Writer {
    /// A writer whose headers are message keys, put in the app's words.
    pub fn new(
        format: Format,
        words: &Words,
        sheet: &str,
        headers: &[&str],
    ) -> Result<Writer, AppError> {
        let headers: Vec<String> = headers.iter().map(|h| words.w(h).to_string()).collect();
        Self::with_headers(format, words, sheet, &headers)
    }

    /// A writer whose headers are already words (a spreadsheet's own column names).
    pub fn with_headers(
        format: Format,
        words: &Words,
        sheet: &str,
        headers: &[String],
    ) -> Result<Writer, AppError> {
        let offset_s = local_offset_s();
        let mut w = match format {
            Format::Xlsx => {
                let mut wb = Box::new(rust_xlsxwriter::Workbook::new());
                let ws = wb.add_worksheet();
                ws.set_name(sheet_name(words.w(sheet))).map_err(xerr)?;
                let bold = rust_xlsxwriter::Format::new().set_bold();
                for (i, h) in headers.iter().enumerate() {
                    ws.write_string_with_format(
                        0,
                        i as u16,
                        crate::bulk::engine::xlsx_text(h),
                        &bold,
                    )
                    .map_err(xerr)?;
                }
                Writer::Xlsx {
                    wb,
                    row: 0,
                    date: rust_xlsxwriter::Format::new().set_num_format(words.date_formats().0),
                    offset_s,
                }
            }
            Format::Csv => {
                let comma_decimals = words.comma_decimals();
                // Excel takes a CSV without a byte-order mark for the system's code page, and
                // "Cédula" arrives as "CÃ©dula".
                let mut buf = Vec::with_capacity(1 << 20);
                buf.extend_from_slice("\u{feff}".as_bytes());
                let mut out = csv::WriterBuilder::new()
                    .delimiter(if comma_decimals { b';' } else { b',' })
                    .from_writer(buf);
                out.write_record(headers.iter().map(|h| csv_text(h)))
                    .map_err(|e| AppError::internal(e.to_string()))?;
                Writer::Csv {
                    out,
                    comma_decimals,
                    date: words.date_formats().1,
                    offset_s,
                }
            }
        };
        if let Writer::Xlsx { row, .. } = &mut w {
            *row = 1;
        }
        Ok(w)
    }

    pub fn row(&mut self, cells: &[Cell]) -> Result<(), AppError> {
        match self {
            Writer::Xlsx {
                wb,
                row,
                date,
                offset_s,
            } => {
                let ws = wb.worksheet_from_index(0).map_err(xerr)?;
                for (i, c) in cells.iter().enumerate() {
                    let col = i as u16;
                    match c {
                        // Text cells are never evaluated: no formula can run from a name.
                        Cell::Text(t) => {
                            ws.write_string(*row, col, crate::bulk::engine::xlsx_text(t))
                                .map_err(xerr)?;
                        }
                        Cell::Number(n) => {
                            ws.write_number(*row, col, *n).map_err(xerr)?;
                        }
                        Cell::Date(ms) => {
                            let d = rust_xlsxwriter::ExcelDateTime::from_timestamp(
                                ms / 1000 + *offset_s,
                            )
                            .map_err(xerr)?;
                            ws.write_datetime_with_format(*row, col, &d, date)
                                .map_err(xerr)?;
                        }
                        Cell::Empty => {}
                    }
                }
                *row += 1;
                Ok(())
            }
            Writer::Csv {
                out,
                comma_decimals,
                date,
                offset_s,
            } => {
                let fields: Vec<String> = cells
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => csv_text(t),
                        Cell::Number(n) => {
                            let s = format!("{n}");
                            if *comma_decimals {
                                s.replace('.', ",")
                            } else {
                                s
                            }
                        }
                        Cell::Date(ms) => {
                            chrono::DateTime::from_timestamp(ms / 1000 + *offset_s, 0)
                                .map(|d| d.format(date).to_string())
                                .unwrap_or_default()
                        }
                        Cell::Empty => String::new(),
                    })
                    .collect();
                out.write_record(&fields)
                    .map_err(|e| AppError::internal(e.to_string()))
            }
        }
    }

    pub fn finish(self) -> Result<Vec<u8>, AppError> {
        match self {
            Writer::Xlsx { mut wb, .. } => {
                if let Ok(ws) = wb.worksheet_from_index(0) {
                    ws.autofit();
                }
                wb.save_to_buffer().map_err(xerr)
            }
            Writer::Csv { out, .. } => out
                .into_inner()
                .map_err(|e| AppError::internal(e.to_string())),
        }
    }
}

impl crate::app::App {
    /// Saves a list export in `folder` (or the download folder), named "<words for
    /// `file_key`> <date>", as the saved files of every screen are. `subject` names the list
    /// (`checks-list`, `identity-list`, `activity-list`) for Activity and the saved files.
    pub async fn save_list_export(
        &self,
        subject: &str,
        bytes: Vec<u8>,
        words: &Words,
        file_key: &str,
        folder: Option<std::path::PathBuf>,
    ) -> Result<crate::downloads::DownloadedFile, AppError> {
        let day = chrono::Local::now().format("%Y-%m-%d").to_string();
        let stem = format!("{} {day}", words.w(file_key));
        self.save_download(
            subject,
            "list_export",
            &stem,
            folder,
            &format!("{subject}-export"),
            |dest, _| async move {
                crate::files::write_private(&dest, &bytes).map_err(|e| {
                    opsdesk_http::ApiError::unexpected(format!("cannot write the file: {e}"))
                })?;
                Ok(bytes.len() as u64)
            },
        )
        .await
    }

    /// Every Activity entry of this computer, newest first, as the Activity screen words them.
    pub fn activity_export_bytes(
        &self,
        format: Format,
        words: &Words,
    ) -> Result<Vec<u8>, AppError> {
        let mut w = Writer::new(
            format,
            words,
            "activity.export.sheet",
            &[
                "activity.col_when",
                "activity.col_what",
                "activity.col_result",
                "activity.export.detail",
                "activity.export.practice",
            ],
        )?;
        // Flows by the names the team gave them, as the screen says them.
        let practice = self.is_practice();
        let flow_names: BTreeMap<String, String> = self
            .with_conn(|c| crate::store::identity::flows(c, practice))?
            .into_iter()
            .filter(|f| !f.name.is_empty())
            .map(|f| (f.flow_id, f.name))
            .collect();
        let mut before: Option<(i64, i64)> = None;
        loop {
            let page = self.with_conn(|c| crate::store::activity::page_before(c, before, 1000))?;
            let Some(last) = page.last() else { break };
            before = Some((last.at_ms, last.id));
            for e in &page {
                w.row(&[
                    Cell::Date(e.at_ms),
                    Cell::Text(
                        words
                            .words
                            .get(&format!("action.{}", e.action))
                            .cloned()
                            .unwrap_or_else(|| words.w("action.unknown").to_string()),
                    ),
                    Cell::Text(
                        words
                            .w(match e.outcome {
                                crate::activity::Outcome::Ok => "activity.ok",
                                crate::activity::Outcome::Partial => "activity.partial",
                                crate::activity::Outcome::Failed => "activity.failed",
                            })
                            .to_string(),
                    ),
                    Cell::Text(summary_words(&e.action, &e.summary, words, &flow_names)),
                    Cell::Text(if e.practice {
                        words.w("activity.practice_tag").to_string()
                    } else {
                        String::new()
                    }),
                ])?;
            }
        }
        w.finish()
    }
}

/// An Activity entry's detail in the words the Activity screen uses (see its `summaryText`):
/// how an identity link went and its flow's name, a list by its number, a finished list's
/// count. Anything else as recorded.
fn summary_words(
    action: &str,
    summary: &str,
    words: &Words,
    flows: &BTreeMap<String, String>,
) -> String {
    // By the name the team gave it; unnamed, as the screen says it ("flow ending in …").
    let flow = |id: &str| {
        let id = id.to_ascii_uppercase();
        flows.get(&id).cloned().unwrap_or_else(|| {
            let end = &id[id.len().saturating_sub(6)..];
            match words.words.get("identity.flows.unnamed") {
                Some(w) => w.replace("{end}", end),
                None => id.clone(),
            }
        })
    };
    // ASCII first: slicing a name like "Señores.csv" at byte 3 would split the "ñ".
    let is_flow = |s: &str| {
        s.len() > 3
            && s.chars().all(|c| c.is_ascii_alphanumeric())
            && s[..3].eq_ignore_ascii_case("ipf")
    };
    // An erasure is recorded as counts (JSON): said as the screen says it.
    if action == "people.erased" {
        if let Ok(counts) = serde_json::from_str::<serde_json::Value>(summary) {
            let parts: Vec<String> = [
                "checks",
                "processes",
                "sends",
                "list_rows",
                "callbacks",
                "consents",
                "activity",
                "files",
            ]
            .iter()
            .filter_map(|k| {
                let n = counts[*k].as_u64().filter(|n| *n > 0)?;
                Some(format!("{}: {n}", words.w(&format!("people.section.{k}"))))
            })
            .collect();
            return if parts.is_empty() {
                words.w("people.count.nothing").to_string()
            } else {
                parts.join(" · ")
            };
        }
    }
    if action == "identity.link_sent" {
        if let Some((how, id)) = summary.split_once(' ').filter(|(_, id)| is_flow(id)) {
            // Older entries were written in lower case ("copylink ipf0001").
            let how = how.to_ascii_lowercase().replace("copylink", "copy_link");
            return format!(
                "{} · {}",
                words.w(&format!("identity.delivery.{how}")),
                flow(id)
            );
        }
    }
    if is_flow(summary) {
        return flow(summary);
    }
    if let Some(n) = ["checks", "whatsapp", "truecaller"].iter().find_map(|k| {
        summary
            .strip_prefix(k)
            .and_then(|r| r.strip_prefix("-bulk-"))
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    }) {
        return words.w("activity.list_job").replace("{n}", n);
    }
    if action.ends_with(".bulk_finished") {
        // "cobros.csv (18 / 31)"
        if let Some((title, counts)) = summary.rsplit_once(" (") {
            if let Some((done, total)) = counts.strip_suffix(')').and_then(|c| c.split_once(" / "))
            {
                return words
                    .w("activity.list_summary")
                    .replace("{title}", title)
                    .replace("{done}", done)
                    .replace("{total}", total);
            }
        }
    }
    // The services by their names, as the screen writes them.
    for (code, name) in [("truora", "Truora"), ("truecaller", "Truecaller")] {
        if let Some(rest) = summary.strip_prefix(code) {
            if rest.is_empty() || rest.starts_with(' ') {
                return format!("{name}{rest}");
            }
        }
    }
    summary.to_string()
}

/// A CSV cell that Excel would run as a formula (`=`, `+`, `-`, `@` first) gets a leading
/// apostrophe: a name like `=HYPERLINK(…)` in a cached check must not become a link or a
/// command when the file is opened. Numbers and phone numbers (`+57…`) are left alone when they
/// are only digits and spaces after the sign.
fn csv_text(t: &str) -> String {
    let risky = t.starts_with(['=', '@', '\t', '\r'])
        || (t.starts_with(['+', '-'])
            && !t[1..]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '.'));
    if risky {
        format!("'{t}")
    } else {
        t.to_string()
    }
}

/// A sheet's name as Excel accepts it: at most 31 characters, none of `[]:*?/\`, not
/// starting or ending with an apostrophe. (Translations are longer than Excel allows.)
pub fn sheet_name(words: &str) -> String {
    let clean: String = words
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let clean = clean.trim().trim_matches('\'').trim().to_string();
    if clean.is_empty() {
        "Sheet".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_never_carries_a_formula_but_keeps_phone_numbers() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("+57 300 123 4567"), "+57 300 123 4567");
        assert_eq!(csv_text("-cmd|x"), "'-cmd|x");
        assert_eq!(csv_text("María"), "María");
    }

    #[test]
    fn sheet_names_fit_excel() {
        let n = sheet_name("Solicitudes de llamada (Identificador de llamadas)");
        assert!(n.chars().count() <= 31, "{n}");
        assert_eq!(sheet_name("Qué: [pasó]?"), "Qué pasó");
        assert_eq!(sheet_name("''"), "Sheet");
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn activity_details_are_exported_in_the_screens_words() {
        let words = Words {
            lang: "es".into(),
            words: [
                ("identity.delivery.copy_link", "Crear el enlace para copiar"),
                ("identity.delivery.whatsapp", "WhatsApp"),
                ("activity.list_job", "Lista n.º {n}"),
                (
                    "activity.list_summary",
                    "{title}: pasaron {done} de {total}",
                ),
                ("identity.flows.unnamed", "Flujo sin nombre (…{end})"),
                ("people.section.checks", "Verificaciones"),
                ("people.section.sends", "Mensajes de WhatsApp"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        };
        let flows: BTreeMap<String, String> =
            [("IPF0001".to_string(), "Créditos".to_string())].into();
        let say = |action: &str, summary: &str| summary_words(action, summary, &words, &flows);
        assert_eq!(
            say("identity.link_sent", "whatsapp IPF0001"),
            "WhatsApp · Créditos"
        );
        assert_eq!(
            say("identity.link_sent", "copylink ipf0002"),
            "Crear el enlace para copiar · Flujo sin nombre (…PF0002)",
            "older entries, in lower case"
        );
        assert_eq!(say("whatsapp.inbound_created", "IPF0001"), "Créditos");
        assert_eq!(say("downloads.failed", "whatsapp-bulk-12"), "Lista n.º 12");
        assert_eq!(
            say("whatsapp.bulk_finished", "cobros (1).csv (18 / 31)"),
            "cobros (1).csv: pasaron 18 de 31"
        );
        assert_eq!(
            say(
                "people.erased",
                r#"{"checks":2,"processes":0,"sends":1,"list_rows":0,"callbacks":0,"consents":0,"activity":0,"files":0,"kept_opt_out":true}"#
            ),
            "Verificaciones: 2 · Mensajes de WhatsApp: 1"
        );
        assert_eq!(say("settings.saved", "truora"), "Truora");
        assert_eq!(say("settings.saved", "someone"), "someone");
        assert_eq!(say("whatsapp.bulk_started", "Señores.csv"), "Señores.csv");
    }
}
