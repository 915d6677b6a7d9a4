//! Checks API (catalogue §2): create (form-encoded, with the documented input rules and
//! `force_creation` dedup), statuses that progress over virtual time, scores, per-database
//! statuses, paginated details, delete, and the PDF (202 → 302 like identity files).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::state::{Shared, StoredFile};

const PAGE: usize = 20;
const DETAILS_PAGE: usize = 3;
/// Identical inputs within this window return the existing check unless `force_creation=true`.
const DEDUP_WINDOW_MS: i64 = 24 * 3_600_000;

/// How a check will end, chosen from its inputs so tests can ask for each outcome: a
/// document ending in 13 errors, one ending in 99 is delayed (retries) before completing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Complete,
    Delayed,
    Error,
}

#[derive(Debug, Clone)]
pub struct CheckRecord {
    pub check_id: String,
    pub kind: String,
    pub country: String,
    pub inputs: BTreeMap<String, String>,
    pub created_ms: i64,
    pub plan: Plan,
    pub deleted: bool,
}

/// Virtual milliseconds from creation to each phase.
pub const QUEUED_MS: i64 = 3_000;
pub const RUNNING_MS: i64 = 15_000;
pub const DELAYED_MS: i64 = 120_000;

const PERSON_DATASETS: &[(&str, &str)] = &[
    ("personal_identity", "Registraduría / national registry"),
    ("criminal_record", "Criminal records"),
    ("legal_background", "Judicial processes"),
    (
        "international_background",
        "International lists (OFAC, UN, Interpol)",
    ),
    ("alert_in_media", "Adverse media"),
];
const VEHICLE_DATASETS: &[(&str, &str)] = &[
    ("vehicle_information", "Vehicle registry"),
    ("traffic_fines", "Traffic fines"),
    ("vehicle_permits", "Permits and insurance"),
];
const COMPANY_DATASETS: &[(&str, &str)] = &[
    ("business_background", "Company registry"),
    ("taxes_and_finances", "Tax authority"),
    ("legal_background", "Judicial processes"),
];

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

impl CheckRecord {
    fn document(&self) -> String {
        [
            "national_id",
            "foreign_id",
            "tax_id",
            "license_plate",
            "first_name",
            "company_name",
        ]
        .iter()
        .find_map(|k| self.inputs.get(*k).cloned())
        .unwrap_or_default()
    }

    pub fn status_at(&self, now: i64) -> &'static str {
        let age = now - self.created_ms;
        if age < QUEUED_MS {
            "not_started"
        } else if age < RUNNING_MS {
            "in_progress"
        } else {
            match self.plan {
                Plan::Complete => "completed",
                Plan::Error => "error",
                Plan::Delayed if age < DELAYED_MS => "delayed",
                Plan::Delayed => "completed",
            }
        }
    }

    fn datasets(&self) -> &'static [(&'static str, &'static str)] {
        match self.kind.as_str() {
            "vehicle" => VEHICLE_DATASETS,
            "company" => COMPANY_DATASETS,
            _ => PERSON_DATASETS,
        }
    }

    /// 0 = high risk … 1 = low risk, fixed per document so reruns agree.
    fn scores(&self) -> (f64, f64, f64) {
        let h = hash(&self.document());
        let s = |shift: u32| ((h >> shift) % 101) as f64 / 100.0;
        (s(0).max(0.05), s(8), s(16))
    }

    pub fn to_json(&self, now: i64, clock: &crate::clock::Clock) -> serde_json::Value {
        let status = self.status_at(now);
        let done = status == "completed";
        let (score, id_score, name_score) = if done {
            self.scores()
        } else {
            (-1.0, -1.0, -1.0)
        };
        let age = now - self.created_ms;
        let statuses: Vec<_> = self
            .datasets()
            .iter()
            .enumerate()
            .map(|(i, (ds, name))| {
                let db_status = match status {
                    "not_started" => "not_started",
                    "in_progress" if i as i64 * 2_000 < age - QUEUED_MS => "completed",
                    "in_progress" => "not_started",
                    "delayed" if i == 0 => "delayed",
                    "error" if i == 0 => "error",
                    _ => "completed",
                };
                serde_json::json!({
                    "data_set": ds,
                    "database_id": format!("DB{}{:02}", &ds[..3].to_uppercase(), i),
                    "database_name": name,
                    "status": db_status,
                    "invalid_inputs": if db_status == "error" { vec!["national_id"] } else { vec![] },
                })
            })
            .collect();
        let mut o = serde_json::json!({
            "check_id": self.check_id,
            "type": self.kind,
            "country": self.country,
            "status": status,
            "score": score,
            "id_score": id_score,
            "homonym_score": name_score,
            "creation_date": clock.iso(self.created_ms),
            "update_date": clock.iso(self.created_ms + age.min(RUNNING_MS)),
            "statuses": statuses,
        });
        for (k, v) in &self.inputs {
            o[k] = v.clone().into();
        }
        o
    }
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/checks", get(list).post(create))
        .route("/v1/checks/{check_id}", get(get_one).delete(delete))
        .route("/v1/checks/{check_id}/details", get(details))
        .route("/v1/checks/{check_id}/pdf", get(pdf).post(request_pdf))
        .route("/v1/checks/{check_id}/attachments", get(attachments))
        .route("/v1/checks/{check_id}/summarize", get(summarize))
}

