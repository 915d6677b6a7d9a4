//! Truora Connect's WhatsApp outbound templates and inbounds (catalogue §4), at the wire level.
//! Authoring rules are applied again here from the catalogue (not from the client's code), so a
//! template the client lets through but the documentation forbids fails as it would upstream.
//! A new template waits in PENDING for [`REVIEW_MS`] of virtual time, then Meta's "review"
//! approves it or rejects it with a reason (shortened links, or a name containing "reject").

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::error;
use crate::state::Shared;

/// How long (virtual) Meta takes to review a template.
pub const REVIEW_MS: i64 = 15_000;

/// The WABA line of the practice account (digits with country code).
pub const PRACTICE_LINE: &str = "576015550100";

#[derive(Debug, Clone, Default)]
pub struct OutboundRec {
    pub id: String,
    pub line: String,
    pub name: String,
    pub status: String,
    pub failure_reason: String,
    pub quality: String,
    pub is_notification: bool,
    pub category: String,
    pub language: String,
    pub template_type: String,
    pub header: String,
    pub content: String,
    pub footer: String,
    pub buttons: Vec<Value>,
    pub media_id: String,
    pub code_expiration_minutes: Option<i64>,
    pub created_ms: i64,
    /// When PENDING ends, and what it becomes then (status, failure reason).
    pub review: Option<(i64, String, String)>,
}

/// A message the sandbox "delivered", for tests that assert nobody was messaged twice.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub session_id: String,
    pub outbound_id: String,
    pub e164: String,
    pub flow_id: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Inbound {
    pub inbound_id: String,
    pub line: String,
    pub flow_id: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct WhatsAppState {
    pub outbounds: Vec<OutboundRec>,
    pub sent: Vec<SentMessage>,
    pub inbounds: Vec<Inbound>,
    pub seq: u64,
}

impl WhatsAppState {
    fn next_id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}{:028x}", 0x5a_0000_0000u64 + self.seq)
    }

    /// Finishes reviews whose time has come.
    fn settle(&mut self, now: i64) {
        for o in &mut self.outbounds {
            if let Some((at, status, reason)) = &o.review {
                if now >= *at {
                    o.status = status.clone();
                    o.failure_reason = reason.clone();
                    o.review = None;
                }
            }
        }
    }
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/whatsapp/outbounds", get(list).post(create))
        .route("/v1/whatsapp/outbounds/send", post(send))
        .route(
            "/v1/whatsapp/outbounds/{id}",
            get(read).put(update).delete(remove),
        )
        .route("/v1/whatsapp/inbounds", post(create_inbound))
}

fn digits_of(line: &str) -> String {
    line.trim().trim_start_matches('+').to_string()
}

/// The rendered message as W1 shows it: body, then each button as `| [Label]`.
fn rendered(o: &OutboundRec) -> String {
    let mut s = if o.category == "AUTHENTICATION" {
        match o.language.as_str() {
            "en" => {
                "{{.code}} is your verification code. For your security, do not share this code."
            }
            "pt_BR" => {
                "Seu código de verificação é {{.code}}. Para sua segurança, não o compartilhe."
            }
            _ => "Tu código de verificación es {{.code}}. Por tu seguridad, no lo compartas.",
        }
        .to_string()
    } else {
        o.content.clone()
    };
    for b in &o.buttons {
        let label = b["text"].as_str().unwrap_or("");
        s.push_str(&format!(
            " | [{}]",
            if label.is_empty() { "Copy code" } else { label }
        ));
    }
    s
}

fn to_json(o: &OutboundRec) -> Value {
    let answers: Vec<Value> = if o.is_notification {
        vec![]
    } else {
        o.buttons
            .iter()
            .filter(|b| b["type"] == "QUICK_REPLY")
            .enumerate()
            .map(|(i, b)| {
                json!({ "message": b["text"], "action": if i == 0 { "continue_process" } else { "cancel_process" } })
            })
            .collect()
    };
    let mut v = json!({
        "client_id": "TCI5a0d0b0c0e0f0a0b0c0d0e0f",
        "outbound_id": o.id,
        "outbound_name": o.name,
        "outbound_status": o.status,
        "failure_reason": o.failure_reason,
        "is_notification": o.is_notification,
        "outbound_message": rendered(o),
        "outbound_answers": answers,
        "waba_phone_number": format!("+{}", o.line),
        "media_url": "undefined",
        "outbound_type": o.template_type.to_ascii_lowercase(),
        "media_id": o.media_id,
        "category": o.category,
        "language_code": o.language,
        "quality_rating": o.quality,
        "template_type": o.template_type,
        "content": o.content,
        "header_text": o.header,
        "footer_text": o.footer,
        "buttons": o.buttons,
        "created_at": chrono::DateTime::from_timestamp_millis(o.created_ms).unwrap_or_default().to_rfc3339(),
    });
    if let Some(m) = o.code_expiration_minutes {
        v["code_expiration_minutes"] = m.into();
    }
    v
}

