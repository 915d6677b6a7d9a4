//! Checks API (catalogue §2). Only listing and reading are here so far; creation, progression,
//! details, PDFs, custom types, settings and continuous checks arrive with the checks issue.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

use crate::state::Shared;

const PAGE: usize = 20;

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/checks", get(list))
        .route("/v1/checks/{check_id}", get(get_one))
}

#[derive(Deserialize)]
struct ListQuery {
    start_key: Option<String>,
}

async fn list(State(s): State<Arc<Shared>>, Query(q): Query<ListQuery>) -> Response {
    let st = s.state.lock().unwrap();
    let all = &st.truora.checks;
    let start = match &q.start_key {
        None => 0,
        Some(k) => match all.iter().position(|c| c["check_id"] == k.as_str()) {
            Some(i) => i + 1,
            None => return super::error(StatusCode::BAD_REQUEST, "invalid start_key"),
        },
    };
    let page: Vec<_> = all.iter().skip(start).take(PAGE).cloned().collect();
    let mut body = serde_json::json!({ "checks": page });
    if start + PAGE < all.len() {
        let last = &all[start + PAGE - 1]["check_id"];
        body["next"] = format!("/v1/checks?start_key={}", last.as_str().unwrap_or_default()).into();
    }
    Json(body).into_response()
}

async fn get_one(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let st = s.state.lock().unwrap();
    match st
        .truora
        .checks
        .iter()
        .find(|c| c["check_id"] == id.as_str())
    {
        Some(c) => Json(serde_json::json!({
            "check": c,
            "details": format!("/v1/checks/{id}/details"),
            "self": format!("/v1/checks/{id}"),
        }))
        .into_response(),
        None => super::error(StatusCode::NOT_FOUND, "The Check was not found"),
    }
}