#[derive(Deserialize)]
struct ListQuery {
    start_key: Option<String>,
}

async fn list(State(s): State<Arc<Shared>>, Query(q): Query<ListQuery>) -> Response {
    let now = s.clock.now_ms();
    let st = s.state.lock().unwrap();
    let all: Vec<&CheckRecord> = st.truora.checks.iter().filter(|c| !c.deleted).collect();
    let (page, next) = match super::page_after(
        &all,
        q.start_key.as_deref(),
        |c| &c.check_id,
        PAGE,
        "/v1/checks",
    ) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let page: Vec<_> = page.iter().map(|c| c.to_json(now, &s.clock)).collect();
    let mut body = serde_json::json!({ "checks": page });
    if let Some(n) = next {
        body["next"] = n.into();
    }
    Json(body).into_response()
}

fn find<'a>(st: &'a crate::state::State, id: &str) -> Option<&'a CheckRecord> {
    st.truora
        .checks
        .iter()
        .find(|c| c.check_id == id && !c.deleted)
}

fn envelope(c: &CheckRecord, now: i64, s: &Shared) -> serde_json::Value {
    serde_json::json!({
        "check": c.to_json(now, &s.clock),
        "details": format!("/v1/checks/{}/details", c.check_id),
        "self": format!("/v1/checks/{}", c.check_id),
    })
}

async fn get_one(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let st = s.state.lock().unwrap();
    match find(&st, &id) {
        Some(c) => Json(envelope(c, now, &s)).into_response(),
        None => super::error(StatusCode::NOT_FOUND, "The Check was not found"),
    }
}

async fn delete(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    match st
        .truora
        .checks
        .iter_mut()
        .find(|c| c.check_id == id && !c.deleted)
    {
        Some(c) => {
            c.deleted = true;
            let body = envelope(c, now, &s);
            Json(body).into_response()
        }
        None => super::error(StatusCode::NOT_FOUND, "The Check was not found"),
    }
}

#[derive(Deserialize)]
struct DetailsQuery {
    start_key: Option<usize>,
    lang: Option<String>,
}

async fn details(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<DetailsQuery>,
) -> Response {
    let now = s.clock.now_ms();
    let st = s.state.lock().unwrap();
    let Some(c) = find(&st, &id) else {
        return super::error(StatusCode::NOT_FOUND, "The Check was not found");
    };
    let json = c.to_json(now, &s.clock);
    let spanish = q.lang.as_deref().unwrap_or("es") == "es";
    let all: Vec<serde_json::Value> = json["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|db| {
            let found = db["status"] == "completed" && hash(&format!("{}{}", c.document(), db["data_set"])).is_multiple_of(5);
            let text = match (found, spanish) {
                (true, true) => "Se encontró un registro; revise el informe.",
                (true, false) => "A record was found; see the report.",
                (false, true) => "Sin registros.",
                (false, false) => "No records.",
            };
            serde_json::json!({
                "check_id": c.check_id,
                "data_set": db["data_set"],
                "database_id": db["database_id"],
                "database_name": db["database_name"],
                "status": db["status"],
                "result": if db["status"] != "completed" { "pending" } else if found { "found" } else { "not_found" },
                "severity": if found { "medium" } else { "none" },
                "description": text,
            })
        })
        .collect();
    let start = q.start_key.unwrap_or(0).min(all.len());
    let page: Vec<_> = all[start..].iter().take(DETAILS_PAGE).cloned().collect();
    let mut body = serde_json::json!({ "details": page });
    if start + DETAILS_PAGE < all.len() {
        body["next"] = format!("/v1/checks/{id}/details?start_key={}", start + DETAILS_PAGE).into();
    }
    Json(body).into_response()
}