async fn list(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(line) = q.get("line").map(|l| l.trim()).filter(|l| !l.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "line is required");
    };
    if line.starts_with('+') || line.starts_with("%2B") {
        return error(
            StatusCode::BAD_REQUEST,
            "line must include the country code without the '+' sign",
        );
    }
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    st.truora.whatsapp.settle(now);
    let out: Vec<Value> = st
        .truora
        .whatsapp
        .outbounds
        .iter()
        .filter(|o| o.line == line)
        .map(to_json)
        .collect();
    Json(out).into_response()
}

async fn read(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    st.truora.whatsapp.settle(now);
    match st.truora.whatsapp.outbounds.iter().find(|o| o.id == id) {
        Some(o) => Json(to_json(o)).into_response(),
        None => error(StatusCode::NOT_FOUND, "The outbound message was not found"),
    }
}

/// `{{.name}}` occurrences; `Err` for any malformed one.
fn vars_of(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let end = after.find("}}").ok_or("unclosed variable")?;
        let inner = &after[..end];
        let name = inner
            .strip_prefix('.')
            .ok_or("variables are written {{.name}}")?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("invalid variable name '{inner}'"));
        }
        out.push(name.to_string());
        rest = &after[end + 2..];
    }
    if rest.contains("}}") {
        return Err("unopened variable".into());
    }
    Ok(out)
}

fn len(v: &Value, k: &str) -> usize {
    v[k].as_str().map(|s| s.chars().count()).unwrap_or(0)
}

