//! Checks batches (catalogue §2.8, C25–C30) on the account host: create a batch (confirmed),
//! upload its .xlsx with PUT to the temporary link (first file only, 30 minutes), start it, follow
//! it, ask for its report and fetch it (202 while it is prepared, then 302 to the storage host).
//! Only C25's path is documented; the others are this sandbox's reading of the operation names
//! and must match the client's single place for them (`opsdesk_truora::checks::batch::paths`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::state::{Shared, StoredFile};

/// Rows one batch takes (the dashboard guide's figure).
pub const MAX_ROWS: usize = 1_000;
/// The upload link's life.
const UPLOAD_MS: i64 = 30 * 60_000;
/// Virtual time a started batch takes to create its checks.
pub const RUN_MS: i64 = 10_000;
/// Virtual time a requested report takes to prepare.
const REPORT_MS: i64 = 3_000;

#[derive(Debug, Clone)]
pub struct Batch {
    pub batch_id: String,
    pub kind: String,
    pub country: String,
    /// Input name → 0-based column.
    pub mapping: BTreeMap<String, usize>,
    pub upload_token: String,
    pub created_ms: i64,
    pub file: Option<Vec<u8>>,
    pub started_ms: Option<i64>,
    pub stopped: bool,
    /// Each data row: its check, or why it has none.
    pub results: Vec<Result<String, String>>,
    pub report_requested_ms: Option<i64>,
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/batches", post(create))
        .route("/v1/batches/{id}", get(get_one))
        .route("/v1/batches/{id}/start", post(start))
        .route("/v1/batches/{id}/stop", post(stop))
        .route("/v1/batches/{id}/report", post(request_report).get(report))
}

/// The storage host's upload endpoint (no Truora key: a presigned link).
pub fn storage_router() -> Router<Arc<Shared>> {
    Router::new().route("/uploads/{token}", put(upload))
}

/// The inputs a batch of this type and country takes, in the order the file should have them
/// when no mapping is given.
fn default_columns(kind: &str, country: &str) -> Vec<&'static str> {
    match (kind, country) {
        ("vehicle", _) => vec!["license_plate", "national_id"],
        ("company", _) => vec!["tax_id", "company_name"],
        (_, "ALL") => vec!["first_name", "last_name"],
        (_, "BR") => vec!["national_id", "date_of_birth", "region"],
        _ => vec!["national_id", "date_of_birth", "issue_date", "phone_number"],
    }
}

fn bad(m: &str) -> Response {
    super::error(StatusCode::BAD_REQUEST, m)
}

async fn create(State(s): State<Arc<Shared>>, Form(form): Form<Vec<(String, String)>>) -> Response {
    let get = |k: &str| super::form_value(&form, k);
    if get("service").as_deref() != Some("checks") {
        return bad("service must be checks");
    }
    let Some(kind) = get("type") else {
        return bad("type is required");
    };
    if !matches!(kind.as_str(), "person" | "vehicle" | "company") {
        return bad("type is not valid");
    }
    let Some(country) = get("country") else {
        return bad("country is required");
    };
    if !["ALL", "BR", "CO", "CL", "MX", "PE", "CR"].contains(&country.as_str()) {
        return bad("country is not supported for batches");
    }
    let mut mapping = BTreeMap::new();
    for (k, v) in &form {
        if let Some(input) = k.strip_prefix("columns_mapping.") {
            match v.trim().parse::<usize>() {
                Ok(i) => {
                    mapping.insert(input.to_string(), i);
                }
                Err(_) => return bad("columns_mapping values are 0-based column indexes"),
            }
        }
    }
    if mapping.is_empty() {
        mapping = default_columns(&kind, &country)
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c.to_string(), i))
            .collect();
    }
    let now = s.clock.now_ms();
    let b = Batch {
        batch_id: format!("BCH{}", &uuid::Uuid::new_v4().simple().to_string()[..20]),
        kind,
        country,
        mapping,
        upload_token: uuid::Uuid::new_v4().simple().to_string(),
        created_ms: now,
        file: None,
        started_ms: None,
        stopped: false,
        results: Vec::new(),
        report_requested_ms: None,
    };
    let mut columns: Vec<(&String, &usize)> = b.mapping.iter().collect();
    columns.sort_by_key(|(_, i)| **i);
    let body = serde_json::json!({
        "batch_id": b.batch_id,
        "file_upload_link": format!("{}/uploads/{}", s.storage_base, b.upload_token),
        "columns": columns.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
    });
    s.state.lock().unwrap().truora.batches.push(b);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn upload(
    State(s): State<Arc<Shared>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    if headers.contains_key("truora-api-key") || headers.contains_key("authorization") {
        st.stats.storage_requests_with_credentials += 1;
    }
    let Some(b) = st
        .truora
        .batches
        .iter_mut()
        .find(|b| b.upload_token == token)
    else {
        return crate::vendor_error(
            crate::state::Vendor::Storage,
            StatusCode::NOT_FOUND,
            "NoSuchKey",
        );
    };
    if now - b.created_ms > UPLOAD_MS {
        return crate::vendor_error(
            crate::state::Vendor::Storage,
            StatusCode::FORBIDDEN,
            "Request has expired",
        );
    }
    if b.file.is_some() {
        // Only the first file is accepted (catalogue §2.8).
        return crate::vendor_error(
            crate::state::Vendor::Storage,
            StatusCode::FORBIDDEN,
            "AccessDenied",
        );
    }
    b.file = Some(body.to_vec());
    StatusCode::OK.into_response()
}