const COUNTRIES: &[&str] = &["ALL", "AR", "BR", "CL", "CO", "CR", "EC", "MX", "PE"];
const REGIONS: &[&str] = &[
    "ALL", "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
    "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
];

fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && v[..4].parse::<u32>().is_ok()
        && v[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && v[8..].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
}

/// The server's own reading of the catalogue's rules; deliberately written apart from the
/// client's so a client mistake surfaces here.
pub(crate) fn check_inputs(
    kind: &str,
    country: &str,
    f: &BTreeMap<String, String>,
) -> Result<(), String> {
    let has = |k: &str| f.contains_key(k);
    if !COUNTRIES.contains(&country) {
        return Err("country is not supported".into());
    }
    for k in ["date_of_birth", "issue_date", "payment_date"] {
        if let Some(v) = f.get(k) {
            if !is_date(v) {
                return Err(format!("{k} must be YYYY-MM-DD"));
            }
        }
    }
    if let Some(v) = f.get("imei") {
        if v.len() != 15 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err("imei must have 15 digits".into());
        }
    }
    if let Some(v) = f.get("custom_input") {
        if v.chars().count() > 128 {
            return Err("custom_input must be at most 128 characters".into());
        }
    }
    if has("native_national_id") && !has("native_country") {
        return Err("native_country is required when native_national_id is sent".into());
    }
    if let Some(r) = f.get("region") {
        if country != "BR" {
            return Err("region is only valid for Brazil".into());
        }
        if !REGIONS.contains(&r.as_str()) {
            return Err("region is not valid".into());
        }
    }
    if let Some(v) = f.get("state_id") {
        if v.contains(['-', '*', ',', '.']) {
            return Err("state_id must not contain symbols".into());
        }
    }
    if let Some(v) = f.get("national_id") {
        let ok = match country {
            "MX" => v.len() == 18 && v.bytes().all(|b| b.is_ascii_alphanumeric()),
            "CL" => v.bytes().all(|b| b.is_ascii_digit() || b == b'K'),
            _ => v.bytes().all(|b| b.is_ascii_digit()),
        };
        if !ok {
            return Err("national_id has an invalid format".into());
        }
    }
    let need = |keys: &[&str]| -> Result<(), String> {
        match keys.iter().find(|k| !has(k)) {
            Some(k) => Err(format!("{k} is required")),
            None => Ok(()),
        }
    };
    match (kind, country) {
        ("person", "ALL") => need(&["first_name", "last_name"]),
        ("company", "ALL") => need(&["company_name"]),
        ("vehicle", "ALL") => Err("vehicle checks are not available for ALL".into()),
        ("company", "CL" | "CR" | "PE" | "AR") => {
            Err("company checks are not available in this country".into())
        }
        ("company", _) => need(&["tax_id"]),
        ("vehicle", "AR") => need(&["national_id"]),
        ("vehicle", _) => need(&["license_plate"]),
        ("person", "BR") => need(&["national_id", "date_of_birth", "region"]),
        ("person", "MX") if !has("national_id") && !has("foreign_id") => need(&[
            "first_name",
            "last_name",
            "state_id",
            "gender",
            "date_of_birth",
        ]),
        (_, _)
            if [
                "national_id",
                "foreign_id",
                "pep",
                "passport",
                "diplomatic_id",
            ]
            .iter()
            .any(|k| has(k)) =>
        {
            Ok(())
        }
        _ => Err("national_id is required".into()),
    }
}