/// The documented authoring rules (catalogue §4.3); the message names the first broken one.
fn check(body: &Value) -> Result<(), String> {
    let s = |k: &str| body[k].as_str().unwrap_or("").to_string();
    let category = s("category");
    if !["MARKETING", "UTILITY", "AUTHENTICATION"].contains(&category.as_str()) {
        return Err("category must be MARKETING, UTILITY or AUTHENTICATION".into());
    }
    let auth = category == "AUTHENTICATION";
    let ttype = s("template_type");
    if !["TEXT", "IMAGE", "VIDEO", "DOCUMENT"].contains(&ttype.as_str()) {
        return Err("template_type must be TEXT, IMAGE, VIDEO or DOCUMENT".into());
    }
    if s("waba_phone_number").is_empty() {
        return Err("waba_phone_number is required".into());
    }
    if !["es", "en", "pt_BR"].contains(&s("language_code").as_str()) {
        return Err("language_code is not supported".into());
    }
    let name = s("outbound_name");
    if name.trim().is_empty() || name.chars().count() > 512 {
        return Err("outbound_name is required and has at most 512 characters".into());
    }
    if !body["is_notification"].is_boolean() {
        return Err("is_notification must be a boolean".into());
    }
    if auth && ttype != "TEXT" {
        return Err("AUTHENTICATION outbounds only allow the TEXT template type".into());
    }
    if ttype != "TEXT" && s("media_id").is_empty() {
        return Err("media_id is required for media template types".into());
    }
    let mut vars: Vec<String> = Vec::new();
    let header = s("header_text");
    if !header.is_empty() {
        if auth || ttype != "TEXT" {
            return Err("header_text only applies to MARKETING or UTILITY TEXT outbounds".into());
        }
        if len(body, "header_text") > 60 {
            return Err("header_text has at most 60 characters".into());
        }
        let hv = vars_of(&header)?;
        if hv.len() > 1 {
            return Err("header_text allows at most one variable".into());
        }
        vars.extend(hv);
    }
    if !s("footer_text").is_empty() {
        if auth {
            return Err("footer_text only applies to MARKETING or UTILITY outbounds".into());
        }
        if len(body, "footer_text") > 60 {
            return Err("footer_text has at most 60 characters".into());
        }
    }
    if auth {
        if !s("content").is_empty() {
            return Err("AUTHENTICATION content is predefined and cannot be customised".into());
        }
        if !body["buttons"].is_null() && body["buttons"].as_array().is_none_or(|b| !b.is_empty()) {
            return Err("buttons are not available for AUTHENTICATION outbounds".into());
        }
        vars.push("code".into());
    } else {
        let content = s("content");
        if content.trim().is_empty() || len(body, "content") > 1024 {
            return Err("content is required and has at most 1024 characters".into());
        }
        vars.extend(vars_of(&content)?);
    }
    match body.get("code_expiration_minutes") {
        None | Some(Value::Null) => {}
        Some(m) => {
            if !auth {
                return Err("code_expiration_minutes only applies to AUTHENTICATION".into());
            }
            if !m.as_i64().is_some_and(|m| (1..=90).contains(&m)) {
                return Err("code_expiration_minutes must be between 1 and 90".into());
            }
        }
    }
    let buttons = body["buttons"].as_array().cloned().unwrap_or_default();
    if buttons.len() > 10 {
        return Err("at most 10 buttons".into());
    }
    let kinds: Vec<String> = buttons
        .iter()
        .map(|b| b["type"].as_str().unwrap_or("").to_string())
        .collect();
    let n = |k: &str| kinds.iter().filter(|x| *x == k).count();
    if n("URL") > 2 || n("PHONE_NUMBER") > 1 || n("COPY_CODE") > 1 {
        return Err(
            "too many buttons of one type (URL ≤ 2, PHONE_NUMBER ≤ 1, COPY_CODE ≤ 1)".into(),
        );
    }
    if n("QUICK_REPLY") > 0 && body["is_notification"] == true {
        return Err("notification outbounds cannot include QUICK_REPLY buttons".into());
    }
    // Quick replies and the other buttons must each form one group.
    let groups = kinds
        .windows(2)
        .filter(|w| (w[0] == "QUICK_REPLY") != (w[1] == "QUICK_REPLY"))
        .count();
    if groups > 1 {
        return Err("QUICK_REPLY buttons must be grouped separately from other buttons".into());
    }
    for b in &buttons {
        let text = b["text"].as_str().unwrap_or("");
        match b["type"].as_str().unwrap_or("") {
            "QUICK_REPLY" | "URL" | "PHONE_NUMBER"
                if text.is_empty() || text.chars().count() > 25 =>
            {
                return Err("button text is required and has at most 25 characters".into())
            }
            "QUICK_REPLY" => {}
            "URL" => {
                let url = b["url"].as_str().unwrap_or("");
                if url.is_empty() || url.chars().count() > 2000 {
                    return Err(
                        "url is required for URL buttons and has at most 2000 characters".into(),
                    );
                }
                let uv = vars_of(url)?;
                if uv.len() > 1 || (uv.len() == 1 && !url.ends_with("}}")) {
                    return Err("URL buttons support one variable, at the end".into());
                }
                let probe = url.split("{{").next().unwrap_or("");
                let ok = url::Url::parse(&format!("{probe}x")).is_ok_and(|u| {
                    matches!(u.scheme(), "http" | "https")
                        && u.host_str().is_some_and(|h| !h.is_empty())
                });
                if !ok {
                    return Err("url must use http or https and include a valid host".into());
                }
                vars.extend(uv);
            }
            "PHONE_NUMBER" => {
                let p = b["phone_number"].as_str().unwrap_or("");
                if p.is_empty() || p.chars().count() > 20 {
                    return Err("phone_number is required for PHONE_NUMBER buttons and has at most 20 characters".into());
                }
            }
            "COPY_CODE" => {
                if category != "MARKETING" {
                    return Err("COPY_CODE buttons are only supported for MARKETING".into());
                }
                if !text.is_empty() {
                    return Err("COPY_CODE button text must be an empty string".into());
                }
                vars.push("code".into());
            }
            _ => {
                return Err(
                    "button type must be QUICK_REPLY, URL, PHONE_NUMBER or COPY_CODE".into(),
                )
            }
        }
    }
    for v in vars {
        let sample = body["var"][&v]["value"].as_str().unwrap_or("");
        if sample.trim().is_empty() {
            return Err(format!(
                "var.{v}.value is required as an example for the variable {v}"
            ));
        }
        if v == "code" && sample.chars().count() > 15 {
            return Err("the code has at most 15 characters".into());
        }
    }
    Ok(())
}

