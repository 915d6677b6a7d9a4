//! Truora account services (catalogue §3.1): web-integration tokens for Digital Identity.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use std::sync::Arc;

use crate::state::Shared;

#[derive(Debug, Clone)]
pub struct WebToken {
    pub api_key: String,
    pub flow_id: String,
    pub country: String,
    pub account_id: String,
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new().route("/v1/api-keys", post(create))
}

const COUNTRIES: &[&str] = &["ALL", "AR", "BR", "CL", "CO", "CR", "EC", "MX", "PE"];

/// Generate Token (D1), form-encoded, with the conditional rules of seed 000.
async fn create(State(s): State<Arc<Shared>>, Form(form): Form<Vec<(String, String)>>) -> Response {
    use StatusCode as C;
    let get = |k: &str| super::form_value(&form, k);
    let bad = |m: &str| super::error(C::BAD_REQUEST, m);
    let Some(key_type) = get("key_type") else {
        return bad("key_type is required");
    };
    if !["backend", "web", "sdk"].contains(&key_type.as_str()) {
        return bad("key_type must be backend, web or sdk");
    }
    if key_type == "backend" && get("key_name").is_none() {
        return bad("key_name is required for backend keys");
    }
    let grant = get("grant");
    if key_type != "backend" && grant.is_none() {
        return bad("grant is required for web and sdk keys");
    }
    let mut flow = String::new();
    let mut country = String::new();
    if grant.as_deref() == Some("digital-identity") {
        let Some(c) = get("country") else {
            return bad("country is required for digital-identity");
        };
        if !COUNTRIES.contains(&c.as_str()) {
            return bad("country is not supported");
        }
        let Some(f) = get("flow_id") else {
            return bad("flow_id is required for digital-identity");
        };
        if !f.starts_with("IPF") {
            return bad("flow_id is not valid");
        }
        let Some(r) = get("redirect_url") else {
            return bad("redirect_url is required for digital-identity");
        };
        if !(r.starts_with("https://") || r.starts_with("http://")) {
            return bad("redirect_url must be a URL");
        }
        flow = f;
        country = c;
    }
    if let Some(v) = get("api_key_version") {
        if v.parse::<u8>().is_err() {
            return bad("api_key_version must be a number");
        }
    }
    let account_id = match get("account_id") {
        Some(a)
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) =>
        {
            a
        }
        Some(_) => return bad("account_id must match [a-zA-Z0-9_.-]+"),
        None => format!("acc_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
    };
    // A JWT-shaped opaque token, like the real ones.
    let api_key = format!(
        "eyJhbGciOiJIUzI1NiJ9.eyJ3ZWIiOiJ7{}In0.{}",
        &uuid::Uuid::new_v4().simple().to_string()[..16],
        &uuid::Uuid::new_v4().simple().to_string()[..20]
    );
    s.state.lock().unwrap().truora.web_tokens.push(WebToken {
        api_key: api_key.clone(),
        flow_id: flow,
        country,
        account_id,
    });
    (
        C::CREATED,
        Json(serde_json::json!({ "api_key": api_key, "message": "API key created successfully" })),
    )
        .into_response()
}