/// The data rows of an uploaded .xlsx, each as its cells' text.
fn rows_of(file: &[u8]) -> Result<Vec<Vec<String>>, String> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(file))
        .map_err(|_| "the file is not an .xlsx workbook".to_string())?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheet")?
        .map_err(|_| "the sheet cannot be read".to_string())?;
    Ok(range
        .rows()
        .skip(1)
        .map(|r| r.iter().map(|c| c.to_string().trim().to_string()).collect())
        .collect())
}

async fn start(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    let Some(i) = st.truora.batches.iter().position(|b| b.batch_id == id) else {
        return super::error(StatusCode::NOT_FOUND, "batch not found");
    };
    let b = st.truora.batches[i].clone();
    if b.started_ms.is_some() {
        return bad("the batch was already started");
    }
    if b.stopped {
        return bad("the batch was stopped");
    }
    let Some(file) = &b.file else {
        return bad("upload the file before starting the batch");
    };
    let rows = match rows_of(file) {
        Ok(r) => r,
        Err(m) => return bad(&m),
    };
    if rows.len() > MAX_ROWS {
        return bad("a batch takes at most 1000 rows");
    }
    // Each row becomes a check now (they progress over time like any other); the batch reads
    // as running for RUN_MS.
    let mut results = Vec::with_capacity(rows.len());
    for cells in rows {
        let fields: BTreeMap<String, String> = b
            .mapping
            .iter()
            .filter_map(|(input, &col)| {
                let v = cells.get(col)?.trim().to_string();
                (!v.is_empty()).then(|| (input.clone(), v))
            })
            .collect();
        results.push(
            match super::checks::check_inputs(&b.kind, &b.country, &fields) {
                Ok(()) => {
                    let (c, _) = super::checks::create_in(
                        &mut st,
                        b.kind.clone(),
                        b.country.clone(),
                        fields,
                        false,
                        now,
                    );
                    Ok(c.check_id)
                }
                Err(m) => Err(m),
            },
        );
    }
    let b = &mut st.truora.batches[i];
    b.results = results;
    b.started_ms = Some(now);
    Json(batch_json(b, now)).into_response()
}

async fn stop(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    let Some(b) = st.truora.batches.iter_mut().find(|b| b.batch_id == id) else {
        return super::error(StatusCode::NOT_FOUND, "batch not found");
    };
    b.stopped = true;
    Json(batch_json(b, now)).into_response()
}

fn status(b: &Batch, now: i64) -> &'static str {
    match b.started_ms {
        _ if b.stopped => "stopped",
        None if b.file.is_some() => "uploaded",
        None => "created",
        Some(t) if now - t < RUN_MS => "running",
        Some(_) => "completed",
    }
}

fn batch_json(b: &Batch, now: i64) -> serde_json::Value {
    let total = b.results.len() as i64;
    let processed = match b.started_ms {
        Some(t) if status(b, now) == "running" => total * (now - t) / RUN_MS,
        Some(_) => total,
        None => 0,
    };
    serde_json::json!({
        "batch_id": b.batch_id,
        "type": b.kind,
        "country": b.country,
        "status": status(b, now),
        "total": total,
        "processed": processed,
    })
}

async fn get_one(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let st = s.state.lock().unwrap();
    match st.truora.batches.iter().find(|b| b.batch_id == id) {
        Some(b) => Json(batch_json(b, now)).into_response(),
        None => super::error(StatusCode::NOT_FOUND, "batch not found"),
    }
}

async fn request_report(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let now = s.clock.now_ms();
    if super::form_value(&form, "report_format").as_deref() != Some("csv") {
        return bad("report_format must be csv");
    }
    let mut st = s.state.lock().unwrap();
    let Some(b) = st.truora.batches.iter_mut().find(|b| b.batch_id == id) else {
        return super::error(StatusCode::NOT_FOUND, "batch not found");
    };
    if !matches!(status(b, now), "completed" | "stopped") {
        return bad("the batch has not finished");
    }
    b.report_requested_ms.get_or_insert(now);
    (
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "file_status": "requested" })),
    )
        .into_response()
}

/// The report: one line per data row of the uploaded file, in order (`row` is 1-based).
async fn report(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    let Some(b) = st.truora.batches.iter().find(|b| b.batch_id == id).cloned() else {
        return super::error(StatusCode::NOT_FOUND, "batch not found");
    };
    let Some(asked) = b.report_requested_ms else {
        return super::error(StatusCode::NOT_FOUND, "no report was requested");
    };
    if now - asked < REPORT_MS {
        return (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "file_status": "in_progress" })),
        )
            .into_response();
    }
    let mut csv = String::from("row,check_id,status,error\n");
    for (i, r) in b.results.iter().enumerate() {
        match r {
            Ok(id) => csv.push_str(&format!("{},{id},created,\n", i + 1)),
            Err(m) => csv.push_str(&format!("{},,failed,\"{}\"\n", i + 1, m.replace('"', "'"))),
        }
    }
    let token = format!("{id}-report");
    st.files.insert(
        token.clone(),
        StoredFile {
            content_type: "text/csv".into(),
            file_name: format!("{id}.csv"),
            bytes: csv.into_bytes(),
        },
    );
    (
        StatusCode::FOUND,
        [("location", format!("{}/files/{token}", s.storage_base))],
    )
        .into_response()
}