async fn create(State(s): State<Arc<Shared>>, Form(form): Form<Vec<(String, String)>>) -> Response {
    use StatusCode as C;
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form {
        let v = v.trim().to_string();
        if !v.is_empty() {
            fields.insert(k, v);
        }
    }
    if fields.remove("user_authorized").as_deref() != Some("true") {
        return super::error(C::BAD_REQUEST, "user_authorized must be true");
    }
    let force = fields.remove("force_creation").as_deref() == Some("true");
    let Some(kind) = fields.remove("type") else {
        return super::error(C::BAD_REQUEST, "type is required");
    };
    let Some(country) = fields.remove("country") else {
        return super::error(C::BAD_REQUEST, "country is required");
    };
    let base_kind = if matches!(kind.as_str(), "person" | "vehicle" | "company") {
        kind.clone()
    } else {
        // A custom type must exist for the country; it checks a person.
        let known = s
            .state
            .lock()
            .unwrap()
            .truora
            .custom_types
            .iter()
            .any(|t| t.name == kind && (t.country == country || t.country == "ALL"));
        if !known {
            return super::error(
                C::BAD_REQUEST,
                "type is not a known check type for this country",
            );
        }
        "person".into()
    };
    if let Err(m) = check_inputs(&base_kind, &country, &fields) {
        return super::error(C::BAD_REQUEST, &m);
    }
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    let (record, existing) = create_in(&mut st, kind, country, fields, force, now);
    let body = envelope(&record, now, &s);
    (if existing { C::OK } else { C::CREATED }, Json(body)).into_response()
}

/// Creates a check from validated inputs (or, unforced, returns the recent identical one):
/// the record and whether it already existed. Shared by C1 and batches.
pub(crate) fn create_in(
    st: &mut crate::state::State,
    kind: String,
    country: String,
    fields: BTreeMap<String, String>,
    force: bool,
    now: i64,
) -> (CheckRecord, bool) {
    if !force {
        if let Some(existing) = st.truora.checks.iter().find(|c| {
            !c.deleted
                && c.kind == kind
                && c.country == country
                && c.inputs == fields
                && now - c.created_ms < DEDUP_WINDOW_MS
        }) {
            return (existing.clone(), true);
        }
    }
    let doc = fields
        .get("national_id")
        .or(fields.get("foreign_id"))
        .or(fields.get("passport"))
        .or(fields.get("license_plate"))
        .cloned()
        .unwrap_or_default();
    let plan = if doc.ends_with("13") {
        Plan::Error
    } else if doc.ends_with("99") {
        Plan::Delayed
    } else {
        Plan::Complete
    };
    let record = CheckRecord {
        check_id: format!("CHK{}", uuid::Uuid::new_v4().simple()),
        kind,
        country,
        inputs: fields,
        created_ms: now,
        plan,
        deleted: false,
    };
    st.truora.checks.insert(0, record.clone());
    (record, false)
}

async fn request_pdf(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let st = s.state.lock().unwrap();
    match find(&st, &id) {
        Some(_) => {
            Json(serde_json::json!({ "message": "PDF generation requested" })).into_response()
        }
        None => super::error(StatusCode::NOT_FOUND, "The Check was not found"),
    }
}

#[derive(Deserialize)]
struct PdfQuery {
    lang: Option<String>,
}

