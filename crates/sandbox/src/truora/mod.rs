//! Truora's three APIs share one auth header and one error body.

pub mod account;
pub mod batches;
pub mod check_config;
pub mod checks;
pub mod identity;
pub mod whatsapp;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use std::collections::HashMap;
use std::sync::Arc;

use crate::state::{Shared, Vendor};
use crate::SandboxConfig;

#[derive(Debug, Default)]
pub struct TruoraState {
    /// Checks, newest first.
    pub checks: Vec<checks::CheckRecord>,
    pub custom_types: Vec<CustomType>,
    pub continuous: Vec<check_config::Continuous>,
    /// Last account settings saved.
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    pub processes: Vec<identity::Process>,
    /// (process_id, file kind) → when generation was first requested (virtual ms).
    pub file_jobs: HashMap<(String, identity::FileKind), i64>,
    pub sent_links: Vec<identity::SentLink>,
    /// Processes deleted through D9, by ID.
    pub deleted_processes: Vec<String>,
    /// Web tokens issued by the account API.
    pub web_tokens: Vec<account::WebToken>,
    pub whatsapp: whatsapp::WhatsAppState,
    /// Checks batches (C25–C30), oldest first.
    pub batches: Vec<batches::Batch>,
}

impl TruoraState {
    pub fn new(_config: &SandboxConfig, _now: i64) -> Self {
        TruoraState::default()
    }
}

/// A custom check type (catalogue §2.4): dataset weights summing to 1.
#[derive(Debug, Clone)]
pub struct CustomType {
    pub name: String,
    pub country: String,
    pub weights: std::collections::BTreeMap<String, f64>,
}

pub fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .nest("/checks", checks::router().merge(check_config::router()))
        .nest("/identity", identity::router())
        .nest("/account", account::router().merge(batches::router()))
        .nest("/connect", whatsapp::router())
        .layer(axum::middleware::from_fn_with_state(shared, require_key))
}

/// Every Truora request carries `Truora-API-Key`; anything else is 401 with Truora's body.
async fn require_key(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let ok = req
        .headers()
        .get("truora-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| s.config.truora_api_keys.iter().any(|valid| valid == k));
    if !ok {
        return crate::vendor_error(Vendor::Truora, StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    next.run(req).await
}

pub fn error(status: StatusCode, message: &str) -> Response {
    crate::vendor_error(Vendor::Truora, status, message)
}

/// The generated-file contract shared by identity files and check reports (catalogue §3.3): the
/// first request answers `202 requested`, later ones `202 in_progress` until `prepare_ms` has
/// passed (`None`: never), then `None` so the caller serves the file.
pub(crate) fn file_phase(
    st: &mut crate::state::State,
    key: (String, identity::FileKind),
    now: i64,
    prepare_ms: Option<i64>,
) -> Option<Response> {
    use axum::response::IntoResponse;
    let accepted = |status: &str| {
        (
            StatusCode::ACCEPTED,
            axum::Json(serde_json::json!({ "file_status": status })),
        )
            .into_response()
    };
    let Some(&requested) = st.truora.file_jobs.get(&key) else {
        st.truora.file_jobs.insert(key, now);
        return Some(accepted("requested"));
    };
    if prepare_ms.is_none_or(|ms| now - requested < ms) {
        return Some(accepted("in_progress"));
    }
    None
}

/// Cursor paging shared by the list endpoints: the page after the item whose key is
/// `start_key`, and the `next` relative URL (`{path}?start_key=…`) when more remain.
/// A form field's value, trimmed; none when absent or blank.
pub(crate) fn form_value(form: &[(String, String)], key: &str) -> Option<String> {
    form.iter()
        .find(|(n, _)| n == key)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub(crate) fn page_after<'a, T>(
    all: &'a [T],
    start_key: Option<&str>,
    key: impl Fn(&T) -> &str,
    size: usize,
    path: &str,
) -> Result<(&'a [T], Option<String>), Response> {
    let start = match start_key {
        None => 0,
        Some(k) => match all.iter().position(|x| key(x) == k) {
            Some(i) => i + 1,
            None => return Err(error(StatusCode::BAD_REQUEST, "invalid start_key")),
        },
    };
    let end = (start + size).min(all.len());
    let next = (end < all.len()).then(|| format!("{path}?start_key={}", key(&all[end - 1])));
    Ok((&all[start..end], next))
}
