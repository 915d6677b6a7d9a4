//! Truecaller use cases for the screens: one personalised call, business numbers and feature
//! sets (one filter at a time), publish and delist, and the Call Me Back / User Feedback events
//! imported from webhook files as a to-do list.

use opsdesk_http::RuleCode;
use opsdesk_truecaller::numbers::NumberFilter;
use opsdesk_truecaller::rules::{validate_record, ApiVersion, RecordDraft};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::activity::Outcome;
use crate::app::App;
use crate::error::{AppError, ErrorCode};
use crate::store::truecaller as sql;
pub use crate::store::truecaller::CallbackView;

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct OneCallForm {
    pub caller: String,
    pub receiver: String,
    pub label_id: String,
    #[serde(default)]
    pub label_name: String,
    #[serde(default)]
    pub reason: String,
    #[ts(type = "number")]
    pub starts_at_ms: i64,
    #[ts(type = "number")]
    pub ends_at_ms: i64,
}

/// Which single filter the numbers list uses (the API takes one at a time, catalogue §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NumberFilterKind {
    Department,
    Operation,
    Process,
    FeatureSet,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct NumberView {
    pub phone_number: String,
    pub status: Option<String>,
    pub feature_set_name: Option<String>,
    pub department: Option<String>,
    pub label_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct NumbersPageView {
    pub numbers: Vec<NumberView>,
    pub total_pages: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FeatureSetView {
    pub id: String,
    pub name: Option<String>,
    pub status: Option<String>,
    /// The department, operation and process it belongs to, as (ID, name): the numbers
    /// filter offers these instead of asking for IDs.
    pub department: Option<Named>,
    pub operation: Option<Named>,
    pub process: Option<Named>,
}

/// Something the API filters by ID and a person knows by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Named {
    pub id: String,
    /// The name Truecaller gave it; none when it sent only the ID.
    pub name: Option<String>,
}

fn named(id: Option<&str>, name: Option<&str>) -> Option<Named> {
    let id = id.map(str::trim).filter(|s| !s.is_empty())?;
    Some(Named {
        id: id.to_string(),
        name: name
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    })
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ListingView {
    pub status: Option<String>,
    pub new_numbers: Vec<String>,
    pub existing_numbers: Vec<String>,
    pub invalid_numbers: Vec<String>,
    pub processing_numbers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct EventImport {
    pub added: u32,
    pub duplicates: u32,
    pub unreadable: u32,
}

fn s_int(v: &serde_json::Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn text(v: &serde_json::Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "NA")
        .map(str::to_string)
}

/// Largest webhook file read (checked from the file system before reading).
pub const MAX_EVENTS_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Events one file may hold.
pub const MAX_EVENTS: usize = 200_000;
/// A longer line (or array element) is no webhook event: counted as unreadable, never parsed.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// The events of a file, found without building them: each is parsed into a JSON value only
/// when iterated, one at a time, so a large file is never held as a tree of values.
pub struct Events<'a> {
    text: &'a str,
    spans: Vec<(usize, usize)>,
    too_many: bool,
}

impl Events<'_> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// More than [`MAX_EVENTS`]: none are given, so nothing is half-imported.
    pub fn too_many(&self) -> bool {
        self.too_many
    }

    pub fn iter(&self) -> impl Iterator<Item = serde_json::Value> + '_ {
        self.spans.iter().map(|&(a, b)| {
            // Checked when found; `Null` (no `event_id`, so unreadable) if that ever differed.
            serde_json::from_str(&self.text[a..b]).unwrap_or_default()
        })
    }
}

impl<'e> IntoIterator for &'e Events<'_> {
    type Item = serde_json::Value;
    type IntoIter = Box<dyn Iterator<Item = serde_json::Value> + 'e>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Whether `s` is one well-formed JSON object (checked without building it).
fn is_json_object(s: &str) -> bool {
    s.starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok()
}

/// The top-level elements of a well-formed JSON array, as byte spans of `body` (which starts
/// with `[`).
fn array_elements(body: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = body.as_bytes();
    let mut i = 1;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] == b']' {
            done = true;
            return None;
        }
        let start = i;
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        while i < b.len() {
            let c = b[i];
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    in_string = false;
                }
            } else {
                match c {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => depth -= 1,
                    b',' | b']' if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        let mut end = i;
        while end > start && b[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        if i < b.len() && b[i] == b',' {
            i += 1;
        }
        Some((start, end))
    })
}

