//! Number management (catalogue §5.5): numbers and feature sets with exactly one filter at a time,
//! paging, and asynchronous publish / delist.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::Arc;

use crate::state::Shared;

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/clients/{client_id}/number_management/numbers",
            axum::routing::get(numbers),
        )
        .route(
            "/clients/{client_id}/number_management/feature_sets",
            axum::routing::get(feature_sets),
        )
        .route(
            "/clients/{client_id}/number_management/feature_sets/{fs}/numbers/publish",
            axum::routing::post(publish),
        )
        .route(
            "/clients/{client_id}/number_management/feature_sets/{fs}/numbers/delist",
            axum::routing::post(delist),
        )
}

const FILTERS: &[&str] = &[
    "department_id",
    "operation_id",
    "process_id",
    "feature_set_id",
];

/// Page, page size, and the one filter (name, value) if any.
type Paged = (usize, usize, Option<(String, String)>);

/// Exactly one filter may be sent (catalogue §5.5); page/limit are positive integers.
fn paging_and_filter(q: &HashMap<String, String>, allowed: &[&str]) -> Result<Paged, Response> {
    let filters: Vec<_> = q
        .iter()
        .filter(|(k, _)| allowed.contains(&k.as_str()))
        .collect();
    if filters.len() > 1 {
        return Err(super::err(
            StatusCode::BAD_REQUEST,
            "only one filter can be used at a time",
        ));
    }
    let num = |k: &str, d: usize| match q.get(k) {
        None => Ok(d),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            super::err(
                StatusCode::BAD_REQUEST,
                &format!("{k} must be a positive integer"),
            )
        }),
    };
    Ok((
        num("page", 1)?,
        num("limit", 50)?,
        filters.first().map(|(k, v)| ((*k).clone(), (*v).clone())),
    ))
}

fn feature_set_id(name: &str) -> String {
    super::id_of("fs", name)
}

/// Whether a number matches the one filter of a request (none: every number).
fn matches(n: &super::BusinessNumber, filter: &Option<(String, String)>) -> bool {
    let Some((k, v)) = filter else {
        return true;
    };
    let id = match k.as_str() {
        "feature_set_id" => feature_set_id(&n.feature_set_name),
        "department_id" => super::id_of("dep", &n.department),
        "operation_id" => super::id_of("op", &n.operation),
        "process_id" => super::id_of("proc", &n.process),
        _ => return false,
    };
    &id == v
}

async fn numbers(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = super::authorize(&s, &headers, &client_id) {
        return r;
    }
    let (page, limit, filter) = match paging_and_filter(&q, FILTERS) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    for n in st.truecaller.numbers.iter_mut() {
        if now - n.changed_ms >= super::LISTING_MS {
            match n.status.as_str() {
                "pending" => n.status = "listed".into(),
                "delisting" => n.status = "delisted".into(),
                _ => {}
            }
        }
    }
    let all: Vec<_> = st
        .truecaller
        .numbers
        .iter()
        .filter(|n| matches(n, &filter))
        .collect();
    let pages = all.len().div_ceil(limit).max(1);
    let items: Vec<_> = all
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .map(|n| {
            serde_json::json!({
                "phone_number": n.phone_number, "phone_type": "verified", "status": n.status,
                "client_account_id": client_id, "department": n.department, "operation": n.operation, "process": n.process,
                "feature_set_name": n.feature_set_name,
                "call_me_back": "enabled", "label_name": "Banco Andino – Cobranzas",
            })
        })
        .collect();
    Json(serde_json::json!({ "numbers": items, "pagination_information": { "total_page_count": pages } })).into_response()
}

async fn feature_sets(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = super::authorize(&s, &headers, &client_id) {
        return r;
    }
    let (page, limit, filter) = match paging_and_filter(&q, &FILTERS[..3]) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let st = s.state.lock().unwrap();
    // A feature set per name, placed where its first number is.
    let mut sets: Vec<&super::BusinessNumber> = Vec::new();
    for n in st.truecaller.numbers.iter().filter(|n| matches(n, &filter)) {
        if !sets
            .iter()
            .any(|s| s.feature_set_name == n.feature_set_name)
        {
            sets.push(n);
        }
    }
    sets.sort_by(|a, b| a.feature_set_name.cmp(&b.feature_set_name));
    let pages = sets.len().div_ceil(limit).max(1);
    let items: Vec<_> = sets
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .map(|n| {
            serde_json::json!({
                "id": feature_set_id(&n.feature_set_name), "name": n.feature_set_name, "status": "published",
                "client_account_id": client_id, "call_me_back": true, "survey": false,
                "department_id": super::id_of("dep", &n.department), "department_name": n.department,
                "operation_id": super::id_of("op", &n.operation),
                "calling_operation_id": super::id_of("cop", &n.operation), "calling_operation_name": n.operation,
                "process_id": super::id_of("proc", &n.process), "process_name": n.process, "sub_process_name": null,
            })
        })
        .collect();
    Json(serde_json::json!({ "feature_sets": items, "pagination_info": { "total_page_count": pages, "current_page": page, "page_limit": limit } })).into_response()
}

fn phone_list(body: &serde_json::Value) -> Result<Vec<String>, Response> {
    let list = body
        .get("phone_numbers")
        .and_then(|v| v.as_array())
        .ok_or_else(|| super::err(StatusCode::BAD_REQUEST, "phone_numbers is required"))?;
    Ok(list
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect())
}

async fn publish(
    State(s): State<Arc<Shared>>,
    Path((client_id, fs)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    if let Err(r) = super::authorize(&s, &headers, &client_id) {
        return r;
    }
    let list = match phone_list(&body) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    // A new number sits where the feature set does.
    let home = st
        .truecaller
        .numbers
        .iter()
        .find(|n| feature_set_id(&n.feature_set_name) == fs)
        .cloned();
    let Some(home) = home else {
        return super::err(StatusCode::NOT_FOUND, "feature set not found");
    };
    let (mut new, mut existing, mut invalid) = (vec![], vec![], vec![]);
    for p in list {
        if p.len() != 12 || !p.starts_with("91") || !p.bytes().all(|b| b.is_ascii_digit()) {
            invalid.push(p);
        } else if st.truecaller.numbers.iter().any(|n| n.phone_number == p) {
            existing.push(p);
        } else {
            st.truecaller.numbers.push(super::BusinessNumber {
                phone_number: p.clone(),
                status: "pending".into(),
                feature_set_name: home.feature_set_name.clone(),
                department: home.department.clone(),
                operation: home.operation.clone(),
                process: home.process.clone(),
                changed_ms: now,
            });
            new.push(p);
        }
    }
    Json(serde_json::json!({ "client_account_id": client_id, "phone_type": "verified", "new_numbers": new, "existing_numbers": existing, "invalid_numbers": invalid, "status": "pending" })).into_response()
}

async fn delist(
    State(s): State<Arc<Shared>>,
    Path((client_id, _fs)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    if let Err(r) = super::authorize(&s, &headers, &client_id) {
        return r;
    }
    let list = match phone_list(&body) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    let (mut processing, mut unknown) = (vec![], vec![]);
    for p in list {
        match st
            .truecaller
            .numbers
            .iter_mut()
            .find(|n| n.phone_number == p && n.status == "listed")
        {
            Some(n) => {
                n.status = "delisting".into();
                n.changed_ms = now;
                processing.push(p);
            }
            None => unknown.push(p),
        }
    }
    let status = if processing.is_empty() {
        "failed"
    } else {
        "pending"
    };
    Json(serde_json::json!({ "client_account_id": client_id, "processing_numbers": processing, "new_numbers": unknown, "status": status })).into_response()
}