/// The catalogue documents a plain GET for check PDFs; the sandbox answers with the identity
/// 202 → 302 contract (catalogue §2.3 says to tolerate it), so the client is ready for both.
async fn pdf(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<PdfQuery>,
) -> Response {
    let now = s.clock.now_ms();
    let lang = q.lang.unwrap_or_else(|| "es".into());
    if !["es", "en", "pt"].contains(&lang.as_str()) {
        return super::error(StatusCode::BAD_REQUEST, "lang is not supported");
    }
    let mut st = s.state.lock().unwrap();
    let Some(c) = find(&st, &id).cloned() else {
        return super::error(StatusCode::NOT_FOUND, "The Check was not found");
    };
    if c.status_at(now) != "completed" {
        return super::error(StatusCode::NOT_FOUND, "the check has not completed yet");
    }
    let key = (format!("{id}:{lang}"), super::identity::FileKind::Pdf);
    if let Some(r) = super::file_phase(&mut st, key, now, Some(s.config.file_prepare_ms)) {
        return r;
    }
    let token = format!("{id}-{lang}-report");
    let json = c.to_json(now, &s.clock);
    let title = match lang.as_str() {
        "en" => "Background check report",
        "pt" => "Relatorio de verificacao de antecedentes",
        _ => "Informe de antecedentes",
    };
    let name = [c.inputs.get("first_name"), c.inputs.get("last_name")]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    st.files.entry(token.clone()).or_insert_with(|| StoredFile {
        content_type: "application/pdf".into(),
        file_name: format!("{id}.pdf"),
        bytes: crate::pdf::text_pdf(
            title,
            &[
                format!("Check: {id}"),
                format!("Type: {} - Country: {}", c.kind, c.country),
                format!("Name: {name}"),
                format!("Document: {}", c.document()),
                format!("Score: {}", json["score"]),
                "Generated by the OpsDesk sandbox (practice data).".into(),
            ],
        ),
    });
    (
        StatusCode::FOUND,
        [("location", format!("{}/files/{token}", s.storage_base))],
    )
        .into_response()
}

/// Attachments (catalogue C5, shape inferred): evidence files kept by the databases, served from
/// the storage host. Only finished checks have them.
async fn attachments(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let mut st = s.state.lock().unwrap();
    let Some(c) = find(&st, &id).cloned() else {
        return super::error(StatusCode::NOT_FOUND, "The Check was not found");
    };
    if c.status_at(now) != "completed" {
        return Json(serde_json::json!({ "attachments": [] })).into_response();
    }
    let token = format!("{id}-certificate");
    st.files.entry(token.clone()).or_insert_with(|| StoredFile {
        content_type: "application/pdf".into(),
        file_name: "certificate.pdf".into(),
        bytes: crate::pdf::text_pdf(
            "Certificado de antecedentes",
            &[format!("Check: {id}"), "Sin anotaciones.".into()],
        ),
    });
    let mut list = vec![serde_json::json!({
        "name": "certificate.pdf",
        "data_set": "criminal_record",
        "content_type": "application/pdf",
        "url": format!("{}/files/{token}", s.storage_base),
    })];
    if st.faults.hostile_attachments {
        // What an attacker would slip in: a program (MZ header) and an HTML application.
        for (name, content_type, bytes) in [
            (
                "factura.exe",
                "application/pdf",
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00This program cannot be run in DOS mode.".to_vec(),
            ),
            (
                "informe.hta",
                "application/pdf",
                b"<HTA:APPLICATION /><script>new ActiveXObject('WScript.Shell').Run('calc')</script>".to_vec(),
            ),
        ] {
            let token = format!("{id}-{name}");
            st.files.entry(token.clone()).or_insert_with(|| StoredFile {
                content_type: content_type.into(),
                file_name: name.into(),
                bytes,
            });
            list.push(serde_json::json!({
                "name": name,
                "data_set": "criminal_record",
                "content_type": content_type,
                "url": format!("{}/files/{token}", s.storage_base),
            }));
        }
    }
    Json(serde_json::json!({ "attachments": list })).into_response()
}

/// Summarize (catalogue C6, shape inferred): counts per result.
async fn summarize(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let now = s.clock.now_ms();
    let st = s.state.lock().unwrap();
    let Some(c) = find(&st, &id) else {
        return super::error(StatusCode::NOT_FOUND, "The Check was not found");
    };
    let json = c.to_json(now, &s.clock);
    let dbs = json["statuses"].as_array().map(|a| a.len()).unwrap_or(0);
    // The same databases the details call "found", so the summary and the findings agree.
    let found = json["statuses"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|db| {
                    db["status"] == "completed"
                        && hash(&format!("{}{}", c.document(), db["data_set"])).is_multiple_of(5)
                })
                .count()
        })
        .unwrap_or(0);
    Json(serde_json::json!({
        "check_id": id,
        "status": json["status"],
        "score": json["score"],
        "databases_consulted": dbs,
        "records_found": found,
    }))
    .into_response()
}