/// A create/update body: JSON, and every authoring rule kept.
fn authored(headers: &HeaderMap, body: &str) -> Result<Value, Response> {
    let body = json_body(headers, body)?;
    check(&body).map_err(|m| error(StatusCode::BAD_REQUEST, &m))?;
    Ok(body)
}

fn json_body(headers: &HeaderMap, body: &str) -> Result<Value, Response> {
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if !is_json {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send buttons and var as a JSON body",
        ));
    }
    serde_json::from_str(body)
        .map_err(|_| error(StatusCode::BAD_REQUEST, "the body is not valid JSON"))
}

/// Meta's verdict on a new template, decided at submission and revealed after review.
fn verdict(body: &Value) -> (String, String) {
    let content = body["content"].as_str().unwrap_or("").to_ascii_lowercase();
    let name = body["outbound_name"]
        .as_str()
        .unwrap_or("")
        .to_ascii_lowercase();
    if ["bit.ly", "tinyurl", "goo.gl"]
        .iter()
        .any(|s| content.contains(s))
    {
        (
            "REJECTED".into(),
            "INVALID_FORMAT: shortened links are not allowed in templates".into(),
        )
    } else if name.contains("reject") {
        (
            "REJECTED".into(),
            "TAG_CONTENT_MISMATCH: the content does not match the category".into(),
        )
    } else {
        ("APPROVED".into(), String::new())
    }
}

fn fill(o: &mut OutboundRec, body: &Value, now: i64) {
    let s = |k: &str| body[k].as_str().unwrap_or("").to_string();
    o.line = digits_of(&s("waba_phone_number"));
    o.name = s("outbound_name");
    o.is_notification = body["is_notification"] == true;
    o.category = s("category");
    o.language = s("language_code");
    o.template_type = s("template_type");
    o.header = s("header_text");
    o.content = s("content");
    o.footer = s("footer_text");
    o.buttons = body["buttons"].as_array().cloned().unwrap_or_default();
    o.media_id = s("media_id");
    o.code_expiration_minutes = body["code_expiration_minutes"].as_i64();
    o.status = "PENDING".into();
    o.failure_reason = String::new();
    o.quality = "PENDING".into();
    let (status, reason) = verdict(body);
    o.review = Some((now + REVIEW_MS, status, reason));
}

