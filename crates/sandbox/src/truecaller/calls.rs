//! Call personalisation (catalogue §5.3, §5.4): real-time v2 (100 requests/s per token), batch
//! v3 (≤ 500 records, 60 requests/min per token) and batch status, with records settling over
//! virtual time and some failing for the documented reasons (§5.8).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

use crate::state::{Shared, Window};

/// How long (virtual ms) a batch record takes to be delivered.
pub const SETTLE_MS: i64 = 5_000;

#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub id: String,
    pub body: serde_json::Value,
    pub created_ms: i64,
    /// Why it will fail, if it will.
    pub failure: Option<&'static str>,
}

#[derive(Debug, Default)]
pub struct CallsState {
    pub batches: HashMap<String, Vec<StoredRecord>>,
    /// Records accepted by the real-time endpoint, for tests that count deliveries.
    pub realtime: Vec<serde_json::Value>,
    pub realtime_windows: HashMap<String, Window>,
    pub batch_windows: HashMap<String, Window>,
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/v2/clients/{client_id}/dynamic_call_record",
            axum::routing::post(realtime),
        )
        .route(
            "/v3/clients/{client_id}/dynamic_call_records",
            axum::routing::post(batch_v3).get(status),
        )
        .route(
            "/v2/clients/{client_id}/dynamic_call_records",
            axum::routing::post(batch_v2),
        )
}

fn status_error(field: &str, message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "status_info": { "status": "error", "field": field, "message": format!("Request body is invalid: {message}") } })))
        .into_response()
}

