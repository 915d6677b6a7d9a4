//! Digital Identity (catalogue §3): process results and the asynchronous file contract of §3.3.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

use crate::state::{Shared, StoredFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    VideoRecordings,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub validation_id: String,
    /// document-validation | face-recognition | phone-verification | email-verification | ...
    pub kind: String,
    /// pending | success | failure
    pub status: String,
    pub declined_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OverrideChange {
    pub previous_status: String,
    pub new_status: String,
    pub updated_by: String,
    pub reason: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Process {
    pub process_id: String,
    pub account_id: String,
    pub flow_id: String,
    pub country: String,
    /// pending | success | failure
    pub status: String,
    pub declined_reason: Option<String>,
    pub expired_reason: Option<String>,
    /// `expired` when validators never answered (catalogue §3.2).
    pub failure_status: Option<String>,
    pub validations: Vec<Validation>,
    pub overrides: Vec<OverrideChange>,
    pub created_ms: i64,
    pub person_name: String,
    pub document_number: String,
    /// How long (virtual ms) its files take to prepare; `None`: they never finish.
    pub prepare_ms: Option<i64>,
    /// Answer 200 with the file instead of redirecting to storage.
    pub serve_inline: bool,
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/processes", get(list))
        .route("/v1/processes/{process_id}", get(read).delete(delete))
        .route(
            "/v1/processes/{process_id}/send-link",
            axum::routing::post(resend_link),
        )
        .route("/v1/processes/{process_id}/result", get(result))
        .route(
            "/v1/web-integration/{flow_id}/process-access-link",
            axum::routing::post(send_link),
        )
        .route(
            "/v1/processes/{process_id}/pdf",
            get(|s, p| file(s, p, FileKind::Pdf)),
        )
        .route(
            "/v1/processes/{process_id}/video-call-recordings",
            get(|s, p| file(s, p, FileKind::VideoRecordings)),
        )
}

/// The result body (catalogue §3.2): `override_status` and its history appear only when an
/// authorised user changed the outcome.
fn result_json(s: &Shared, p: &Process) -> serde_json::Value {
    let mut body = serde_json::json!({
        "process_id": p.process_id,
        "account_id": p.account_id,
        "flow_id": p.flow_id,
        "created_via": "web",
        "flow_version": 3,
        "country": p.country,
        "status": p.status,
        "creation_date": s.clock.iso(p.created_ms),
        "update_date": s.clock.iso(p.created_ms + 9 * 60_000),
        "validations": p.validations.iter().map(|v| {
            let mut o = serde_json::json!({
                "validation_id": v.validation_id,
                "type": v.kind,
                "validation_status": v.status,
            });
            // Where the person's name and document are read from (inferred shape, see the
            // client's `ProcessResult::person`).
            if v.kind == "document-validation" {
                let (name, last) = p.person_name.split_once(' ').unwrap_or((&p.person_name, ""));
                o["details"] = serde_json::json!({"document_details": {
                    "name": name, "last_name": last, "document_number": p.document_number,
                }});
            }
            if let Some(r) = &v.declined_reason {
                o["declined_reason"] = r.clone().into();
            }
            o
        }).collect::<Vec<_>>(),
    });
    if let Some(r) = &p.declined_reason {
        body["declined_reason"] = r.clone().into();
    }
    if let Some(r) = &p.expired_reason {
        body["expired_reason"] = r.clone().into();
    }
    if let Some(r) = &p.failure_status {
        body["failure_status"] = r.clone().into();
    }
    if let Some(last) = p.overrides.last() {
        body["override_status"] = last.new_status.clone().into();
        body["override_status_history"] = p
            .overrides
            .iter()
            .map(|o| {
                serde_json::json!({
                    "previous_status": o.previous_status,
                    "new_status": o.new_status,
                    "updated_by": o.updated_by,
                    "reason": o.reason,
                    "update_date": s.clock.iso(o.at_ms),
                })
            })
            .collect::<Vec<_>>()
            .into();
    }
    body
}

async fn result(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let st = s.state.lock().unwrap();
    match st.truora.processes.iter().find(|p| p.process_id == id) {
        Some(p) => Json(result_json(&s, p)).into_response(),
        None => super::error(StatusCode::NOT_FOUND, "process not found"),
    }
}

/// Read Identity (D6): the result plus step progress.
async fn read(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let st = s.state.lock().unwrap();
    let Some(p) = st.truora.processes.iter().find(|p| p.process_id == id) else {
        return super::error(StatusCode::NOT_FOUND, "process not found");
    };
    let mut body = result_json(&s, p);
    let total = p.validations.len().max(1);
    let done = if p.status == "pending" {
        total - 1
    } else {
        total
    };
    body["current_step"] = done.into();
    body["total_steps"] = total.into();
    Json(body).into_response()
}

#[derive(serde::Deserialize)]
struct ListQuery {
    start_key: Option<String>,
}

/// List processes (D8, path from third-party notes): newest first, 20 per page, `start_key` cursor.
async fn list(
    State(s): State<Arc<Shared>>,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Response {
    const PAGE: usize = 20;
    let st = s.state.lock().unwrap();
    let mut newest_first: Vec<&Process> = st.truora.processes.iter().collect();
    newest_first.sort_by_key(|p| std::cmp::Reverse(p.created_ms));
    let (page, next) = match super::page_after(
        &newest_first,
        q.start_key.as_deref(),
        |p| &p.process_id,
        PAGE,
        "/v1/processes",
    ) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let page: Vec<_> = page.iter().map(|p| result_json(&s, p)).collect();
    let mut body = serde_json::json!({ "processes": page });
    if let Some(n) = next {
        body["next"] = n.into();
    }
    Json(body).into_response()
}

/// Delete process (D9): gone for good; a second delete answers 404.
async fn delete(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut st = s.state.lock().unwrap();
    let before = st.truora.processes.len();
    st.truora.processes.retain(|p| p.process_id != id);
    if st.truora.processes.len() == before {
        return super::error(StatusCode::NOT_FOUND, "process not found");
    }
    st.truora.deleted_processes.push(id);
    Json(serde_json::json!({ "message": "process deleted" })).into_response()
}

/// Send Process Link (D11): the link of an existing, unfinished-for-the-person process, by
/// WhatsApp or SMS. The phone comes without its country code, and the country code with `+`.
async fn resend_link(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    axum::extract::Form(form): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    use StatusCode as C;
    let get = |k: &str| super::form_value(&form, k);
    let mut st = s.state.lock().unwrap();
    let Some(p) = st.truora.processes.iter().find(|p| p.process_id == id) else {
        return super::error(C::NOT_FOUND, "process not found");
    };
    let flow_id = p.flow_id.clone();
    let channel = get("message_channel").unwrap_or_default();
    if !["whatsapp", "sms"].contains(&channel.as_str()) {
        return super::error(C::BAD_REQUEST, "message_channel must be whatsapp or sms");
    }
    let Some(language) =
        get("language").filter(|l| l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()))
    else {
        return super::error(C::BAD_REQUEST, "language must be ISO 639-1 lowercase");
    };
    let Some(code) = get("country_code").filter(|c| {
        c.starts_with('+')
            && (2..=4).contains(&c.len())
            && c[1..].chars().all(|d| d.is_ascii_digit())
    }) else {
        return super::error(
            C::BAD_REQUEST,
            "country_code must be + and digits, e.g. +57",
        );
    };
    let Some(phone) = get("phone_number")
        .filter(|n| (6..=14).contains(&n.len()) && n.chars().all(|d| d.is_ascii_digit()))
    else {
        return super::error(
            C::BAD_REQUEST,
            "phone_number must be digits without the country code",
        );
    };
    st.truora.sent_links.push(SentLink {
        process_id: Some(id),
        flow_id,
        channel,
        phone_number: Some(format!("{code}{phone}")),
        email: None,
        language,
        outbound_id: None,
        variables: Vec::new(),
    });
    Json(serde_json::json!({ "message": "link sent successfully" })).into_response()
}

/// A link the sandbox "sent": tests and Practice mode can see it was recorded.
#[derive(Debug, Clone)]
pub struct SentLink {
    /// The process whose link was sent again (D11); none for a new process (D12).
    pub process_id: Option<String>,
    /// Template variables sent with a WhatsApp link (D12).
    pub variables: Vec<(String, String)>,
    pub flow_id: String,
    pub channel: String,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub outbound_id: Option<String>,
}

/// Send Identity Process Link (D12). Enforces the documented rules: channel, E.164 phone,
/// ISO 639-1 lowercase language, `outbound_id` for WhatsApp, `email` for e-mail, and
/// `variables.*` only with an explicit `outbound_id`.
async fn send_link(
    State(s): State<Arc<Shared>>,
    Path(flow_id): Path<String>,
    axum::extract::Form(form): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    use StatusCode as C;
    let get = |k: &str| super::form_value(&form, k);
    if !flow_id.starts_with("IPF") {
        return super::error(C::NOT_FOUND, "flow not found");
    }
    let Some(channel) = get("message_channel") else {
        return super::error(C::BAD_REQUEST, "message_channel is required");
    };
    if !["whatsapp", "sms", "email"].contains(&channel.as_str()) {
        return super::error(
            C::BAD_REQUEST,
            "message_channel must be whatsapp, sms or email",
        );
    }
    let Some(language) = get("language") else {
        return super::error(C::BAD_REQUEST, "language is required");
    };
    if language.len() != 2 || !language.chars().all(|c| c.is_ascii_lowercase()) {
        return super::error(C::BAD_REQUEST, "language must be ISO 639-1 lowercase");
    }
    let phone = get("phone_number");
    let email = get("email");
    let outbound = get("outbound_id");
    let e164 = |p: &str| {
        p.starts_with('+')
            && (8..=16).contains(&p.len())
            && p[1..].chars().all(|c| c.is_ascii_digit())
            && !p[1..].starts_with('0')
    };
    match channel.as_str() {
        "email" => match &email {
            Some(e) if e.contains('@') && e.rsplit('@').next().is_some_and(|d| d.contains('.')) => {
            }
            Some(_) => return super::error(C::BAD_REQUEST, "email is not valid"),
            None => return super::error(C::BAD_REQUEST, "email is required for the email channel"),
        },
        _ => match &phone {
            Some(p) if e164(p) => {}
            Some(_) => return super::error(C::BAD_REQUEST, "phone_number must be in E.164 format"),
            None => return super::error(C::BAD_REQUEST, "phone_number is required"),
        },
    }
    if channel == "whatsapp" && outbound.is_none() {
        return super::error(
            C::BAD_REQUEST,
            "outbound_id is required for the whatsapp channel",
        );
    }
    if form.iter().any(|(k, _)| k.starts_with("variables.")) && outbound.is_none() {
        return super::error(C::BAD_REQUEST, "variables require outbound_id");
    }
    let mut st = s.state.lock().unwrap();
    let variables = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("variables.")?.to_string(), v.clone())))
        .collect();
    st.truora.sent_links.push(SentLink {
        process_id: None,
        variables,
        flow_id,
        channel,
        phone_number: phone,
        email,
        language,
        outbound_id: outbound,
    });
    Json(serde_json::json!({ "message": "link sent successfully" })).into_response()
}