async fn create(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    let body = match authored(&headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    let wa = &mut st.truora.whatsapp;
    let line = digits_of(body["waba_phone_number"].as_str().unwrap_or(""));
    let name = body["outbound_name"].as_str().unwrap_or("");
    if wa
        .outbounds
        .iter()
        .any(|o| o.line == line && o.name == name)
    {
        return error(
            StatusCode::CONFLICT,
            "an outbound with this name already exists on this line",
        );
    }
    let mut o = OutboundRec {
        id: wa.next_id("OTB"),
        created_ms: now,
        ..Default::default()
    };
    fill(&mut o, &body, now);
    let id = o.id.clone();
    wa.outbounds.insert(0, o);
    // The guide says create answers with the new ID; the rest is read with W2.
    (StatusCode::OK, Json(json!({ "outbound_id": id }))).into_response()
}

async fn update(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let body = match authored(&headers, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    st.truora.whatsapp.settle(now);
    let Some(o) = st.truora.whatsapp.outbounds.iter_mut().find(|o| o.id == id) else {
        return error(StatusCode::NOT_FOUND, "The outbound message was not found");
    };
    if o.status == "DISABLED" {
        return error(
            StatusCode::BAD_REQUEST,
            "disabled outbounds cannot be edited",
        );
    }
    fill(o, &body, now);
    Json(to_json(o)).into_response()
}

async fn remove(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut st = s.state.lock().unwrap();
    let before = st.truora.whatsapp.outbounds.len();
    st.truora.whatsapp.outbounds.retain(|o| o.id != id);
    if st.truora.whatsapp.outbounds.len() == before {
        return error(StatusCode::NOT_FOUND, "The outbound message was not found");
    }
    StatusCode::NO_CONTENT.into_response()
}

type FormPairs = axum::extract::Form<Vec<(String, String)>>;

fn field(form: &[(String, String)], k: &str) -> Option<String> {
    form.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

async fn send(State(s): State<Arc<Shared>>, axum::extract::Form(form): FormPairs) -> Response {
    use StatusCode as C;
    let get = |k: &str| field(&form, k);
    let (Some(phone), Some(cc), Some(id)) =
        (get("phone_number"), get("country_code"), get("outbound_id"))
    else {
        return error(
            C::BAD_REQUEST,
            "phone_number, country_code and outbound_id are required",
        );
    };
    if get("user_authorized").as_deref() != Some("true") {
        return error(C::BAD_REQUEST, "user_authorized must be true");
    }
    if !cc.starts_with('+') || cc.len() < 2 || !cc[1..].chars().all(|c| c.is_ascii_digit()) {
        return error(C::BAD_REQUEST, "country_code must look like +57");
    }
    if phone.starts_with('+') || !phone.chars().all(|c| c.is_ascii_digit()) || phone.len() < 4 {
        return error(
            C::BAD_REQUEST,
            "phone_number must be digits without the country code",
        );
    }
    if let Some(a) = get("account_id") {
        if !a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return error(C::BAD_REQUEST, "account_id must match [a-zA-Z0-9_.-]+");
        }
    }
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    st.truora.whatsapp.settle(now);
    let wa = &mut st.truora.whatsapp;
    let Some(o) = wa.outbounds.iter().find(|o| o.id == id).cloned() else {
        return error(C::NOT_FOUND, "The outbound message was not found");
    };
    if o.status != "APPROVED" && o.status != "FLAGGED" {
        return error(
            C::BAD_REQUEST,
            &format!("the outbound is {} and cannot be sent", o.status),
        );
    }
    let flow = get("flow_id");
    match (&flow, o.is_notification) {
        (None, false) => {
            return error(
                C::BAD_REQUEST,
                "flow_id is required for outbounds that start a flow",
            )
        }
        (Some(_), true) => {
            return error(
                C::BAD_REQUEST,
                "notification outbounds cannot be associated with a flow",
            )
        }
        (Some(f), false) if !f.starts_with("IPF") => return error(C::NOT_FOUND, "flow not found"),
        _ => {}
    }
    let mut needed: Vec<String> = Vec::new();
    if o.category == "AUTHENTICATION" {
        needed.push("code".into());
    } else {
        needed.extend(vars_of(&o.header).unwrap_or_default());
        needed.extend(vars_of(&o.content).unwrap_or_default());
        for b in &o.buttons {
            needed.extend(vars_of(b["url"].as_str().unwrap_or("")).unwrap_or_default());
            if b["type"] == "COPY_CODE" {
                needed.push("code".into());
            }
        }
    }
    let mut vars = BTreeMap::new();
    for v in needed {
        match get(&format!("var.{v}")) {
            Some(x) if v == "code" && x.chars().count() > 15 => {
                return error(C::BAD_REQUEST, "var.code has at most 15 characters")
            }
            Some(x) => {
                vars.insert(v, x);
            }
            None => return error(C::BAD_REQUEST, &format!("var.{v} is required")),
        }
    }
    let session_id = wa.next_id("WDIS");
    let e164 = format!("{cc}{phone}");
    wa.sent.push(SentMessage {
        session_id: session_id.clone(),
        outbound_id: id,
        e164: e164.clone(),
        flow_id: flow.clone(),
        vars,
        at_ms: now,
    });
    Json(json!({
        "user_phone_number": e164,
        "message": format!("conversation started with {e164}"),
        "session_id": session_id,
        "outbound_message": to_json(&o),
        "flow_id": flow.unwrap_or_default(),
    }))
    .into_response()
}

async fn create_inbound(
    State(s): State<Arc<Shared>>,
    axum::extract::Form(form): FormPairs,
) -> Response {
    use StatusCode as C;
    let get = |k: &str| field(&form, k);
    if get("waba_provider").as_deref() != Some("gupshup") {
        return error(C::BAD_REQUEST, "waba_provider must be gupshup");
    }
    let (Some(line), Some(flow), Some(text)) = (
        get("waba_phone_number"),
        get("flow_id"),
        get("inbound_message"),
    ) else {
        return error(
            C::BAD_REQUEST,
            "waba_phone_number, flow_id and inbound_message are required",
        );
    };
    if !flow.starts_with("IPF") {
        return error(C::NOT_FOUND, "flow not found");
    }
    let line = digits_of(&line);
    let mut st = s.state.lock().unwrap();
    let wa = &mut st.truora.whatsapp;
    if wa
        .inbounds
        .iter()
        .any(|i| i.line == line && i.message.eq_ignore_ascii_case(&text))
    {
        return error(
            C::CONFLICT,
            "inbound_message must be unique for this WABA line",
        );
    }
    let inbound_id = wa.next_id("INB");
    wa.inbounds.push(Inbound {
        inbound_id: inbound_id.clone(),
        line: line.clone(),
        flow_id: flow.clone(),
        message: text.clone(),
    });
    Json(json!({
        "inbound_id": inbound_id,
        "waba_phone_number": format!("+{line}"),
        "flow_id": flow,
        "inbound_message": text,
    }))
    .into_response()
}

/// Practice templates: the guide's three demos plus one in every other state.
pub fn seed(st: &mut WhatsAppState, now: i64) {
    let day = 86_400_000;
    let qr = |t: &str| json!({ "type": "QUICK_REPLY", "text": t });
    let mut add = |name: &str,
                   status: &str,
                   quality: &str,
                   cat: &str,
                   lang: &str,
                   notif: bool,
                   content: &str,
                   buttons: Vec<Value>,
                   reason: &str,
                   age_days: i64| {
        let id = st.next_id("OTB");
        st.outbounds.push(OutboundRec {
            id,
            line: PRACTICE_LINE.into(),
            name: name.into(),
            status: status.into(),
            failure_reason: reason.into(),
            quality: quality.into(),
            is_notification: notif,
            category: cat.into(),
            language: lang.into(),
            template_type: "TEXT".into(),
            header: String::new(),
            content: content.into(),
            footer: String::new(),
            buttons,
            media_id: String::new(),
            code_expiration_minutes: None,
            created_ms: now - age_days * day,
            review: None,
        });
    };
    add(
        "Demo template ES",
        "APPROVED",
        "HIGH",
        "UTILITY",
        "es",
        false,
        "¡Hola! esta es una prueba de TruConnect. Seleccione “Continuar” y pruebe su primer flujo.",
        vec![qr("Continuar"), qr("Cancelar")],
        "",
        40,
    );
    add(
        "Demo template EN",
        "APPROVED",
        "HIGH",
        "UTILITY",
        "en",
        false,
        "Hi! this is a TruConnect test. Select “Continue” and try your first flow.",
        vec![qr("Continue"), qr("Cancel")],
        "",
        40,
    );
    add(
        "Demo Template PT",
        "APPROVED",
        "MEDIUM",
        "UTILITY",
        "pt_BR",
        false,
        "Ola! este é um teste de TruConnect. Selecione “Continuar” e tente seu primeiro fluxo.",
        vec![qr("Continuar"), qr("Cancelar")],
        "",
        40,
    );
    add("recordatorio_pago", "APPROVED", "HIGH", "UTILITY", "es", true,
        "Hola {{.name}}, tu cuota de {{.amount}} vence el {{.due_date}}. Si ya pagaste, ignora este mensaje.",
        vec![], "", 20);
    add(
        "promo_buen_fin",
        "FLAGGED",
        "LOW",
        "MARKETING",
        "es",
        true,
        "¡{{.name}}, solo hoy 30% de descuento en tu próximo préstamo!",
        vec![],
        "",
        12,
    );
    add(
        "oferta_verano",
        "PAUSED",
        "LOW",
        "MARKETING",
        "es",
        true,
        "Aprovecha el verano: tasa preferencial para ti, {{.name}}.",
        vec![],
        "",
        30,
    );
    add(
        "promo_invierno_2025",
        "DISABLED",
        "LOW",
        "MARKETING",
        "es",
        true,
        "Última oportunidad de invierno, {{.name}}.",
        vec![],
        "",
        90,
    );
    add(
        "oferta_credito_v1",
        "REJECTED",
        "PENDING",
        "MARKETING",
        "es",
        true,
        "Obtén tu crédito aquí: bit.ly/credito-ya",
        vec![],
        "INVALID_FORMAT: shortened links are not allowed in templates",
        5,
    );
}
