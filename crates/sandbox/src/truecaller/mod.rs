//! Truecaller for Business (catalogue §5): token exchange with the 10-per-30-minutes budget and
//! 60-minute lifetime, bearer auth, dynamic labels. Call personalisation, numbers and feature sets
//! arrive with the Truecaller issue.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

use crate::state::{Shared, Vendor, Window};
use crate::SandboxConfig;

pub mod calls;
pub mod numbers;

pub const TOKEN_LIFETIME_MS: i64 = 60 * 60_000;
pub const TOKEN_BUDGET: usize = 10;
pub const TOKEN_BUDGET_WINDOW_MS: i64 = 30 * 60_000;

#[derive(Debug, Clone, Serialize)]
pub struct Label {
    pub id: String,
    pub name: String,
    pub logo_url: String,
    pub category: i64,
    pub sub_category: i64,
    pub created_by_email: String,
    pub created_at: String,
    pub label_type: String,
}

/// A business number of the account (catalogue §5.5), Indian numbers as the API writes them
/// (country code, no `+`).
#[derive(Debug, Clone, Serialize)]
pub struct BusinessNumber {
    pub phone_number: String,
    pub status: String,
    pub feature_set_name: String,
    pub department: String,
    pub operation: String,
    pub process: String,
    /// When a listing or delisting was asked for (virtual ms): it completes [`LISTING_MS`] later.
    pub changed_ms: i64,
}

/// The ID the sandbox gives a department, operation or process of this name (`dep`, `op`,
/// `proc`): what the numbers and feature-set filters take.
pub fn id_of(prefix: &str, name: &str) -> String {
    format!("{prefix}-{}", name.to_lowercase().replace(' ', "-"))
}

/// How long (virtual) publishing or delisting a number takes (asynchronous upstream, §5.5).
pub const LISTING_MS: i64 = 20_000;

#[derive(Debug, Default)]
pub struct TruecallerState {
    pub numbers: Vec<BusinessNumber>,
    pub calls: calls::CallsState,
    /// token → expiry (virtual ms)
    pub tokens: HashMap<String, i64>,
    pub mints: Window,
    pub labels: Vec<Label>,
}

impl TruecallerState {
    pub fn new(_config: &SandboxConfig) -> Self {
        TruecallerState::default()
    }
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/clients/{client_id}/token", post(token))
        .route("/clients/{client_id}/labels", get(labels))
        // The deprecated log APIs (catalogue §5.6) answer as the seed shows: nothing found.
        .route(
            "/clients/{client_id}/openapi/callback-logs/summary",
            get(deprecated_log),
        )
        .route(
            "/clients/{client_id}/openapi/feedback_stack/{survey}/export_report",
            get(deprecated_log),
        )
        .merge(calls::router())
        .merge(numbers::router())
}

pub(crate) fn err(status: StatusCode, message: &str) -> Response {
    crate::vendor_error(Vendor::Truecaller, status, message)
}

#[derive(Deserialize)]
struct TokenRequest {
    key_id: Option<String>,
    api_key: Option<String>,
}

async fn token(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if headers.get("x-public-access").and_then(|v| v.to_str().ok()) != Some("allow") {
        return err(StatusCode::UNAUTHORIZED, "Missing authorization header");
    }
    let Ok(req) = serde_json::from_slice::<TokenRequest>(&body) else {
        return err(StatusCode::BAD_REQUEST, "request body is invalid");
    };
    let Some(key_id) = req.key_id.filter(|k| !k.is_empty()) else {
        return err(StatusCode::BAD_REQUEST, "key_id is required");
    };
    let Some(api_key) = req.api_key.filter(|k| !k.is_empty()) else {
        return err(StatusCode::BAD_REQUEST, "api_key is required");
    };
    let acct = &s.config.truecaller;
    if client_id != acct.client_account_id || key_id != acct.key_id || api_key != acct.api_key {
        return err(StatusCode::UNAUTHORIZED, "invalid credentials");
    }
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    if let Err(wait_ms) = st
        .truecaller
        .mints
        .try_take(now, TOKEN_BUDGET_WINDOW_MS, TOKEN_BUDGET)
    {
        let mut r = err(
            StatusCode::TOO_MANY_REQUESTS,
            "token limit reached: at most 10 tokens in 30 minutes",
        );
        let secs = s.clock.real_secs(wait_ms).ceil().max(1.0) as u64;
        r.headers_mut().insert("retry-after", secs.into());
        return r;
    }
    let token = format!("tc_{}", uuid::Uuid::new_v4().simple());
    st.truecaller
        .tokens
        .insert(token.clone(), now + TOKEN_LIFETIME_MS);
    st.stats.tokens_minted += 1;
    Json(serde_json::json!({ "token": token, "created_at": s.clock.iso(now) })).into_response()
}

/// Bearer check shared by every authenticated Truecaller route.
pub fn authorize(s: &Shared, headers: &HeaderMap, client_id: &str) -> Result<(), Response> {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(err(
            StatusCode::UNAUTHORIZED,
            "Missing authorization header",
        ));
    };
    let token = auth.strip_prefix("Bearer ").unwrap_or_default();
    let now = s.clock.now_ms();
    let valid = s
        .state
        .lock()
        .unwrap()
        .truecaller
        .tokens
        .get(token)
        .is_some_and(|&exp| exp > now);
    if !valid {
        return Err(err(StatusCode::UNAUTHORIZED, "please login again"));
    }
    if client_id != s.config.truecaller.client_account_id {
        return Err(err(
            StatusCode::FORBIDDEN,
            "not authorized. please contact your admin.",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct Paging {
    page: Option<String>,
    limit: Option<String>,
}

impl Paging {
    fn parse(&self, default_limit: usize) -> Result<(usize, usize), Response> {
        let num = |v: &Option<String>, d: usize| match v {
            None => Ok(d),
            Some(s) => s.parse::<usize>().ok().filter(|n| *n >= 1).ok_or(()),
        };
        let page = num(&self.page, 1)
            .map_err(|_| err(StatusCode::BAD_REQUEST, "page must be a positive integer"))?;
        let limit = num(&self.limit, default_limit)
            .map_err(|_| err(StatusCode::BAD_REQUEST, "limit must be a positive integer"))?;
        Ok((page, limit))
    }
}

async fn labels(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Paging>,
) -> Response {
    if let Err(r) = authorize(&s, &headers, &client_id) {
        return r;
    }
    let (page, limit) = match q.parse(1000) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let st = s.state.lock().unwrap();
    let items: Vec<_> = st
        .truecaller
        .labels
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .cloned()
        .collect();
    Json(items).into_response()
}

async fn deprecated_log(
    State(s): State<Arc<Shared>>,
    axum::extract::Path(params): axum::extract::Path<Vec<(String, String)>>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let client_id = params
        .iter()
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if let Err(r) = authorize(&s, &headers, &client_id) {
        return r;
    }
    (
        axum::http::StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "message": "No CMB found for client Id" })),
    )
        .into_response()
}