fn token_of(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The server's own reading of the record rules. `plus`: v3 wants E.164 with `+`, v2 without.
fn check_record(
    r: &serde_json::Value,
    now: i64,
    plus: bool,
    labels: &[String],
) -> Result<(), (String, String)> {
    let field_err = |f: &str, m: &str| Err((f.to_string(), m.to_string()));
    for f in ["caller_number", "receiver_number"] {
        let Some(n) = r.get(f).and_then(|v| v.as_str()) else {
            return field_err(f, &format!("{f} is required"));
        };
        let digits = n.strip_prefix('+').unwrap_or(n);
        if n.starts_with('+') != plus
            || digits.len() < 11
            || digits.len() > 15
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return field_err(f, &format!("{f} format is invalid"));
        }
    }
    if let Some(l) = r.get("label_id").and_then(|v| v.as_str()) {
        if !labels.iter().any(|x| x == l) {
            return field_err("label_id", "label_id is not a dynamic label of this client");
        }
    }
    if let Some(n) = r.get("dynamic_label_name").and_then(|v| v.as_str()) {
        if !(3..=40).contains(&n.chars().count()) {
            return field_err(
                "dynamic_label_name",
                "dynamic_label_name must have 3 to 40 characters",
            );
        }
    }
    if let Some(reason) = r.get("dynamic_call_reason").and_then(|v| v.as_str()) {
        let len = reason.chars().count();
        if !(10..=100).contains(&len) {
            return field_err(
                "dynamic_call_reason",
                "dynamic_call_reason must have 10 to 100 characters",
            );
        }
        if reason.chars().any(|c| {
            matches!(
                c,
                '#' | '@'
                    | '$'
                    | '%'
                    | '^'
                    | '&'
                    | '*'
                    | '<'
                    | '>'
                    | '{'
                    | '}'
                    | '['
                    | ']'
                    | '|'
                    | '\\'
                    | '~'
                    | '`'
                    | '"'
            ) || (!c.is_alphanumeric() && !c.is_ascii())
        }) {
            return field_err(
                "dynamic_call_reason",
                "special characters are not allowed in dynamic_call_reason",
            );
        }
    }
    let (Some(start), Some(end)) = (
        r.get("starts_at").and_then(|v| v.as_i64()),
        r.get("ends_at").and_then(|v| v.as_i64()),
    ) else {
        return field_err("starts_at", "starts_at and ends_at are required");
    };
    if end < now {
        return field_err("ends_at", "ends_at cannot be older than current time");
    }
    if end <= start || end - start > 24 * 3_600_000 {
        return field_err("ends_at", "ends_at must be within 24 hours after starts_at");
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Limit {
    /// 100 requests per second per token.
    Realtime,
    /// 60 requests per minute per token.
    Batch,
}

/// Counts the request against the token's documented limit; past it, 429 with the real seconds
/// until a slot frees in `Retry-After`.
fn take_slot(s: &Shared, headers: &HeaderMap, limit: Limit, now: i64) -> Result<(), Response> {
    let (span, max, message) = match limit {
        Limit::Realtime => (1_000, 100, "rate limit exceeded: 100 requests per second"),
        Limit::Batch => (
            60_000,
            60,
            "rate limit exceeded: 60 batch requests per minute",
        ),
    };
    let mut st = s.state.lock().unwrap();
    let calls = &mut st.truecaller.calls;
    let windows = match limit {
        Limit::Realtime => &mut calls.realtime_windows,
        Limit::Batch => &mut calls.batch_windows,
    };
    windows
        .entry(token_of(headers))
        .or_default()
        .try_take(now, span, max)
        .map_err(|wait| {
            let mut r = super::err(StatusCode::TOO_MANY_REQUESTS, message);
            r.headers_mut().insert(
                "retry-after",
                (s.clock.real_secs(wait).ceil().max(1.0) as u64).into(),
            );
            r
        })
}

fn labels(s: &Shared) -> Vec<String> {
    s.state
        .lock()
        .unwrap()
        .truecaller
        .labels
        .iter()
        .map(|l| l.id.clone())
        .collect()
}

async fn realtime(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    if let Err(r) = super::authorize(&s, &headers, &client_id) {
        return r;
    }
    let now = s.clock.now_ms();
    if let Err(r) = take_slot(&s, &headers, Limit::Realtime, now) {
        return r;
    }
    if let Err((f, m)) = check_record(&body, now, false, &labels(&s)) {
        return status_error(&f, &m);
    }
    s.state.lock().unwrap().truecaller.calls.realtime.push(body);
    Json(serde_json::json!({ "status_info": { "status": "success", "message": "Record processed successfully" } })).into_response()
}

/// Deterministic delivery failures from §5.8, by the receiver's last digit.
fn failure_for(receiver: &str) -> Option<&'static str> {
    match receiver.chars().last() {
        Some('7') => Some("receiver is not a Truecaller user"),
        Some('8') => Some("OS not supported: dynamic caller ID works on Android only"),
        _ => None,
    }
}

async fn batch_v3(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    batch(s, client_id, headers, body, true)
}

/// Batch v2: numbers without `+`, and `dynamic_label_name` marked required (§5.3).
async fn batch_v2(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    batch(s, client_id, headers, body, false)
}

fn batch(
    s: Arc<Shared>,
    client_id: String,
    headers: HeaderMap,
    body: serde_json::Value,
    v3: bool,
) -> Response {
    if let Err(r) = super::authorize(&s, &headers, &client_id) {
        return r;
    }
    let now = s.clock.now_ms();
    if let Err(r) = take_slot(&s, &headers, Limit::Batch, now) {
        return r;
    }
    let Some(records) = body.get("call_records").and_then(|v| v.as_array()) else {
        return super::err(StatusCode::BAD_REQUEST, "call_records is required");
    };
    if records.is_empty() || records.len() > 500 {
        return super::err(
            StatusCode::BAD_REQUEST,
            "call_records must have between 1 and 500 records",
        );
    }
    let labels = labels(&s);
    for r in records {
        if let Err((_, m)) = check_record(r, now, v3, &labels) {
            return super::err(StatusCode::BAD_REQUEST, &m);
        }
        let name_len = r["dynamic_label_name"]
            .as_str()
            .map(|n| n.trim().chars().count());
        if !v3 && !name_len.is_some_and(|n| (3..=40).contains(&n)) {
            return super::err(
                StatusCode::BAD_REQUEST,
                "dynamic_label_name is required (3 to 40 characters)",
            );
        }
    }
    let batch_id = uuid::Uuid::new_v4().to_string();
    let stored = records
        .iter()
        .map(|r| StoredRecord {
            id: uuid::Uuid::new_v4().to_string(),
            body: r.clone(),
            created_ms: now,
            failure: failure_for(r["receiver_number"].as_str().unwrap_or_default()),
        })
        .collect();
    s.state
        .lock()
        .unwrap()
        .truecaller
        .calls
        .batches
        .insert(batch_id.clone(), stored);
    Json(serde_json::json!({ "batch_id": batch_id })).into_response()
}

#[derive(Deserialize)]
struct StatusQuery {
    #[serde(rename = "batchId")]
    batch_id: Option<String>,
}

async fn status(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<StatusQuery>,
) -> Response {
    if let Err(r) = super::authorize(&s, &headers, &client_id) {
        return r;
    }
    let Some(batch_id) = q.batch_id else {
        return super::err(StatusCode::BAD_REQUEST, "batchId is required");
    };
    let now = s.clock.now_ms();
    let st = s.state.lock().unwrap();
    let Some(records) = st.truecaller.calls.batches.get(&batch_id) else {
        return super::err(StatusCode::NOT_FOUND, "batch not found");
    };
    let data: Vec<_> = records
        .iter()
        .map(|r| {
            let mut o = r.body.clone();
            o["id"] = r.id.clone().into();
            o["created_at"] = s.clock.iso(r.created_ms).into();
            o["status_info"] = if now - r.created_ms < SETTLE_MS {
                serde_json::json!({ "status": "pending" })
            } else if let Some(why) = r.failure {
                serde_json::json!({ "status": "failure", "message": why })
            } else {
                serde_json::json!({ "status": "success" })
            };
            o
        })
        .collect();
    Json(serde_json::json!({ "client_account_id": client_id, "batch_id": batch_id, "data": data }))
        .into_response()
}