async fn file(State(s): State<Arc<Shared>>, Path(id): Path<String>, kind: FileKind) -> Response {
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    let Some(p) = st
        .truora
        .processes
        .iter()
        .find(|p| p.process_id == id)
        .cloned()
    else {
        return super::error(StatusCode::NOT_FOUND, "process not found");
    };
    if p.status == "pending" {
        return super::error(StatusCode::BAD_REQUEST, "the process has not finished yet");
    }
    if let Some(r) = super::file_phase(&mut st, (id.clone(), kind), now, p.prepare_ms) {
        return r;
    }
    let token = format!(
        "{}-{}",
        id,
        if kind == FileKind::Pdf {
            "pdf"
        } else {
            "video"
        }
    );
    let file = st
        .files
        .entry(token.clone())
        .or_insert_with(|| render(&p, kind))
        .clone();
    if p.serve_inline {
        return (
            StatusCode::OK,
            [("content-type", file.content_type)],
            file.bytes,
        )
            .into_response();
    }
    (
        StatusCode::FOUND,
        [("location", format!("{}/files/{token}", s.storage_base))],
    )
        .into_response()
}

fn render(p: &Process, kind: FileKind) -> StoredFile {
    match kind {
        FileKind::Pdf => StoredFile {
            content_type: "application/pdf".into(),
            file_name: format!("{}.pdf", p.process_id),
            bytes: crate::pdf::text_pdf(
                "Truora - Identity verification",
                &[
                    format!("Process: {}", p.process_id),
                    format!("Name: {}", p.person_name),
                    format!("Country: {}", p.country),
                    format!("Result: {}", p.status),
                    "Generated by the OpsDesk sandbox (practice data).".into(),
                ],
            ),
        },
        FileKind::VideoRecordings => {
            // The smallest well-formed MP4 header (ftyp box) followed by padding: enough for a
            // file manager to recognise it, not a playable recording.
            let mut bytes = vec![0, 0, 0, 24];
            bytes.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
            bytes.resize(64 * 1024, 0);
            StoredFile {
                content_type: "video/mp4".into(),
                file_name: format!("{}.mp4", p.process_id),
                bytes,
            }
        }
    }
}