/// The events in a file: one JSON object, an array of them, or one per line. Lines longer
/// than [`MAX_EVENT_BYTES`] and anything that is not a JSON object count as unreadable.
pub fn parse_events(content: &str) -> (Events<'_>, u32) {
    let mut events = Events {
        text: content,
        spans: Vec::new(),
        too_many: false,
    };
    let mut bad: u32 = 0;
    let keep = |events: &mut Events<'_>, start: usize, end: usize, bad: &mut u32| {
        if end - start > MAX_EVENT_BYTES || !is_json_object(&content[start..end]) {
            *bad = bad.saturating_add(1);
        } else if events.spans.len() == MAX_EVENTS {
            events.too_many = true;
        } else {
            events.spans.push((start, end));
        }
    };
    let lead = content.len() - content.trim_start().len();
    if serde_json::from_str::<serde::de::IgnoredAny>(content).is_ok() {
        let body = content[lead..].trim_end();
        match body.as_bytes().first() {
            Some(b'{') => keep(&mut events, lead, lead + body.len(), &mut bad),
            Some(b'[') => {
                for (a, b) in array_elements(body) {
                    keep(&mut events, lead + a, lead + b, &mut bad);
                    if events.too_many {
                        break;
                    }
                }
            }
            _ => bad = 1,
        }
    } else {
        let mut at = 0;
        for raw in content.split_inclusive('\n') {
            let line_start = at;
            at += raw.len();
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let start = line_start + (raw.len() - raw.trim_start().len());
            keep(&mut events, start, start + line.len(), &mut bad);
            if events.too_many {
                break;
            }
        }
    }
    if events.too_many {
        events.spans = Vec::new();
    }
    (events, bad)
}

impl App {
    /// Pushes one personalised call (real-time v2). Every rule is checked first, at its field.
    pub async fn truecaller_push_call(&self, f: &OneCallForm) -> Result<(), Vec<AppError>> {
        let draft = RecordDraft {
            caller: f.caller.clone(),
            receiver: f.receiver.clone(),
            label_id: f.label_id.clone(),
            label_name: f.label_name.clone(),
            reason: f.reason.clone(),
            starts_at_ms: f.starts_at_ms,
            ends_at_ms: f.ends_at_ms,
        };
        let record =
            validate_record(&draft, ApiVersion::V2, self.now_ms(), false).map_err(|errs| {
                errs.into_iter()
                    .map(|e| {
                        AppError::validation(e.field, e.rule, format!("{} {}", e.field, e.rule))
                    })
                    .collect::<Vec<_>>()
            })?;
        let masked = opsdesk_http::redact::mask_phone(&record.receiver_number);
        let client = self.truecaller().await.map_err(|e| vec![e])?;
        match client.push_call(&record).await {
            Ok(()) => {
                self.record("truecaller", "truecaller.call_pushed", Outcome::Ok, &masked);
                Ok(())
            }
            Err(e) => {
                self.record(
                    "truecaller",
                    "truecaller.call_pushed",
                    Outcome::Failed,
                    &masked,
                );
                Err(vec![e.into()])
            }
        }
    }

    pub async fn truecaller_numbers(
        &self,
        kind: Option<NumberFilterKind>,
        value: &str,
        page: u32,
    ) -> Result<NumbersPageView, AppError> {
        let value = value.trim().to_string();
        let filter = match (kind, value.is_empty()) {
            (Some(_), true) => {
                return Err(AppError::validation(
                    "filter_value",
                    RuleCode::Required,
                    "give the ID",
                ))
            }
            (None, _) => None,
            (Some(NumberFilterKind::Department), _) => Some(NumberFilter::Department(value)),
            (Some(NumberFilterKind::Operation), _) => Some(NumberFilter::Operation(value)),
            (Some(NumberFilterKind::Process), _) => Some(NumberFilter::Process(value)),
            (Some(NumberFilterKind::FeatureSet), _) => Some(NumberFilter::FeatureSet(value)),
        };
        let client = self.truecaller().await?;
        let (numbers, total) = client.numbers(filter.as_ref(), page.max(1), 50).await?;
        Ok(NumbersPageView {
            numbers: numbers
                .into_iter()
                .map(|n| NumberView {
                    phone_number: n.phone_number,
                    status: n.status,
                    feature_set_name: n.feature_set_name,
                    department: n.department,
                    label_name: n.label_name,
                })
                .collect(),
            total_pages: total.max(1),
        })
    }

    pub async fn truecaller_feature_sets(&self) -> Result<Vec<FeatureSetView>, AppError> {
        let client = self.truecaller().await?;
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let (sets, total) = client.feature_sets(page, 50).await?;
            out.extend(sets.into_iter().map(|f| {
                // [I] A feature set names its process and sub-process but carries one
                // `process_id` (which the numbers filter takes for either, §5.5): the name
                // says both, so the choice is recognisable.
                let process_name = match (f.process_name.as_deref(), f.sub_process_name.as_deref())
                {
                    (Some(p), Some(sp)) if !sp.trim().is_empty() => Some(format!("{p} › {sp}")),
                    (p, _) => p.map(str::to_string),
                };
                FeatureSetView {
                    department: named(f.department_id.as_deref(), f.department_name.as_deref()),
                    operation: named(f.operation_filter_id(), f.calling_operation_name.as_deref()),
                    process: named(f.process_id.as_deref(), process_name.as_deref()),
                    id: f.id,
                    name: f.name,
                    status: f.status,
                }
            }));
            if page >= total || page >= 20 {
                break;
            }
            page += 1;
        }
        Ok(out)
    }

    /// Publishes (or delists) numbers in a feature set. Numbers are typed any way people write
    /// them and sent as digits with the country code, as the API's example shows.
    pub async fn truecaller_listing(
        &self,
        feature_set: &str,
        numbers: &[String],
        publish: bool,
    ) -> Result<ListingView, AppError> {
        let mut clean = Vec::new();
        for n in numbers.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let wire = opsdesk_truecaller::rules::wire_number(n, ApiVersion::V2)
                .map_err(|rule| AppError::validation("numbers", rule, "not a number"))?;
            clean.push(wire);
        }
        if clean.is_empty() {
            return Err(AppError::validation(
                "numbers",
                RuleCode::Required,
                "give at least one number",
            ));
        }
        if feature_set.trim().is_empty() {
            return Err(AppError::validation(
                "feature_set",
                RuleCode::Required,
                "choose a feature set",
            ));
        }
        let client = self.truecaller().await?;
        let r = if publish {
            client.publish_numbers(feature_set, &clean).await?
        } else {
            client.delist_numbers(feature_set, &clean).await?
        };
        let action = if publish {
            "truecaller.numbers_published"
        } else {
            "truecaller.numbers_delisted"
        };
        self.record(
            "truecaller",
            action,
            Outcome::Ok,
            &format!("{} × {}", clean.len(), feature_set),
        );
        Ok(ListingView {
            status: r.status,
            new_numbers: r.new_numbers,
            existing_numbers: r.existing_numbers,
            invalid_numbers: r.invalid_numbers,
            processing_numbers: r.processing_numbers,
        })
    }

    /// Imports the webhook events in a file (any text encoding). The size is checked from the
    /// file system before reading, and the number of events before anything is stored.
    pub fn truecaller_import_events_file(
        &self,
        path: &std::path::Path,
    ) -> Result<EventImport, AppError> {
        use std::io::Read;
        let unreadable = |e: std::io::Error| {
            AppError::validation("file", RuleCode::BulkUnreadable, e.to_string())
        };
        let too_big = || {
            AppError::validation(
                "file",
                RuleCode::BulkTooBig,
                "the file is larger than 64 MB",
            )
        };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if meta.len() > MAX_EVENTS_FILE_BYTES {
            return Err(too_big());
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_EVENTS_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_EVENTS_FILE_BYTES {
            return Err(too_big());
        }
        let text = crate::bulk::import::decode_owned(bytes);
        if parse_events(&text).0.too_many() {
            return Err(AppError::validation(
                "file",
                RuleCode::TcTooManyEvents,
                format!("more than {MAX_EVENTS} events"),
            ));
        }
        self.truecaller_import_events(&text)
    }

    /// Imports webhook events from a file's text; repeats of an `event_id` are kept once.
    pub fn truecaller_import_events(&self, content: &str) -> Result<EventImport, AppError> {
        let (events, mut unreadable) = parse_events(content);
        let practice = self.is_practice();
        let mut rows = Vec::with_capacity(events.len());
        for e in &events {
            let Some(id) = text(&e["event_id"]) else {
                unreadable += 1;
                continue;
            };
            let kind = text(&e["event_type"]).unwrap_or_default();
            let p = if kind == "user_feedback" {
                &e["survey_payload"]
            } else {
                &e["cmb_payload"]
            };
            rows.push(sql::NewEvent {
                event_id: id,
                event_type: kind,
                created_at_s: s_int(&e["created_at"]),
                business_number: text(&p["business_number"]),
                client_number: text(&p["client_number"])
                    .filter(|n| n.chars().any(|c| c.is_ascii_digit())),
                alternate_number: text(&p["alternate_number"]),
                requested_date: text(&p["requested_date"]),
                requested_slot: text(&p["requested_slot"]),
                preferred_from_s: s_int(&p["preferred_from_time"]),
                preferred_to_s: s_int(&p["preferred_to_time"]),
                interested: p["is_interested"].as_bool(),
                feature_set: text(&p["feature_set"]),
                body: e.to_string(),
            });
        }
        let now = self.now_ms();
        let (added, duplicates) =
            self.with_conn(|c| sql::insert_events(c, &rows, practice, now))?;
        self.record(
            "truecaller",
            "truecaller.events_imported",
            Outcome::Ok,
            &format!("{added}"),
        );
        Ok(EventImport {
            added,
            duplicates,
            unreadable,
        })
    }

    /// Imported events, open ones first, newest first.
    pub fn truecaller_callbacks(&self) -> Result<Vec<CallbackView>, AppError> {
        let practice = self.is_practice();
        self.with_conn(|c| sql::callbacks(c, practice))
    }

    pub fn truecaller_callback_done(&self, event_id: &str, done: bool) -> Result<(), AppError> {
        self.with_conn(|c| sql::set_done(c, event_id, done))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_as_one_object_an_array_or_json_lines() {
        assert_eq!(parse_events(r#"{"event_id":"a"}"#).0.len(), 1);
        assert_eq!(
            parse_events(r#"[{"event_id":"a"},{"event_id":"b"}]"#)
                .0
                .len(),
            2
        );
        let (v, bad) = parse_events("{\"event_id\":\"a\"}\n\nnot json\n{\"event_id\":\"b\"}\n");
        assert_eq!((v.len(), bad), (2, 1));
    }
}

/// A deprecated log download request (catalogue §5.6).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[ts(export)]
pub enum LogRequest {
    CallMeBack {
        #[ts(type = "number")]
        from_ms: i64,
        #[ts(type = "number")]
        to_ms: i64,
    },
    UserFeedback {
        survey_id: String,
        #[ts(type = "number")]
        from_ms: i64,
    },
}

impl App {
    /// Downloads a Call Me Back or User Feedback log where Truecaller still serves it. The
    /// address comes back from Truecaller and usually points at another host: fetched without
    /// our token.
    pub async fn truecaller_download_log(
        &self,
        req: &LogRequest,
        folder: Option<std::path::PathBuf>,
    ) -> Result<crate::downloads::DownloadedFile, AppError> {
        use opsdesk_truecaller::LogKind;
        let secs = |ms: i64| (ms / 1000).to_string();
        let (kind, stem) = match req {
            LogRequest::CallMeBack { from_ms, to_ms } => {
                if to_ms <= from_ms {
                    return Err(AppError::validation(
                        "to",
                        RuleCode::EndsBeforeStart,
                        "end before start",
                    ));
                }
                (
                    LogKind::CallMeBack {
                        from: secs(*from_ms),
                        to: secs(*to_ms),
                    },
                    "call-me-back-log",
                )
            }
            LogRequest::UserFeedback { survey_id, from_ms } => {
                let id = survey_id.trim();
                if !(id.len() == 36 && id.matches('-').count() == 4) {
                    return Err(AppError::validation(
                        "survey_id",
                        RuleCode::NotAUuid,
                        "not a survey ID",
                    ));
                }
                (
                    LogKind::UserFeedback {
                        survey_id: id.to_string(),
                        from_date: secs(*from_ms),
                    },
                    "user-feedback-log",
                )
            }
        };
        let client = self.truecaller().await?;
        let url = client.log_url(&kind).await.map_err(|e| {
            let mut e = AppError::from(e);
            // The API is flagged "not working" upstream: say so instead of a generic failure.
            e.rule = Some(RuleCode::TcLogUnavailable);
            e
        })?;
        let url = url::Url::parse(&url)
            .map_err(|_| AppError::new(ErrorCode::UnexpectedResponse, "bad log address"))?;
        let http = self.http_client();
        self.save_download(
            "truecaller-log",
            "log",
            stem,
            folder,
            "truecaller-log",
            |dest, cancel| async move {
                opsdesk_http::download_file(
                    &http,
                    url,
                    |rb| rb,
                    &dest,
                    &opsdesk_http::DownloadOptions::default(),
                    &cancel,
                    |_| {},
                )
                .await
            },
        )
        .await
    }
}
